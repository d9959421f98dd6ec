import Access
import Foundation

/// A finding of the 36協定 checks — or of the rest between work days (勤務間インターバル, which shares the
/// alert list) — with a stable code and sentences for people in Japanese and English.
public struct AgreementAlert: Sendable, Hashable, Codable {
    public enum Code: String, Sendable, Hashable, Codable, CaseIterable {
        /// Overtime in the month against 45 h (no special clause).
        case monthlyOvertime = "monthly_overtime"
        /// Overtime in the agreement year against 360 h (720 h with the special clause).
        case yearlyOvertime = "yearly_overtime"
        /// Months over 45 h in the agreement year against 6 (special clause).
        case monthsOverMonthlyLimit = "months_over_monthly_limit"
        /// Overtime + holiday work in the month against < 100 h.
        case monthlyCap = "monthly_cap"
        /// Overtime + holiday work averaged over a 2–6 month window against 80 h.
        case multiMonthAverage = "multi_month_average"
        /// Over 80 h beyond 40 a week in the month: the worker must be told (安衛則52条の2).
        case workerNotice = "worker_notice"
        /// Work days in the month whose rest since the previous one fell short of the minimum
        /// (勤務間インターバル, ``RestBetweenShifts``): the value is a count of days, the limit the minimum rest.
        case restInterval = "rest_interval"
        /// 年次有給休暇: a grant of 10 days or more whose year ends within the warning period (warning) or
        /// has ended (violation) with fewer than 5 days taken (労基法39条7項, ``AnnualLeaveDuty``): the value
        /// is the half days taken, the limit the 10 half days required, ``AgreementAlert/deadline`` the year's end.
        case annualLeave = "annual_leave"
    }

    public enum Severity: String, Sendable, Hashable, Codable, Comparable {
        /// Information for the worker that the law requires (the 80-hour notice).
        case notice
        /// The forecast for the month reaches the limit.
        case forecast
        /// The figure has reached the warning share of the limit.
        case warning
        /// The limit is reached: work beyond it is unlawful (労基法119条: penalties).
        case violation

        var rank: Int { switch self { case .notice: 0; case .forecast: 1; case .warning: 2; case .violation: 3 } }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    public var code: Code
    public var severity: Severity
    /// The month checked (for windows, the last month of the window).
    public var month: YearMonth
    /// For ``Code/multiMonthAverage``: the window's length in months.
    public var windowMonths: Int?
    /// The figure (minutes; for ``Code/monthsOverMonthlyLimit``, a count of months; for
    /// ``Code/restInterval``, a count of days).
    public var valueMinutes: Int
    public var limitMinutes: Int
    /// For ``Code/annualLeave``: the last day of the grant's year.
    public var deadline: CivilDate?

    public init(code: Code, severity: Severity, month: YearMonth, windowMonths: Int?, valueMinutes: Int, limitMinutes: Int, deadline: CivilDate? = nil) {
        self.code = code
        self.severity = severity
        self.month = month
        self.windowMonths = windowMonths
        self.valueMinutes = valueMinutes
        self.limitMinutes = limitMinutes
        self.deadline = deadline
    }

    /// An ``AnnualLeaveDuty`` that is a warning or overdue, as an alert of `month`; nil otherwise.
    public init?(leave duty: AnnualLeaveDuty, month: YearMonth) {
        let severity: Severity
        switch duty.status {
        case .warning: severity = .warning
        case .overdue: severity = .violation
        case .notUnderDuty, .ok, .pending: return nil
        }
        self.init(code: .annualLeave, severity: severity, month: month, windowMonths: nil, valueMinutes: duty.takenHalfDays,
                  limitMinutes: AnnualLeaveDuty.requiredHalfDays, deadline: duty.deadline)
    }

    /// Half days as days: 9 → "4.5", 8 → "4".
    static func days(halfDays: Int) -> String { halfDays % 2 == 0 ? "\(halfDays / 2)" : "\(halfDays / 2).5" }

    /// `severity.code`, e.g. `violation.monthly_cap`, for logs and filters.
    public var fullCode: String { "\(severity.rawValue).\(code.rawValue)" }

