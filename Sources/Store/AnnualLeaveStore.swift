import Access
import Attendance
import Fluent
import Foundation
import SQLKit

// The annual-leave register (年次有給休暇管理簿, 労基則24条の7): grants and days taken, keyed by employee
// number like the self-reports (the payroll or leave system that exports them knows people by it).
// One row per person and grant date, and per person and day: an import of the same file replaces
// rows with themselves.

/// A stored row that no longer reads as the register's value: refused loudly, never read as a default.
public struct UnreadableLeaveRow: Error, CustomStringConvertible {
    public var table: String
    public var field: String
    public var description: String { "a row of \(table) has an unreadable \(field)" }
}

/// A grant of annual paid leave (付与): its grant date (基準日) and days.
public final class LeaveGrantModel: Model, @unchecked Sendable {
    public static let schema = "attendance_leave_grants"
    @ID(key: .id) public var id: UUID?
    @Field(key: "employee_number") public var employeeNumber: String
    /// 基準日, YYYY-MM-DD.
    @Field(key: "grant_date") public var grantDate: String
    @Field(key: "days") public var days: Int
    /// Who recorded it (`user:<name>`) and when.
    @Field(key: "recorded_by") public var recordedBy: String
    @Field(key: "recorded_at") public var recordedAt: Date
    public init() {}

    public func grant() throws -> LeaveGrant {
        guard let d = CivilDate(grantDate) else { throw UnreadableLeaveRow(table: Self.schema, field: "grant_date") }
        return LeaveGrant(employeeNumber: employeeNumber, grantDate: d, days: days)
    }
}

/// A day (or half day, or hours) of annual paid leave taken (時季).
public final class LeaveDayModel: Model, @unchecked Sendable {
    public static let schema = "attendance_leave_days"
    @ID(key: .id) public var id: UUID?
    @Field(key: "employee_number") public var employeeNumber: String
    /// YYYY-MM-DD.
    @Field(key: "date") public var date: String
    /// full, half or hourly.
    @Field(key: "kind") public var kind: String
    /// For hourly: the hours.
    @OptionalField(key: "hours") public var hours: Int?
    @Field(key: "recorded_by") public var recordedBy: String
    @Field(key: "recorded_at") public var recordedAt: Date
    public init() {}

    public func taken() throws -> LeaveTaken {
        guard let d = CivilDate(date) else { throw UnreadableLeaveRow(table: Self.schema, field: "date") }
        guard let k = LeaveKind(rawValue: kind) else { throw UnreadableLeaveRow(table: Self.schema, field: "kind") }
        if k == .hourly, hours == nil { throw UnreadableLeaveRow(table: Self.schema, field: "hours") }
        return LeaveTaken(employeeNumber: employeeNumber, date: d, kind: k, hours: hours)
    }
}

/// The register's two tables, each unique per person and date.
public struct CreateLeaveRegister: AsyncMigration {
    public init() {}

    public func prepare(on db: any Database) async throws {
        try await db.schema(LeaveGrantModel.schema)
            .id()
            .field("employee_number", .string, .required)
            .field("grant_date", .string, .required)
            .field("days", .int, .required)
            .field("recorded_by", .string, .required)
            .field("recorded_at", .datetime, .required)
            .unique(on: "employee_number", "grant_date")
            .create()
        try await db.schema(LeaveDayModel.schema)
            .id()
            .field("employee_number", .string, .required)
            .field("date", .string, .required)
            .field("kind", .string, .required)
            .field("hours", .int)
            .field("recorded_by", .string, .required)
            .field("recorded_at", .datetime, .required)
            .unique(on: "employee_number", "date")
            .create()
    }

    public func revert(on db: any Database) async throws {
        try await db.schema(LeaveDayModel.schema).delete()
        try await db.schema(LeaveGrantModel.schema).delete()
    }
}
