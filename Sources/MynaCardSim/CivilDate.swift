import Foundation

/// A calendar date in Japan Standard Time, the only time zone the card's dates are written in.
struct CivilDate: Hashable, Sendable, Comparable {
    var year: Int, month: Int, day: Int

    /// JST is UTC+9 with no daylight saving; a fixed offset avoids depending on the tz database.
    static let japan = TimeZone(secondsFromGMT: 9 * 3600)!

    init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYYMMDD`; `nil` unless it is 8 ASCII digits naming a real date.
    init?(yyyymmdd: String) {
        let u = Array(yyyymmdd.utf8)
        guard u.count == 8, u.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        let n = u.map { Int($0 - 0x30) }
        let y = n[0] * 1000 + n[1] * 100 + n[2] * 10 + n[3]
        let m = n[4] * 10 + n[5]
        let d = n[6] * 10 + n[7]
        guard (1...12).contains(m), (1...CivilDate.daysIn(year: y, month: m)).contains(d) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The JST date of an instant.
    init(_ date: Date) {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = CivilDate.japan
        let c = cal.dateComponents([.year, .month, .day], from: date)
        self.init(year: c.year!, month: c.month!, day: c.day!)
    }

    var yyyymmdd: String {
        String(format: "%04d%02d%02d", year, month, day)
    }

    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func < (a: CivilDate, b: CivilDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// The birthday of someone born on `self` in `year`. A 29 February birthday falls on 28 February in
    /// common years, the day a person born on 29 February completes a year of age under 年齢計算ニ関スル法律.
    func birthday(in year: Int) -> CivilDate {
        let d = min(day, CivilDate.daysIn(year: year, month: month))
        return CivilDate(year: year, month: month, day: d)
    }

    /// The `n`th birthday strictly after `issued` for someone born on `self`: the rule for the end of a
    /// JPKI certificate's validity (5th) and of the card itself (10th for adults, 5th for minors).
    func nthBirthday(_ n: Int, after issued: CivilDate) -> CivilDate {
        let thisYear = birthday(in: issued.year)
        let first = issued < thisYear ? issued.year : issued.year + 1
        return birthday(in: first + n - 1)
    }

    /// Completed years of age on `date`.
    func age(on date: CivilDate) -> Int {
        let had = !(date < birthday(in: date.year))
        return date.year - year - (had ? 0 : 1)
    }

    /// 23:59:59 JST of this date, the instant a JPKI certificate that expires on this date stops being valid.
    var endOfDay: Date {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = CivilDate.japan
        return cal.date(from: DateComponents(year: year, month: month, day: day, hour: 23, minute: 59, second: 59))!
    }
}
