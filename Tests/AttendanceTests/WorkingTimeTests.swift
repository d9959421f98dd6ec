import Access
import Foundation
import Testing
@testable import Attendance

@Suite struct WorkingTimeTests {
    @Test func nightShiftLateNightAndDeemedBreak() throws {
        // 22:00–2:00 and 2:45–7:00: presence 495, break 45. Over 8 h needs 60 min of break, so 15 more
        // are deemed, from the daytime part: work 480. Late night 22–2 (240) + 2:45–5 (135) = 375.
        let d = try #require(Fx.workDays(Fx.shift(Fx.apr(7), "22:00", "26:00", "26:45", "31:00")).first)
        #expect(d.date == Fx.apr(7))
        #expect(d.presenceMinutes == 495)
        #expect(d.inferredBreakMinutes == 45)
        #expect(d.deemedBreakMinutes == 15)
        #expect(d.workedMinutes == 480)
        #expect(d.lateNightMinutes == 375)
        #expect(d.dailyOvertimeMinutes == 0)
        #expect(d.legalHolidayMinutes == 0)
    }

    @Test func lateNightOnAnEveningShift() throws {
        let d = try #require(Fx.workDays(Fx.shift(Fx.apr(7), "21:00", "23:30")).first)
        #expect(d.workedMinutes == 150)
        #expect(d.lateNightMinutes == 90)
    }

    @Test func shiftRunningIntoTheLegalHoliday() throws {
        // Sat 11 Apr 20:00 – Sun 12 Apr 6:00, no break: 600 presence, 60 deemed (from Saturday daytime).
        // Saturday 20–22 (120 − 60) + 22–24 (120) = 180 ordinary; Sunday 0–6 = 360 holiday work
        // (the legal holiday is the calendar day, 昭23.4.5 基発535号), of which 0–5 late night.
        let d = try #require(Fx.workDays(Fx.shift(Fx.apr(11), "20:00", "30:00")).first)
        #expect(d.date == Fx.apr(11))
        #expect(d.kind == .companyHoliday)
        #expect(d.deemedBreakMinutes == 60)
        #expect(d.workedMinutes == 540)
        #expect(d.legalHolidayMinutes == 360)
        #expect(d.regularMinutes == 180)
        #expect(d.lateNightMinutes == 420)
        #expect(d.lateNightLegalHolidayMinutes == 300)
        #expect(d.overtimeMinutes == 0)
    }

    @Test func publicHolidayIsNotTheLegalHoliday() throws {
        // Wed 29 Apr (昭和の日) and Sun 26 Apr, each 9–18 with a lunch out 12–13.
        let days = Fx.workDays(Fx.shift(Fx.apr(26), "09:00", "12:00", "13:00", "18:00") + Fx.shift(Fx.apr(29), "09:00", "12:00", "13:00", "18:00"))
        let sunday = try #require(days.first { $0.date == Fx.apr(26) })
        let showa = try #require(days.first { $0.date == Fx.apr(29) })
        #expect(sunday.kind == .legalHoliday)
        #expect(sunday.legalHolidayMinutes == 480)
        #expect(sunday.overtimeMinutes == 0)
        #expect(showa.kind == .companyHoliday)
        #expect(showa.legalHolidayMinutes == 0)
        #expect(showa.workedMinutes == 480)
        // A company whose legal holiday is Saturday: Sunday work is then ordinary.
        var cal = Fx.calendar
        cal.legalHoliday = .saturday
        #expect(cal.kind(of: Fx.apr(26)) == .companyHoliday)
        #expect(cal.kind(of: Fx.apr(25)) == .legalHoliday)
        #expect(Fx.calendar.workDays(in: YearMonth(year: 2026, month: 4)) == 21)
    }

