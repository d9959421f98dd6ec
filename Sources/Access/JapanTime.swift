import Foundation

/// A calendar date without a time zone (a day in Japan).
public struct CivilDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`, `YYYY/M/D` (the Cabinet Office holiday CSV's form) or `YYYYMMDD`.
    public init?(_ text: some StringProtocol) {
        let t = text.trimmingCharacters(in: .whitespaces)
        let parts = t.split(whereSeparator: { $0 == "-" || $0 == "/" })
        let y: Int?, m: Int?, d: Int?
        if parts.count == 3 {
            (y, m, d) = (Int(parts[0]), Int(parts[1]), Int(parts[2]))
        } else if t.count == 8, t.allSatisfy(\.isASCII) {
            (y, m, d) = (Int(t.prefix(4)), Int(t.dropFirst(4).prefix(2)), Int(t.suffix(2)))
        } else {
            return nil
        }
        // Years outside 1...9999 are refused: `description` writes four digits (`%04d`, which also wraps
        // an Int past 32 bits), so 4294969322-04-01 would be stored as 2026-04-01, and the largest years
        // overflow the day arithmetic.
        guard let y, let m, let d, (1...9999).contains(y), (1...12).contains(m),
              (1...CivilDate.daysIn(month: m, year: y)).contains(d) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Days since 1970-01-01 (negative before).
    public var daysSinceEpoch: Int {
        // Civil-to-days with March-based years, so February's variable length is last in the cycle.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01.
    public init(daysSinceEpoch days: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    /// 0 = Sunday … 6 = Saturday.
    public var weekday: Weekday { Weekday(rawValue: ((daysSinceEpoch % 7) + 11) % 7)! }

    public func adding(days n: Int) -> CivilDate { CivilDate(daysSinceEpoch: daysSinceEpoch + n) }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }

    public var description: String {
        String(format: "%04d-%02d-%02d", year, month, day)
    }
}

/// Days of the week, Sunday first as in Japanese calendars.
public enum Weekday: Int, Sendable, Hashable, Codable, CaseIterable {
    case sunday = 0, monday, tuesday, wednesday, thursday, friday, saturday
}

/// Time in Japan. Japan has kept UTC+9 with no daylight saving since 1952, so local time is
/// arithmetic, not a time-zone database lookup: the door decision stays pure and fast.
public struct JapanTime: Sendable, Hashable {
    public static let offsetSeconds = 9 * 3600
    /// The local date.
    public var date: CivilDate
    /// Minutes since local midnight, 0…1439.
    public var minuteOfDay: Int

    public init(_ instant: Date) {
        let local = Int(floor(instant.timeIntervalSince1970)) + Self.offsetSeconds
        let days = Int(floor(Double(local) / 86_400))
        date = CivilDate(daysSinceEpoch: days)
        minuteOfDay = (local - days * 86_400) / 60
    }

    /// The instant at `minute` past midnight of `date` in Japan.
    public static func instant(_ date: CivilDate, minute: Int = 0) -> Date {
        Date(timeIntervalSince1970: TimeInterval(date.daysSinceEpoch * 86_400 + minute * 60 - offsetSeconds))
    }
}
