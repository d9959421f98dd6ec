import Access
import Crypto
import DoorAgent
import DoorProtocol
import Fluent
import Foundation
import NIOConcurrencyHelpers
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import SQLKit
import Store
import Testing
import Vapor

/// The door-side attacks of security issue 14, each performed over real HTTP against a real server:
/// forged event uploads (H1), staff sessions posing as doors (H1), a replayed snapshot (H2), names
/// disclosed by refusals (L1), doors that do not exist (L7), and the signing key in the database (M3).
@Suite("Door security: forged events, replayed snapshots, disclosure, the signing key", .serialized)
struct DoorSecurityTests {
    static func employeeID(_ site: DoorSite, number: String) async throws -> EmployeeID {
        try #require(await site.server.app.mynagate.policy.current.employees.values.first { $0.employeeNumber == number }?.id)
    }

    static func event(_ site: DoorSite, _ time: Date, serial: String? = nil, employee: EmployeeID?, outcome: Decision.Outcome = .grant,
                      reason: String = "granted") -> DoorEvent {
        DoorEvent(time: time, door: "entrance", serial: serial ?? site.serial, outcome: outcome, reason: reason, employee: employee,
                  offline: true, snapshotVersion: 3)
    }

    static func crossings(_ s: TestServer) async throws -> Int {
        try await s.app.mynagate.events.flush()
        let sql = s.app.db as! any SQLDatabase
        return try await sql.raw("SELECT COUNT(*) AS n FROM attendance_crossings").first()?.decode(column: "n", as: Int.self) ?? -1
    }

    static func result(_ r: TestServer.Reply) throws -> DoorEventBatchResult {
        try DoorWire.decoder().decode(DoorEventBatchResult.self, from: r.body)
    }

