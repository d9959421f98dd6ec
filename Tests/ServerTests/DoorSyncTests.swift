import Access
import Crypto
import DoorProtocol
import FaultInjection
import Fluent
import Foundation
import NIOConcurrencyHelpers
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Store
import Testing
import Vapor

/// A site with the entrance door, one enrolled card and the entrance's agent token.
struct DoorSite {
    let server: TestServer
    let admin: TestServer.Identity
    let door: TestServer.Identity
    let publicKey: Curve25519.Signing.PublicKey
    let serial: String
    let credentialID: String

    static func make(faults: FaultPlan? = nil, _ adjust: (inout ServerConfig, URL) throws -> Void = { _, _ in }) async throws -> DoorSite {
        let s = try await TestServer.start(faults: faults, adjust)
        let admin = try await s.user(.admin)
        try await setUpSite(s, admin: admin)
        let (holder, _, credentialID) = try await enroll(s, desk: admin, number: "D001", groups: ["staff"])
        let serial = try await holder.serialHex
        let t = try await s.send(.POST, "/api/v1/doors/entrance/token", as: admin)
        let key = try Curve25519.Signing.PublicKey(rawRepresentation: Data(base64Encoded: t.object()["snapshotPublicKey"] as? String ?? "") ?? Data())
        return DoorSite(server: s, admin: admin, door: .init(bearer: t.object()["token"] as? String), publicKey: key, serial: serial, credentialID: credentialID)
    }

    /// Fetches and verifies a snapshot.
    func snapshot(since: Int? = nil) async throws -> DoorSnapshot {
        let r = try await server.send(.GET, "/api/v1/doors/entrance/snapshot" + (since.map { "?since=\($0)" } ?? ""), as: door)
        #expect(r.status == .ok, "\(r.text)")
        let signature = Data(base64Encoded: r.headers.first(name: DoorWire.signatureHeader) ?? "") ?? Data()
        #expect(publicKey.isValidSignature(signature, for: r.body), "snapshot signature does not verify")
        return try DoorWire.decoder().decode(DoorSnapshot.self, from: r.body)
    }

    func upload(_ events: [DoorEvent]) async throws -> TestServer.Reply {
        try await server.send(.POST, "/api/v1/doors/entrance/events", as: door, raw: try DoorWire.encoder().encode(DoorEventBatch(events: events)),
                              contentType: "application/json")
    }

    func event(_ i: Int, offline: Bool = true) -> DoorEvent {
        DoorEvent(time: Date(), door: "entrance", serial: serial, outcome: i % 5 == 0 ? .deny : .grant, reason: i % 5 == 0 ? "unknown_credential" : "granted",
                  offline: offline, snapshotVersion: 3, warnings: [])
    }

    func doorDecisions() async throws -> [[String: String]] {
        try await server.app.mynagate.events.flush()
        return try await AuditRecordModel.query(on: server.app.db).filter(\.$kind == "door.decision").all().map {
            (try? JSONDecoder().decode([String: String].self, from: Data($0.details.utf8))) ?? [:]
        }
    }
}

