import DoorProtocol
import Foundation
import NIOCore
import SQLiteNIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The door controller's own SQLite file: the last verified snapshot and the outbox of events.
///
/// The file holds every enrolled serial and the names of the people the door admits, so it is created
/// readable by its owner only (0600; SQLite gives its `-wal` and `-shm` files the same mode). The
/// snapshot is kept as the signed bodies it was built from — the last full one and the deltas since,
/// each with the server's signature — so the agent verifies them again when it starts and a snapshot
/// changed on disk is refused.
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
        // Made 0600 before SQLite opens it, never readable by others for a moment; an existing file made
        // by an older release is restricted too.
        let fd = posixOpen(path, O_RDWR | O_CREAT, 0o600)
        guard fd >= 0 else { throw LocalStoreError.cannotCreate(path, String(cString: strerror(errno))) }
        let restricted = fchmod(fd, 0o600)
        posixClose(fd)
        guard restricted == 0 else { throw LocalStoreError.cannotCreate(path, "cannot restrict it to its owner") }
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            guard chmod(path + suffix, 0o600) == 0 else { throw LocalStoreError.cannotCreate(path + suffix, "cannot restrict it to its owner") }
        }
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
        // The signed bodies the snapshot was built from: seq 1 the last full one, then each delta.
        _ = try await connection.query("""
            CREATE TABLE IF NOT EXISTS snapshot_parts (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                body BLOB NOT NULL,
                signature TEXT NOT NULL)
            """, [])
        // Which registration the snapshot belongs to (a digest of the agent file), so a new registration
        // can start from a clean snapshot.
        _ = try await connection.query("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)", [])
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

    /// The signed bodies the stored snapshot was built from, oldest (the full one) first.
    public func signedParts() async throws -> [SignedBody] {
        let rows = try await connection.query("SELECT body, signature FROM snapshot_parts ORDER BY seq", [])
        return try rows.map { row in
            guard let buffer = row.column("body")?.blob, let signature = row.column("signature")?.string else { throw LocalStoreError.corruptRow("snapshot_parts") }
            return SignedBody(body: Data(buffer.readableBytesView), signature: signature)
        }
    }

    /// The version of the stored snapshot as recorded beside it, even when its body no longer verifies:
    /// the agent never goes below it.
    public func storedVersion() async throws -> Int? {
        try await connection.query("SELECT version FROM snapshot WHERE slot = 1", []).first?.column("version")?.integer
    }

    /// Replaces the snapshot with `snapshot`, built from `signed`: the full body it came in (`full`), or
    /// a delta applied to the stored one. Call only after `signed` verified.
    public func saveSnapshot(_ snapshot: DoorSnapshot, signed: SignedBody, full: Bool, receivedAt: Date) async throws {
        guard let signature = signed.signature else { throw LocalStoreError.corruptRow("an unsigned snapshot cannot be stored") }
        // No explicit transaction: the outbox shares this connection, and an append made while one is open
        // would be undone by its rollback. Each statement is safe to be the last before a crash instead: a
        // full body left after older parts replays as a reset, and the row's version only ever rises.
        _ = try await connection.query("INSERT INTO snapshot_parts (body, signature) VALUES (?, ?)",
                                       [.blob(ByteBuffer(bytes: signed.body)), .text(signature)])
        try await saveSnapshot(snapshot, receivedAt: receivedAt)
        if full { _ = try await connection.query("DELETE FROM snapshot_parts WHERE seq < (SELECT MAX(seq) FROM snapshot_parts)", []) }
    }

    /// How many deltas are stored over the full snapshot.
    public func deltaCount() async throws -> Int {
        let n = try await connection.query("SELECT COUNT(*) AS n FROM snapshot_parts", []).first?.column("n")?.integer ?? 0
        return max(0, n - 1)
    }

    /// Forgets the snapshot (not the outbox) when the agent file names another registration than the one
    /// the snapshot was received under. Returns whether it did.
    public func adopt(registration digest: String) async throws -> Bool {
        let stored = try await connection.query("SELECT value FROM meta WHERE key = 'registration'", []).first?.column("value")?.string
        guard stored != digest else { return false }
        guard stored != nil else {
            // The first registration this store sees: nothing of another registration to forget (a store
            // from an older release keeps no signed bodies, so its snapshot is refused at load anyway).
            _ = try await connection.query("INSERT INTO meta (key, value) VALUES ('registration', ?)", [.text(digest)])
            return false
        }
        // The registration is recorded last: a crash before it forgets the snapshot again at the next start.
        _ = try await connection.query("DELETE FROM snapshot_parts", [])
        _ = try await connection.query("DELETE FROM snapshot", [])
        _ = try await connection.query("INSERT INTO meta (key, value) VALUES ('registration', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                       [.text(digest)])
        return stored != nil
    }

    /// Replaces the merged snapshot row (its version is the floor the agent never goes below).
    func saveSnapshot(_ snapshot: DoorSnapshot, receivedAt: Date) async throws {
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
    /// The file could not be created or restricted to its owner.
    case cannotCreate(String, String)
}

/// `open(2)` and `close(2)` from the platform's C library, named apart because `LocalStore.open(path:)`
/// and `close()` shadow them inside the type.
@inline(__always)
private func posixOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
    #if canImport(Glibc)
    return Glibc.open(path, flags, mode)
    #else
    return Darwin.open(path, flags, mode)
    #endif
}

@inline(__always)
@discardableResult
private func posixClose(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.close(fd)
    #else
    return Darwin.close(fd)
    #endif
}
