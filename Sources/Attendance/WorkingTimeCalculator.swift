import Access
import Foundation

/// Computes ``WorkDay`` values from ``PresenceDay`` values: one pass per person, days in date order.
///
/// Rules, each with its source:
/// - A shift is one working day of its start date even past midnight (昭63.1.1 基発1号); the presence
///   builder already attributes it.
/// - The daily limit counts the shift's work that is not holiday work; beyond it is overtime
///   (労基法32条2項).
/// - The weekly limit counts work not already counted as daily overtime, so an hour is never overtime
///   twice (昭63.1.1 基発1号: 週の法定労働時間を超えた時間のうち、日の法定時間外として計算された時間を除く).
///   Weekly overtime is attributed to the day on which the running total passes 40 h.
/// - Holiday work is the work that falls on the legal holiday's calendar day, 0:00–24:00
///   (昭23.4.5 基発535号: 休日は暦日). So a Saturday 22:00 – Sunday 6:00 shift with Sunday the legal
///   holiday is 2 h of ordinary work on Saturday's work day and 6 h of holiday work; a shift starting on the
///   legal holiday and running past midnight is holiday work only until 24:00, the rest ordinary work of
///   the same shift. Holiday work counts towards neither the 8 h nor the 40 h limit.
/// - Late night is 22:00–5:00 (労基法37条4項), counted separately and overlapping everything else.
public struct WorkingTimeCalculator: Sendable {
    public var calendar: CompanyCalendar
    public var rules: WorkRules

    public init(calendar: CompanyCalendar = CompanyCalendar(), rules: WorkRules = WorkRules()) {
        self.calendar = calendar
        self.rules = rules
    }

    /// Working time for `presence`, which may hold several people; each person's days must be in date
    /// order (as ``PresenceBuilder`` returns them). For the weekly limit to be right, give every day
    /// from the start of the first week (see ``MonthReport/dateRange(for:calendar:)``).
    public func workDays(_ presence: [PresenceDay]) -> [WorkDay] {
        var out: [WorkDay] = []
        out.reserveCapacity(presence.count)
        var employee: EmployeeID?
        var week = Int.min
        var weekRegular = 0
        for p in presence {
            var d = day(p)
            let w = calendar.weekIndex(ofDay: p.date.daysSinceEpoch)
            if p.employee != employee || w != week {
                employee = p.employee
                week = w
                weekRegular = 0
            }
            // Minutes that count towards 40 h: the day's non-holiday work minus its daily overtime.
            let counted = d.workedMinutes - d.legalHolidayMinutes - d.dailyOvertimeMinutes
            let before = weekRegular
            weekRegular += counted
            d.weeklyOvertimeMinutes = max(0, weekRegular - max(before, rules.weeklyLimitMinutes))
            if d.weeklyOvertimeMinutes > 0 {
                // Hours that are weekly overtime are no longer 法定内残業.
                d.withinLegalOvertimeMinutes = max(0, d.withinLegalOvertimeMinutes - d.weeklyOvertimeMinutes)
            }
            out.append(d)
        }
        return out
    }