@Suite("Door agents: snapshot, events, heartbeat, push", .serialized)
struct DoorSyncTests {
    @Test("the snapshot is signed, full at first, then a delta carrying the suspension; a revoked token gets 401")
    func snapshots() async throws {
        let site = try await DoorSite.make()
        let first = try await site.snapshot()
        #expect(first.full && first.door == "entrance" && first.removedCredentials.isEmpty)
        #expect(first.policy.doors.map(\.id).contains("entrance"))
        #expect(first.policy.zones.map(\.id) == ["lobby"])
        let policy = first.accessPolicy()
        let key = CredentialKey(issuer: "", serial: site.serial)
        #expect(AccessDecider.decide(AccessRequest(door: "entrance", credential: key, time: Date(), proof: .tap, revocation: .good), policy: policy,
                                     presence: PresenceState()).isGranted)
        // A tap door needs no certificates; a pin door gets them for the signature check.
        #expect(first.policy.credentials.allSatisfy { $0.certificate.isEmpty })

        let suspended = try await site.server.send(.POST, "/api/v1/credentials/\(site.credentialID)/suspend", as: site.admin)
        #expect(suspended.status == .ok, "\(suspended.text)")
        let delta = try await site.snapshot(since: first.version)
        #expect(!delta.full && delta.version > first.version)
        #expect(delta.policy.credentials.count == 1)
        let merged = first.applying(delta)
        guard case .suspended = merged.accessPolicy().resolve(key)?.state else {
            Issue.record("the delta did not carry the suspension")
            return
        }
        #expect(!AccessDecider.decide(AccessRequest(door: "entrance", credential: key, time: Date(), proof: .tap, revocation: .good),
                                      policy: merged.accessPolicy(), presence: PresenceState()).isGranted)
        // Nothing changed since: only what was stamped with that very version comes again (the delta is
        // inclusive, so two changes racing for one number cannot be lost).
        #expect(try await site.snapshot(since: delta.version).policy.credentials.allSatisfy { $0.version == delta.version })
        // A version this server never had, or none: full.
        #expect(try await site.snapshot(since: delta.version + 100).full)
        #expect(try await site.snapshot(since: 0).full)

        // The key is kept in a 0600 file in the data directory, never in the database (which holds only
        // the public key, to notice a server given another file).
        #expect(try await SettingModel.find("snapshot_signing_key", on: site.server.app.db) == nil)
        #expect(try await SettingModel.find("snapshot_signing_public_key", on: site.server.app.db)?.value == site.publicKey.rawRepresentation.base64EncodedString())
        let keyFile = site.server.directory.appendingPathComponent("snapshot-signing.key").path
        #expect((try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        #expect(try await site.server.send(.DELETE, "/api/v1/doors/entrance/token", as: site.admin).status == .noContent)
        for path in ["snapshot", "push"] {
            #expect(try await site.server.send(.GET, "/api/v1/doors/entrance/\(path)", as: site.door).status == .unauthorized)
        }
        #expect(try await site.upload([site.event(1)]).status == .unauthorized)
        #expect(try await site.server.send(.POST, "/api/v1/doors/entrance/heartbeat", as: site.door, json: [String: String]()).status == .unauthorized)
        await site.server.stop()
    }

    @Test("a pin door's snapshot holds certificates and names only of the people it may let in")
    func pinDoorCertificates() async throws {
        let site = try await DoorSite.make()
        // D001 (staff) may not enter the My Number room; D002 (handlers) may.
        let (_, handlerID, _) = try await enroll(site.server, desk: site.admin, number: "D002", groups: ["staff", "handlers"])
        let t = try await site.server.send(.POST, "/api/v1/doors/mynumber-room/token", as: site.admin)
        let r = try await site.server.send(.GET, "/api/v1/doors/mynumber-room/snapshot", as: .init(bearer: t.object()["token"] as? String))
        let snapshot = try DoorWire.decoder().decode(DoorSnapshot.self, from: r.body)
        let employees = Dictionary(uniqueKeysWithValues: snapshot.policy.employees.map { ($0.id, $0) })
        #expect(snapshot.policy.credentials.count == 2)
        for c in snapshot.policy.credentials {
            let allowed = c.credential.employee.rawValue.lowercased() == handlerID.lowercased()
            #expect(c.certificate.isEmpty == !allowed, "certificate sent for \(allowed ? "an allowed" : "a refused") person: \(!c.certificate.isEmpty)")
            let e = try #require(employees[c.credential.employee])
            #expect(e.name.isEmpty == !allowed && e.groups.isEmpty == !allowed)
        }
        // Only the group granting this door's zone, with only that grant, and only its schedule.
        #expect(snapshot.policy.groups.map(\.id.rawValue) == ["handlers"])
        #expect(snapshot.policy.groups.first?.grants.map(\.zone.rawValue) == ["mynumber-room"])
        #expect(snapshot.policy.schedules.map(\.id.rawValue) == ["always"])
        // The token of one door does not open another's snapshot.
        #expect(try await site.server.send(.GET, "/api/v1/doors/entrance/snapshot", as: .init(bearer: t.object()["token"] as? String)).status == .unauthorized)
        await site.server.stop()
    }

    @Test("the same batch twice is stored once; bad batches are refused")
    func idempotentBatch() async throws {
        let site = try await DoorSite.make()
        let events = (0..<3).map { site.event($0) }
        let first = try await site.upload(events)
        #expect(first.status == .ok, "\(first.text)")
        #expect(try DoorWire.decoder().decode(DoorEventBatchResult.self, from: first.body) == DoorEventBatchResult(accepted: 3, duplicates: 0))
        let again = try await site.upload(events + [events[0]])
        #expect(try DoorWire.decoder().decode(DoorEventBatchResult.self, from: again.body) == DoorEventBatchResult(accepted: 0, duplicates: 4))
        let records = try await site.doorDecisions()
        #expect(records.count == 3)
        #expect(Set(records.compactMap { $0["eventId"] }) == Set(events.map { $0.id.uuidString.lowercased() }))
        #expect(records.allSatisfy { $0["offline"] == "true" && $0["door"] == "entrance" })

        var other = site.event(9)
        other.door = "mynumber-room"
        // Well-formed but for another door: refused whole as a rule the body's schema cannot state (422).
        #expect(try await site.upload([other]).status == .unprocessableEntity)
        // An employee of 64 Unicode scalars is accepted, 65 refused (the document's maxLength counts scalars;
        // "e\u{301}" is one Character but two scalars).
        var long = site.event(10)
        long.employee = EmployeeID(rawValue: String(repeating: "e\u{301}", count: 33))
        #expect(try await site.upload([long]).status == .badRequest)
        #expect(try await site.upload((0...DoorEventBatch.maxEvents).map { site.event($0) }).status == .payloadTooLarge)
        #expect(try await site.server.send(.POST, "/api/v1/doors/entrance/events", as: site.door, raw: Data("{}".utf8), contentType: "application/json").status == .badRequest)
        #expect(try await site.doorDecisions().count == 3)
        await site.server.stop()
    }

    @Test("10,000 events in batches with random duplicates, retries and concurrent uploads: exactly 10,000 records, chain intact")
    func tenThousandEvents() async throws {
        let site = try await DoorSite.make()
        let events = (0..<10_000).map { site.event($0) }
        var rng = SystemRandomNumberGenerator()
        var batches: [[DoorEvent]] = []
        var next = 0
        while next < events.count {
            let size = Int.random(in: 1...900, using: &rng)
            var batch = Array(events[next..<min(next + size, events.count)])
            // Events already sent (an acknowledgement the agent never received) ride along again.
            if next > 0 { batch += (0..<Int.random(in: 0...50, using: &rng)).map { _ in events[Int.random(in: 0..<next, using: &rng)] } }
            batch.shuffle(using: &rng)
            batches.append(batch)
            // A retry of the whole batch, sometimes.
            if Bool.random(using: &rng) { batches.append(batch) }
            next += size
        }
        let sent = batches
        // Two uploads at a time, as after a reconnect; a refused upload (contention) is retried as an agent would.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<2 {
                group.addTask {
                    for batch in sent.enumerated().filter({ $0.offset % 2 == lane }).map(\.element) {
                        var tries = 0
                        while try await site.upload(batch).status != .ok {
                            tries += 1
                            #expect(tries < 20)
                            if tries >= 20 { return }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let records = try await site.doorDecisions()
        #expect(records.count == 10_000)
        #expect(Set(records.compactMap { $0["eventId"] }).count == 10_000)
        #expect(try await DoorEventModel.query(on: site.server.app.db).count() == 10_000)
        let verify = try await site.server.send(.GET, "/api/v1/audit/verify", as: site.admin)
        #expect(verify.object()["intact"] as? Bool == true, "\(verify.text)")
        await site.server.stop()
    }

    @Test("heartbeats are stored and shown with their age")
    func heartbeat() async throws {
        let site = try await DoorSite.make()
        let beat = DoorHeartbeat(snapshotVersion: 4, offlineSince: Date(timeIntervalSinceNow: -60), mode: .staleFailSecure, outboxDepth: 12)
        let r = try await site.server.send(.POST, "/api/v1/doors/entrance/heartbeat", as: site.door, raw: try DoorWire.encoder().encode(beat), contentType: "application/json")
        #expect(r.status == .noContent, "\(r.text)")
        #expect(try await site.server.send(.POST, "/api/v1/doors/entrance/heartbeat", as: site.door, raw: try DoorWire.encoder().encode(beat), contentType: "application/json").status == .noContent)
        let security = try await site.server.user(.security)
        let list = try await site.server.send(.GET, "/api/v1/doors/status", as: security).array()
        let entrance = list.first { $0["door"] as? String == "entrance" }
        #expect(entrance?["mode"] as? String == "stale-fail-secure")
        #expect(entrance?["outboxDepth"] as? Int == 12)
        #expect((entrance?["ageSeconds"] as? Int ?? 99) < 5)
        #expect(list.first { $0["door"] as? String == "mynumber-room" }?["lastHeartbeat"] == nil)
        let page = try await site.server.send(.GET, "/doors", as: security)
        #expect(page.text.contains("stale-fail-secure"))
        await site.server.stop()
    }

    @Test("push: a suspension reaches a connected door within 1 s")
    func push() async throws {
        let site = try await DoorSite.make()
        let frames = AsyncStream<DoorPush>.makeStream()
        let socket = NIOLockedValueBox<WebSocket?>(nil)
        var headers = HTTPHeaders()
        headers.bearerAuthorization = BearerAuthorization(token: site.door.bearer ?? "")
        try await WebSocket.connect(to: "ws://127.0.0.1:\(site.server.port)/api/v1/doors/entrance/push", headers: headers,
                                    on: site.server.app.eventLoopGroup) { ws in
            socket.withLockedValue { $0 = ws }
            ws.onClose.whenComplete { _ in frames.continuation.finish() }
            ws.onText { _, text in
                if let push = try? DoorWire.decoder().decode(DoorPush.self, from: Data(text.utf8)) { frames.continuation.yield(push) }
            }
        }
        var iterator = frames.stream.makeAsyncIterator()
        let hello = await iterator.next()
        let current = await site.server.app.mynagate.policy.current.version
        #expect(hello?.version == current)
        let started = ContinuousClock.now
        #expect(try await site.server.send(.POST, "/api/v1/credentials/\(site.credentialID)/suspend", as: site.admin).status == .ok)
        let changed = await iterator.next()
        #expect((changed?.version ?? 0) > current)
        #expect(ContinuousClock.now - started < .seconds(1))
        // Revoking the token closes the door's push connection too.
        #expect(try await site.server.send(.DELETE, "/api/v1/doors/entrance/token", as: site.admin).status == .noContent)
        while let more = await iterator.next() { Issue.record("a frame after revocation: \(more)") }
        // An open upgraded connection would hold the server's shutdown until its timeout.
        try await socket.withLockedValue { $0 }?.close()
        await site.server.stop()
    }
}
