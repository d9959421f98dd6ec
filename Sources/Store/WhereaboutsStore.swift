import Access
import Audit
import Fluent
import Foundation
import SQLKit

// Where each person last was, derived from the door events like attendance's crossings and written in
// the same transaction as the events' records, so the evacuation roll call reads one row per person
// instead of replaying the log:
//
//   access_whereabouts(employee_id TEXT UNIQUE, zone TEXT NULL, door TEXT, at_ms INT64, event INT64)
//       zone: the zone the last granted passage led into; NULL when it led out of the premises

/// Reading and writing each person's last known zone (``Whereabouts``).
public enum WhereaboutsStore {
    public static let table = "access_whereabouts"

    /// The last passage per person in `records`, with where its door leads (`doors`: the policy's,
    /// and those read from the database for a door the policy does not hold yet). A door deleted before
    /// its events arrived moves nobody: where it led is no longer known.
    ///
    /// A passage's time is the earlier of the door's time and the server's: a door whose clock runs
    /// ahead (vetting accepts minutes) must not make its passage newer than a later one elsewhere.
    public static func derive(_ records: [AuditRecord], doors: [DoorID: Door]) -> [(whereabouts: Whereabouts, event: Int64)] {
        var latest: [EmployeeID: (Whereabouts, Int64)] = [:]
        for r in records {
            guard let p = DoorPassage.of(r), let door = doors[p.door] else { continue }
            let at = min(p.time, p.recorded)
            if let old = latest[p.employee], !Whereabouts.isNewer(at, event: p.event, than: (old.0.since, old.1)) { continue }
            latest[p.employee] = (Whereabouts(employee: p.employee, zone: door.to, since: at, door: p.door), p.event)
        }
        return latest.values.map { (whereabouts: $0.0, event: $0.1) }.sorted { $0.event < $1.event }
    }

    static func requireSQL(_ db: any Database) throws -> any SQLDatabase {
        guard let sql = db as? any SQLDatabase else { throw StoredConfigurationError(what: "database", id: "whereabouts", field: "SQL") }
        return sql
    }

    /// Writes the passages in `records` on `db` (inside the transaction that appends them). A row is
    /// replaced only by a newer passage (``Whereabouts/isNewer(_:event:than:)``), decided by the database
    /// in the same statement, so two servers writing at once and an offline door's late upload leave the
    /// newest passage, whatever order they commit in.
    ///
    /// During an evacuation, anyone these passages put inside who is not yet on its roll is added to it
    /// (an offline door's late upload, someone let in after the alarm): the roll must not miss a person
    /// the doors know is inside.
    public static func record(_ records: [AuditRecord], policy: AccessPolicy, on db: any Database) async throws {
        let passages = records.compactMap(DoorPassage.of)
        guard !passages.isEmpty else { return }
        let sql = try requireSQL(db)
        var doors = policy.doors
        // A door made on another server a moment ago may not be in this server's policy yet.
        let unknown = Set(passages.map(\.door.rawValue).filter { doors[DoorID(rawValue: $0)] == nil })
        if !unknown.isEmpty {
            for m in try await DoorModel.query(on: db).filter(\.$id ~~ Array(unknown)).all() {
                let id = try m.requireID()
                doors[DoorID(rawValue: id)] = Door(id: DoorID(rawValue: id), name: m.name, from: m.fromZone.map(ZoneID.init(rawValue:)), to: m.toZone.map(ZoneID.init(rawValue:)))
            }
        }
        let rows = derive(records, doors: doors)
        guard !rows.isEmpty else { return }
        for start in stride(from: 0, to: rows.count, by: 500) {
            let chunk = rows[start..<min(start + 500, rows.count)]
            let values: [any SQLExpression] = chunk.map { w, event in
                // One row per person per statement: PostgreSQL refuses to update a row twice in one.
                SQLGroupExpression([SQLBind(w.employee.rawValue), SQLBind(w.zone?.rawValue), SQLBind(w.door.rawValue),
                                    SQLBind(Int64((w.since.timeIntervalSince1970 * 1000).rounded())), SQLBind(event)])
            }
            try await sql.raw("""
                INSERT INTO \(ident: table) (employee_id, zone, door, at_ms, event) VALUES \(SQLList(values)) \
                ON CONFLICT (employee_id) DO UPDATE SET zone = excluded.zone, door = excluded.door, at_ms = excluded.at_ms, event = excluded.event \
                WHERE excluded.at_ms > \(ident: table).at_ms OR (excluded.at_ms = \(ident: table).at_ms AND excluded.event > \(ident: table).event)
                """).run()
        }
        let inside = rows.map(\.whereabouts).filter { $0.zone != nil }
        guard !inside.isEmpty, let evacuation = try await EvacuationModel.query(on: db).filter(\.$endedAt == nil).first() else { return }
        try await MusterEntryModel.add(inside, to: try evacuation.requireID(), onlyNew: true, on: sql)
    }

