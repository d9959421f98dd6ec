import Foundation
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Testing
import Vapor

/// Issue 15 item 4: the server's SQLite fsyncs every commit (`synchronous=FULL`) on every pooled
/// connection, not only on the one that ran a PRAGMA at start-up. A door agent deletes an event once the
/// server acknowledges it, so a commit lost to a power loss would be lost end to end.
@Suite("SQLite durability", .serialized, .enabled(if: TestServer.postgresURL == nil, "SQLite only"))
struct SQLiteDurabilityTests {
    @Test("every pooled connection runs synchronous=FULL, also after concurrent requests on every event loop")
    func fullOnEveryConnection() async throws {
        let s = try await TestServer.start()
        let admin = try await s.user(.admin)
        // Concurrent requests that read the database, spread by the server over its event loops.
        try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
            for _ in 0..<40 { group.addTask { try await s.send(.GET, "/api/v1/events?limit=5", as: admin).status } }
            for try await status in group { #expect(status == .ok) }
        }
        let levels = try await SQLiteConnections.synchronous(s.app)
        #expect(levels.count == Array(s.app.eventLoopGroup.makeIterator()).count, "one connection per event loop: \(levels)")
        #expect(levels.count >= min(2, ProcessInfo.processInfo.activeProcessorCount), "several connections asked: \(levels)")
        #expect(levels.allSatisfy { $0 == 2 }, "PRAGMA synchronous per connection (2 = FULL): \(levels)")
        await s.stop()
    }
}
