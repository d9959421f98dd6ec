import Access
import Attendance
import Audit
import Fluent
import Foundation
import SQLKit

// Attendance's storage. Door events stay where they are (the hash-chained `audit_records`, and
// `door_events` for uploaded ids); attendance keeps a narrow derived table of workplace-boundary
// crossings, written in the same transaction as the event's audit record, so a month for 20,000 people
// is one index range scan of integers instead of a parse of 2 million JSON records.
//
//   attendance_people(person INTEGER, employee_id TEXT UNIQUE)   a small integer per person
//   attendance_crossings(person, minute, direction, event)       one row per granted boundary crossing
//       minute: epoch minutes (UTC); direction: 1 entry, 0 exit; event: the audit record's sequence
//       indexes (minute, person, direction, event) for a month of everyone (covering), (person, minute) for one person
//
// Corrections and self-reports are ordinary Fluent models; settings are one JSON row in `settings`.

/// A correction of attendance, kept beside the door events (which are never changed).
public final class AttendanceCorrectionModel: Model, @unchecked Sendable {
    public static let schema = "attendance_corrections"
    @ID(key: .id) public var id: UUID?
    /// The person's internal id (`EmployeeID`).
    @Field(key: "employee_id") public var employeeID: String
    /// add, move or void
    @Field(key: "action") public var action: String
    /// For move and void: the crossing's event (audit record sequence, as text).
    @OptionalField(key: "event_id") public var eventID: String?
    /// For add: in or out.
    @OptionalField(key: "direction") public var direction: String?
    /// For add and move: the time.
    @OptionalField(key: "at") public var at: Date?
    /// The user who made it (`user:<name>`).
    @Field(key: "corrected_by") public var correctedBy: String
    @Field(key: "reason") public var reason: String
    @Field(key: "made_at") public var madeAt: Date
    public init() {}

    /// The domain value, or `nil` for a row that no longer reads (never written by this code).
    public var correction: Correction? {
        guard let id else { return nil }
        let action: Correction.Action
        switch self.action {
        case "add":
            guard let d = direction.flatMap(CrossingDirection.init(rawValue:)), let at else { return nil }
            action = .add(direction: d, at: at)
        case "move":
            guard let e = eventID, let at else { return nil }
            action = .move(eventID: e, to: at)
        case "void":
            guard let e = eventID else { return nil }
            action = .void(eventID: e)
        default: return nil
        }
        return Correction(id: id.uuidString.lowercased(), employee: EmployeeID(rawValue: employeeID), action: action,
                          correctedBy: correctedBy, reason: reason, madeAt: madeAt)
    }
}

/// One line of an imported self-report (自己申告), keyed by employee number and date.
public final class AttendanceSelfReportModel: Model, @unchecked Sendable {
    public static let schema = "attendance_self_reports"
    @ID(key: .id) public var id: UUID?
    @Field(key: "employee_number") public var employeeNumber: String
    /// YYYY-MM-DD
    @Field(key: "date") public var date: String
    @Field(key: "start_minute") public var startMinute: Int
    @Field(key: "end_minute") public var endMinute: Int
    @Field(key: "break_minutes") public var breakMinutes: Int
    @Field(key: "line") public var line: Int
    @Field(key: "imported_at") public var importedAt: Date
    @Field(key: "imported_by") public var importedBy: String
    public init() {}

    public var day: SelfReportedDay? {
        guard let d = CivilDate(date) else { return nil }
        return SelfReportedDay(employeeNumber: employeeNumber, date: d, startMinute: startMinute, endMinute: endMinute, breakMinutes: breakMinutes, line: line)
    }
}

/// The attendance tables, and the crossings of every door event already in the log (backfill).
public struct CreateAttendanceTables: AsyncMigration {
    public init() {}