    /// Everyone's last known place; with `insideOnly`, only those whose last passage led into a zone.
    /// A row that cannot be read throws: a roll call that silently drops a person is the one failure
    /// it must not have.
    public static func all(insideOnly: Bool = true, on db: any Database) async throws -> [Whereabouts] {
        let sql = try requireSQL(db)
        let filter: SQLQueryString = insideOnly ? " WHERE zone IS NOT NULL" : ""
        return try await sql.raw("SELECT employee_id, zone, door, at_ms FROM \(ident: table)\(filter)").all().map { row in
            Whereabouts(employee: EmployeeID(rawValue: try row.decode(column: "employee_id", as: String.self)),
                        zone: try row.decode(column: "zone", as: String?.self).map(ZoneID.init(rawValue:)),
                        since: Date(timeIntervalSince1970: Double(try row.decode(column: "at_ms", as: Int64.self)) / 1000),
                        door: DoorID(rawValue: try row.decode(column: "door", as: String.self)))
        }
    }

    /// The whereabouts of `employees` (inside or not), for the roll of an evacuation under way.
    public static func of(_ employees: [String], on db: any Database) async throws -> [EmployeeID: Whereabouts] {
        let sql = try requireSQL(db)
        var out: [EmployeeID: Whereabouts] = [:]
        for start in stride(from: 0, to: employees.count, by: 500) {
            let chunk = employees[start..<min(start + 500, employees.count)].map { SQLBind($0) as any SQLExpression }
            for row in try await sql.raw("SELECT employee_id, zone, door, at_ms FROM \(ident: table) WHERE employee_id IN \(SQLGroupExpression(chunk))").all() {
                let w = Whereabouts(employee: EmployeeID(rawValue: try row.decode(column: "employee_id", as: String.self)),
                                    zone: try row.decode(column: "zone", as: String?.self).map(ZoneID.init(rawValue:)),
                                    since: Date(timeIntervalSince1970: Double(try row.decode(column: "at_ms", as: Int64.self)) / 1000),
                                    door: DoorID(rawValue: try row.decode(column: "door", as: String.self)))
                out[w.employee] = w
            }
        }
        return out
    }

    /// Fills the table from the door events already in the log (run once, by the migration that makes it).
    public static func backfill(on db: any Database, pageSize: Int = 5_000) async throws {
        let policy = try await PolicyLoader.load(on: db)
        var after: Int64 = 0
        while true {
            let page = try await AuditRecordModel.query(on: db).filter(\.$id > after).filter(\.$kind == "door.decision")
                .sort(\.$id, .ascending).limit(pageSize).all()
            guard let last = page.last?.id else { break }
            try await record(try page.map(AuditStore.record(from:)), policy: policy, on: db)
            after = last
        }
    }
}

