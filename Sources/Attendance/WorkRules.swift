import Access
import Foundation

/// How breaks are found in presence.
public enum BreakPolicy: String, Sendable, Hashable, Codable {
    /// Only breaks seen at the door (exit and re-entry) are deducted.
    case inferredOnly = "inferred_only"
    /// Breaks seen at the door, and where they fall short of the statutory minimum (労基法34条: at least
    /// 45 minutes when work exceeds 6 hours, 60 minutes when it exceeds 8 hours) the shortfall is deemed
    /// taken inside the premises (people eat at their desks or in the canteen without tapping out).
    ///
    /// The deemed break is the *smallest* deduction that makes the day lawful (see
    /// ``WorkRules/lawfulWorkMinutes(presence:inferredBreak:)``), so presence of 6 h 20 min with no break
    /// counts as 6 h of work, not 5 h 35 min. It is shown separately on the day (``WorkDay/deemedBreakMinutes``)
    /// so that it can be checked, and it is taken from ordinary daytime minutes first so that late-night
    /// and holiday premiums are not reduced by an assumption.
    case statutoryMinimum = "statutory_minimum"
}

/// The company's working-time rules. Limits are in minutes; the defaults are the law's.
public struct WorkRules: Sendable, Hashable, Codable {
    /// 労基法32条2項: 8 hours a day.
    public var dailyLimitMinutes: Int
    /// 労基法32条1項: 40 hours a week.
    public var weeklyLimitMinutes: Int
    /// Scheduled daily hours (所定労働時間); work beyond it but within the daily limit is 法定内残業,
    /// reported separately for payroll.
    public var scheduledDailyMinutes: Int
    /// Scheduled start of work on work days, as minutes after midnight (e.g. 540 for 9:00), or `nil`.
    ///
    /// Entry is not automatically the start of work (domain.md section 5): when set, presence before
    /// this time on a work day is not counted unless the day is in ``approvedEarlyStarts`` (the manager
    /// ordered or approved early work). On days off there is no schedule, so work counts from entry.
    /// Default `nil`: the door record is the working time, the safer reading of the 2017 guideline
    /// (time in the premises is presumed work unless the employer shows otherwise).
    public var scheduledStartMinute: Int?
    public var breakPolicy: BreakPolicy
    /// Late night (深夜, 労基法37条4項): 22:00–5:00.
    public var lateNightStartMinute: Int
    public var lateNightEndMinute: Int
    /// Days on which early work before ``scheduledStartMinute`` was approved.
    public var approvedEarlyStarts: Set<EmployeeDay>

    public init(
        dailyLimitMinutes: Int = 480, weeklyLimitMinutes: Int = 2400, scheduledDailyMinutes: Int = 480,
        scheduledStartMinute: Int? = nil, breakPolicy: BreakPolicy = .statutoryMinimum,
        lateNightStartMinute: Int = 22 * 60, lateNightEndMinute: Int = 5 * 60, approvedEarlyStarts: Set<EmployeeDay> = []
    ) {
        self.dailyLimitMinutes = dailyLimitMinutes
        self.weeklyLimitMinutes = weeklyLimitMinutes
        self.scheduledDailyMinutes = scheduledDailyMinutes
        self.scheduledStartMinute = scheduledStartMinute
        self.breakPolicy = breakPolicy
        self.lateNightStartMinute = lateNightStartMinute
        self.lateNightEndMinute = lateNightEndMinute
        self.approvedEarlyStarts = approvedEarlyStarts
    }

    /// The break 労基法34条 requires for `work` minutes of work.
    public static func statutoryBreak(forWork work: Int) -> Int { work > 480 ? 60 : work > 360 ? 45 : 0 }

    /// The most work that `presence` minutes with `inferredBreak` minutes of break outside can be while
    /// the day stays lawful: the largest `w ≤ presence` with `(presence − w) + inferredBreak ≥
    /// statutoryBreak(w)`.
    public static func lawfulWorkMinutes(presence: Int, inferredBreak: Int) -> Int {
        // statutoryBreak is a step function, so the maximum is at `presence` or just below a step.
        let candidates = [presence, presence - max(0, 45 - inferredBreak), presence - max(0, 60 - inferredBreak), 480, 360]
        var best = 0
        for w in candidates where w >= 0 && w <= presence && presence - w + inferredBreak >= statutoryBreak(forWork: w) {
            best = max(best, w)
        }
        return best
    }
}

/// A person on a day: the key for approvals and for joining self-reports with door records.
public struct EmployeeDay: Sendable, Hashable, Codable {
    public var employee: EmployeeID
    public var date: CivilDate
    public init(_ employee: EmployeeID, _ date: CivilDate) {
        self.employee = employee
        self.date = date
    }
}
