import Access
import Foundation

/// One person's working time on one work day, split as the law counts it. All figures are minutes.
///
/// The categories overlap on purpose, as premiums do: late-night minutes are also ordinary, overtime
/// or holiday minutes. ``overtimeMinutes`` never includes ``legalHolidayMinutes``: holiday work is
/// counted apart from overtime (労基法36条; 平30.9.7 基発0907第1号 for the limits).
public struct WorkDay: Sendable, Hashable, Codable {
    public var employee: EmployeeID
    public var date: CivilDate
    public var kind: DayKind
    /// Worked intervals after the scheduled-start rule (breaks seen at the door are the gaps).
    public var intervals: [PresenceInterval]
    /// Presence as recorded, before any rule (minutes inside the workplace).
    public var presenceMinutes: Int
    /// Presence before the scheduled start that was not counted (see ``WorkRules/scheduledStartMinute``).
    public var uncountedBeforeStartMinutes: Int
    /// Breaks seen at the door.
    public var inferredBreakMinutes: Int
    /// The statutory break deemed taken inside (see ``BreakPolicy/statutoryMinimum``).
    public var deemedBreakMinutes: Int
    /// Working time.
    public var workedMinutes: Int
    /// Work on the calendar day of the legal holiday (休日労働).
    public var legalHolidayMinutes: Int
    /// Work beyond the scheduled hours but within the daily limit (法定内残業; not overtime in law).
    public var withinLegalOvertimeMinutes: Int
    /// Work beyond the daily limit (8 h), holiday work excluded.
    public var dailyOvertimeMinutes: Int
    /// Work beyond the weekly limit (40 h) not already daily overtime, attributed to the day it occurred.
    public var weeklyOvertimeMinutes: Int
    /// Work between 22:00 and 5:00 (all of it, whatever else it is).
    public var lateNightMinutes: Int
    /// The part of ``lateNightMinutes`` that is also holiday work (35 % + 25 %).
    public var lateNightLegalHolidayMinutes: Int
    /// Presence issues carried over from the door record: the figures are provisional until corrected.
    public var issues: [PresenceIssue]

    /// Overtime as the law counts it (時間外労働): daily plus weekly.
    public var overtimeMinutes: Int { dailyOvertimeMinutes + weeklyOvertimeMinutes }
    /// Work that is neither holiday work nor overtime.
    public var regularMinutes: Int { workedMinutes - legalHolidayMinutes - overtimeMinutes }
    public var needsCorrection: Bool { !issues.isEmpty }
}

/// Sums of ``WorkDay`` figures over a week, month or year.
public struct WorkTotals: Sendable, Hashable, Codable {
    public var days: Int = 0
    public var workedMinutes: Int = 0
    public var legalHolidayMinutes: Int = 0
    public var withinLegalOvertimeMinutes: Int = 0
    public var dailyOvertimeMinutes: Int = 0
    public var weeklyOvertimeMinutes: Int = 0
    public var lateNightMinutes: Int = 0
    public var lateNightLegalHolidayMinutes: Int = 0
    public var daysNeedingCorrection: Int = 0
    /// Work days whose rest since the previous work day fell short of the minimum (勤務間インターバル,
    /// ``RestBetweenShifts``); set by ``MonthReport``, which sees the days around them.
    public var restShortfallDays: Int = 0

    public init() {}

    public var overtimeMinutes: Int { dailyOvertimeMinutes + weeklyOvertimeMinutes }
    /// 時間外労働 + 休日労働: the figure for the 100-hour and 80-hour-average limits (労基法36条6項).
    public var overtimeAndHolidayMinutes: Int { overtimeMinutes + legalHolidayMinutes }

    public mutating func add(_ d: WorkDay) {
        days += 1
        workedMinutes += d.workedMinutes
        legalHolidayMinutes += d.legalHolidayMinutes
        withinLegalOvertimeMinutes += d.withinLegalOvertimeMinutes
        dailyOvertimeMinutes += d.dailyOvertimeMinutes
        weeklyOvertimeMinutes += d.weeklyOvertimeMinutes
        lateNightMinutes += d.lateNightMinutes
        lateNightLegalHolidayMinutes += d.lateNightLegalHolidayMinutes
        if d.needsCorrection { daysNeedingCorrection += 1 }
    }

    public static func + (a: WorkTotals, b: WorkTotals) -> WorkTotals {
        var t = a
        t.days += b.days
        t.workedMinutes += b.workedMinutes
        t.legalHolidayMinutes += b.legalHolidayMinutes
        t.withinLegalOvertimeMinutes += b.withinLegalOvertimeMinutes
        t.dailyOvertimeMinutes += b.dailyOvertimeMinutes
        t.weeklyOvertimeMinutes += b.weeklyOvertimeMinutes
        t.lateNightMinutes += b.lateNightMinutes
        t.lateNightLegalHolidayMinutes += b.lateNightLegalHolidayMinutes
        t.daysNeedingCorrection += b.daysNeedingCorrection
        t.restShortfallDays += b.restShortfallDays
        return t
    }

    /// Totals of `days`, any mix of people.
    public static func of(_ days: some Sequence<WorkDay>) -> WorkTotals {
        var t = WorkTotals()
        for d in days { t.add(d) }
        return t
    }
}
