import Access
import Foundation

extension CivilDate {
    /// The day in Japan at `instant`. Application dates are days in Japan: a notice that arrived on
    /// the 3rd is 14 days old on the 17th whatever the hour.
    static func japan(_ instant: Date) -> CivilDate { JapanTime(instant).date }

    /// The same day `months` months earlier (or later for negative values), clamped to the month's
    /// last day (31 August − 6 months = 28/29 February), which is how people count "within 6 months".
    func adding(months: Int) -> CivilDate {
        let total = year * 12 + (month - 1) + months
        let y = total >= 0 ? total / 12 : (total - 11) / 12
        let m = total - y * 12 + 1
        return CivilDate(year: y, month: m, day: Swift.min(day, CivilDate.daysIn(month: m, year: y)))
    }

    /// Whole days from `self` to `other` (positive when `other` is later).
    func days(until other: CivilDate) -> Int { other.daysSinceEpoch - daysSinceEpoch }
}
