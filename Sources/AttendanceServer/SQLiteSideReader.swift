import NIOCore
import NIOPosix
import SQLiteNIO
import ServerCore

/// A second, short-lived connection to the SQLite file behind a pooled database, so a large read can
/// run on two threads at once (the pool keeps one connection, which also serialises the writes; a
/// reader beside it is safe in WAL mode, where readers never block the writer).
enum SQLiteSideReader {
    final class PathBox: @unchecked Sendable {
        var path: String?
    }

    /// A new connection to the same file, or `nil` for an in-memory database. The caller closes it.
    static func open(beside lite: any SQLiteDatabase) async throws -> SQLiteConnection? {
        let box = PathBox()
        try await lite.withConnection { conn in
            conn.eventLoop.makeFutureWithTask {
                try await conn.query("PRAGMA database_list", []) { row in
                    if row.column("name")?.string == "main" { box.path = row.column("file")?.string }
                }
            }
        }.get()
        guard let path = box.path, !path.isEmpty else { return nil }
        return try await SQLiteConnection.open(storage: .file(path: path), threadPool: .singleton, logger: lite.logger, on: lite.eventLoop)
    }
}
