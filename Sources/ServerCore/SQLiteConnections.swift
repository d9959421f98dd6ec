import Fluent
import SQLKit
import Vapor

/// Every pooled SQLite connection of a server, for settings SQLite keeps per connection (`PRAGMA
/// synchronous`). fluent-sqlite-driver keeps one connection per event loop and has no on-connect hook, so
/// a PRAGMA run through `app.db` reaches only the one connection that happened to run it.
public enum SQLiteConnections {
    /// Runs `body` once on the connection of each event loop's pool, all at once; the results in loop order.
    public static func each<T: Sendable>(_ app: Application,
                                         _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> [T] {
        let loops = Array(app.eventLoopGroup.makeIterator())
        let logger = app.logger
        let databases = app.databases
        return try await withThrowingTaskGroup(of: (Int, T).self) { group in
            for (i, loop) in loops.enumerated() {
                group.addTask {
                    guard let db = databases.database(.sqlite, logger: logger, on: loop) else {
                        throw Abort(.internalServerError, reason: "no SQLite database is configured")
                    }
                    let value = try await db.withConnection { conn in
                        guard let sql = conn as? any SQLDatabase else { throw Abort(.internalServerError, reason: "database without SQL") }
                        return try await body(sql)
                    }
                    return (i, value)
                }
            }
            var results: [(Int, T)] = []
            for try await r in group { results.append(r) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// `PRAGMA synchronous` of every pooled connection (0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA).
    public static func synchronous(_ app: Application) async throws -> [Int] {
        try await each(app) { sql in
            guard let row = try await sql.raw("PRAGMA synchronous").first() else {
                throw Abort(.internalServerError, reason: "PRAGMA synchronous returned no row")
            }
            return try row.decode(column: "synchronous", as: Int.self)
        }
    }
}
