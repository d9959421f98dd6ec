import Audit
import Fluent
import Foundation
import NIOConcurrencyHelpers
@testable import Store
import Testing

/// The event log's append on the real database (SQLite, or PostgreSQL when
/// `MYNAGATE_TEST_DATABASE_URL` is set): only a race lost to another writer is retried; every other
/// failure comes out at once as itself.
@Suite("Audit store appends", .serialized)
struct AuditStoreTests {
    struct Refusal: Error, Equatable { var why: String }

    @Test("a refusal thrown by build comes out as itself, build ran once, nothing written")
    func buildRefusalPropagates() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let store = AuditStore(db: s.app.db)
        try await store.append(AuditDraft(kind: "test.before", actor: "test", subject: "t"))
        let runs = NIOLockedValueBox(0)
        await #expect(throws: Refusal(why: "not a handler")) {
            try await store.append(building: { _ in
                runs.withLockedValue { $0 += 1 }
                throw Refusal(why: "not a handler")
            })
        }
        #expect(runs.withLockedValue { $0 } == 1)
        #expect(try await AuditRecordModel.query(on: s.app.db).count() == 1)
        await s.stop()
    }

    @Test("a failing derive comes out as its own cause and leaves no record")
    func deriveFailurePropagates() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let derives = NIOLockedValueBox(0)
        let store = AuditStore(db: s.app.db, derive: { _, _ in
            derives.withLockedValue { $0 += 1 }
            throw Refusal(why: "attendance table unwritable")
        })
        await #expect(throws: Refusal(why: "attendance table unwritable")) {
            try await store.append(AuditDraft(kind: "test.derived", actor: "test", subject: "t"))
        }
        #expect(derives.withLockedValue { $0 } == 1)
        #expect(try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "test.derived").count() == 0)
        await s.stop()
    }

    @Test("a constraint failure of the append's own making (the head did not move) is not retried")
    func ownConstraintFailureNotRetried() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let store = AuditStore(db: s.app.db)
        let id = UUID()
        try await DoorEventModel(id: id, door: "d1", eventTime: Date(), receivedAt: Date()).create(on: s.app.db)
        let runs = NIOLockedValueBox(0)
        let error = await #expect(throws: (any Error).self) {
            try await store.append(building: { tx in
                runs.withLockedValue { $0 += 1 }
                // The same door event id again: a duplicate key nobody else caused.
                try await DoorEventModel(id: id, door: "d1", eventTime: Date(), receivedAt: Date()).create(on: tx)
                return [AuditDraft(kind: "test.dup", actor: "test", subject: "t")]
            })
        }
        #expect((error as? any DatabaseError)?.isConstraintFailure == true, "the database's own error, not contention: \(String(describing: error))")
        #expect(runs.withLockedValue { $0 } == 1)
        await s.stop()
    }

    /// Only PostgreSQL lets another connection commit while an append holds its turn (SQLite's write lock
    /// would make the other writer wait for the append, which waits for it).
    @Test("a writer that does not take the turn and commits the next record first: the append is retried on the new head",
          .enabled(if: TestServer.postgresURL != nil))
    func lostRaceIsRetried() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let store = AuditStore(db: s.app.db)
        try await store.append(AuditDraft(kind: "test.race", actor: "a", subject: "1"))
        let runs = NIOLockedValueBox(0)
        let db = s.app.db
        let records = try await store.append(building: { _ in
            if runs.withLockedValue({ $0 += 1; return $0 }) == 1 {
                // Another connection, outside the append's transaction, seals and commits record 2.
                let head = try await AuditStore.loadHead(on: db)
                try await (try AuditStore.model(AuditChain.seal(AuditDraft(kind: "test.race", actor: "other", subject: "2"), after: head))).create(on: db)
            }
            return [AuditDraft(kind: "test.race", actor: "a", subject: "3")]
        })
        #expect(records.map(\.sequence) == [3])
        #expect(runs.withLockedValue { $0 } == 2)
        #expect(try await AuditStore.verify(on: s.app.db) == .intact(count: 3, head: AuditHead(sequence: 3, hash: records[0].hash)))
        await s.stop()
    }

    @Test("two appenders racing on one database both finish, every record once, the chain intact")
    func concurrentAppenders() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let stores = [AuditStore(db: s.app.db), AuditStore(db: s.app.db)]
        let perStore = 40
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (n, store) in stores.enumerated() {
                group.addTask {
                    for i in 0..<perStore {
                        try await store.append(AuditDraft(kind: "test.race", actor: "store\(n)", subject: "n:\(i)"))
                    }
                }
            }
            try await group.waitForAll()
        }
        let all = try await AuditRecordModel.query(on: s.app.db).sort(\.$id).all()
        #expect(all.count == 2 * perStore)
        #expect(Set(all.map { "\($0.actor) \($0.subject)" }).count == 2 * perStore)
        #expect(try await AuditStore.verify(on: s.app.db).isIntact)
        await s.stop()
    }

    @Test("a stored hash that is not hex is reported by verify as damage, not read as empty")
    func unreadableHashIsReported() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let store = AuditStore(db: s.app.db)
        for i in 1...3 { try await store.append(AuditDraft(kind: "test.hash", actor: "test", subject: "n:\(i)")) }
        guard let row = try await AuditRecordModel.find(2, on: s.app.db) else { Issue.record("no record 2"); return }
        row.hash = String(repeating: "zz", count: 32)
        try await row.save(on: s.app.db)
        #expect(try await AuditStore.verify(on: s.app.db) == .broken(at: 2, .unreadable(field: "hash")))
        #expect(throws: AuditStoreError.unreadableRecord(sequence: 2, field: "hash")) { try AuditStore.record(from: row) }
        await s.stop()
    }

    @Test("contention says how many attempts were made")
    func contentionNamesAttempts() {
        #expect(AuditStoreError.contention(attempts: AuditStore.maxAttempts).description.contains("after 5 attempts"))
    }
}
