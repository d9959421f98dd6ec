import Audit
import FaultInjection
import Fluent
import Foundation
import SQLKit
@testable import Store
import Testing
import Vapor

/// The event search filters by column, and the export gives every record however many there are.
@Suite("Event log: outcome column and full export", .serialized)
struct EventExportTests {
    /// Seals `count` records on the log's head and inserts them a thousand rows per statement (the
    /// store's one-row inserts would take minutes for the sizes this needs).
    static func bulkAppend(_ count: Int, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError, reason: "not SQL") }
        var head = try await AuditStore.loadHead(on: db)
        var left = count
        while left > 0 {
            let n = min(1_000, left)
            var insert = sql.insert(into: AuditRecordModel.schema)
                .columns("sequence", "time_ms", "kind", "actor", "subject", "details", "previous_hash", "hash", "outcome")
            for _ in 0..<n {
                let r = AuditChain.seal(AuditDraft(kind: "test.bulk", actor: "test", subject: "bulk", details: ["outcome": "grant"]), after: head)
                head = AuditHead(sequence: r.sequence, hash: r.hash)
                let m = try AuditStore.model(r)
                insert = insert.values([SQLBind(r.sequence), SQLBind(r.timeMillis), SQLBind(r.kind), SQLBind(r.actor), SQLBind(r.subject), SQLBind(r.details),
                                        SQLBind(m.previousHash), SQLBind(m.hash), SQLBind(m.outcome)])
            }
            try await insert.run()
            left -= n
        }
    }

    @Test("the CSV export holds every record past the old 100,000-row cap, in order, streamed")
    func exportHasEveryRecord() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        try await Self.bulkAppend(100_250, on: s.app.db)
        let total = try await AuditRecordModel.query(on: s.app.db).count()
        let r = try await s.send(.GET, "/api/v1/events/export?format=csv&encoding=utf-8", as: admin)
        #expect(r.status == .ok)
        let lines = r.text.split(separator: "\r\n", omittingEmptySubsequences: true)
        #expect(lines.count == total + 1, "header + one line per record: \(lines.count) for \(total)")
        #expect(lines.last?.hasPrefix("\(total),") == true)
        // The export's own audit record counts what was written.
        let exported = try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "events.exported").first()
        #expect(exported?.details.contains("\"rows\":\"\(total)\"") == true, "\(exported?.details ?? "none")")
        await s.stop()
    }

    @Test("an export whose database read fails midway ends as a broken transfer, never a short file that looks complete, and the log says so")
    func exportFailingMidwayIsBroken() async throws {
        LogCapture.installed
        let plan = FaultPlan()
        let s = try await TestServer.start(faults: plan)
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        try await Self.bulkAppend(2_500, on: s.app.db)
        let total = try await AuditRecordModel.query(on: s.app.db).count()
        // Before the stream the export reads the log three times (its head, the count, the head its own
        // record is sealed on); the stream then reads a page of 1,000 at a time. Break the second page.
        plan.add(.init(.read, table: AuditRecordModel.schema, skip: 4))
        let capture = LogCapture.shared.open()
        var body = "", broken = false
        do {
            body = try await s.send(.GET, "/api/v1/events/export?format=csv&encoding=utf-8", as: admin).text
        } catch {
            broken = true  // the client saw the transfer break: what is asked of it
        }
        #expect(broken, "the export ended normally after \(body.split(separator: "\r\n").count) lines")
        let lines = LogCapture.shared.close(capture)
        #expect(plan.fired == ["read \(AuditRecordModel.schema)"], "the fault was meant for the second page: \(plan.fired)")
        // Whatever arrived is not the whole log and does not end as a complete file would.
        #expect(!body.contains("\r\n\(total),"), "the export looks complete")
        #expect(lines.contains { $0.contains("event export failed midway") }, "\(lines.suffix(5))")
        await s.stop()
    }

    @Test("outcome filter reads the column; rows from before the column are backfilled; no hash changes")
    func outcomeColumn() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        let store = AuditStore(db: s.app.db)
        for (i, outcome) in ["grant", "deny", "grant"].enumerated() {
            try await store.append(AuditDraft(kind: "door.decision", actor: "door:test", subject: "n:\(i)", details: ["outcome": outcome, "reason": "x"]))
        }
        // A note that merely mentions an outcome is not a decision with one.
        try await store.append(AuditDraft(kind: "test.note", actor: "test", subject: "note", details: ["text": "outcome grant"]))
        // As if written before the column existed.
        guard let sql = s.app.db as? any SQLDatabase else { Issue.record("not SQL"); return }
        try await sql.raw("UPDATE \(ident: AuditRecordModel.schema) SET outcome = NULL").run()
        let before = try await s.send(.GET, "/api/v1/events?outcome=grant&door=test", as: admin).array()
        #expect(before.isEmpty, "the filter reads the column, not the JSON")
        try await AddAuditOutcomeColumn.backfill(on: s.app.db)
        let grants = try await s.send(.GET, "/api/v1/events?outcome=grant", as: admin).array()
        #expect(grants.compactMap { $0["subject"] as? String }.sorted() == ["n:0", "n:2"])
        let denies = try await s.send(.GET, "/api/v1/events?outcome=deny", as: admin).array()
        #expect(denies.compactMap { $0["subject"] as? String } == ["n:1"])
        #expect(try await s.send(.GET, "/api/v1/events?outcome=maybe", as: admin).status == .badRequest)
        #expect(try await AuditStore.verify(on: s.app.db).isIntact)
        await s.stop()
    }
}
