import Access
import Foundation

/// A calendar month, the unit of the 36協定 monthly limits and of payroll.
public struct YearMonth: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var year: Int
    public var month: Int

    public init(year: Int, month: Int) {
        self.year = year
        self.month = month
    }
    public init(_ date: CivilDate) { self.init(year: date.year, month: date.month) }

    /// Parses `YYYY-MM`.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "-")
        guard parts.count == 2, let y = Int(parts[0]), let m = Int(parts[1]), (1...12).contains(m) else { return nil }
        self.init(year: y, month: m)
    }

    public var firstDay: CivilDate { CivilDate(year: year, month: month, day: 1) }
    public var lastDay: CivilDate { CivilDate(year: year, month: month, day: dayCount) }
    public var dayCount: Int { CivilDate.daysIn(month: month, year: year) }
    public var days: [CivilDate] { (1...dayCount).map { CivilDate(year: year, month: month, day: $0) } }

    public func adding(months n: Int) -> YearMonth {
        let index = year * 12 + (month - 1) + n
        return YearMonth(year: EpochMinute.floorDiv(index, 12), month: index - EpochMinute.floorDiv(index, 12) * 12 + 1)
    }

    /// The first month of the 36協定 year containing this month, for an agreement starting in `startMonth`.
    public func agreementYearStart(startMonth: Int) -> YearMonth {
        YearMonth(year: month >= startMonth ? year : year - 1, month: startMonth)
    }

    public static func < (a: YearMonth, b: YearMonth) -> Bool { (a.year, a.month) < (b.year, b.month) }
    public var description: String { String(format: "%04d-%02d", year, month) }
}
