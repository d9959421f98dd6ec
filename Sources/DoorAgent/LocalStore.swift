import DoorProtocol
import Foundation
import NIOCore
import SQLiteNIO

/// The door controller's own SQLite file: the last verified snapshot and the outbox of events.
///
/// The file is opened in WAL mode with `synchronous=FULL`, so a committed append survives a `kill -9`
/// and a power cut: ``append(_:)`` returns only after the event is on disk, and the door acts only after
/// that. Events leave the outbox only when the server has acknowledged them (``remove(ids:)``).
public actor LocalStore {
    /// The snapshot kept on disk, with when it was received and when the server was last reached.
    public struct StoredSnapshot: Sendable {
        /// The merged snapshot (the last full one with every delta since applied).
        public var snapshot: DoorSnapshot
        /// When the current version arrived.
        public var receivedAt: Date
        /// When a sync last succeeded, even one that brought nothing new: the staleness limit counts
        /// from here.
        public var syncedAt: Date
    }

    let connection: SQLiteConnection
    let encoder: JSONEncoder
    let decoder: JSONDecoder

    /// Opens (creating if needed) the store at `path`.
    public static func open(path: String) async throws -> LocalStore {
        let connection = try await SQLiteConnection.open(storage: .file(path: path))
        let store = LocalStore(connection: connection)
        try await store.prepare()
        return store
    }

    init(connection: SQLiteConnection) {
        self.connection = connection
        // The wire's conventions, so an event leaves the outbox exactly as it went in (milliseconds kept).
        encoder = DoorWire.encoder()
        decoder = DoorWire.decoder()
    }

    func prepare() async throws {
        _ = try await connection.query("PRAGMA journal_mode=WAL", [])
        // FULL syncs the WAL on every commit: the outbox promise (on disk before the door acts) needs it.
        _ = try await connection.query("PRAGMA synchronous=FULL", [])
        _ = try await connection.query("PRAGMA busy_timeout=5000", [])
        _ = try await connection.query("""
            CREATE TABLE IF NOT EXISTS snapshot (
                slot INTEGER PRIMARY KEY CHECK (slot = 1),
                version INTEGER NOT NULL,
                body BLOB NOT NULL,
                received_at REAL NOT NULL,
                synced_at REAL NOT NULL)
            """, [])
        // seq keeps upload order; the event id is the server's idempotency key.
        _ = try await connection.query("""
            CREATE TABLE IF NOT EXISTS outbox (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                body BLOB NOT NULL)
            """, [])
    }

    /// Closes the file. The store is unusable afterwards.
    public func close() async throws {
        try await connection.close()
    }

    // MARK: Outbox

    /// Writes `event` to the outbox and returns once it is committed to disk. Appending an event whose
    /// id is already there does nothing, so a retried append never doubles an event.
    public func append(_ event: DoorEvent) async throws {
        let body = try encoder.encode(event)
        _ = try await connection.query(
            "INSERT OR IGNORE INTO outbox (id, body) VALUES (?, ?)",
            [.text(event.id.uuidString), .blob(ByteBuffer(bytes: body))])
    }

    /// The oldest `limit` events not yet acknowledged, in the order they were appended.
    public func pending(limit: Int) async throws -> [DoorEvent] {
        let rows = try await connection.query("SELECT body FROM outbox ORDER BY seq LIMIT ?", [.integer(limit)])
        return try rows.map { row in
            guard let buffer = row.column("body")?.blob else { throw LocalStoreError.corruptRow("outbox") }
            return try decoder.decode(DoorEvent.self, from: Data(buffer.readableBytesView))
        }
    }

    /// How many events wait for the server.
    public func pendingCount() async throws -> Int {
        let rows = try await connection.query("SELECT COUNT(*) AS n FROM outbox", [])
        return rows.first?.column("n")?.integer ?? 0
    }

    /// Whether the event `id` is in the outbox.
    public func contains(id: UUID) async throws -> Bool {
        let rows = try await connection.query("SELECT 1 AS one FROM outbox WHERE id = ?", [.text(id.uuidString)])
        return !rows.isEmpty
    }

    /// Removes the events the server acknowledged (accepted or already held).
    public func remove(ids: [UUID]) async throws {
        // Chunks keep each statement under SQLite's limit on bound parameters.
        var start = 0
        while start < ids.count {
            let chunk = ids[start..<min(start + 500, ids.count)]
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            _ = try await connection.query("DELETE FROM outbox WHERE id IN (\(marks))", chunk.map { .text($0.uuidString) })
            start += chunk.count
        }
    }

    // MARK: Snapshot

    /// The snapshot on disk, if any.
    public func snapshot() async throws -> StoredSnapshot? {
        let rows = try await connection.query("SELECT body, received_at, synced_at FROM snapshot WHERE slot = 1", [])
        guard let row = rows.first else { return nil }
        guard let buffer = row.column("body")?.blob, let received = row.column("received_at")?.double,
              let synced = row.column("synced_at")?.double else { throw LocalStoreError.corruptRow("snapshot") }
        let snapshot = try decoder.decode(DoorSnapshot.self, from: Data(buffer.readableBytesView))
        return StoredSnapshot(snapshot: snapshot, receivedAt: Date(timeIntervalSince1970: received),
                              syncedAt: Date(timeIntervalSince1970: synced))
    }

    /// Replaces the snapshot. Call only with a snapshot whose signature verified (or the merge of such).
    public func saveSnapshot(_ snapshot: DoorSnapshot, receivedAt: Date) async throws {
        let body = try encoder.encode(snapshot)
        _ = try await connection.query("""
            INSERT INTO snapshot (slot, version, body, received_at, synced_at) VALUES (1, ?, ?, ?, ?)
            ON CONFLICT(slot) DO UPDATE SET version = excluded.version, body = excluded.body,
                received_at = excluded.received_at, synced_at = excluded.synced_at
            """, [.integer(snapshot.version), .blob(ByteBuffer(bytes: body)),
                  .float(receivedAt.timeIntervalSince1970), .float(receivedAt.timeIntervalSince1970)])
    }

    /// Records that the server was reached and had nothing newer.
    public func markSynced(at time: Date) async throws {
        _ = try await connection.query("UPDATE snapshot SET synced_at = ? WHERE slot = 1", [.float(time.timeIntervalSince1970)])
    }
}

/// The store found a row it cannot read.
public enum LocalStoreError: Error, Sendable, Hashable {
    /// A row of `table` lacks a column or has the wrong type.
    case corruptRow(String)
}
