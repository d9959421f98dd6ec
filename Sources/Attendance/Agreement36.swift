import Access
import Foundation

/// The company's 36協定 (労基法36条 agreement) and the law's limits on it. Every number is
/// configurable because the agreement may set lower limits than the law; the defaults are the law's
/// (労基法36条4項–6項, in force for large companies since April 2019 and for SMEs since April 2020).
public struct Agreement36: Sendable, Hashable, Codable {
    /// Overtime per month (限度時間, 36条4項): 45 h.
    public var monthlyLimitMinutes: Int
    /// Overtime per agreement year (36条4項): 360 h.
    public var yearlyLimitMinutes: Int
    /// Whether the agreement has the special clause (特別条項, 36条5項).
    public var specialClause: Bool
    /// With the special clause, overtime per year: 720 h (36条5項).
    public var specialYearlyLimitMinutes: Int
    /// With the special clause, the months in which overtime may exceed the monthly limit: 6 (36条5項).
    public var maxMonthsOverMonthlyLimit: Int
    /// Overtime + holiday work in any month must stay *below* this: 100 h (36条6項2号).
    public var monthlyCapMinutes: Int
    /// Overtime + holiday work averaged over every 2–6 month window must not exceed this: 80 h
    /// (36条6項3号). The windows run across agreement years too (厚生労働省「時間外労働の上限規制
    /// わかりやすい解説」).
    public var averageLimitMinutes: Int
    /// First month of the agreement year (対象期間の起算日), default April.
    public var yearStartMonth: Int
    /// A warning is given once a figure reaches this share of its limit (default 0.8).
    public var warningRatio: Double
    /// Hours over 40 a week in a month beyond which the worker is told of them (安衛則52条の2第3項,
    /// 80 h) and may ask for a doctor's interview (安衛法66条の8).
    public var workerNoticeMinutes: Int

    public init(
        monthlyLimitMinutes: Int = 45 * 60, yearlyLimitMinutes: Int = 360 * 60, specialClause: Bool = false,
        specialYearlyLimitMinutes: Int = 720 * 60, maxMonthsOverMonthlyLimit: Int = 6, monthlyCapMinutes: Int = 100 * 60,
        averageLimitMinutes: Int = 80 * 60, yearStartMonth: Int = 4, warningRatio: Double = 0.8, workerNoticeMinutes: Int = 80 * 60
    ) {
        self.monthlyLimitMinutes = monthlyLimitMinutes
        self.yearlyLimitMinutes = yearlyLimitMinutes
        self.specialClause = specialClause
        self.specialYearlyLimitMinutes = specialYearlyLimitMinutes
        self.maxMonthsOverMonthlyLimit = maxMonthsOverMonthlyLimit
        self.monthlyCapMinutes = monthlyCapMinutes
        self.averageLimitMinutes = averageLimitMinutes
        self.yearStartMonth = yearStartMonth
        self.warningRatio = warningRatio
        self.workerNoticeMinutes = workerNoticeMinutes
    }
}

/// One month's figures for the checks (minutes).
public struct MonthFigures: Sendable, Hashable, Codable {
    /// 時間外労働 (daily + weekly overtime).
    public var overtimeMinutes: Int
    /// 休日労働 (work on legal holidays).
    public var holidayMinutes: Int
    /// All working time, for the 安衛則52条の2 figure.
    public var workedMinutes: Int

    public init(overtimeMinutes: Int, holidayMinutes: Int, workedMinutes: Int = 0) {
        self.overtimeMinutes = overtimeMinutes
        self.holidayMinutes = holidayMinutes
        self.workedMinutes = workedMinutes
    }
    public init(_ t: WorkTotals) {
        self.init(overtimeMinutes: t.overtimeMinutes, holidayMinutes: t.legalHolidayMinutes, workedMinutes: t.workedMinutes)
    }
    public var overtimeAndHolidayMinutes: Int { overtimeMinutes + holidayMinutes }
}

/// Checks one person's months against a ``Agreement36``.
public struct Agreement36Checker: Sendable {
    public var agreement: Agreement36

    public init(agreement: Agreement36 = Agreement36()) { self.agreement = agreement }

