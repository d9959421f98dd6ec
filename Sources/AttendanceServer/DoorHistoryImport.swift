import Access
import Attendance
import Audit
import Crypto
import Fluent
import Foundation
import SQLKit
import ServerCore
import Store
import Vapor

/// Door history from the access system MynaGate replaces, so the first year's 36協定 checks and
/// averages (which look back up to 12 months) have their earlier months.
///
/// What is refused, line by line, and why:
/// - **on or after the day of a person's first crossing MynaGate recorded itself** (Japan time): the
///   two systems' records would mix in one day, and a record of MynaGate's own is never second to an
///   import (and when MynaGate's own crossings of a day arrive later, the report drops that day's
///   imported ones: ``ImportedHistory/preferOwn(_:)``);
/// - **a crossing an earlier import already holds** (the same person, minute and direction):
///   re-importing a file adds nothing, and exports made per door can be imported one after another;
/// - unknown employee numbers, times in the future, and what the file itself gets wrong
///   (``DoorHistoryCSV``).
///
/// The crossings go into attendance's crossings table with negative event ids
/// (``DoorHistoryImportModel/eventID(serial:line:)``): marked as imported wherever they are shown, and
/// each traceable to its import and line. The import is one audited write (`attendance.history.imported`,
/// with the file's SHA-256) and only an administrator makes it.
extension AttendanceService {
    public struct HistoryImportResult: Content, Sendable {
        public var serial: Int
        public var imported: Int
        /// Lines not imported; ``errors`` holds the first 1,000 of them.
        public var refused: Int
        public var encoding: String
        public var sha256: String
        public var errors: [HistoryLineErrorDTO]
    }
    public typealias HistoryLineErrorDTO = LineErrorDTO
    public struct HistoryImportRow: Content, Sendable {
        public var serial: Int
        public var importedAt: Date
        public var importedBy: String
        public var sha256: String
        public var crossings: Int
        public var refused: Int
        public var firstAt: Date?
        public var lastAt: Date?
    }

    public func importDoorHistory(_ data: Data, by actor: String, now: Date = Date()) async throws -> HistoryImportResult {
        let parsed = DoorHistoryCSV.parse(data)
        guard let encoding = parsed.encoding else { throw Abort(.unprocessableEntity, reason: "the file is neither UTF-8 nor Shift_JIS") }
        // The import holds the write turn every door's events wait for: a file is at most 200,000
        // crossings (a year of 200 people); a larger history goes in several files.
        guard parsed.crossings.count <= Self.maxHistoryCrossings, parsed.crossings.allSatisfy({ $0.line <= DoorHistoryImportModel.maxLines }) else {
            throw Abort(.unprocessableEntity, reason: "the file holds more than \(Self.maxHistoryCrossings) crossings; split it")
        }
        guard !parsed.crossings.isEmpty else {
            throw NoUsableLine.refusal(parsed.errors.map { .init(line: $0.line, reason: $0.reason.rawValue, ja: $0.ja, en: $0.en) })
        }
        let sha = SHA256.hash(data: data).lowercaseHex
        return try await audited { tx in
            guard let sql = tx as? any SQLDatabase else { throw Abort(.internalServerError, reason: "attendance needs an SQL database") }
            // Everything decided here is read inside the write: a door event or another import that
            // lands meanwhile is either before it (and seen) or after it.
            var ids: [String: String] = [:]
            for e in try await EmployeeModel.query(on: tx).field(\.$id).field(\.$employeeNumber).all() {
                ids[e.employeeNumber] = try e.requireID().uuidString
            }
            var errors = parsed.errors
            var candidates: [HistoricalCrossing] = []
            for c in parsed.crossings {
                if ids[c.employeeNumber] == nil { errors.append(.init(line: c.line, reason: .unknownEmployee)) }
                else if c.instant > now { errors.append(.init(line: c.line, reason: .future)) }
                else { candidates.append(c) }
            }
            let persons = try await AttendanceStore.personNumbers(for: Set(candidates.compactMap { ids[$0.employeeNumber] }), on: sql)
            let involved = Array(Set(persons.values)).sorted()
            var ownFirstDay: [Int: Int] = [:], held: Set<Held> = []
            for start in stride(from: 0, to: involved.count, by: 500) {
                let chunk = involved[start..<min(start + 500, involved.count)].map { SQLBind($0) as any SQLExpression }
                for row in try await sql.raw("SELECT person, MIN(minute) AS first FROM \(ident: AttendanceStore.crossingsTable) WHERE event > 0 AND person IN \(SQLGroupExpression(chunk)) GROUP BY person").all() {
                    ownFirstDay[try row.decode(column: "person", as: Int.self)] = EpochMinute.localDay(try row.decode(column: "first", as: Int.self))
                }
                for row in try await sql.raw("SELECT person, minute, direction FROM \(ident: AttendanceStore.crossingsTable) WHERE event < 0 AND person IN \(SQLGroupExpression(chunk))").all() {
                    held.insert(Held(person: try row.decode(column: "person", as: Int.self), minute: try row.decode(column: "minute", as: Int.self),
                                     direction: try row.decode(column: "direction", as: Int.self)))
                }
            }
            let serial = (try await DoorHistoryImportModel.query(on: tx).max(\.$serial) ?? 0) + 1
            var rows: [(person: Int, minute: Int, direction: Int, event: Int64)] = []
            var months: Set<YearMonth> = []
            for c in candidates {
                guard let id = ids[c.employeeNumber], let person = persons[id] else { throw Abort(.internalServerError, reason: "a person number was not made") }
                let minute = EpochMinute.of(c.instant)
                let day = JapanTime(c.instant).date
                let direction = c.direction == .entry ? 1 : 0
                if let first = ownFirstDay[person], EpochMinute.localDay(minute) >= first { errors.append(.init(line: c.line, reason: .overlapsOwnRecords)); continue }
                if !held.insert(Held(person: person, minute: minute, direction: direction)).inserted { errors.append(.init(line: c.line, reason: .alreadyImported)); continue }
                rows.append((person, minute, direction, DoorHistoryImportModel.eventID(serial: serial, line: c.line)))
                months.formUnion(AttendanceMonthStore.months(touchedOn: day))
            }
            for start in stride(from: 0, to: rows.count, by: 500) {
                let values: [any SQLExpression] = rows[start..<min(start + 500, rows.count)].map {
                    SQLGroupExpression([SQLBind($0.person), SQLBind($0.minute), SQLBind($0.direction), SQLBind($0.event)])
                }
                try await sql.raw("INSERT INTO \(ident: AttendanceStore.crossingsTable) (person, minute, direction, event) VALUES \(SQLList(values))").run()
            }
            // Months already computed and kept are computed again with their history.
            try await AttendanceMonthStore.touch(months, on: sql)
            errors.sort { $0.line < $1.line }
            let m = DoorHistoryImportModel()
            m.id = UUID()
            m.serial = serial
            m.importedAt = now
            m.importedBy = actor
            m.sha256 = sha
            m.crossings = rows.count
            m.refused = errors.count
            m.firstAt = rows.map(\.minute).min().map(EpochMinute.date)
            m.lastAt = rows.map(\.minute).max().map(EpochMinute.date)
            try await m.create(on: tx)
            let result = HistoryImportResult(serial: serial, imported: rows.count, refused: errors.count, encoding: encoding, sha256: sha,
                                             errors: errors.prefix(1_000).map(HistoryLineErrorDTO.init))
            return (result, [AuditDraft(kind: "attendance.history.imported", actor: actor, subject: "attendance",
                                        details: ["serial": String(serial), "imported": String(rows.count), "refused": String(errors.count), "sha256": sha])])
        }
    }

