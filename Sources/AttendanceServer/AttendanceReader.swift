import Access
import Attendance
import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import NIOConcurrencyHelpers
import PostgresNIO
import SQLiteNIO
import SQLKit
import Store
import Vapor
import ServerCore

/// Reads crossings from `attendance_crossings` as fast as the driver allows: a month for 20,000 people
/// is about 2 million rows, so rows are read on the driver's own thread with no per-row event-loop hop
/// and no Codable decoding (SQLite: `SQLiteConnection.query` with a synchronous row callback;
/// PostgreSQL: the async row sequence decoding plain integers). Other databases use SQLKit.
///
/// Rows come in time order (the minute index); they are grouped by person here with a counting sort,
/// which keeps each person's crossings in time order — what ``MonthReport`` takes in one pass.
public enum AttendanceReader {
    /// Integer rows as read: person, minute × 2 + direction (1 entry), event.
    struct Raw: Sendable {
        var person: [Int32] = []
        var minuteDirection: [Int64] = []
        var event: [Int64] = []
        mutating func reserve(_ n: Int) {
            person.reserveCapacity(n)
            minuteDirection.reserveCapacity(n)
            event.reserveCapacity(n)
        }
        /// A row as read: `person << 32 | minute × 2 + direction`, and the event.
        @inline(__always) mutating func add(packed: Int64, event e: Int64) {
            person.append(Int32(truncatingIfNeeded: packed >> 32))
            minuteDirection.append(packed & 0xFFFF_FFFF)
            event.append(e)
        }
        mutating func append(_ other: Raw) {
            person += other.person
            minuteDirection += other.minuteDirection
            event += other.event
        }
    }

    // Written only from one query's row callbacks, which run one at a time, and read after the query
    // has finished (`.get()` / `run` returned), so the fields need no lock.
    final class Collector: @unchecked Sendable {
        var raw = Raw()
        /// The first row that could not be read: the callbacks cannot throw, so the read throws after.
        var unreadable: String?

        func refuse(_ what: String) { if unreadable == nil { unreadable = what } }

        /// The crossings, unless a row could not be read: a person 0 or minute 0 in its place would
        /// silently falsify working time and payroll.
        func result(_ table: String) throws -> Raw {
            if let unreadable {
                throw Abort(.internalServerError, reason: "an attendance crossing in \(table) cannot be read (\(unreadable)); no figures are given rather than wrong ones")
            }
            return raw
        }
    }

    /// Crossings with `from ≤ minute < until`, of `persons` only when given, grouped by person and in
    /// time order within each. `names` maps person numbers to employee ids (people not in it are skipped).
    public static func crossings(from: Int, until: Int, persons: [Int]? = nil, names: [Int: EmployeeID], on db: any Database) async throws -> [BoundaryCrossing] {
        var filter = ""
        if let persons {
            if persons.isEmpty { return [] }
            filter = persons.count == 1 ? " AND person = \(persons[0])" : " AND person IN (\(persons.map(String.init).joined(separator: ",")))"
        }
        let raw = try await read(from: from, until: until, filter: filter, on: db)
        return group(raw, names: names)
    }

    /// Reads `from ≤ minute < until` (and `filter`, an SQL condition, when given). A large window is read
    /// in two halves by minute at once, on two connections, so the database's scan and the decoding use
    /// both cores; the halves are joined in time order, so `group` keeps each person's crossings in order.
    static func read(from: Int, until: Int, filter: String = "", on db: any Database) async throws -> Raw {
        // A week of everyone's crossings is worth splitting; a person's or a department's month is not.
        let parts = filter.isEmpty && until - from >= 7 * 1_440 ? min(2, max(1, ProcessInfo.processInfo.activeProcessorCount)) : 1
        let cuts = (0...parts).map { from + (until - from) * $0 / parts }
        func condition(_ k: Int) -> String { "minute >= \(cuts[k]) AND minute < \(cuts[k + 1])\(filter)" }
        if parts == 1 { return try await read(where: condition(0), on: db) }
        // SQLite: the side connection is opened before either half starts, since finding the file takes
        // the pooled connection, which the first half then holds.
        var side: SQLiteConnection?
        if let lite = db as? any SQLiteDatabase { side = try await SQLiteSideReader.open(beside: lite) }
        async let first = read(where: condition(0), on: db)
        async let second = read(where: condition(1), on: db, side: side)
        var raw = try await first
        raw.append(try await second)
        return raw
    }

