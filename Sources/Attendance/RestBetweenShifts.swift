import Access
import Foundation

/// 勤務間インターバル: the rest between the end of one work day and the start of the next.
///
/// Why: 労働時間等の設定の改善に関する特別措置法 2条1項 (as amended by the 働き方改革関連法, in force
/// 1 April 2019) asks employers to endeavour to secure rest between the end of work and the start of the
/// next day's work (努力義務, no penalty). The law sets no length. The 厚生労働省 subsidy for introducing
/// the system (働き方改革推進支援助成金 勤務間インターバル導入コース) counts rests of 9 hours or more and
/// pays its higher tier from 11 hours (as summarised by 社会保険労務士 offices, e.g. nssr-office.com,
/// 2025); 11 hours is the default here, configurable. A day whose rest falls short is flagged so that
/// someone looks at it — nothing is refused.
///
/// Measured from the door record: from the last crossing of the previous work day to the first crossing
/// of this one, in whole minutes (the same epoch minutes as the presence intervals). Presence before a
/// scheduled start that is not counted as work still ends the rest: the person was on the premises.
/// Where either end is a crossing whose other half is missing (the previous day ends with an entry
/// that has no exit, or this day starts with an exit that has no entry), the rest is not measured — it
/// would be a guess — and the missing crossing is already flagged for correction.
public struct RestBetweenShifts: Sendable, Hashable, Codable {
    public var employee: EmployeeID
    /// The work day the rest leads into.
    public var date: CivilDate
    /// Minutes from the previous work day's last crossing to this day's first; `nil` when an end is not
    /// known (see the type's description) or there is no earlier work day in the data.
    public var restMinutes: Int?
    /// How far the rest falls short of the minimum (0 when it does not, or is not measured).
    public var shortfallMinutes: Int

    public init(employee: EmployeeID, date: CivilDate, restMinutes: Int?, shortfallMinutes: Int) {
        self.employee = employee
        self.date = date
        self.restMinutes = restMinutes
        self.shortfallMinutes = shortfallMinutes
    }

    /// The rest before each work day in `days` (grouped by person, dates ascending within a person, as
    /// ``PresenceBuilder/days(_:corrections:)`` returns them) against `minimumMinutes` (0: nothing is
    /// ever short). A person's first day in `days` has no earlier day to measure from. With `keeping`,
    /// only the days in that range are returned (every day is still read, for the day before it).
    public static func measure(_ days: [PresenceDay], minimumMinutes: Int, keeping: ClosedRange<CivilDate>? = nil) -> [EmployeeDay: RestBetweenShifts] {
        var out: [EmployeeDay: RestBetweenShifts] = [:]
        out.reserveCapacity(days.count)
        var previous: PresenceDay?
        for day in days {
            if let p = previous, p.employee != day.employee { previous = nil }
            defer { previous = day }
            if let keeping, !keeping.contains(day.date) { continue }
            var rest: Int?
            if let p = previous, let end = lastKnownPresence(p), let start = firstKnownPresence(day) {
                rest = start - end
            }
            let shortfall = rest.map { max(0, minimumMinutes - $0) } ?? 0
            out[EmployeeDay(day.employee, day.date)] = RestBetweenShifts(employee: day.employee, date: day.date, restMinutes: rest, shortfallMinutes: shortfall)
        }
        return out
    }

    /// The epoch minute of the day's first crossing, when it is one whose time begins presence: the start
    /// of a complete interval, an entry without an exit, or an over-long interval's entry (the person
    /// was there then). `nil` when the first crossing is an exit without an entry or an over-long
    /// interval's exit (they came in earlier, nobody knows when). In a tie within the minute the issue
    /// decides, so an unknown start is never hidden behind a known one.
    static func firstKnownPresence(_ day: PresenceDay) -> Int? {
        var first = day.intervals.first.map { (minute: $0.startMinute, known: true) }
        for issue in day.issues {
            let m = EpochMinute.of(issue.at)
            let known = issue.kind == .missingExit || (issue.kind == .overlongInterval && issue.direction == .entry)
            if first.map({ m <= $0.minute }) ?? true, !(first.map({ m == $0.minute && !$0.known }) ?? false) { first = (m, known) }
        }
        guard let first, first.known else { return nil }
        return first.minute
    }

    /// The epoch minute of the day's last crossing, when it is one whose time ends presence: the end of a
    /// complete interval, an exit without an entry, or an over-long interval's exit. `nil` when the day
    /// ends with an entry that has no exit or an over-long interval's entry (they left later, nobody
    /// knows when). In a tie within the minute the issue decides, as above.
    static func lastKnownPresence(_ day: PresenceDay) -> Int? {
        var last = day.intervals.last.map { (minute: $0.endMinute, known: true) }
        for issue in day.issues {
            let m = EpochMinute.of(issue.at)
            let known = issue.kind == .missingEntry || (issue.kind == .overlongInterval && issue.direction == .exit)
            if last.map({ m >= $0.minute }) ?? true, !(last.map({ m == $0.minute && !$0.known }) ?? false) { last = (m, known) }
        }
        guard let last, last.known else { return nil }
        return last.minute
    }
}
