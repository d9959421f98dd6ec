import DoorProtocol
import FaultInjection
import Fluent
import Foundation
import SQLKit
import Store
import Testing
import Vapor

/// The harness itself: it breaks what the plan names and nothing else, so a fault test that passes
/// means the server coped, not that nothing was broken.
@Suite("Fault injection: the harness", .serialized)
struct FaultHarnessTests {
    @Test("statements are classified by their SQL: writes and reads with their table, transaction control not at all")
    func classification() {
        func kind(_ sql: String) -> String {
            let (operation, table) = FaultInjectingDatabase.classify(sql)
            return "\(operation.map { "\($0)" } ?? "nil") \(table ?? "nil")"
        }
        #expect(kind(#"INSERT INTO "audit_records" ("id") VALUES ($1)"#) == "insert audit_records")
        #expect(kind(#"INSERT OR IGNORE INTO door_events (id) VALUES (?)"#) == "insert door_events")
        #expect(kind(#"UPDATE "credentials" SET "state" = $1"#) == "write credentials")
        #expect(kind(#"DELETE FROM "web_sessions" WHERE 1"#) == "write web_sessions")
        #expect(kind(#"SELECT "id" FROM "zones" WHERE 1"#) == "read zones")
        #expect(kind("BEGIN TRANSACTION") == "nil nil")
        #expect(kind("PRAGMA synchronous") == "nil nil")
    }

    @Test("the Nth write to a table fails with the injected cause; the writes before and after it and other tables go through")
    func nthWrite() async throws {
        let plan = FaultPlan()
        let s = try await TestServer.start(faults: plan)
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        plan.add(.init(.write, table: "zones", skip: 1, times: 1))
        let first = try await s.send(.PUT, "/api/v1/zones/a", as: admin, json: ["name": "A"])
        let second = try await s.send(.PUT, "/api/v1/zones/b", as: admin, json: ["name": "B"])
        let third = try await s.send(.PUT, "/api/v1/zones/c", as: admin, json: ["name": "C"])
        #expect(first.status == .ok && third.status == .ok, "\(first.text) \(third.text)")
        #expect(second.status.code >= 500, "\(second.text)")
        #expect(plan.fired == ["insert zones"])
        let zones = try await ZoneModel.query(on: s.app.db).all().compactMap(\.id).sorted()
        #expect(zones == ["a", "c"])
    }

    static func zone(_ id: String) -> ZoneModel {
        let z = ZoneModel()
        z.id = id
        z.name = id
        z.workplaceBoundary = false
        z.myNumberArea = false
        z.antiPassback = "off"
        return z
    }

    @Test("a commit fault rolls back a transaction whose statements all succeeded; a timeout waits, then fails")
    func commitAndTimeout() async throws {
        let plan = FaultPlan()
        let s = try await TestServer.start(faults: plan)
        defer { Task { await s.stop() } }
        let db = s.app.db
        plan.add(.init(.commit))
        await #expect(throws: InjectedFault.self) {
            try await db.transaction { tx in try await Self.zone("rolled-back").create(on: tx) }
        }
        #expect(try await ZoneModel.find("rolled-back", on: db) == nil)

        plan.add(.init(.read, table: "zones", effect: .timeOut(after: .milliseconds(300))))
        let started = ContinuousClock.now
        await #expect(throws: InjectedFault.self) { _ = try await ZoneModel.query(on: db).all() }
        #expect(ContinuousClock.now - started >= .milliseconds(300))
        // Spent: the next read works.
        #expect(try await ZoneModel.query(on: db).count() >= 0)
    }
}

extension TestServer {
    /// The codes of the problems `/health` reports now, and its HTTP status.
    func healthProblems() async throws -> (status: HTTPStatus, codes: [String]) {
        let r = try await send(.GET, "/health")
        let problems = r.object()["problems"] as? [[String: Any]] ?? []
        return (r.status, problems.compactMap { $0["code"] as? String })
    }
}