    static let maxHistoryCrossings = 200_000

    /// A crossing an import holds: the same person, minute and direction is the same crossing.
    struct Held: Hashable {
        var person: Int
        var minute: Int
        var direction: Int
    }

    /// The imports made, newest first.
    public func historyImports() async throws -> [HistoryImportRow] {
        try await DoorHistoryImportModel.query(on: db).sort(\.$serial, .descending).all().map {
            HistoryImportRow(serial: $0.serial, importedAt: $0.importedAt, importedBy: $0.importedBy, sha256: $0.sha256,
                             crossings: $0.crossings, refused: $0.refused, firstAt: $0.firstAt, lastAt: $0.lastAt)
        }
    }
}

extension AttendanceService {
    /// Takes back import `serial`: its crossings are deleted (MynaGate's own door events are never
    /// touched: theirs are positive), with the corrections that name them (a correction of a crossing
    /// that is gone corrects nothing; the removal's record counts them), and the months they touched
    /// computed again; the import stays listed, with its crossings now 0, and the removal is recorded
    /// (`attendance.history.removed`). A wrong file can then be fixed and imported again.
    public func removeDoorHistory(serial: Int, by actor: String) async throws -> Int {
        try await audited { tx in
            guard let sql = tx as? any SQLDatabase else { throw Abort(.internalServerError, reason: "attendance needs an SQL database") }
            guard let m = try await DoorHistoryImportModel.query(on: tx).filter(\.$serial == serial).first() else {
                throw Abort(.notFound, reason: "no such import")
            }
            let high = DoorHistoryImportModel.eventID(serial: serial, line: 1), low = DoorHistoryImportModel.eventID(serial: serial, line: DoorHistoryImportModel.maxLines)
            var months: Set<YearMonth> = []
            for row in try await sql.raw("SELECT DISTINCT minute / 1440 AS d FROM \(ident: AttendanceStore.crossingsTable) WHERE event BETWEEN \(bind: low) AND \(bind: high)").all() {
                // Any minute of the UTC day is enough to find the Japan days (and so the months) it touched.
                let d = try row.decode(column: "d", as: Int.self)
                for minute in [d * 1440, d * 1440 + 1439] { months.formUnion(AttendanceMonthStore.months(touchedAt: minute)) }
            }
            let counted = try await sql.raw("SELECT COUNT(*) AS n FROM \(ident: AttendanceStore.crossingsTable) WHERE event BETWEEN \(bind: low) AND \(bind: high)").first()
            let removed = try counted?.decode(column: "n", as: Int.self) ?? 0
            try await sql.raw("DELETE FROM \(ident: AttendanceStore.crossingsTable) WHERE event BETWEEN \(bind: low) AND \(bind: high)").run()
            var corrections = 0
            for c in try await AttendanceCorrectionModel.query(on: tx).filter(\.$eventID != nil).all() {
                guard let e = c.eventID, let id = Int64(e), (low...high).contains(id) else { continue }
                if let at = c.at { months.formUnion(AttendanceMonthStore.months(touchedAt: EpochMinute.of(at))) }
                try await c.delete(on: tx)
                corrections += 1
            }
            try await AttendanceMonthStore.touch(months, on: sql)
            m.crossings = 0
            try await m.save(on: tx)
            return (removed, [AuditDraft(kind: "attendance.history.removed", actor: actor, subject: "attendance",
                                         details: ["serial": String(serial), "removed": String(removed), "corrections": String(corrections)])])
        }
    }
}
