import Access
import Foundation

/// How long attendance records are kept: 3 years by default (労基法109条 says 5, but 143条1項 keeps it at
/// 3 "for the time being" since the 2020 amendment), configurable for a company that keeps them longer.
public struct RetentionPolicy: Sendable, Hashable, Codable {
    /// When a day's record counts as complete (記録の完結の日, 労基則56条), the start of the period.
    public enum Completion: String, Sendable, Hashable, Codable {
        /// The day itself.
        case day
        /// The end of the day's month (the month's attendance is closed for payroll then). Keeps
        /// records up to a month longer; the default, as the safe side.
        case endOfMonth = "end_of_month"
    }
    public var years: Int
    public var completion: Completion

    public init(years: Int = 3, completion: Completion = .endOfMonth) {
        self.years = years
        self.completion = completion
    }

    /// The last day on which the record of `date` must still be kept.
    ///
    /// Counted as 民法 counts periods: the first day is not counted (140条) and a period in years ends
    /// on the day before the anniversary of its first counted day (143条2項) — that is, on the same
    /// month and day `years` later; when that day does not exist (29 February), at the end of the month.
    public func keptThrough(_ date: CivilDate) -> CivilDate {
        let completed = completion == .day ? date : YearMonth(date).lastDay
        let y = completed.year + years
        return CivilDate(year: y, month: completed.month, day: min(completed.day, CivilDate.daysIn(month: completed.month, year: y)))
    }

    /// Whether the record of `date` may be purged on `today`.
    public func isPastRetention(_ date: CivilDate, on today: CivilDate) -> Bool { today > keptThrough(date) }

    /// The earliest day whose record must still be kept on `today`: every earlier day may be purged.
    public func firstKeptDay(on today: CivilDate) -> CivilDate {
        // keptThrough is monotonic in the date, so step from a safe lower bound.
        var d = CivilDate(year: today.year - years, month: today.month, day: 1).adding(days: -62)
        while isPastRetention(d, on: today) { d = d.adding(days: 1) }
        return d
    }
}