    /// Alerts about `month`, given the person's figures for it and for earlier months (missing months
    /// count as zero). With `forecast` (the month's expected figures at its end, see ``Forecast``),
    /// limits the actual figures have not reached but the forecast does are reported as forecast warnings.
    public func check(_ history: [YearMonth: MonthFigures], month: YearMonth, forecast: MonthFigures? = nil) -> [AgreementAlert] {
        let actual = evaluate(history, month: month)
        var alerts = actual.compactMap { $0.alert(ratio: agreement.warningRatio, month: month, forecast: false) }
        alerts += healthNotice(history[month], month: month)
        if let forecast {
            var h = history
            h[month] = forecast
            let expected = evaluate(h, month: month)
            for (now, later) in zip(actual, expected) where !now.reached && later.reached {
                alerts.append(AgreementAlert(code: now.code, severity: .forecast, month: month, windowMonths: now.window,
                                             valueMinutes: later.value, limitMinutes: now.limit))
            }
        }
        return alerts
    }

    /// The 安衛則52条の2 figure: total work minus 40 h × (days in the month ÷ 7) — the "hours over 40 a
    /// week" of the month, as the 厚生労働省 formula computes it (1か月の総労働時間数 −
    /// 計算期間1か月間の総暦日数/7 × 40). It differs from overtime + holiday work when the month's
    /// weeks do not fall evenly; the notice uses it, as the regulation does.
    public static func hoursOverFortyAWeek(workedMinutes: Int, month: YearMonth) -> Int {
        max(0, workedMinutes - month.dayCount * 2400 / 7)
    }

    struct Measure {
        var code: AgreementAlert.Code
        var value: Int
        var limit: Int
        /// `true`: reached when `value >= limit` (100 h is "未満"); `false`: when `value > limit`.
        var inclusive: Bool
        var window: Int?
        var reached: Bool { inclusive ? value >= limit : value > limit }

        func alert(ratio: Double, month: YearMonth, forecast: Bool) -> AgreementAlert? {
            if reached {
                return AgreementAlert(code: code, severity: .violation, month: month, windowMonths: window, valueMinutes: value, limitMinutes: limit)
            }
            if Double(value) >= ratio * Double(limit), value > 0 {
                return AgreementAlert(code: code, severity: .warning, month: month, windowMonths: window, valueMinutes: value, limitMinutes: limit)
            }
            return nil
        }
    }

    func evaluate(_ h: [YearMonth: MonthFigures], month: YearMonth) -> [Measure] {
        let a = agreement
        let this = h[month] ?? MonthFigures(overtimeMinutes: 0, holidayMinutes: 0)
        let yearStart = month.agreementYearStart(startMonth: a.yearStartMonth)
        var yearOvertime = 0
        var monthsOver = 0
        var m = yearStart
        while m <= month {
            let o = h[m]?.overtimeMinutes ?? 0
            yearOvertime += o
            if o > a.monthlyLimitMinutes { monthsOver += 1 }
            m = m.adding(months: 1)
        }
        var out: [Measure] = []
        if a.specialClause {
            // Over 45 h is allowed in up to 6 months: the measure is the count of such months.
            out.append(Measure(code: .monthsOverMonthlyLimit, value: monthsOver, limit: a.maxMonthsOverMonthlyLimit, inclusive: false))
            out.append(Measure(code: .yearlyOvertime, value: yearOvertime, limit: a.specialYearlyLimitMinutes, inclusive: false))
        } else {
            out.append(Measure(code: .monthlyOvertime, value: this.overtimeMinutes, limit: a.monthlyLimitMinutes, inclusive: false))
            out.append(Measure(code: .yearlyOvertime, value: yearOvertime, limit: a.yearlyLimitMinutes, inclusive: false))
        }
        // 36条6項 applies with or without the special clause.
        out.append(Measure(code: .monthlyCap, value: this.overtimeAndHolidayMinutes, limit: a.monthlyCapMinutes, inclusive: true))
        for n in 2...6 {
            var sum = 0
            for k in 0..<n { sum += h[month.adding(months: -k)]?.overtimeAndHolidayMinutes ?? 0 }
            // The average rounded up: ceil(sum / n) > limit exactly when sum > n × limit, so a fraction of
            // a minute can never hide a violation.
            out.append(Measure(code: .multiMonthAverage, value: (sum + n - 1) / n, limit: a.averageLimitMinutes, inclusive: false, window: n))
        }
        return out
    }

    func healthNotice(_ f: MonthFigures?, month: YearMonth) -> [AgreementAlert] {
        guard let f else { return [] }
        let over = Self.hoursOverFortyAWeek(workedMinutes: f.workedMinutes, month: month)
        guard over > agreement.workerNoticeMinutes else { return [] }
        return [AgreementAlert(code: .workerNotice, severity: .notice, month: month, windowMonths: nil, valueMinutes: over, limitMinutes: agreement.workerNoticeMinutes)]
    }
}