    @Test func breaksInferredAndStatutoryMinimum() throws {
        // 9–12 and 12:50–18: 490 present, 50 out. Over 8 h needs 60: the smallest lawful deduction is 10
        // (480 worked, then 45 is enough).
        let d = try #require(Fx.workDays(Fx.shift(Fx.apr(7), "09:00", "12:00", "12:50", "18:00")).first)
        #expect(d.inferredBreakMinutes == 50)
        #expect(d.deemedBreakMinutes == 10)
        #expect(d.workedMinutes == 480)
        // The same with breaks only as seen at the door: 10 minutes of daily overtime.
        let raw = try #require(Fx.workDays(Fx.shift(Fx.apr(7), "09:00", "12:00", "12:50", "18:00"), rules: WorkRules(breakPolicy: .inferredOnly)).first)
        #expect(raw.workedMinutes == 490)
        #expect(raw.dailyOvertimeMinutes == 10)
        // 6 h 20 min with no break counts as 6 h, not 5 h 35 min.
        #expect(WorkRules.lawfulWorkMinutes(presence: 380, inferredBreak: 0) == 360)
        #expect(WorkRules.lawfulWorkMinutes(presence: 360, inferredBreak: 0) == 360)
        #expect(WorkRules.lawfulWorkMinutes(presence: 500, inferredBreak: 0) == 455)
        #expect(WorkRules.lawfulWorkMinutes(presence: 530, inferredBreak: 0) == 480)
        #expect(WorkRules.lawfulWorkMinutes(presence: 600, inferredBreak: 0) == 540)
        #expect(WorkRules.lawfulWorkMinutes(presence: 600, inferredBreak: 60) == 600)
    }

    @Test func weeklyFortyHoursWithoutDoubleCounting() {
        // Week of Sun 5 – Sat 11 Apr. Mon–Fri 9–19 with lunch out 12–13 (540 each: 60 daily overtime),
        // Saturday 9–13 (240). Counted for 40 h: 5 × 480 = 2400, so all of Saturday is weekly overtime.
        // Overtime = 5 × 60 + 240 = 540 (counting the week as 2940 − 2400 on top would give 840).
        var xs: [BoundaryCrossing] = []
        for day in 6...10 { xs += Fx.shift(Fx.apr(day), "09:00", "12:00", "13:00", "19:00") }
        xs += Fx.shift(Fx.apr(11), "09:00", "13:00")
        let days = Fx.workDays(xs)
        #expect(days.map(\.dailyOvertimeMinutes) == [60, 60, 60, 60, 60, 0])
        #expect(days.map(\.weeklyOvertimeMinutes) == [0, 0, 0, 0, 0, 240])
        let total = WorkTotals.of(days)
        #expect(total.overtimeMinutes == 540)
        #expect(total.workedMinutes == 2940)
        // The next week starts again from zero.
        let next = Fx.workDays(xs + Fx.shift(Fx.apr(13), "09:00", "12:00", "13:00", "17:00"))
        #expect(next.last?.weeklyOvertimeMinutes == 0)
        // A Monday week start moves Saturday into the same week but not Sunday 12th.
        var cal = Fx.calendar
        cal.weekStart = .monday
        #expect(cal.startOfWeek(containing: Fx.apr(12)) == Fx.apr(6))
        #expect(Fx.calendar.startOfWeek(containing: Fx.apr(12)) == Fx.apr(12))
    }

    @Test func weeklyLimitCrossedInsideADay() {
        // Mon–Thu 9–18 with lunch out (480 each), Fri 9–14 (300): 2220 by Friday. Saturday 9–13 (240)
        // passes 40 h after 180 minutes: 60 minutes of weekly overtime, on Saturday.
        var xs: [BoundaryCrossing] = []
        for day in 6...9 { xs += Fx.shift(Fx.apr(day), "09:00", "12:00", "13:00", "18:00") }
        xs += Fx.shift(Fx.apr(10), "09:00", "14:00")
        xs += Fx.shift(Fx.apr(11), "09:00", "13:00")
        let days = Fx.workDays(xs)
        #expect(days.last?.weeklyOvertimeMinutes == 4 * 480 + 300 + 240 - 2400)
        #expect(days.last?.withinLegalOvertimeMinutes == 0)
    }

    @Test func scheduledStartIsNotEntry() throws {
        // Entry 8:00, exit 17:00, no break, start at 9:00: 480 counted, 60 not; then 45 deemed break.
        let rules = WorkRules(scheduledStartMinute: 9 * 60)
        let d = try #require(Fx.workDays(Fx.shift(Fx.apr(7), "08:00", "17:00"), rules: rules).first)
        #expect(d.uncountedBeforeStartMinutes == 60)
        #expect(d.workedMinutes == 435)
        // With the early start approved, all 540 count (60 deemed break).
        var approved = rules
        approved.approvedEarlyStarts = [EmployeeDay(Fx.alice, Fx.apr(7))]
        let e = try #require(Fx.workDays(Fx.shift(Fx.apr(7), "08:00", "17:00"), rules: approved).first)
        #expect(e.workedMinutes == 480)
        // Saturday has no schedule: counted from entry.
        let s = try #require(Fx.workDays(Fx.shift(Fx.apr(11), "08:00", "12:00"), rules: rules).first)
        #expect(s.workedMinutes == 240)
    }

