import Access
import Foundation

/// A month's attendance for many people in one call: crossings in, work days and totals out.
///
/// This is the entry point for storage and pages: fetch crossings in ``eventWindow(for:calendar:)``
/// (ordered by person, then time, for the single-pass path), pass them with the corrections, and
/// read ``days`` and ``totals``. Cost is linear in the number of crossings.
public struct MonthReport: Sendable {
    public var month: YearMonth
    /// Work days attributed to the month, per person in input order, dates ascending.
    public var days: [WorkDay]
    /// Totals per person for the month.
    public var totals: [EmployeeID: WorkTotals]
    /// Presence days in the month (for the self-report comparison and the correction list).
    public var presence: [PresenceDay]
    /// 勤務間インターバル: the rest before each work day of the month (``RestBetweenShifts``), measured
    /// from the work day before it even when that day is in the previous month.
    public var rests: [EmployeeDay: RestBetweenShifts]

    /// The work days that must be computed for `month`: from the start of the week containing the
    /// month's first day (for the 40-hour rule), to the month's last day.
    public static func dateRange(for month: YearMonth, calendar: CompanyCalendar) -> ClosedRange<CivilDate> {
        calendar.startOfWeek(containing: month.firstDay)...month.lastDay
    }

    /// The crossings to fetch: from 0:00 the day before ``dateRange(for:calendar:)`` starts (so a shift
    /// that began then does not look like a missing entry) to 24 hours after the month ends (so a shift
    /// starting on the last evening gets its exit).
    public static func eventWindow(for month: YearMonth, calendar: CompanyCalendar) -> (from: Date, until: Date) {
        let r = dateRange(for: month, calendar: calendar)
        return (JapanTime.instant(r.lowerBound.adding(days: -1)), JapanTime.instant(r.upperBound.adding(days: 2)))
    }

    public init(
        month: YearMonth, crossings: [BoundaryCrossing], corrections: [Correction] = [],
        calendar: CompanyCalendar = CompanyCalendar(), rules: WorkRules = WorkRules(), presenceRules: PresenceRules = PresenceRules()
    ) {
        self.month = month
        let range = Self.dateRange(for: month, calendar: calendar)
        let built = PresenceBuilder(rules: presenceRules).days(crossings, corrections: corrections)
        let needed = built.filter { range.contains($0.date) }
        let all = WorkingTimeCalculator(calendar: calendar, rules: rules).workDays(needed)
        let first = month.firstDay
        days = all.filter { $0.date >= first }
        presence = needed.filter { $0.date >= first }
        // Over every day built, so the month's first day is measured from the evening before.
        rests = RestBetweenShifts.measure(built, minimumMinutes: presenceRules.minimumRestMinutes, keeping: max(first, range.lowerBound)...range.upperBound)
        var totals: [EmployeeID: WorkTotals] = [:]
        totals.reserveCapacity(days.count / 20 + 1)
        // Days come grouped by person: sum a run, then store it once (one hash per person, not per day).
        var i = 0
        while i < days.count {
            var t = WorkTotals()
            let e = days[i].employee
            while i < days.count, days[i].employee == e {
                t.add(days[i])
                if rests[EmployeeDay(e, days[i].date)].map({ $0.shortfallMinutes > 0 }) ?? false { t.restShortfallDays += 1 }
                i += 1
            }
            totals[e, default: WorkTotals()] = totals[e, default: WorkTotals()] + t
        }
        self.totals = totals
    }
}
