import Access
import Foundation

/// What kind of day a date is for working-time purposes.
public enum DayKind: String, Sendable, Hashable, Codable {
    /// A scheduled work day (所定労働日).
    case workDay = "work_day"
    /// A day off that is not the legal holiday (所定休日: Saturdays, public holidays, company holidays).
    /// Work on it is ordinary work for the law, overtime only past 8 h/day or 40 h/week.
    case companyHoliday = "company_holiday"
    /// The weekly legal holiday (法定休日, 労基法35条). Work on it is holiday work (休日労働), paid at
    /// 35 % extra (割増賃金令) and counted apart from overtime.
    case legalHoliday = "legal_holiday"
}

/// The company's calendar: which days are work days, days off and the legal holiday.
///
/// Public holidays are *not* legal holidays unless the company says so: 労基法35条 requires one day
/// off a week, and the public holidays law (祝日法) does not oblige private employers. A public holiday
/// is a company day off (or a work day, if ``closedOnPublicHolidays`` is false).
public struct CompanyCalendar: Sendable, Hashable, Codable {
    public var publicHolidays: HolidayCalendar
    /// Weekly days off (default Saturday and Sunday).
    public var weeklyDaysOff: Set<Weekday>
    /// The weekday that is the legal holiday each week (default Sunday). A legal holiday is a whole
    /// calendar day, 0:00–24:00 (昭23.4.5 基発535号).
    public var legalHoliday: Weekday
    /// The first day of the week for the 40-hour rule. Default Sunday: "1週間とは、就業規則その他に別段の
    /// 定めがない限り、日曜日から土曜日までのいわゆる暦週をいう" (昭63.1.1 基発1号).
    public var weekStart: Weekday
    public var closedOnPublicHolidays: Bool
    /// Further days off (年末年始, 創立記念日).
    public var companyHolidays: Set<CivilDate>
    /// Days that are work days though they would otherwise be off (a Saturday made a work day).
    public var extraWorkDays: Set<CivilDate>

    public init(
        publicHolidays: HolidayCalendar = HolidayCalendar(), weeklyDaysOff: Set<Weekday> = [.saturday, .sunday],
        legalHoliday: Weekday = .sunday, weekStart: Weekday = .sunday, closedOnPublicHolidays: Bool = true,
        companyHolidays: Set<CivilDate> = [], extraWorkDays: Set<CivilDate> = []
    ) {
        self.publicHolidays = publicHolidays
        self.weeklyDaysOff = weeklyDaysOff
        self.legalHoliday = legalHoliday
        self.weekStart = weekStart
        self.closedOnPublicHolidays = closedOnPublicHolidays
        self.companyHolidays = companyHolidays
        self.extraWorkDays = extraWorkDays
    }

    public func kind(of date: CivilDate) -> DayKind { kind(ofDay: date.daysSinceEpoch, date: date) }

    @usableFromInline func kind(ofDay days: Int, date: CivilDate) -> DayKind {
        let weekday = Weekday(rawValue: ((days % 7) + 11) % 7)!
        if weekday == legalHoliday { return .legalHoliday }
        if extraWorkDays.contains(date) { return .workDay }
        if weeklyDaysOff.contains(weekday) || companyHolidays.contains(date) { return .companyHoliday }
        if closedOnPublicHolidays, publicHolidays.name(of: date) != nil { return .companyHoliday }
        return .workDay
    }

    /// The first day of the week containing `date`.
    public func startOfWeek(containing date: CivilDate) -> CivilDate {
        date.adding(days: -((date.weekday.rawValue - weekStart.rawValue + 7) % 7))
    }

    /// A number identifying the week containing `date` (consecutive weeks differ by one).
    @inlinable public func weekIndex(ofDay days: Int) -> Int {
        // 1970-01-01 was a Thursday (rawValue 4).
        EpochMinute.floorDiv(days - (weekStart.rawValue - 4), 7)
    }

    /// Scheduled work days in `month`.
    public func workDays(in month: YearMonth) -> Int { workDays(in: month, through: month.lastDay) }

    /// Scheduled work days in `month` up to and including `date`.
    public func workDays(in month: YearMonth, through date: CivilDate) -> Int {
        var n = 0
        for day in 1...month.dayCount {
            let d = CivilDate(year: month.year, month: month.month, day: day)
            if d > date { break }
            if kind(of: d) == .workDay { n += 1 }
        }
        return n
    }
}