    public func prepare(on db: any Database) async throws {
        try await db.schema(AttendanceStore.peopleTable)
            .field("person", .int, .identifier(auto: true))
            .field("employee_id", .string, .required)
            .unique(on: "employee_id")
            .create()
        try await db.schema(AttendanceStore.crossingsTable)
            .field("person", .int, .required)
            .field("minute", .int64, .required)
            .field("direction", .int, .required)
            .field("event", .int64, .required)
            .create()
        try await db.schema(AttendanceCorrectionModel.schema)
            .id()
            .field("employee_id", .string, .required)
            .field("action", .string, .required)
            .field("event_id", .string)
            .field("direction", .string)
            .field("at", .datetime)
            .field("corrected_by", .string, .required)
            .field("reason", .string, .required)
            .field("made_at", .datetime, .required)
            .create()
        try await db.schema(AttendanceSelfReportModel.schema)
            .id()
            .field("employee_number", .string, .required)
            .field("date", .string, .required)
            .field("start_minute", .int, .required)
            .field("end_minute", .int, .required)
            .field("break_minutes", .int, .required)
            .field("line", .int, .required)
            .field("imported_at", .datetime, .required)
            .field("imported_by", .string, .required)
            .create()
        if let sql = db as? any SQLDatabase {
            try await AttendanceStore.createIndexes(sql)
            try await sql.create(index: "attendance_corrections_employee").on(AttendanceCorrectionModel.schema).column("employee_id").run()
            try await sql.create(index: "attendance_self_reports_day").on(AttendanceSelfReportModel.schema).column("date").column("employee_number").run()
        }
        try await AttendanceStore.backfill(on: db)
    }

    public func revert(on db: any Database) async throws {
        for s in [AttendanceSelfReportModel.schema, AttendanceCorrectionModel.schema, AttendanceStore.crossingsTable, AttendanceStore.peopleTable] {
            try await db.schema(s).delete()
        }
    }
}

/// Writing and reading the derived crossings.
public enum AttendanceStore {
    public static let peopleTable = "attendance_people"
    public static let crossingsTable = "attendance_crossings"

    /// The two indexes of `attendance_crossings` (the bench drops them for a bulk load and makes them again).
    ///
    /// The month index covers every column a month's read selects, so the read is an index-only range
    /// scan: measured on SQLite, 0.2 µs a row instead of 0.7 µs with an index on `minute` alone and a
    /// table lookup per row (PostgreSQL: an index-only scan once the table is vacuumed).
    public static func createIndexes(_ sql: any SQLDatabase) async throws {
        try await sql.raw("CREATE INDEX IF NOT EXISTS attendance_crossings_month ON \(ident: crossingsTable) (minute, person, direction, event)").run()
        try await sql.raw("CREATE INDEX IF NOT EXISTS attendance_crossings_person_minute ON \(ident: crossingsTable) (person, minute)").run()
    }

    public static func dropIndexes(_ sql: any SQLDatabase) async throws {
        try await sql.drop(index: "attendance_crossings_month").ifExists().run()
        try await sql.drop(index: "attendance_crossings_minute").ifExists().run()
        try await sql.drop(index: "attendance_crossings_person_minute").ifExists().run()
    }

    /// A crossing derived from a door event's audit record, before it has a person number.
    public struct Derived: Sendable, Hashable {
        public var employee: EmployeeID
        public var minute: Int
        public var direction: CrossingDirection
        public var event: Int64
    }

    /// The crossings in `records`: granted passages (``DoorPassage``) through a door across the workplace
    /// boundary in `policy`.
    public static func derive(_ records: [AuditRecord], policy: AccessPolicy) -> [Derived] {
        let boundary = Set(policy.zones.values.filter(\.isWorkplaceBoundary).map(\.id))
        guard !boundary.isEmpty else { return [] }
        return records.compactMap { r in
            guard let p = DoorPassage.of(r), let door = policy.doors[p.door],
                  let direction = CrossingDirection.of(door, boundaryZones: boundary) else { return nil }
            return Derived(employee: p.employee, minute: EpochMinute.of(p.time), direction: direction, event: p.event)
        }
    }

    /// Writes the crossings in `records` on `db` (inside the transaction that appends them), and raises
    /// the version of the months they touch (``AttendanceMonthStore``) unless `touchingMonths` is false
    /// (the backfill, which runs before that table exists and before anything is kept).
    public static func record(_ records: [AuditRecord], policy: AccessPolicy, touchingMonths: Bool = true, on db: any Database) async throws {
        let derived = derive(records, policy: policy)
        guard !derived.isEmpty, let sql = db as? any SQLDatabase else { return }
        if touchingMonths {
            var months: Set<YearMonth> = []
            for day in Set(derived.map { JapanTime(EpochMinute.date($0.minute)).date }) { months.formUnion(AttendanceMonthStore.months(touchedOn: day)) }
            try await AttendanceMonthStore.touch(months, on: sql)
        }
        let persons = try await personNumbers(for: Set(derived.map(\.employee.rawValue)), on: sql)
        for start in stride(from: 0, to: derived.count, by: 500) {
            let chunk = derived[start..<min(start + 500, derived.count)]
            let rows: [SQLExpression] = chunk.map { d in
                SQLGroupExpression([SQLBind(persons[d.employee.rawValue] ?? 0), SQLBind(d.minute), SQLBind(d.direction == .entry ? 1 : 0), SQLBind(d.event)])
            }
            try await sql.raw("INSERT INTO \(ident: crossingsTable) (person, minute, direction, event) VALUES \(SQLList(rows))").run()
        }
    }

