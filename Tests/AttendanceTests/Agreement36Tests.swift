import Access
import Foundation
import Testing
@testable import Attendance

@Suite struct Agreement36Tests {
    static func ym(_ y: Int, _ m: Int) -> YearMonth { YearMonth(year: y, month: m) }
    static func f(_ overtime: Int, holiday: Int = 0, worked: Int = 0) -> MonthFigures {
        MonthFigures(overtimeMinutes: overtime, holidayMinutes: holiday, workedMinutes: worked)
    }
    let special = Agreement36Checker(agreement: Agreement36(specialClause: true))
    let plain = Agreement36Checker()

    func violations(_ alerts: [AgreementAlert]) -> [AgreementAlert] { alerts.filter { $0.severity == .violation } }

    @Test(arguments: 2...6)
    func everyAverageWindow(_ n: Int) {
        // The last n−1 months at exactly 80 h, the n-th back at 81 h, the one before at 0: only the
        // n-month average is over 80 h ((80(n−1) + 81)/n > 80; longer windows fall back under).
        let end = Self.ym(2026, 9)
        var h: [YearMonth: MonthFigures] = [:]
        for k in 0..<(n - 1) { h[end.adding(months: -k)] = Self.f(80 * 60) }
        h[end.adding(months: -(n - 1))] = Self.f(81 * 60)
        h[end.adding(months: -n)] = Self.f(0)
        let v = violations(special.check(h, month: end)).filter { $0.code == .multiMonthAverage }
        #expect(v.map(\.windowMonths) == [n])
    }

    @Test func averageDecidedOnTheExactSum() {
        // 90 h and 70 h 1 min: 4800.5 min average, over 80 h by half a minute.
        let h = [Self.ym(2026, 5): Self.f(90 * 60), Self.ym(2026, 6): Self.f(70 * 60 + 1)]
        let v = violations(special.check(h, month: Self.ym(2026, 6)))
        #expect(v.map(\.code) == [.multiMonthAverage])
        #expect(v[0].valueMinutes == 4801)
        let ok = [Self.ym(2026, 5): Self.f(90 * 60), Self.ym(2026, 6): Self.f(70 * 60)]
        #expect(violations(special.check(ok, month: Self.ym(2026, 6))).isEmpty)
    }

    @Test func averagesRunAcrossAgreementYears() {
        // March (end of one agreement year) and April (start of the next): 90 + 80 → 85 average.
        let h = [Self.ym(2026, 3): Self.f(90 * 60), Self.ym(2026, 4): Self.f(80 * 60)]
        #expect(violations(special.check(h, month: Self.ym(2026, 4))).contains { $0.code == .multiMonthAverage && $0.windowMonths == 2 })
    }

    @Test func monthlyCapIsBelowOneHundred() {
        // Overtime 60 h + holiday work 39 h 59 min = 99 h 59 min: allowed; one more minute is not.
        let under = [Self.ym(2026, 4): Self.f(60 * 60, holiday: 39 * 60 + 59)]
        #expect(!special.check(under, month: Self.ym(2026, 4)).contains { $0.code == .monthlyCap && $0.severity == .violation })
        let at = [Self.ym(2026, 4): Self.f(60 * 60, holiday: 40 * 60)]
        let v = violations(special.check(at, month: Self.ym(2026, 4)))
        #expect(v.contains { $0.code == .monthlyCap && $0.valueMinutes == 6000 })
    }

    @Test func sixMonthsOverFortyFive() {
        // 46 h in April to September (6 months): allowed with the special clause; October makes 7.
        var h: [YearMonth: MonthFigures] = [:]
        for m in 4...9 { h[Self.ym(2026, m)] = Self.f(46 * 60) }
        let sept = special.check(h, month: Self.ym(2026, 9))
        #expect(!sept.contains { $0.code == .monthsOverMonthlyLimit && $0.severity == .violation })
        #expect(sept.contains { $0.code == .monthsOverMonthlyLimit && $0.severity == .warning && $0.valueMinutes == 6 })
        h[Self.ym(2026, 10)] = Self.f(46 * 60)
        let oct = violations(special.check(h, month: Self.ym(2026, 10)))
        #expect(oct.map(\.code) == [.monthsOverMonthlyLimit])
        #expect(oct[0].valueMinutes == 7)
        // A new agreement year (April 2027) counts from zero.
        h[Self.ym(2027, 4)] = Self.f(46 * 60)
        #expect(violations(special.check(h, month: Self.ym(2027, 4))).isEmpty)
    }