    @Test func monthReportComputesTheWeekBeforeTheMonth() throws {
        // May 2026 starts on Friday; its week began Sun 26 Apr. Mon 27–Thu 30 Apr: 10 h each (incl. the
        // public holiday), Fri 1 May: 8 h, Sat 2 May: 4 h. Weekly overtime lands on May days only.
        var xs: [BoundaryCrossing] = []
        for day in 27...30 { xs += Fx.shift(Fx.apr(day), "08:00", "12:00", "13:00", "19:00") }
        xs += Fx.shift(Fx.d(2026, 5, 1), "09:00", "12:00", "13:00", "18:00")
        xs += Fx.shift(Fx.d(2026, 5, 2), "09:00", "13:00")
        let may = YearMonth(year: 2026, month: 5)
        let report = MonthReport(month: may, crossings: xs, calendar: Fx.calendar)
        #expect(report.days.map(\.date) == [Fx.d(2026, 5, 1), Fx.d(2026, 5, 2)])
        // Counted by Friday: 4 × 480 + 480 = 2400, so Saturday's 240 is weekly overtime.
        let t = try #require(report.totals[Fx.alice])
        #expect(t.weeklyOvertimeMinutes == 240)
        #expect(t.dailyOvertimeMinutes == 0)
        #expect(MonthReport.dateRange(for: may, calendar: Fx.calendar).lowerBound == Fx.apr(26))
        let window = MonthReport.eventWindow(for: may, calendar: Fx.calendar)
        #expect(window.from == Fx.at(Fx.apr(25), "00:00"))
        #expect(window.until == Fx.at(Fx.d(2026, 6, 2), "00:00"))
    }

    @Test func periodsSumByWeekMonthAndYear() {
        let xs = Fx.shift(Fx.d(2026, 3, 31), "09:00", "12:00", "13:00", "19:00") + Fx.shift(Fx.apr(1), "09:00", "12:00", "13:00", "19:00")
        let days = Fx.workDays(xs)
        let monthly = Periods.monthly(days)[Fx.alice]!
        #expect(monthly[YearMonth(year: 2026, month: 3)]?.dailyOvertimeMinutes == 60)
        #expect(monthly[YearMonth(year: 2026, month: 4)]?.dailyOvertimeMinutes == 60)
        let yearly = Periods.yearly(days, startMonth: 4)[Fx.alice]!
        #expect(yearly[YearMonth(year: 2025, month: 4)]?.days == 1)
        #expect(yearly[YearMonth(year: 2026, month: 4)]?.days == 1)
        let weekly = Periods.weekly(days, calendar: Fx.calendar)[Fx.alice]!
        #expect(weekly[Fx.d(2026, 3, 29)]?.workedMinutes == 1080)
    }

    @Test func leapYearFebruary29() throws {
        // 2028 is a leap year; 29 Feb 2028 is a Tuesday. A shift from Mon 28 Feb 22:00 to 6:00 on the
        // 29th belongs to the 28th; the next shift on the 29th is its own day.
        let feb = YearMonth(year: 2028, month: 2)
        #expect(feb.dayCount == 29)
        #expect(Fx.d(2028, 2, 29).weekday == .tuesday)
        let xs = Fx.shift(Fx.d(2028, 2, 28), "22:00", "30:00") + Fx.shift(Fx.d(2028, 2, 29), "18:00", "23:00")
        let days = Fx.workDays(xs)
        #expect(days.map(\.date) == [Fx.d(2028, 2, 28), Fx.d(2028, 2, 29)])
        #expect(days[0].lateNightMinutes == 420)
        #expect(days[1].lateNightMinutes == 60)
        #expect(YearMonth(year: 2028, month: 3).adding(months: -1) == feb)
        #expect(YearMonth(year: 2028, month: 1).adding(months: -1) == YearMonth(year: 2027, month: 12))
    }
}
