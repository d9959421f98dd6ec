import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import PostgresNIO
import SQLiteNIO
import SQLKit
import Store
import ServerCore

/// Fast bulk writes of crossings, for `mynagate bench attendance` (and any import of a door history):
/// SQLite gets multi-row prepared inserts in one transaction on one connection; PostgreSQL gets
/// `COPY … FROM STDIN`. The indexes are dropped before and made again after, which is what makes a
/// load of tens of millions of rows take seconds per million rather than minutes.
public enum AttendanceBulkLoad {
    /// A chunk of `attendance_crossings` rows, column by column.
    public struct Rows: Sendable {
        public var person: [Int32] = []
        public var minute: [Int64] = []
        public var entry: [Bool] = []
        public var event: [Int64] = []
        public var count: Int { person.count }
        public init() {}
        public mutating func reserve(_ n: Int) {
            person.reserveCapacity(n); minute.reserveCapacity(n); entry.reserveCapacity(n); event.reserveCapacity(n)
        }
        public mutating func append(person p: Int32, minute m: Int64, entry e: Bool, event v: Int64) {
            person.append(p); minute.append(m); entry.append(e); event.append(v)
        }
    }

    /// Writes the people's numbers (`attendance_people`: person `i` is `ids[i - 1]`), replacing what was there.
    public static func people(_ ids: [String], on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { throw FluentError.missingField(name: "SQL database") }
        try await sql.raw("DELETE FROM \(ident: AttendanceStore.peopleTable)").run()
        for start in stride(from: 0, to: ids.count, by: 500) {
            let rows: [any SQLExpression] = (start..<min(start + 500, ids.count)).map { i in SQLGroupExpression([SQLBind(i + 1), SQLBind(ids[i])]) }
            try await sql.raw("INSERT INTO \(ident: AttendanceStore.peopleTable) (person, employee_id) VALUES \(SQLList(rows))").run()
        }
    }

    /// Empties `attendance_crossings`, writes every chunk `next` gives (until `nil`), and makes the
    /// indexes again. `progress` is told the rows written so far.
    public static func crossings(on db: any Database, progress: @escaping @Sendable (Int) -> Void, next: @escaping @Sendable () -> Rows?) async throws {
        guard let sql = db as? any SQLDatabase else { throw FluentError.missingField(name: "SQL database") }
        try await AttendanceStore.dropIndexes(sql)
        try await sql.raw("DELETE FROM \(ident: AttendanceStore.crossingsTable)").run()
        // Loaded rows raise no month's version, so nothing kept from before may stand.
        try await sql.raw("DELETE FROM \(ident: AttendanceMonthStore.table)").run()
        let table = AttendanceStore.crossingsTable
        if let lite = db as? any SQLiteDatabase {
            try await lite.withConnection { conn in
                conn.eventLoop.makeFutureWithTask {
                    try await sqliteLoad(conn, table: table, progress: progress, next: next)
                }
            }.get()
        } else if let pg = db as? any PostgresDatabase {
            let logger = db.logger
            try await pg.withConnection { conn in
                conn.eventLoop.makeFutureWithTask {
                    try await conn.copyFrom(table: table, columns: ["person", "minute", "direction", "event"], logger: logger) { writer in
                        var written = 0
                        while let rows = next() {
                            // COPY text format: tab-separated integers, a line each.
                            var buffer = ByteBuffer()
                            buffer.reserveCapacity(rows.count * 32)
                            for i in 0..<rows.count {
                                buffer.writeString("\(rows.person[i])\t\(rows.minute[i])\t\(rows.entry[i] ? 1 : 0)\t\(rows.event[i])\n")
                            }
                            try await writer.write(buffer)
                            written += rows.count
                            progress(written)
                        }
                    }
                }
            }.get()
        } else {
            throw FluentError.missingField(name: "SQLite or PostgreSQL")
        }
        try await AttendanceStore.createIndexes(sql)
        // PostgreSQL: VACUUM sets the visibility map, without which an index-only scan still visits the
        // table (autovacuum would do it later on a live server).
        try await sql.raw(db is any PostgresDatabase ? "VACUUM ANALYZE \(ident: table)" : "ANALYZE \(ident: table)").run()
    }

    static func sqliteLoad(_ conn: SQLiteConnection, table: String, progress: @Sendable (Int) -> Void, next: @Sendable () -> Rows?) async throws {
        let perStatement = 1_000
        func statement(_ n: Int) -> String {
            "INSERT INTO \(table) (person, minute, direction, event) VALUES " + Array(repeating: "(?,?,?,?)", count: n).joined(separator: ",")
        }
        let full = statement(perStatement)
        _ = try await conn.query("BEGIN IMMEDIATE", [])
        do {
            var written = 0
            while let rows = next() {
                var start = 0
                while start < rows.count {
                    let end = min(start + perStatement, rows.count)
                    var binds: [SQLiteData] = []
                    binds.reserveCapacity((end - start) * 4)
                    for i in start..<end {
                        binds.append(.integer(Int(rows.person[i])))
                        binds.append(.integer(Int(rows.minute[i])))
                        binds.append(.integer(rows.entry[i] ? 1 : 0))
                        binds.append(.integer(Int(rows.event[i])))
                    }
                    _ = try await conn.query(end - start == perStatement ? full : statement(end - start), binds)
                    start = end
                }
                written += rows.count
                progress(written)
            }
            _ = try await conn.query("COMMIT", [])
        } catch {
            _ = try? await conn.query("ROLLBACK", [])
            throw error
        }
    }
}
