import Audit
import FaultInjection
import Fluent
import Foundation
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Store
import Testing

/// The queue that batches door decisions into the event log: a `flush()` returns only once everything
/// queued before it is in the database, even while another flush's batch is still being written.
@Suite("Event writer", .serialized)
struct EventWriterTests {
    @Test("a flush returns only after every batch queued before it is in the database, including writes already under way")
    func flushWaitsForWriteUnderWay() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let writer = s.app.mynagate.events
        // Every 500 queued start a write of their own (an unstructured task); the flush that follows must
        // wait for those writes, not only write what is left.
        let count = 2_000
        for i in 0..<count {
            try await writer.enqueue(AuditDraft(kind: "test.queued", actor: "test", subject: "n:\(i)"))
        }
        try await writer.flush()
        let written = try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "test.queued").count()
        #expect(written == count)
        await s.stop()
    }

    /// Found in CI (HealthFailureTests under load): a flush that waited for a write under way returned
    /// without an error when that write failed, because the failed batch is put back in the queue only
    /// when the write's own caller resumes — possibly after the waiter, which then saw an empty queue
    /// and reported a flush that did not happen. Each round: a slow failing write under way (a flush in
    /// a task), a second flush waiting for it; the second must throw, and nothing queued is lost.
    @Test("a flush that waited for a failing write reports the failure, never a flush that did not happen")
    func aWaitedFailedWriteIsAnError() async throws {
        let plan = FaultPlan()
        let s = try await TestServer.start(faults: plan)
        defer { Task { await s.stop() } }
        let writer = s.app.mynagate.events
        for round in 0..<10 {
            try await writer.enqueue(AuditDraft(kind: "test.queued", actor: "test", subject: "round:\(round)"))
            let rule = plan.add(.init(.write, table: AuditRecordModel.schema, times: nil, effect: .timeOut(after: .milliseconds(60))))
            let first = Task { try await writer.flush() }
            try await Task.sleep(for: .milliseconds(20))
            await #expect(throws: (any Error).self, "round \(round)") { try await writer.flush() }
            _ = await first.result
            plan.remove(rule)
        }
        try await writer.flush()
        let written = try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "test.queued").count()
        #expect(written == 10)
    }
}