    /// One range: person and minute × 2 + direction packed into one integer (`person << 32 | md`), so
    /// each crossing is two integers on the wire.
    static func read(where condition: String, on db: any Database, side: SQLiteConnection? = nil) async throws -> Raw {
        let table = AttendanceStore.crossingsTable
        let collector = Collector()
        if let lite = db as? any SQLiteDatabase {
            let sql = "SELECT (person << 32) | (minute * 2 + direction) AS p, event AS e FROM \(table) WHERE \(condition)"
            // SQLiteNIO reads a row at a time; the column-by-name lookups are most of its cost, hence
            // short names and two columns.
            let onRow: @Sendable (SQLiteRow) -> Void = { row in
                guard let p = row.column("p")?.integer, let e = row.column("e")?.integer else {
                    return collector.refuse("person, minute, direction or event is not an integer")
                }
                collector.raw.add(packed: Int64(p), event: Int64(e))
            }
            if let extra = side {
                // A second connection to the same file, for this half only: the pool has one.
                do {
                    try await extra.query(sql, [], onRow)
                    try? await extra.close()
                } catch {
                    try? await extra.close()
                    throw error
                }
                return try collector.result(table)
            }
            try await lite.withConnection { conn in
                conn.eventLoop.makeFutureWithTask { try await conn.query(sql, [], onRow) }
            }.get()
        } else if let pg = db as? any PostgresDatabase {
            // Rows come as arrays, one row per block of 256 people: PostgresNIO's per-row cost (an async
            // sequence element, a row decode) is paid 80 times for 20,000 people instead of 2 million
            // times. The arrays are taken as their raw binary form and parsed here (`Int8ArrayBinary`):
            // PostgresNIO's generic `[Int64]` decoding costs more than the database's whole scan.
            let query = PostgresQuery(unsafeSQL: """
                SELECT array_agg((person << 32) | (minute * 2 + direction)), array_agg(event) \
                FROM \(table) WHERE \(condition) GROUP BY person / 256
                """)
            let logger = db.logger
            try await pg.withConnection { conn in
                conn.eventLoop.makeFutureWithTask {
                    let rows = try await conn.query(query, logger: logger)
                    for try await (p, e) in rows.decode((ByteBuffer, ByteBuffer).self) {
                        let packed = try Int8ArrayBinary.values(p), events = try Int8ArrayBinary.values(e)
                        guard packed.count == events.count else { throw Int8ArrayBinary.Malformed() }
                        collector.raw.reserve(collector.raw.person.count + packed.count)
                        for (x, y) in zip(packed, events) { collector.raw.add(packed: x, event: y) }
                    }
                }
            }.get()
        } else if let generic = db as? any SQLDatabase {
            let sql = "SELECT person, minute * 2 + direction AS md, event FROM \(table) WHERE \(condition)"
            try await generic.raw(SQLQueryString(sql)).run { row in
                do {
                    let person = try row.decode(column: "person", as: Int.self), md = try row.decode(column: "md", as: Int.self)
                    let event = try row.decode(column: "event", as: Int.self)
                    collector.raw.person.append(Int32(truncatingIfNeeded: person))
                    collector.raw.minuteDirection.append(Int64(md))
                    collector.raw.event.append(Int64(event))
                } catch {
                    collector.refuse("\(error)")
                }
            }
        }
        return try collector.result(table)
    }

    final class NameCollector: @unchecked Sendable {
        var names: [Int: EmployeeID] = [:]
    }

    /// Employee id by person number for everyone who has crossed — the same as
    /// `AttendanceStore.people(on:)`, read without Codable (20,000 rows for everyone's month).
    public static func names(on db: any Database) async throws -> [Int: EmployeeID] {
        let table = AttendanceStore.peopleTable
        let collector = NameCollector()
        if let lite = db as? any SQLiteDatabase {
            try await lite.withConnection { conn in
                conn.eventLoop.makeFutureWithTask {
                    try await conn.query("SELECT person, employee_id FROM \(table)", []) { row in
                        if let p = row.column("person")?.integer, let e = row.column("employee_id")?.string { collector.names[p] = EmployeeID(rawValue: e) }
                    }
                }
            }.get()
        } else if let pg = db as? any PostgresDatabase {
            let logger = db.logger
            try await pg.withConnection { conn in
                conn.eventLoop.makeFutureWithTask {
                    let rows = try await conn.query(PostgresQuery(unsafeSQL: "SELECT array_agg(person::int8), array_agg(employee_id::text) FROM \(table)"), logger: logger)
                    for try await (p, e) in rows.decode(([Int64]?, [String]?).self) {
                        for (k, v) in zip(p ?? [], e ?? []) { collector.names[Int(k)] = EmployeeID(rawValue: v) }
                    }
                }
            }.get()
        } else {
            return try await AttendanceStore.people(on: db)
        }
        return collector.names
    }

    /// Groups rows by person (counting sort by person number, stable, then each run sorted by time if
    /// it is not already).
    static func group(_ raw: Raw, names: [Int: EmployeeID]) -> [BoundaryCrossing] {
        let n = raw.person.count
        guard n > 0 else { return [] }
        var maxPerson = 0
        for p in raw.person { maxPerson = max(maxPerson, Int(p)) }
        var counts = [Int](repeating: 0, count: maxPerson + 2)
        for p in raw.person { counts[Int(p) + 1] += 1 }
        for i in 1..<counts.count { counts[i] += counts[i - 1] }
        var order = [Int32](repeating: 0, count: n)
        var next = counts
        for i in 0..<n {
            let p = Int(raw.person[i])
            order[next[p]] = Int32(i)
            next[p] += 1
        }
        var ids = [EmployeeID?](repeating: nil, count: maxPerson + 1)
        for (k, v) in names where k <= maxPerson && k >= 0 { ids[k] = v }
        var out: [BoundaryCrossing] = []
        out.reserveCapacity(n)
        for p in 0...maxPerson {
            let start = counts[p], end = counts[p + 1]
            guard start < end, let employee = ids[p] else { continue }
            var run = (start..<end).map { Int(order[$0]) }
            // Rows usually arrive in minute order already; a person written out of order is sorted.
            var sorted = true
            for k in 1..<max(run.count, 1) where raw.minuteDirection[run[k]] < raw.minuteDirection[run[k - 1]] { sorted = false; break }
            if !sorted { run.sort { raw.minuteDirection[$0] < raw.minuteDirection[$1] } }
            for i in run {
                let md = raw.minuteDirection[i]
                out.append(BoundaryCrossing(eventID: String(raw.event[i]), employee: employee,
                                            instant: EpochMinute.date(Int(md >> 1)), direction: md & 1 == 1 ? .entry : .exit))
            }
        }
        return out
    }
}