/// An evacuation an officer started (or a drill): the doors it released and the roll taken at its start.
public final class EvacuationModel: Model, @unchecked Sendable {
    public static let schema = "evacuations"
    @ID(key: .id) public var id: UUID?
    @Field(key: "drill") public var drill: Bool
    @Field(key: "note") public var note: String
    @Field(key: "started_at") public var startedAt: Date
    @Field(key: "started_by") public var startedBy: String
    @OptionalField(key: "ended_at") public var endedAt: Date?
    @OptionalField(key: "ended_by") public var endedBy: String?
    /// The doors this evacuation put under emergency unlock (JSON list), taken off again at its end;
    /// doors an officer had unlocked before stay unlocked.
    @Field(key: "released_doors") public var releasedDoors: String
    public init() {}
}

/// One person on an evacuation's roll, as they were when it started, and whether a warden has found them.
public final class MusterEntryModel: Model, @unchecked Sendable {
    public static let schema = "muster_entries"
    @ID(key: .id) public var id: UUID?
    @Field(key: "evacuation_id") public var evacuationID: UUID
    @Field(key: "employee_id") public var employeeID: String
    @Field(key: "zone") public var zone: String
    @Field(key: "door") public var door: String
    @Field(key: "since") public var since: Date
    @OptionalField(key: "accounted_at") public var accountedAt: Date?
    @OptionalField(key: "accounted_by") public var accountedBy: String?
    public init() {}

    /// Puts `people` (each inside a zone) on the roll of `evacuation`, in multi-row inserts: the roll of
    /// 10,000 people is taken while every door waits for the write turn. With `onlyNew`, people already
    /// on the roll are left as they are (their ticks kept).
    public static func add(_ people: [Whereabouts], to evacuation: UUID, onlyNew: Bool, on sql: any SQLDatabase) async throws {
        let rows = people.compactMap { w in w.zone.map { (w, $0) } }
        for start in stride(from: 0, to: rows.count, by: 500) {
            let values: [any SQLExpression] = rows[start..<min(start + 500, rows.count)].map { w, zone in
                SQLGroupExpression([SQLBind(UUID()), SQLBind(evacuation), SQLBind(w.employee.rawValue), SQLBind(zone.rawValue),
                                    SQLBind(w.door.rawValue), SQLBind(w.since)])
            }
            let conflict: SQLQueryString = onlyNew ? " ON CONFLICT (evacuation_id, employee_id) DO NOTHING" : ""
            try await sql.raw("INSERT INTO \(ident: schema) (id, evacuation_id, employee_id, zone, door, since) VALUES \(SQLList(values))\(conflict)").run()
        }
    }
}

/// The whereabouts table (filled from the log) and the evacuation tables.
public struct CreateMusterTables: AsyncMigration {
    public init() {}

    public func prepare(on db: any Database) async throws {
        try await db.schema(WhereaboutsStore.table)
            .field("employee_id", .string, .required)
            .field("zone", .string)
            .field("door", .string, .required)
            .field("at_ms", .int64, .required)
            .field("event", .int64, .required)
            .unique(on: "employee_id")
            .ignoreExisting()
            .create()
        try await db.schema(EvacuationModel.schema)
            .id()
            .field("drill", .bool, .required)
            .field("note", .string, .required)
            .field("started_at", .datetime, .required)
            .field("started_by", .string, .required)
            .field("ended_at", .datetime)
            .field("ended_by", .string)
            .field("released_doors", .string, .required)
            .ignoreExisting()
            .create()
        try await db.schema(MusterEntryModel.schema)
            .id()
            .field("evacuation_id", .uuid, .required)
            .field("employee_id", .string, .required)
            .field("zone", .string, .required)
            .field("door", .string, .required)
            .field("since", .datetime, .required)
            .field("accounted_at", .datetime)
            .field("accounted_by", .string)
            .unique(on: "evacuation_id", "employee_id")
            .ignoreExisting()
            .create()
        try await WhereaboutsStore.backfill(on: db)
    }

    public func revert(on db: any Database) async throws {
        for s in [MusterEntryModel.schema, EvacuationModel.schema, WhereaboutsStore.table] { try await db.schema(s).delete() }
    }
}