    @Test func withoutSpecialClauseFortyFiveAndThreeSixty() {
        #expect(violations(plain.check([Self.ym(2026, 4): Self.f(45 * 60)], month: Self.ym(2026, 4))).isEmpty)
        let over = violations(plain.check([Self.ym(2026, 4): Self.f(45 * 60 + 1)], month: Self.ym(2026, 4)))
        #expect(over.map(\.code) == [.monthlyOvertime])
        // 40 h April–December = 360 h: allowed; 1 min in January breaks 360 h. March 2026 is the previous
        // agreement year and does not count.
        var h: [YearMonth: MonthFigures] = [Self.ym(2026, 3): Self.f(40 * 60)]
        for m in 4...12 { h[Self.ym(2026, m)] = Self.f(40 * 60) }
        #expect(violations(plain.check(h, month: Self.ym(2026, 12))).isEmpty)
        h[Self.ym(2027, 1)] = Self.f(1)
        #expect(violations(plain.check(h, month: Self.ym(2027, 1))).map(\.code) == [.yearlyOvertime])
        // An agreement year starting in January makes March 2026 count instead.
        let jan = Agreement36Checker(agreement: Agreement36(yearStartMonth: 1))
        #expect(violations(jan.check(h, month: Self.ym(2026, 12))).map(\.code) == [.yearlyOvertime])
    }

    @Test func sevenTwentyWithSpecialClause() {
        var h: [YearMonth: MonthFigures] = [:]
        for k in 0..<12 { h[Self.ym(2026, 4).adding(months: k)] = Self.f(60 * 60) }  // 720 h exactly
        #expect(!special.check(h, month: Self.ym(2027, 3)).contains { $0.code == .yearlyOvertime && $0.severity == .violation })
        h[Self.ym(2027, 3)] = Self.f(60 * 60 + 1)
        #expect(special.check(h, month: Self.ym(2027, 3)).contains { $0.code == .yearlyOvertime && $0.severity == .violation })
    }

    @Test func warningAtTheConfiguredShare() {
        let at36 = plain.check([Self.ym(2026, 4): Self.f(36 * 60)], month: Self.ym(2026, 4))
        #expect(at36.contains { $0.code == .monthlyOvertime && $0.severity == .warning })
        let at35 = plain.check([Self.ym(2026, 4): Self.f(35 * 60)], month: Self.ym(2026, 4))
        #expect(!at35.contains { $0.code == .monthlyOvertime })
        let strict = Agreement36Checker(agreement: Agreement36(monthlyLimitMinutes: 30 * 60, warningRatio: 0.5))
        #expect(strict.check([Self.ym(2026, 4): Self.f(16 * 60)], month: Self.ym(2026, 4)).contains { $0.code == .monthlyOvertime && $0.severity == .warning })
    }

    @Test func forecastFromWorkDaysElapsed() {
        // April 2026 has 21 work days; by Friday 10 April 8 have passed. 20 h so far → 20 × 21/8 = 52.5 h.
        let month = Self.ym(2026, 4)
        let soFar = Self.f(20 * 60)
        let expected = Forecast.linear(soFar, month: month, through: Fx.apr(10), calendar: Fx.calendar)
        #expect(expected.overtimeMinutes == 3150)
        let alerts = plain.check([month: soFar], month: month, forecast: expected)
        #expect(alerts.map(\.severity) == [.forecast])
        #expect(alerts[0].code == .monthlyOvertime)
        #expect(alerts[0].valueMinutes == 3150)
        #expect(alerts[0].ja.contains("見込み"))
        #expect(alerts[0].en.contains("forecast"))
        #expect(Forecast.linear(soFar, elapsedWorkDays: 0, totalWorkDays: 21) == soFar)
    }

    @Test func workerNoticeOverEightyHours() {
        // April: 30 days, 30/7 × 40 h = 10285 min. Worked 15100 → 4815 over 40 a week: notice.
        let month = Self.ym(2026, 4)
        #expect(Agreement36Checker.hoursOverFortyAWeek(workedMinutes: 15100, month: month) == 4815)
        let n = plain.check([month: Self.f(0, worked: 15100)], month: month).filter { $0.code == .workerNotice }
        #expect(n.map(\.severity) == [.notice])
        #expect(n[0].ja.contains("安衛則52条の2"))
        #expect(plain.check([month: Self.f(0, worked: 15000)], month: month).filter { $0.code == .workerNotice }.isEmpty)
        // February in a leap year has 29 days: 29/7 × 40 h = 9942 min.
        #expect(Agreement36Checker.hoursOverFortyAWeek(workedMinutes: 9942 + 4801, month: Self.ym(2028, 2)) == 4801)
    }

    @Test func alertsCarryCodesAndBothLanguages() {
        for code in AgreementAlert.Code.allCases {
            for sev in [AgreementAlert.Severity.warning, .violation, .forecast] {
                let a = AgreementAlert(code: code, severity: sev, month: Self.ym(2026, 4), windowMonths: 3, valueMinutes: 4830, limitMinutes: 4800)
                #expect(!a.ja.isEmpty && !a.en.isEmpty)
                #expect(a.fullCode == "\(sev.rawValue).\(code.rawValue)")
            }
        }
        #expect(AgreementAlert.hours(4830) == "80時間30分")
    }
}