    /// The person number of each employee id, made for those that have none yet.
    public static func personNumbers(for employees: Set<String>, on sql: any SQLDatabase) async throws -> [String: Int] {
        var out: [String: Int] = [:]
        let list = Array(employees)
        for start in stride(from: 0, to: list.count, by: 500) {
            let chunk = Array(list[start..<min(start + 500, list.count)])
            func read() async throws {
                let rows = try await sql.raw("SELECT person, employee_id FROM \(ident: peopleTable) WHERE employee_id IN \(SQLGroupExpression(chunk.map { SQLBind($0) }))").all()
                for row in rows { out[try row.decode(column: "employee_id", as: String.self)] = try row.decode(column: "person", as: Int.self) }
            }
            try await read()
            let missing = chunk.filter { out[$0] == nil }
            if missing.isEmpty { continue }
            // Two servers may add the same person at once: the unique key keeps one, and both read it.
            for e in missing {
                try await sql.raw("INSERT INTO \(ident: peopleTable) (employee_id) VALUES (\(bind: e)) ON CONFLICT (employee_id) DO NOTHING").run()
            }
            try await read()
        }
        return out
    }

    /// Fills `attendance_crossings` from the door events already in the log (run once, by the migration
    /// that creates the table), a page of records at a time.
    public static func backfill(on db: any Database, pageSize: Int = 5_000) async throws {
        // Runs in an earlier migration than the genuine level's columns: the policy is read without them.
        let policy = try await PolicyLoader.load(on: db, migrating: true)
        guard policy.zones.values.contains(where: \.isWorkplaceBoundary) else { return }
        var after: Int64 = 0
        while true {
            // The hashed fields only: this runs in an earlier migration than the `outcome` column's.
            let page = try await AuditRecordModel.query(on: db).filter(\.$id > after).filter(\.$kind == "door.decision")
                .field(\.$id).field(\.$timeMillis).field(\.$kind).field(\.$actor).field(\.$subject).field(\.$details)
                .field(\.$previousHash).field(\.$hash)
                .sort(\.$id, .ascending).limit(pageSize).all()
            guard let last = page.last?.id else { break }
            try await record(try page.map(AuditStore.record(from:)), policy: policy, touchingMonths: false, on: db)
            after = last
        }
    }

    /// Employee id by person number, for those of `employees` who have crossed (a person's month need
    /// not read the numbers of 20,000 others).
    public static func people(employees: [String], on db: any Database) async throws -> [Int: EmployeeID] {
        guard let sql = db as? any SQLDatabase else { return [:] }
        var out: [Int: EmployeeID] = [:]
        for start in stride(from: 0, to: employees.count, by: 500) {
            let chunk = employees[start..<min(start + 500, employees.count)].map { SQLBind($0) as any SQLExpression }
            for row in try await sql.raw("SELECT person, employee_id FROM \(ident: peopleTable) WHERE employee_id IN \(SQLGroupExpression(chunk))").all() {
                out[try row.decode(column: "person", as: Int.self)] = EmployeeID(rawValue: try row.decode(column: "employee_id", as: String.self))
            }
        }
        return out
    }

    /// Employee id by person number, for everyone who has crossed.
    public static func people(on db: any Database) async throws -> [Int: EmployeeID] {
        guard let sql = db as? any SQLDatabase else { return [:] }
        var out: [Int: EmployeeID] = [:]
        for row in try await sql.raw("SELECT person, employee_id FROM \(ident: peopleTable)").all() {
            out[try row.decode(column: "person", as: Int.self)] = EmployeeID(rawValue: try row.decode(column: "employee_id", as: String.self))
        }
        return out
    }
}
