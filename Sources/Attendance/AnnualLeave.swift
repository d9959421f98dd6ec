import Access
import Foundation

// 年次有給休暇: the employer's duty to have leave taken (労働基準法39条7項, in force 2019-04-01) and the
// register of it (年次有給休暇管理簿, 労働基準法施行規則24条の7). Pure values: the server stores grants and
// days taken by employee number and hands them here with "today".

/// A grant of annual paid leave (付与): on its grant date (基準日) the worker has `days` days for a year.
public struct LeaveGrant: Sendable, Hashable, Codable {
    /// The company's employee number (社員番号), as the self-reports are keyed.
    public var employeeNumber: String
    /// 基準日: the day the leave was granted.
    public var grantDate: CivilDate
    /// Days granted (付与日数), whole days: 39条1–3項 grant whole days.
    public var days: Int

    public init(employeeNumber: String, grantDate: CivilDate, days: Int) {
        self.employeeNumber = employeeNumber
        self.grantDate = grantDate
        self.days = days
    }

    /// Days granted may be 1 to 40: the statutory grant is at most 20 a year (39条2項); a company may give
    /// more, but 40 or more in one grant is far more likely a typo than a policy.
    public static let dayRange = 1...40

    /// The last day of the grant's year, within which the 5 days must be taken (39条7項: "基準日から1年以内"),
    /// counted as 民法143条2項 counts a year: it ends the day before the grant date's anniversary
    /// (2026-04-01 → 2027-03-31); when the anniversary does not exist (a grant on 29 February), at the
    /// end of that month (2024-02-29 → 2025-02-28).
    public var lastDay: CivilDate {
        let y = grantDate.year + 1
        let length = CivilDate.daysIn(month: grantDate.month, year: y)
        if grantDate.day > length { return CivilDate(year: y, month: grantDate.month, day: length) }
        return CivilDate(year: y, month: grantDate.month, day: grantDate.day).adding(days: -1)
    }

    /// Whether `date` falls in the grant's year.
    public func contains(_ date: CivilDate) -> Bool { grantDate <= date && date <= lastDay }

    /// 39条7項 applies to a worker granted 10 days or more (年10日以上).
    public var isUnderDuty: Bool { days >= AnnualLeaveDuty.thresholdDays }
}

/// How a day of leave was taken.
public enum LeaveKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A whole day: counts 1.
    case full
    /// Half a day (半日単位, allowed by 平30.12.28 基発1228第15号): counts 0.5.
    case half
    /// Hours (時間単位年休, 39条4項): kept in the register, but counts 0 toward the 5 days — 39条8項
    /// counts only days given under 39条5項・6項 (at the worker's request, planned), and the 通達 excludes
    /// hourly leave from the duty.
    case hourly

    /// Toward the duty, in half days (so a count is exact: no floating point).
    public var halfDays: Int { switch self { case .full: 2; case .half: 1; case .hourly: 0 } }
}

/// One day of leave taken (時季), as the register records it.
public struct LeaveTaken: Sendable, Hashable, Codable {
    public var employeeNumber: String
    public var date: CivilDate
    public var kind: LeaveKind
    /// For ``LeaveKind/hourly``: the hours taken that day (1–8); nil otherwise.
    public var hours: Int?

    public init(employeeNumber: String, date: CivilDate, kind: LeaveKind, hours: Int? = nil) {
        self.employeeNumber = employeeNumber
        self.date = date
        self.kind = kind
        self.hours = hours
    }

    /// An hourly leave is at most a working day: 8 hours (労基法32条2項's day).
    public static let hourRange = 1...8
}

/// Where one grant stands against the 5-day duty on a given day.
public struct AnnualLeaveDuty: Sendable, Hashable, Codable {
    /// 39条7項: workers granted 10 days or more …
    public static let thresholdDays = 10
    /// … must be made to take 5 of them within the year: 10 half days.
    public static let requiredHalfDays = 10
    /// Days before the deadline from which a shortfall is a warning, unless configured.
    public static let defaultWarningDays = 60

    public enum Status: String, Sendable, Hashable, Codable, Comparable {
        /// Fewer than 10 days granted: the duty does not apply (the register is still kept).
        case notUnderDuty = "not_under_duty"
        /// 5 days taken.
        case ok
        /// Short of 5, the deadline further away than the warning period.
        case pending
        /// Short of 5 with the deadline within the warning period (or today).
        case warning
        /// Short of 5 and the deadline past: the duty was not met (労基法120条: a fine per worker).
        case overdue

