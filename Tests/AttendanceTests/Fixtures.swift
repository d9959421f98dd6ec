import Access
import Foundation
@testable import Attendance

/// April 2026: the 1st is a Wednesday; Sundays 5, 12, 19, 26; Saturdays 4, 11, 18, 25; the 29th
/// (Wednesday) is 昭和の日. So April has 21 scheduled work days.
enum Fx {
    static let alice: EmployeeID = "alice"
    static let holidays = HolidayCalendar([CivilDate(year: 2026, month: 4, day: 29): "昭和の日"])
    static let calendar = CompanyCalendar(publicHolidays: holidays)

    static func d(_ y: Int, _ m: Int, _ day: Int) -> CivilDate { CivilDate(year: y, month: m, day: day) }
    static func apr(_ day: Int) -> CivilDate { d(2026, 4, day) }

    /// An instant on `date` at "HH:MM" Japan time.
    static func at(_ date: CivilDate, _ hm: String) -> Date {
        let p = hm.split(separator: ":").map { Int($0)! }
        return JapanTime.instant(date, minute: p[0] * 60 + p[1])
    }

    /// Crossings from `(date, "HH:MM", direction)` triples.
    static func xs(_ list: [(CivilDate, String, CrossingDirection)], employee e: EmployeeID = alice) -> [BoundaryCrossing] {
        list.enumerated().map { i, t in BoundaryCrossing(eventID: "\(e)-\(t.0)-\(t.1)-\(i)", employee: e, instant: at(t.0, t.1), direction: t.2) }
    }

    /// A day: entries and exits alternating from "HH:MM" strings (in, out, in, out…), next-day times
    /// written past 24 ("26:00").
    static func shift(_ date: CivilDate, _ times: String..., employee: EmployeeID = alice) -> [BoundaryCrossing] {
        times.enumerated().map { i, t in
            let p = t.split(separator: ":").map { Int($0)! }
            return BoundaryCrossing(eventID: "\(employee)-\(date)-\(i)", employee: employee,
                                    instant: JapanTime.instant(date, minute: p[0] * 60 + p[1]), direction: i % 2 == 0 ? .entry : .exit)
        }
    }

    static func workDays(_ crossings: [BoundaryCrossing], rules: WorkRules = WorkRules(), corrections: [Correction] = []) -> [WorkDay] {
        let presence = PresenceBuilder().days(crossings, corrections: corrections)
        return WorkingTimeCalculator(calendar: calendar, rules: rules).workDays(presence)
    }

    static func h(_ hours: Int, _ minutes: Int = 0) -> Int { hours * 60 + minutes }
}
