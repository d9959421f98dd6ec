import Access
import Foundation
import Testing
@testable import Attendance

/// 勤務間インターバル (労働時間等設定改善法2条1項, an effort duty): the rest from the end of one work day to
/// the start of the next, against 11 hours (660 minutes) unless configured. Every figure is worked by hand
/// in the comments.
@Suite struct RestBetweenShiftsTests {
    func rests(_ xs: [BoundaryCrossing], minimum: Int = 660) -> [CivilDate: RestBetweenShifts] {
        let days = PresenceBuilder().days(xs)
        return Dictionary(uniqueKeysWithValues: RestBetweenShifts.measure(days, minimumMinutes: minimum).map { ($0.key.date, $0.value) })
    }

    @Test func aRestShortOfElevenHoursIsFlaggedWithItsShortfall() {
        // Tue 7 Apr 9:00–23:30; Wed 8 8:30–17:30; Thu 9 9:00–18:00.
        // Wed: 23:30 → 8:30 = 9 h = 540 min, 120 short of 660. Thu: 17:30 → 9:00 = 15 h 30 = 930, not short.
        let r = rests(Fx.shift(Fx.apr(7), "09:00", "23:30") + Fx.shift(Fx.apr(8), "08:30", "17:30") + Fx.shift(Fx.apr(9), "09:00", "18:00"))
        #expect(r[Fx.apr(7)]?.restMinutes == nil, "the first day has no earlier day to measure from")
        #expect(r[Fx.apr(7)]?.shortfallMinutes == 0)
        #expect(r[Fx.apr(8)]?.restMinutes == 540)
        #expect(r[Fx.apr(8)]?.shortfallMinutes == 120)
        #expect(r[Fx.apr(9)]?.restMinutes == 930)
        #expect(r[Fx.apr(9)]?.shortfallMinutes == 0)
        // Exactly the minimum is not short: 8 Apr 17:30 → 9 Apr 4:30 = 11 h.
        let exact = rests(Fx.shift(Fx.apr(8), "08:30", "17:30") + Fx.shift(Fx.apr(9), "04:30", "12:00"))
        #expect(exact[Fx.apr(9)]?.restMinutes == 660 && exact[Fx.apr(9)]?.shortfallMinutes == 0)
        // A minimum of 0 flags nothing.
        #expect(rests(Fx.shift(Fx.apr(7), "09:00", "23:30") + Fx.shift(Fx.apr(8), "08:30", "17:30"), minimum: 0)[Fx.apr(8)]?.shortfallMinutes == 0)
    }

    @Test func aNightShiftIsMeasuredFromItsMorningExit() {
        // Mon 20 Apr 22:00 – Tue 21 7:00 is one work day (the 20th's). Back on the 21st at 16:00 – 23:00:
        // 9 hours out, over the 3-hour shift continuation, so a new work day (the 21st), whose rest is
        // 7:00 → 16:00 = 540 min, 120 short.
        let r = rests(Fx.shift(Fx.apr(20), "22:00", "31:00") + Fx.shift(Fx.apr(21), "16:00", "23:00"))
        #expect(r[Fx.apr(21)]?.restMinutes == 540)
        #expect(r[Fx.apr(21)]?.shortfallMinutes == 120)
    }

    @Test func anEndWithoutItsOtherHalfIsNotMeasured() {
        // Fri 10 Apr: in at 9:00, no exit — when they left is unknown, so Mon 13's rest is not measured.
        let afterMissingExit = rests(Fx.xs([(Fx.apr(10), "09:00", .entry), (Fx.apr(13), "09:00", .entry), (Fx.apr(13), "18:00", .exit)]))
        #expect(afterMissingExit[Fx.apr(13)]?.restMinutes == nil)
        #expect(afterMissingExit[Fx.apr(13)]?.shortfallMinutes == 0)
        // Tue 14 starts with an exit at 7:00 and no entry: they came in earlier, unknown when.
        let missingEntry = rests(Fx.shift(Fx.apr(13), "09:00", "23:00") + Fx.xs([(Fx.apr(14), "07:00", .exit)]))
        #expect(missingEntry[Fx.apr(14)]?.restMinutes == nil)
        // An entry without an exit at the start of a day is a known start: Mon 13 ends 23:00, Tue 14 in
        // at 6:00 (no exit), in again at 8:00 and out at 17:00. Rest 23:00 → 6:00 = 420, 240 short.
        let entryFirst = rests(Fx.shift(Fx.apr(13), "09:00", "23:00")
                               + Fx.xs([(Fx.apr(14), "06:00", .entry), (Fx.apr(14), "08:00", .entry), (Fx.apr(14), "17:00", .exit)]))
        #expect(entryFirst[Fx.apr(14)]?.restMinutes == 420)
        #expect(entryFirst[Fx.apr(14)]?.shortfallMinutes == 240)
    }