/// Each test breaks the database under a running server the way a full disk, a dropped link or a
/// refused write would, and shows: nothing lost or half-written, the caller told clearly, the failure
/// in the log and on `/health`, and everything whole once the database works again.
@Suite("Fault injection: nothing lost, the failure seen", .serialized)
struct FaultToleranceTests {
    @Test("a door's upload failing after its event rows and before their audit records stores nothing; the retry stores each event exactly once")
    func doorUploadFailsBeforeItsAuditRecords() async throws {
        LogCapture.installed
        let plan = FaultPlan()
        let site = try await DoorSite.make(faults: plan)
        defer { Task { await site.server.stop() } }
        let db = site.server.app.db
        let events = (1...6).map { site.event($0) }
        let ids = events.map(\.id)

        // The event rows are written first in the transaction, the audit records after them: break the latter.
        plan.add(.init(.insert, table: AuditRecordModel.schema, times: nil))
        LogCapture.shared.start()
        let failed = try await site.upload(events)
        let lines = LogCapture.shared.stop()
        #expect(failed.status.code >= 500, "\(failed.status) \(failed.text)")
        #expect(failed.object()["error"] as? Bool == true, "\(failed.text)")
        #expect(!plan.fired.isEmpty)
        // Nothing half-written: no event row without its record (the agent keeps them and sends again).
        #expect(try await DoorEventModel.query(on: db).filter(\.$id ~~ ids).count() == 0)
        #expect(try await site.doorDecisions().isEmpty)
        // Seen: in the log with its cause, and on /health.
        #expect(lines.contains { $0.contains("injected database fault") }, "\(lines.suffix(5))")
        let sick = try await site.server.healthProblems()
        #expect(sick.status == .serviceUnavailable && sick.codes.contains("audit.write_failed"), "\(sick)")

        plan.mend()
        let stored = try await site.upload(events)
        #expect(stored.status == .ok, "\(stored.text)")
        #expect(stored.object()["accepted"] as? Int == 6)
        let again = try await site.upload(events)
        #expect(again.object()["duplicates"] as? Int == 6 && again.object()["accepted"] as? Int == 0)
        // Exactly once: one row and one record per event.
        #expect(try await DoorEventModel.query(on: db).filter(\.$id ~~ ids).count() == 6)
        let recorded = try await site.doorDecisions().compactMap { $0["eventId"] }
        #expect(recorded.sorted() == ids.map { $0.uuidString.lowercased() }.sorted())
        #expect(try await site.server.healthProblems().codes.isEmpty)
        #expect(try await AuditStore.verify(on: db).isIntact)
    }

    @Test("a collection failing halfway — the spouse's number refused by the database — keeps the employee's, stores no orphan, and the spouse's goes in once when it works again")
    func vaultCollectionFailsHalfway() async throws {
        LogCapture.installed
        let plan = FaultPlan()
        let site = try await VaultSite.start(faults: plan)
        defer { Task { await site.stop() } }
        let s = site.s
        let own = TestNumbers.make(), spouse = TestNumbers.make()
        let (employeeID, me) = try await site.employee("F0101")
        let rq = try await site.request(employeeID, purposes: ["withholding_slip", "dependent_deduction_declaration"],
                                        dependents: [("番号 花子", "spouse", ["dependent_deduction_declaration"])])
        let requestID = rq["id"] as! String
        let spouseID = (rq["subjects"] as! [[String: Any]])[1]["subjectId"] as! String
        #expect(try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/acknowledge", as: me).status == .ok)
        let g = try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/numbers", as: me, json: ["number": own])
        #expect(g.status == .created, "\(g.text)")

        // The number's row is written, then its audit record: the record fails.
        plan.add(.init(.insert, table: AuditRecordModel.schema, times: nil))
        LogCapture.shared.start()
        let failed = try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/numbers", as: me, json: ["subjectId": spouseID, "number": spouse])
        let lines = LogCapture.shared.stop()
        #expect(failed.status.code >= 500, "\(failed.status) \(failed.text)")
        // The error and the log say what failed, never the number.
        #expect(!failed.text.contains(spouse) && !lines.contains { $0.contains(spouse) || $0.contains(own) })
        #expect(lines.contains { $0.contains("injected database fault") }, "\(lines.suffix(5))")
        #expect(try await s.healthProblems().codes.contains("audit.write_failed"))
        #expect(try await VaultNumberModel.query(on: s.app.db).count() == 1)

        plan.mend()
        let retried = try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/numbers", as: me, json: ["subjectId": spouseID, "number": spouse])
        #expect(retried.status == .created, "\(retried.text)")
        #expect(try await VaultNumberModel.query(on: s.app.db).count() == 2)
        let collected = try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "vault.number.collected").count()
        #expect(collected == 2)
        #expect(try await s.healthProblems().codes.isEmpty)
        #expect(try await AuditStore.verify(on: s.app.db).isIntact)
    }

    @Test("a CRL sweep whose suspension write fails keeps refusing the card at the door, says so on /health and in the log, and suspends it once the database works")
    func crlSweepFails() async throws {
        LogCapture.installed
        let plan = FaultPlan()
        let s = try await TestServer.start(faults: plan) { c, dir in
            try TestCRL.publish(number: 1, revoking: [], serverDirectory: dir)
            c.crlIndex = TestCRL.indexDirectory(dir).path
        }
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        try await setUpSite(s, admin: admin)
        let (lost, _, _) = try await enroll(s, desk: admin, number: "F0201", groups: ["staff"])
        let token = try await s.send(.POST, "/api/v1/doors/entrance/token", as: admin).object()["token"] as! String
        let door = TestServer.Identity(bearer: token)
        func decide() async throws -> [String: Any] {
            try await s.send(.POST, "/api/v1/doors/entrance/decisions", as: door, json: ["serial": try await lost.serialHex]).object()
        }
        #expect(try await decide()["outcome"] as? String == "grant")

        // The suspension is an update of the credential's row: refuse it until mended.
        plan.add(.init(.write, table: CredentialModel.schema, times: nil))
        LogCapture.shared.start()
        let serial = try await lost.card.jpki.readAuthCertificateSerial().value
        try TestCRL.publish(number: 2, revoking: [serial], serverDirectory: s.directory)
        var health = try await s.healthProblems()
        let started = Date()
        while !health.codes.contains("crl.sweep_failed"), Date().timeIntervalSince(started) < 8 {
            try await Task.sleep(for: .milliseconds(100))
            health = try await s.healthProblems()
        }
        let lines = LogCapture.shared.stop()
        #expect(health.status == .serviceUnavailable && health.codes.contains("crl.sweep_failed"), "\(health)")
        #expect(lines.contains { $0.contains("revocation sweep failed") }, "\(lines.suffix(5))")
        // Not written yet, but known: this server's doors already refuse the revoked card.
        let refused = try await decide()
        #expect(refused["outcome"] as? String == "deny", "\(refused)")

        // The database works again: the watcher retries within seconds, not at the next interval (60 s).
        plan.mend()
        var reason = ""
        let mended = Date()
        while Date().timeIntervalSince(mended) < 10 {
            reason = try await decide()["reason"] as? String ?? ""
            if reason == "credential_suspended" { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(reason == "credential_suspended")
        #expect(try await s.healthProblems().codes.isEmpty)
        let suspensions = try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "credential.suspended").count()
        #expect(suspensions == 1)
    }
}