    @Test("H1: a grant dated while the card was suspended is quarantined even after the card is reinstated")
    func grantWhileSuspendedThenReinstated() async throws {
        let site = try await DoorSite.make()
        let s = site.server
        let d001 = try await Self.employeeID(site, number: "D001")
        // The door and the card have been in service for two hours.
        let twoHoursAgo = Date().addingTimeInterval(-7_200)
        try await CredentialModel.query(on: s.app.db).filter(\.$serial == site.serial)
            .set(\.$createdAt, to: twoHoursAgo).set(\.$notBefore, to: twoHoursAgo).set(\.$stateChangedAt, to: twoHoursAgo).update()
        try await SettingModel.query(on: s.app.db).filter(\.$id == "door_registered:entrance")
            .set(\.$value, to: twoHoursAgo.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))).update()
        // Suspended as lost, then reinstated now: a grant dated an hour ago (during the loss, say) is forged.
        #expect(try await s.send(.POST, "/api/v1/credentials/\(site.credentialID)/suspend", as: site.admin).status == .ok)
        #expect(try await s.send(.POST, "/api/v1/credentials/\(site.credentialID)/reinstate", as: site.admin).status == .ok)
        let r = try await site.upload([Self.event(site, Date().addingTimeInterval(-3_600), employee: d001)])
        #expect(try Self.result(r) == DoorEventBatchResult(accepted: 0, duplicates: 0, quarantined: 1), "\(r.text)")
        #expect(try await Self.crossings(s) == 0)
        // A grant after the reinstatement counts.
        let later = try await site.upload([Self.event(site, Date(), employee: d001)])
        #expect(try Self.result(later) == DoorEventBatchResult(accepted: 1, duplicates: 0, quarantined: 0), "\(later.text)")
        await s.stop()
    }

    @Test("H1: forged uploads (unknown serial, another person, impossible times, a suspended card) are quarantined, never attendance; honest offline events count")
    func forgedEventsQuarantined() async throws {
        let site = try await DoorSite.make()
        let s = site.server
        let d001 = try await Self.employeeID(site, number: "D001")
        let (_, d002, _) = try await enroll(s, desk: site.admin, number: "D002", groups: ["staff"])
        let now = Date()
        #expect(try await Self.crossings(s) == 0)

        // Honest events a door decided offline a minute ago: a grant for the card's holder, a deny of a
        // card nobody enrolled.
        let honest = Self.event(site, now.addingTimeInterval(-60), employee: d001)
        let honestDeny = Self.event(site, now.addingTimeInterval(-50), serial: "DEADBEEF", employee: nil, outcome: .deny, reason: "unknown_credential")
        let forged: [(DoorEvent, String)] = [
            (Self.event(site, now.addingTimeInterval(-30), serial: "DEADBEEF", employee: d001), "unknown_serial"),
            (Self.event(site, now.addingTimeInterval(-30), employee: EmployeeID(rawValue: d002)), "employee_mismatch"),
            (Self.event(site, now.addingTimeInterval(-30), serial: "DEADBEEF", employee: "not-a-person-<b>x</b>"), "unknown_serial"),
            (Self.event(site, Date(timeIntervalSince1970: 1_736_121_600), employee: d001), "time_too_old"),        // 2025-01-06
            (Self.event(site, Date(timeIntervalSince1970: -62_135_596_800), employee: d001), "time_too_old"),     // 0001-01-01
            (Self.event(site, now.addingTimeInterval(-86_400), employee: d001), "before_registration"),
            (Self.event(site, now.addingTimeInterval(3_600), employee: d001), "time_in_future"),
            (Self.event(site, Date(timeIntervalSince1970: 253_402_300_799), employee: d001), "time_in_future"),  // 9999-12-31
        ]
        let batch = [honest, honestDeny] + forged.map(\.0)
        let r = try await site.upload(batch)
        #expect(r.status == .ok, "\(r.text)")
        #expect(try Self.result(r) == DoorEventBatchResult(accepted: 2, duplicates: 0, quarantined: forged.count))
        // Only the honest grant is a crossing; no attendance row was made for the invented person.
        #expect(try await Self.crossings(s) == 1)
        let sql = s.app.db as! any SQLDatabase
        #expect(try await sql.raw("SELECT COUNT(*) AS n FROM attendance_people WHERE employee_id LIKE 'not-a-person%'").first()?.decode(column: "n", as: Int.self) == 0)

        // The log: the person is the server's finding, not the door's claim; quarantined uploads have their own kind.
        let decisions = try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "door.decision").all()
        #expect(Set(decisions.map(\.subject)) == ["employee:\(d001.rawValue)", "credential:DEADBEEF"])
        let quarantined = try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "door.event_quarantined").all()
        #expect(quarantined.count == forged.count)

        // A retry of the whole batch (the agent lost the answer) changes nothing.
        #expect(try Self.result(try await site.upload(batch)) == DoorEventBatchResult(accepted: 0, duplicates: batch.count, quarantined: 0))

        // An impossible calendar date is refused outright.
        let text = String(decoding: try DoorWire.encoder().encode(DoorEventBatch(events: [Self.event(site, now, employee: d001)])), as: UTF8.self)
        let impossible = try #require(text.range(of: #""time":"[^"]*""#, options: .regularExpression))
        let bad = text.replacingCharacters(in: impossible, with: #""time":"2026-02-30T00:00:00Z""#)
        #expect(try await s.send(.POST, "/api/v1/doors/entrance/events", as: site.door, raw: Data(bad.utf8), contentType: "application/json").status == .badRequest)

        // A card suspended: a grant decided before the suspension still counts (the door could not know
        // better and the card was good), one decided after it is quarantined.
        let before = Self.event(site, Date().addingTimeInterval(-1), employee: d001)
        #expect(try await s.send(.POST, "/api/v1/credentials/\(site.credentialID)/suspend", as: site.admin).status == .ok)
        let after = Self.event(site, Date().addingTimeInterval(1), employee: d001)
        #expect(try Self.result(try await site.upload([before, after])) == DoorEventBatchResult(accepted: 1, duplicates: 0, quarantined: 1))
        #expect(try await Self.crossings(s) == 2)

        // Security and administrators see each quarantined event with its reason; others do not.
        let security = try await s.user(.security)
        let list = try await s.send(.GET, "/api/v1/doors/quarantine", as: security)
        #expect(list.status == .ok, "\(list.text)")
        var reasons = list.array().compactMap { $0["reason"] as? String }
        reasons.sort()
        #expect(reasons == (forged.map(\.1) + ["credential_not_active"]).sorted())
        #expect(list.array().allSatisfy { ($0["reasonText"] as? String)?.isEmpty == false })
        #expect(try await s.send(.GET, "/api/v1/doors/quarantine", as: try await s.user(.hr)).status == .forbidden)
        let page = try await s.send(.GET, "/doors", as: security)
        #expect(page.text.contains("quarantine-table") && page.text.contains("DEADBEEF"))
        #expect(!page.text.contains("<b>x</b>"))
        await s.stop()
    }

    @Test("H1: a staff session cannot upload events or act as a door's agent; its test tap is recorded as the officer")
    func staffSessionsAreNotDoors() async throws {
        let site = try await DoorSite.make()
        let s = site.server
        let d001 = try await Self.employeeID(site, number: "D001")
        let body = try DoorWire.encoder().encode(DoorEventBatch(events: [Self.event(site, Date(), employee: d001)]))
        for role in [Role.security, .admin, .hr] {
            let who = try await s.user(role)
            #expect(try await s.send(.POST, "/api/v1/doors/entrance/events", as: who, raw: body, contentType: "application/json").status == .forbidden)
            #expect(try await s.send(.GET, "/api/v1/doors/entrance/snapshot", as: who).status == .forbidden)
            let beat = try DoorWire.encoder().encode(DoorHeartbeat(snapshotVersion: 1))
            #expect(try await s.send(.POST, "/api/v1/doors/entrance/heartbeat", as: who, raw: beat, contentType: "application/json").status == .forbidden)
        }
        #expect(try await Self.crossings(s) == 0)

        // The enrollment desk's test tap still works, and says who asked.
        let security = try await s.user(.security)
        let tap = try await s.send(.POST, "/api/v1/doors/entrance/decisions", as: security, json: ["serial": site.serial])
        #expect(tap.status == .ok && tap.object()["outcome"] as? String == "grant", "\(tap.text)")
        try await s.app.mynagate.events.flush()
        let records = try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "door.decision").all()
        #expect(records.count == 1)
        #expect(records.first?.actor.hasPrefix("user:security-") == true, "\(records.first?.actor ?? "")")
        // The officer's test tap is nobody's working time, even at the workplace boundary.
        #expect(try await Self.crossings(s) == 0)
        // The door's own token is still the door.
        _ = try await s.send(.POST, "/api/v1/doors/entrance/decisions", as: site.door, json: ["serial": site.serial])
        try await s.app.mynagate.events.flush()
        #expect(try await AuditRecordModel.query(on: s.app.db).filter(\.$actor == "door:entrance").count() == 1)
        await s.stop()
    }

    @Test("H2: over HTTP, a recorded snapshot replayed after a suspension is refused and the card stays denied")
    func replayedSnapshotOverHTTP() async throws {
        let site = try await DoorSite.make()
        let s = site.server
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let registration = DoorAgentRegistration(server: s.base, door: "entrance", token: site.door.bearer ?? "",
                                                 snapshotPublicKey: site.publicKey.rawRepresentation.base64EncodedString())
        let link = ReplayingLink(HTTPDoorServer(registration: registration))
        let store = try await LocalStore.open(path: dir.appendingPathComponent("door.sqlite").path)
        let sync = SnapshotSync(store: store, server: link, verifier: try SnapshotVerifier(base64PublicKey: registration.snapshotPublicKey), door: "entrance")
        let key = CredentialKey(issuer: "", serial: site.serial)
        func granted() async -> Bool {
            guard let policy = await sync.current?.policy else { return false }
            return AccessDecider.decide(AccessRequest(door: "entrance", credential: key, time: Date()), policy: policy).isGranted
        }
        #expect(try await sync.syncOnce())
        #expect(await granted())
        let activeVersion = await sync.current?.snapshot.version

        #expect(try await s.send(.POST, "/api/v1/credentials/\(site.credentialID)/suspend", as: site.admin).status == .ok)
        #expect(try await sync.syncOnce())
        #expect(await !granted())
        let syncedAt = await sync.current?.syncedAt

        // The man in the middle answers with the body recorded while the card was active.
        link.replayFirst()
        await #expect(throws: SnapshotRefusal.staleNonce) { try await sync.syncOnce() }
        #expect(await !granted())
        #expect(await sync.current?.syncedAt == syncedAt)
        #expect(await (sync.current?.snapshot.version ?? 0) > (activeVersion ?? 0))

        // The server signs the agent's nonce back; a malformed nonce is refused.
        let nonce = "abcdefghijklmnopqrstuvwxyz012345"
        let r = try await s.send(.GET, "/api/v1/doors/entrance/snapshot?nonce=\(nonce)", as: site.door)
        #expect(try DoorWire.decoder().decode(DoorSnapshot.self, from: r.body).nonce == nonce)
        #expect(try await s.send(.GET, "/api/v1/doors/entrance/snapshot?nonce=short", as: site.door).status == .badRequest)

        try await store.close()
        try? FileManager.default.removeItem(at: dir)
        await s.stop()
    }

    @Test("L1: a refusal for lack of permission does not name the person; a grant, or someone the zone admits, is named")
    func refusalDoesNotName() async throws {
        let site = try await DoorSite.make()
        let s = site.server
        let t = try await s.send(.POST, "/api/v1/doors/mynumber-room/token", as: site.admin)
        let room = TestServer.Identity(bearer: t.object()["token"] as? String)
        // D001 (staff only) at the My Number room: refused, and the answer does not say who it was.
        let refused = try await s.send(.POST, "/api/v1/doors/mynumber-room/decisions", as: room, json: ["serial": site.serial])
        #expect(refused.object()["outcome"] as? String == "deny", "\(refused.text)")
        #expect(refused.object()["reason"] as? String == "no_permission", "\(refused.text)")
        #expect(refused.object()["employeeName"] == nil || refused.object()["employeeName"] is NSNull, "\(refused.text)")
        // A handler is named even when the PIN is still to come; a grant names the person.
        let (handler, _, _) = try await enroll(s, desk: site.admin, number: "D003", groups: ["staff", "handlers"])
        let pin = try await s.send(.POST, "/api/v1/doors/mynumber-room/decisions", as: room, json: ["serial": try await handler.serialHex])
        #expect(pin.object()["reason"] as? String == "pin_required" && pin.object()["employeeName"] as? String == "試験 D003", "\(pin.text)")
        let grant = try await s.send(.POST, "/api/v1/doors/entrance/decisions", as: site.door, json: ["serial": site.serial])
        #expect(grant.object()["employeeName"] as? String == "試験 D001", "\(grant.text)")
        await s.stop()
    }

    @Test("L7: heartbeats and emergency unlocks for doors that do not exist are refused with 404")
    func ghostDoors() async throws {
        let site = try await DoorSite.make()
        let s = site.server
        // A token for a door that is not configured (left behind, or written by hand).
        let token = "ghost-token-\(UUID().uuidString)"
        let hash = SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
        try await SettingModel(key: "door_token:ghost", value: hash).create(on: s.app.db)
        let beat = try DoorWire.encoder().encode(DoorHeartbeat(snapshotVersion: 1))
        let r = try await s.send(.POST, "/api/v1/doors/ghost/heartbeat", as: .init(bearer: token), raw: beat, contentType: "application/json")
        #expect(r.status == .notFound, "\(r.text)")
        let security = try await s.user(.security)
        #expect(try await s.send(.POST, "/api/v1/doors/ghost/heartbeat", as: security, raw: beat, contentType: "application/json").status == .forbidden)
        #expect(try await s.send(.GET, "/api/v1/doors/status", as: security).array().allSatisfy { $0["door"] as? String != "ghost" })
        #expect(try await s.send(.POST, "/api/v1/doors/no-such-door/emergency-unlock", as: security, json: ["on": true]).status == .notFound)
        #expect(try await s.send(.POST, "/api/v1/doors/entrance/emergency-unlock", as: security, json: ["on": true]).status == .ok)
        #expect(try await s.send(.POST, "/api/v1/doors/entrance/emergency-unlock", as: security, json: ["on": false]).status == .ok)
        await s.stop()
    }

    @Test("M3: the database holds no private snapshot key; the key file is 0600")
    func noPrivateKeyInDatabase() async throws {
        let site = try await DoorSite.make()
        let s = site.server
        let file = s.directory.appendingPathComponent("snapshot-signing.key").path
        #expect((try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let keyText = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let raw = try #require(Data(base64Encoded: keyText))
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        #expect(key.publicKey.rawRepresentation == site.publicKey.rawRepresentation)
        for setting in try await SettingModel.query(on: s.app.db).all() {
            #expect(!setting.value.contains(keyText), "setting \(setting.id ?? "") holds the private key")
        }
        // Nor anywhere in the SQLite files (tables, indexes, the write-ahead log).
        if TestServer.postgresURL == nil {
            let db = s.directory.appendingPathComponent("mynagate.sqlite").path
            for f in [db, db + "-wal"] where FileManager.default.fileExists(atPath: f) {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: f))
                #expect(bytes.range(of: Data(keyText.utf8)) == nil && bytes.range(of: raw) == nil, "\(f) holds the private key")
            }
        }
        await s.stop()
    }

    @Test("M3: a key an older release kept in the database is moved to the file once, deleted there, and audited", .disabled(if: TestServer.postgresURL != nil, "starts a second server on the first one's SQLite file"))
    func legacyKeyMoved() async throws {
        let first = try await TestServer.start()
        // Make the database look like an older release's: the private key in settings, no file.
        let legacy = Curve25519.Signing.PrivateKey()
        try await SettingModel(key: "snapshot_signing_key", value: legacy.rawRepresentation.base64EncodedString()).create(on: first.app.db)
        try await SettingModel.find("snapshot_signing_public_key", on: first.app.db)?.delete(on: first.app.db)
        let file = first.directory.appendingPathComponent("snapshot-signing.key").path
        try FileManager.default.removeItem(atPath: file)

        let second = try await TestServer.start { c, _ in c.dataDirectory = first.directory.path }
        let admin = try await second.user(.admin)
        try await setUpSite(second, admin: admin)
        let t = try await second.send(.POST, "/api/v1/doors/entrance/token", as: admin)
        #expect(t.object()["snapshotPublicKey"] as? String == legacy.publicKey.rawRepresentation.base64EncodedString())
        #expect(try await SettingModel.find("snapshot_signing_key", on: second.app.db) == nil)
        #expect((try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == legacy.rawRepresentation.base64EncodedString())
        // The bytes do not linger in the database file or its log either.
        let db = first.directory.appendingPathComponent("mynagate.sqlite").path
        for f in [db, db + "-wal"] where FileManager.default.fileExists(atPath: f) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: f))
            #expect(bytes.range(of: Data(legacy.rawRepresentation.base64EncodedString().utf8)) == nil, "\(f) still holds the moved key")
        }
        let moved = try await AuditRecordModel.query(on: second.app.db).filter(\.$kind == "door.snapshot_key_moved").all()
        #expect(moved.count == 1 && moved.first?.actor == "system:startup")

        // A server given no file (or another one) while doors trust the recorded key refuses to start,
        // and says every server needs the same file.
        do {
            let third = try await TestServer.start { c, dir in
                c.dataDirectory = first.directory.path
                c.snapshotSigningKeyFile = dir.appendingPathComponent("missing.key").path
            }
            await third.stop()
            Issue.record("a server without the key file started")
        } catch {
            #expect("\(error)".contains("every server must be given the same file"), "\(error)")
        }
        await second.stop()
        await first.stop()
    }
}

/// Between the agent and the server: passes requests through, keeping the first answer, and on demand
/// answers every later request with it, as an attacker on the link would.
final class ReplayingLink: DoorServer, @unchecked Sendable {
    let inner: HTTPDoorServer
    private let first = NIOLockedValueBox<SignedBody?>(nil)
    private let replaying = NIOLockedValueBox(false)

    init(_ inner: HTTPDoorServer) { self.inner = inner }

    func replayFirst() { replaying.withLockedValue { $0 = true } }

    func snapshot(since: Int?, nonce: String) async throws -> SignedBody {
        if replaying.withLockedValue({ $0 }), let recorded = first.withLockedValue({ $0 }) { return recorded }
        let body = try await inner.snapshot(since: since, nonce: nonce)
        first.withLockedValue { if $0 == nil { $0 = body } }
        return body
    }

    func upload(_ batch: DoorEventBatch) async throws -> DoorEventBatchResult { try await inner.upload(batch) }
    func heartbeat(_ heartbeat: DoorHeartbeat) async throws { try await inner.heartbeat(heartbeat) }
}