        var rank: Int { switch self { case .notUnderDuty: 0; case .ok: 1; case .pending: 2; case .warning: 3; case .overdue: 4 } }
        public static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }
    }

    public var grant: LeaveGrant
    /// The last day to meet the duty: ``LeaveGrant/lastDay``.
    public var deadline: CivilDate
    /// Days taken within the grant's year that count (full 1, half 0.5), in half days.
    public var takenHalfDays: Int
    /// Hours of hourly leave within the grant's year: recorded, never counted.
    public var hourlyHours: Int
    /// The leave within the grant's year, in date order (the register's 時季), hourly included.
    public var taken: [LeaveTaken]
    public var status: Status
    /// Days from `today` to the deadline (negative once past).
    public var daysToDeadline: Int

    /// Days taken that count, e.g. 4.5.
    public var takenDays: Double { Double(takenHalfDays) / 2 }
    /// Days still to be taken for the duty (0 when met or not under it), e.g. 0.5.
    public var stillNeededDays: Double {
        grant.isUnderDuty ? Double(max(0, Self.requiredHalfDays - takenHalfDays)) / 2 : 0
    }

    /// Checks `grant` against the leave in `taken` (anyone's, any date: only the grant's person and year
    /// count) on `today`. `warningDays` before the deadline a shortfall becomes a warning.
    public static func check(_ grant: LeaveGrant, taken: [LeaveTaken], today: CivilDate, warningDays: Int = defaultWarningDays) -> AnnualLeaveDuty {
        let mine = taken.filter { $0.employeeNumber == grant.employeeNumber && grant.contains($0.date) }.sorted { ($0.date, $0.kind.rawValue) < ($1.date, $1.kind.rawValue) }
        let half = mine.reduce(0) { $0 + $1.kind.halfDays }
        let hours = mine.reduce(0) { $0 + ($1.kind == .hourly ? ($1.hours ?? 0) : 0) }
        let deadline = grant.lastDay
        let left = deadline.daysSinceEpoch - today.daysSinceEpoch
        let status: Status
        if !grant.isUnderDuty { status = .notUnderDuty }
        else if half >= requiredHalfDays { status = .ok }
        else if left < 0 { status = .overdue }
        else if left <= warningDays { status = .warning }
        else { status = .pending }
        return AnnualLeaveDuty(grant: grant, deadline: deadline, takenHalfDays: half, hourlyHours: hours, taken: mine, status: status, daysToDeadline: left)
    }

    /// Every grant checked, by employee number then grant date.
    public static func register(grants: [LeaveGrant], taken: [LeaveTaken], today: CivilDate, warningDays: Int = defaultWarningDays) -> [AnnualLeaveDuty] {
        let byPerson = Dictionary(grouping: taken, by: \.employeeNumber)
        return grants.sorted { ($0.employeeNumber, $0.grantDate) < ($1.employeeNumber, $1.grantDate) }
            .map { check($0, taken: byPerson[$0.employeeNumber] ?? [], today: today, warningDays: warningDays) }
    }

    /// The register (管理簿) is kept while the grant's year runs and 3 years after it ends: 労基則24条の7
    /// says 5 years, and the transitional rule keeps it at 3 for now (労基法143条1項 for the records of
    /// 109条; for the register 労基則's 附則, see docs/ATTENDANCE.md). A company keeping its attendance
    /// longer keeps the register as long: `years` is the larger of the two.
    public static let registerRetentionYears = 3

    /// The first grant date whose register rows must still be kept on `today`; earlier grants — and
    /// leave days before it — may be purged. A leave day's grant year ends at most a year minus a day
    /// after the day, so a day before this date belongs only to grants already purgeable.
    public static func firstKeptGrantDate(on today: CivilDate, years: Int) -> CivilDate {
        let policy = RetentionPolicy(years: max(years, registerRetentionYears), completion: .day)
        func purgeable(_ d: CivilDate) -> Bool { policy.isPastRetention(LeaveGrant(employeeNumber: "", grantDate: d, days: 0).lastDay, on: today) }
        // Monotonic in the date: step from a safe lower bound.
        var d = CivilDate(year: today.year - max(years, registerRetentionYears) - 2, month: 1, day: 1)
        while purgeable(d) { d = d.adding(days: 1) }
        return d
    }
}