/// A stored value that no longer reads is an error, never a default that changes what the vault does.
@Suite("Vault: damaged stored records are errors", .serialized)
struct VaultDamagedRecordTests {
    @Test("a number whose stored purposes do not read stops the disposal run with a clear error instead of reading as 'no purpose left' and erasing it")
    func unreadablePurposesStopDisposal() async throws {
        let site = try await VaultSite.start()
        defer { Task { await site.stop() } }
        let s = site.s
        let (employeeID, me) = try await site.employee("F0301")
        // 扶養控除等申告書: kept 7 years from 11 January after the filing year, so a number of someone who
        // left this spring must stay; read as no purpose, it would be overdue and erased.
        let rq = try await site.request(employeeID, purposes: ["dependent_deduction_declaration"])
        let requestID = rq["id"] as! String
        #expect(try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/acknowledge", as: me).status == .ok)
        let number = TestNumbers.make()
        let given = try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/numbers", as: me, json: ["number": number])
        #expect(given.status == .created, "\(given.text)")
        #expect(try await s.send(.PUT, "/api/v1/vault/employees/\(employeeID)/profile", as: site.handler, json: ["leavingDate": "2026-03-31"]).status == .ok)
        let before = try await s.send(.POST, "/api/v1/vault/disposals/run", as: site.handler, json: ["dryRun": true])
        #expect(before.object()["retained"] as? Int == 1, "\(before.text)")
        let record = try #require(try await VaultNumberModel.query(on: s.app.db).first())
        record.purposes = "{damaged"
        try await record.update(on: s.app.db)

        let run = try await s.send(.POST, "/api/v1/vault/disposals/run", as: site.handler, json: ["dryRun": false])
        #expect(run.status == .internalServerError, "\(run.text)")
        #expect(run.text.contains("unreadable_stored_record"), "\(run.text)")
        #expect(!run.text.contains(number))
        #expect(try await s.send(.GET, "/api/v1/vault/disposals", as: site.handler).status == .internalServerError)
        // Nothing was erased.
        let kept = try await VaultNumberModel.query(on: s.app.db).first()
        #expect(kept?.wrappedKey != nil)
    }
}
