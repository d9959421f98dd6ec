import Access
import Foundation

/// One person's month for payroll: Codable for JSON, and a CSV line with a fixed header. Minutes,
/// not hours, so nothing is rounded here (monthly rounding, if any, is payroll's choice,
/// 昭63.3.14 基発150号).
public struct PayrollRow: Sendable, Hashable, Codable {
    public var employeeNumber: String
    public var month: String
    public var days: Int
    public var workedMinutes: Int
    public var withinLegalOvertimeMinutes: Int
    public var overtimeMinutes: Int
    public var legalHolidayMinutes: Int
    public var lateNightMinutes: Int
    public var lateNightLegalHolidayMinutes: Int
    /// Days still carrying a presence issue: the row is provisional while this is not zero.
    public var daysNeedingCorrection: Int

    public init(employeeNumber: String, month: YearMonth, totals t: WorkTotals) {
        self.employeeNumber = employeeNumber
        self.month = month.description
        days = t.days
        workedMinutes = t.workedMinutes
        withinLegalOvertimeMinutes = t.withinLegalOvertimeMinutes
        overtimeMinutes = t.overtimeMinutes
        legalHolidayMinutes = t.legalHolidayMinutes
        lateNightMinutes = t.lateNightMinutes
        lateNightLegalHolidayMinutes = t.lateNightLegalHolidayMinutes
        daysNeedingCorrection = t.daysNeedingCorrection
    }

    public static let csvHeader = "employee_number,month,days,worked_minutes,within_legal_overtime_minutes,overtime_minutes,legal_holiday_minutes,late_night_minutes,late_night_legal_holiday_minutes,days_needing_correction"

    public var csvLine: String {
        [CSVField.escape(employeeNumber), month, "\(days)", "\(workedMinutes)", "\(withinLegalOvertimeMinutes)", "\(overtimeMinutes)",
         "\(legalHolidayMinutes)", "\(lateNightMinutes)", "\(lateNightLegalHolidayMinutes)", "\(daysNeedingCorrection)"].joined(separator: ",")
    }

    /// A whole CSV file (header, CRLF line ends as spreadsheet software expects).
    public static func csv(_ rows: [PayrollRow]) -> String {
        ([csvHeader] + rows.map(\.csvLine)).joined(separator: "\r\n") + "\r\n"
    }
}

/// One person's day for export (the detail behind a ``PayrollRow``).
public struct WorkDayRow: Sendable, Hashable, Codable {
    public var employeeNumber: String
    public var date: String
    public var kind: DayKind
    public var firstEntry: Date?
    public var lastExit: Date?
    public var workedMinutes: Int
    public var inferredBreakMinutes: Int
    public var deemedBreakMinutes: Int
    public var overtimeMinutes: Int
    public var legalHolidayMinutes: Int
    public var lateNightMinutes: Int
    public var issues: [String]

    public init(employeeNumber: String, day d: WorkDay) {
        self.employeeNumber = employeeNumber
        date = d.date.description
        kind = d.kind
        firstEntry = d.intervals.first?.start
        lastExit = d.intervals.last?.end
        workedMinutes = d.workedMinutes
        inferredBreakMinutes = d.inferredBreakMinutes
        deemedBreakMinutes = d.deemedBreakMinutes
        overtimeMinutes = d.overtimeMinutes
        legalHolidayMinutes = d.legalHolidayMinutes
        lateNightMinutes = d.lateNightMinutes
        issues = d.issues.map(\.code)
    }
}