    /// From the attacker review: an over-long interval's exit is a real door time. Mon 6 Apr in 8:00,
    /// Tue 7 out 22:00 (38 h: flagged at both ends; the exit starts a work day of its own, the 7th),
    /// Wed 8 6:00–15:00. Wed's rest is 22:00 → 6:00 = 8 h = 480, 180 short — it was not measured.
    @Test func anOverlongIntervalsExitIsAKnownEnd() {
        let r = rests(Fx.xs([(Fx.apr(6), "08:00", .entry), (Fx.apr(7), "22:00", .exit)]) + Fx.shift(Fx.apr(8), "06:00", "15:00"))
        #expect(r[Fx.apr(8)]?.restMinutes == 480)
        #expect(r[Fx.apr(8)]?.shortfallMinutes == 180)
    }

    /// A tie within the minute is decided by the crossing whose other half is missing: an exit at
    /// 8:00:10 without an entry, then an entry at 8:00:40 and an exit at 17:00 — they were inside before
    /// 8:00:10, nobody knows since when, so the rest is not measured (it used to be, from 8:00).
    @Test func aTieWithAnUnknownStartIsNotMeasured() {
        let eight = Fx.at(Fx.apr(8), "08:00")
        let day = [BoundaryCrossing(eventID: "x1", employee: Fx.alice, instant: eight.addingTimeInterval(10), direction: .exit),
                   BoundaryCrossing(eventID: "e1", employee: Fx.alice, instant: eight.addingTimeInterval(40), direction: .entry),
                   BoundaryCrossing(eventID: "x2", employee: Fx.alice, instant: Fx.at(Fx.apr(8), "17:00"), direction: .exit)]
        let r = rests(Fx.shift(Fx.apr(7), "09:00", "23:30") + day)
        #expect(r[Fx.apr(8)]?.restMinutes == nil)
    }

    @Test func theMonthsFirstDayIsMeasuredFromTheMonthBeforeAndCounted() {
        // Thu 30 Apr 9:00–23:00, Fri 1 May 8:00–17:00: 9 h of rest, 120 short, on May's first day.
        // Mon 4 May 9:00–18:00: rest from Fri 17:00 = 64 h. May's report: one short day.
        let xs = Fx.shift(Fx.apr(30), "09:00", "23:00") + Fx.shift(Fx.d(2026, 5, 1), "08:00", "17:00") + Fx.shift(Fx.d(2026, 5, 4), "09:00", "18:00")
        let may = MonthReport(month: YearMonth(year: 2026, month: 5), crossings: xs, calendar: Fx.calendar)
        #expect(may.rests[EmployeeDay(Fx.alice, Fx.d(2026, 5, 1))]?.restMinutes == 540)
        #expect(may.rests[EmployeeDay(Fx.alice, Fx.d(2026, 5, 1))]?.shortfallMinutes == 120)
        #expect(may.rests[EmployeeDay(Fx.alice, Fx.apr(30))] == nil, "April's days are not May's")
        #expect(may.totals[Fx.alice]?.restShortfallDays == 1)
        // With a 9-hour minimum nothing is short.
        let nine = MonthReport(month: YearMonth(year: 2026, month: 5), crossings: xs, calendar: Fx.calendar, presenceRules: PresenceRules(minimumRestMinutes: 540))
        #expect(nine.totals[Fx.alice]?.restShortfallDays == 0)
    }

    @Test func eachPersonIsMeasuredOnTheirOwn() {
        // Bob's 8 Apr does not follow Alice's 7 Apr: his first day has no rest to measure.
        let bob: EmployeeID = "bob"
        let r = RestBetweenShifts.measure(PresenceBuilder().days(Fx.shift(Fx.apr(7), "09:00", "23:30") + Fx.shift(Fx.apr(8), "08:30", "17:30", employee: bob)),
                                          minimumMinutes: 660)
        #expect(r[EmployeeDay(bob, Fx.apr(8))]?.restMinutes == nil)
    }
}
