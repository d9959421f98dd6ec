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
        #expect(kind(#"INSERT INTO "audit_records" ("id") VALUES ($1)"#) == "write audit_records")
        #expect(kind(#"INSERT OR IGNORE INTO door_events (id) VALUES (?)"#) == "write door_events")
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
        #expect(plan.fired == ["write zones"])
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
