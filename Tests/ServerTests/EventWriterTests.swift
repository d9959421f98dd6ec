import Audit
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
}