    public var ja: String {
        let v = code == .monthsOverMonthlyLimit ? "\(valueMinutes)か月" : Self.hours(valueMinutes)
        let l = code == .monthsOverMonthlyLimit ? "\(limitMinutes)か月" : Self.hours(limitMinutes)
        let what: String
        switch code {
        case .monthlyOvertime: what = "\(month)の時間外労働"
        case .yearlyOvertime: what = "協定年度の時間外労働(\(month)まで)"
        case .monthsOverMonthlyLimit: what = "協定年度に月45時間を超えた月数"
        case .monthlyCap: what = "\(month)の時間外・休日労働"
        case .multiMonthAverage: what = "\(month)までの\(windowMonths ?? 0)か月平均の時間外・休日労働"
        case .annualLeave:
            let taken = Self.days(halfDays: valueMinutes), need = Self.days(halfDays: max(0, limitMinutes - valueMinutes))
            let end = deadline.map { "\($0)" } ?? "?"
            return severity == .violation
                ? "年次有給休暇の取得が\(taken)日のまま、期限の\(end)を過ぎました(年5日の取得義務、労基法39条7項。あと\(need)日不足)。"
                : "年次有給休暇の取得が\(taken)日です。\(end)までにあと\(need)日取得させる必要があります(労基法39条7項)。"
        case .restInterval:
            return "\(month)に、前の勤務の終了から\(l)の休息(勤務間インターバル)が取れていない日が\(valueMinutes)日あります。"
        case .workerNotice:
            return "\(month)の週40時間を超える労働が\(v)となり、\(l)を超えました。本人への通知が必要です(安衛則52条の2)。医師の面接指導を申し出ることができます。"
        }
        switch severity {
        case .violation: return "\(what)が\(v)で、上限\(l)に達しました(36協定違反)。"
        case .warning: return "\(what)が\(v)で、上限\(l)に近づいています。"
        case .forecast: return "\(what)は、このままでは\(v)となり、上限\(l)に達する見込みです。"
        case .notice: return "\(what)は\(v)です(基準\(l))。"
        }
    }

    public var en: String {
        let v = code == .monthsOverMonthlyLimit ? "\(valueMinutes) months" : Self.hours(valueMinutes, english: true)
        let l = code == .monthsOverMonthlyLimit ? "\(limitMinutes) months" : Self.hours(limitMinutes, english: true)
        let what: String
        switch code {
        case .monthlyOvertime: what = "Overtime in \(month)"
        case .yearlyOvertime: what = "Overtime in the agreement year up to \(month)"
        case .monthsOverMonthlyLimit: what = "Months over 45 h in the agreement year"
        case .monthlyCap: what = "Overtime and holiday work in \(month)"
        case .multiMonthAverage: what = "Overtime and holiday work averaged over the \(windowMonths ?? 0) months to \(month)"
        case .annualLeave:
            let taken = Self.days(halfDays: valueMinutes), need = Self.days(halfDays: max(0, limitMinutes - valueMinutes))
            let end = deadline.map { "\($0)" } ?? "?"
            return severity == .violation
                ? "Annual paid leave taken is \(taken) days and the deadline \(end) has passed (5 days a year are required, Labour Standards Act art. 39(7); \(need) short)."
                : "Annual paid leave taken is \(taken) days: \(need) more must be taken by \(end) (Labour Standards Act art. 39(7))."
        case .restInterval:
            return "In \(month), \(valueMinutes) work day\(valueMinutes == 1 ? "" : "s") began less than \(l) after the previous one ended (rest between work days, 勤務間インターバル)."
        case .workerNotice:
            return "Work beyond 40 hours a week in \(month) is \(v), over \(l). The worker must be told (Ordinance on Industrial Safety and Health, art. 52-2) and may ask for a doctor's interview."
        }
        switch severity {
        case .violation: return "\(what) is \(v): the limit of \(l) is reached (Article 36 agreement breached)."
        case .warning: return "\(what) is \(v), approaching the limit of \(l)."
        case .forecast: return "\(what) is forecast to reach \(v), reaching the limit of \(l)."
        case .notice: return "\(what) is \(v) (threshold \(l))."
        }
    }

    static func hours(_ minutes: Int, english: Bool = false) -> String {
        let h = minutes / 60, m = minutes % 60
        if english { return m == 0 ? "\(h) h" : "\(h) h \(m) min" }
        return m == 0 ? "\(h)時間" : "\(h)時間\(m)分"
    }
}