    /// One day's figures without the weekly rule (``WorkDay/weeklyOvertimeMinutes`` is 0).
    public func day(_ p: PresenceDay) -> WorkDay {
        let dayIndex = p.date.daysSinceEpoch
        let kind = calendar.kind(ofDay: dayIndex, date: p.date)
        var intervals = p.intervals
        let presence = p.presenceMinutes
        var uncounted = 0
        if let start = rules.scheduledStartMinute, kind == .workDay, !rules.approvedEarlyStarts.contains(EmployeeDay(p.employee, p.date)) {
            let cutoff = EpochMinute.midnight(p.date) + start
            var clipped: [PresenceInterval] = []
            clipped.reserveCapacity(intervals.count)
            for var i in intervals {
                if i.endMinute <= cutoff { continue }
                if i.startMinute < cutoff { i.startMinute = cutoff }
                clipped.append(i)
            }
            intervals = clipped
            uncounted = presence - intervals.reduce(0) { $0 + $1.minutes }
        }

        // Split every interval at local midnights and at the late-night bounds.
        var ordinaryDay = 0, ordinaryNight = 0, holidayDay = 0, holidayNight = 0
        for i in intervals {
            var a = i.startMinute
            while a < i.endMinute {
                let local = EpochMinute.localDay(a)
                let midnight = local * 1440 - EpochMinute.japanOffset
                let b = min(i.endMinute, midnight + 1440)
                let date = local == dayIndex ? p.date : CivilDate(daysSinceEpoch: local)
                let holiday = (local == dayIndex ? kind : calendar.kind(ofDay: local, date: date)) == .legalHoliday
                let night = overlap(a, b, midnight, midnight + rules.lateNightEndMinute)
                    + overlap(a, b, midnight + rules.lateNightStartMinute, midnight + 1440)
                if holiday {
                    holidayDay += b - a - night
                    holidayNight += night
                } else {
                    ordinaryDay += b - a - night
                    ordinaryNight += night
                }
                a = b
            }
        }
        let total = ordinaryDay + ordinaryNight + holidayDay + holidayNight
        var inferredBreak = 0
        if intervals.count > 1 {
            for k in 1..<intervals.count { inferredBreak += intervals[k].startMinute - intervals[k - 1].endMinute }
        }
        var deemed = 0
        if rules.breakPolicy == .statutoryMinimum {
            deemed = total - WorkRules.lawfulWorkMinutes(presence: total, inferredBreak: inferredBreak)
            // Taken from ordinary daytime first, so an assumption never reduces a premium.
            var left = deemed
            for k in 0..<4 where left > 0 {
                switch k {
                case 0: let t = min(left, ordinaryDay); ordinaryDay -= t; left -= t
                case 1: let t = min(left, holidayDay); holidayDay -= t; left -= t
                case 2: let t = min(left, ordinaryNight); ordinaryNight -= t; left -= t
                default: let t = min(left, holidayNight); holidayNight -= t; left -= t
                }
            }
        }
        let ordinary = ordinaryDay + ordinaryNight
        let dailyOvertime = max(0, ordinary - rules.dailyLimitMinutes)
        let withinLegal = max(0, min(ordinary, rules.dailyLimitMinutes) - rules.scheduledDailyMinutes)
        return WorkDay(
            employee: p.employee, date: p.date, kind: kind, intervals: intervals, presenceMinutes: presence,
            uncountedBeforeStartMinutes: uncounted, inferredBreakMinutes: inferredBreak, deemedBreakMinutes: deemed,
            workedMinutes: ordinary + holidayDay + holidayNight, legalHolidayMinutes: holidayDay + holidayNight,
            withinLegalOvertimeMinutes: withinLegal, dailyOvertimeMinutes: dailyOvertime, weeklyOvertimeMinutes: 0,
            lateNightMinutes: ordinaryNight + holidayNight, lateNightLegalHolidayMinutes: holidayNight, issues: p.issues)
    }

    @inline(__always) func overlap(_ a: Int, _ b: Int, _ c: Int, _ d: Int) -> Int { max(0, min(b, d) - max(a, c)) }
}

/// Totals per week, month and year.
public enum Periods {
    /// Totals per person and month (of the work day's date).
    public static func monthly(_ days: [WorkDay]) -> [EmployeeID: [YearMonth: WorkTotals]] {
        var out: [EmployeeID: [YearMonth: WorkTotals]] = [:]
        for d in days { out[d.employee, default: [:]][YearMonth(d.date), default: WorkTotals()].add(d) }
        return out
    }

    /// Totals per person and week, keyed by the week's first day.
    public static func weekly(_ days: [WorkDay], calendar: CompanyCalendar) -> [EmployeeID: [CivilDate: WorkTotals]] {
        var out: [EmployeeID: [CivilDate: WorkTotals]] = [:]
        for d in days { out[d.employee, default: [:]][calendar.startOfWeek(containing: d.date), default: WorkTotals()].add(d) }
        return out
    }

    /// Totals per person and agreement year, keyed by the year's first month.
    public static func yearly(_ days: [WorkDay], startMonth: Int = 4) -> [EmployeeID: [YearMonth: WorkTotals]] {
        var out: [EmployeeID: [YearMonth: WorkTotals]] = [:]
        for d in days { out[d.employee, default: [:]][YearMonth(d.date).agreementYearStart(startMonth: startMonth), default: WorkTotals()].add(d) }
        return out
    }
}
