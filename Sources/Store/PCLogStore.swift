import Access
import Attendance
import Fluent
import Foundation
import SQLKit

// PC sign-in/sign-off records (パソコンの使用時間の記録, the 2017 guideline's objective record beside the
// door record) and the investigation tasks (実態調査) opened where they diverge. Keyed by employee
// number like the self-reports: the system that exports the log knows people by it.

/// A stored row that no longer reads as its value: refused loudly, never read as a default.
public struct UnreadablePCLogRow: Error, CustomStringConvertible {
    public var table: String
    public var field: String
    public var description: String { "a row of \(table) has an unreadable \(field)" }

    public init(table: String, field: String) {
        self.table = table
        self.field = field
    }
}

/// One PC event. Unique per employee number, instant and event, so importing a file again adds nothing.
public final class PCLogEventModel: Model, @unchecked Sendable {
    public static let schema = "attendance_pc_log_events"
    @ID(key: .id) public var id: UUID?
    @Field(key: "employee_number") public var employeeNumber: String
    /// Seconds since 1970-01-01T00:00Z.
    @Field(key: "second") public var second: Int
    /// logon, logoff, lock or unlock.
    @Field(key: "event") public var event: String
    @Field(key: "pc") public var pc: String
    /// The local date of the event (YYYY-MM-DD), to read a month without converting every row.
    @Field(key: "date") public var date: String
    @Field(key: "imported_by") public var importedBy: String
    @Field(key: "imported_at") public var importedAt: Date
    public init() {}

    public func value() throws -> PCLogEvent {
        guard let kind = PCLogEventKind(rawValue: event) else { throw UnreadablePCLogRow(table: Self.schema, field: "event") }
        return PCLogEvent(employeeNumber: employeeNumber, second: second, kind: kind, pc: pc)
    }
}

/// An investigation task: one per person, day and kind of gap (``PCLogGap/Kind``), open until HR
/// resolves it with a note of what the investigation found.
public final class PCLogTaskModel: Model, @unchecked Sendable {
    public static let schema = "attendance_pc_log_tasks"
    @ID(key: .id) public var id: UUID?
    @Field(key: "employee_number") public var employeeNumber: String
    /// The work day, YYYY-MM-DD.
    @Field(key: "date") public var date: String
    /// outside_door, no_door_record or outside_self_report.
    @Field(key: "kind") public var kind: String
    /// open or resolved.
    @Field(key: "status") public var status: String
    @Field(key: "opened_at") public var openedAt: Date
    @OptionalField(key: "note") public var note: String?
    /// `user:<name>`.
    @OptionalField(key: "resolved_by") public var resolvedBy: String?
    @OptionalField(key: "resolved_at") public var resolvedAt: Date?
    public init() {}

    public static let statuses = ["open", "resolved"]
}

public struct CreatePCLogTables: AsyncMigration {
    public init() {}

    public func prepare(on db: any Database) async throws {
        try await db.schema(PCLogEventModel.schema)
            .id()
            .field("employee_number", .string, .required)
            .field("second", .int64, .required)
            .field("event", .string, .required)
            .field("pc", .string, .required)
            .field("date", .string, .required)
            .field("imported_by", .string, .required)
            .field("imported_at", .datetime, .required)
            .unique(on: "employee_number", "second", "event")
            .create()
        try await db.schema(PCLogTaskModel.schema)
            .id()
            .field("employee_number", .string, .required)
            .field("date", .string, .required)
            .field("kind", .string, .required)
            .field("status", .string, .required)
            .field("opened_at", .datetime, .required)
            .field("note", .string)
            .field("resolved_by", .string)
            .field("resolved_at", .datetime)
            .unique(on: "employee_number", "date", "kind")
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "attendance_pc_log_events_day").on(PCLogEventModel.schema).column("date").run()
        }
    }

    public func revert(on db: any Database) async throws {
        try await db.schema(PCLogTaskModel.schema).delete()
        try await db.schema(PCLogEventModel.schema).delete()
    }
}
