import Access
import Foundation

/// A stretch of time inside the workplace, between an entry and the next exit, as epoch minutes
/// (see ``EpochMinute``).
public struct PresenceInterval: Sendable, Hashable, Codable {
    public var startMinute: Int
    public var endMinute: Int
    public init(startMinute: Int, endMinute: Int) {
        self.startMinute = startMinute
        self.endMinute = endMinute
    }
    public init(start: Date, end: Date) { self.init(startMinute: EpochMinute.of(start), endMinute: EpochMinute.of(end)) }
    public var start: Date { EpochMinute.date(startMinute) }
    public var end: Date { EpochMinute.date(endMinute) }
    public var minutes: Int { endMinute - startMinute }
}

/// Something in a day's crossings that needs a person to look at it. Attendance never fills a gap by
/// guessing: an unmatched crossing stays out of working time until a ``Correction`` supplies the other end.
public struct PresenceIssue: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// An entry with no exit after it (forgot to tap out, or still inside when the report was made).
        case missingExit = "missing_exit"
        /// An exit with no entry before it (came in behind someone).
        case missingEntry = "missing_entry"
        /// An entry and exit further apart than ``PresenceRules/maximumIntervalMinutes``: most likely an
        /// exit and an entry both missing in between.
        case overlongInterval = "overlong_interval"
    }
    public var kind: Kind
    /// The crossing the issue is about.
    public var eventID: String
    public var at: Date
    /// Which way that crossing went, where the kind does not say it: an over-long interval is flagged
    /// at both ends, its entry and its exit (``RestBetweenShifts`` reads the exit as a known end of
    /// presence and the entry as a known start).
    public var direction: CrossingDirection?

    public init(kind: Kind, eventID: String, at: Date, direction: CrossingDirection? = nil) {
        self.kind = kind
        self.eventID = eventID
        self.at = at
        self.direction = direction
    }

    /// A stable code for pages and exports.
    public var code: String { kind.rawValue }
    public var ja: String {
        switch kind {
        case .missingExit: return "退出の記録がありません。修正を申請してください。"
        case .missingEntry: return "入場の記録がありません。修正を申請してください。"
        case .overlongInterval: return "入場から退出までが長すぎます。途中の記録が欠けている可能性があります。"
        }
    }
    public var en: String {
        switch kind {
        case .missingExit: return "No exit was recorded. Please request a correction."
        case .missingEntry: return "No entry was recorded. Please request a correction."
        case .overlongInterval: return "Entry and exit are too far apart; crossings in between are probably missing."
        }
    }
}

/// One person's presence on one work day: the day a shift *started* on (a shift continuing past
/// midnight belongs to its start date, 昭63.1.1 基発1号).
public struct PresenceDay: Sendable, Hashable, Codable {
    public var employee: EmployeeID
    /// The work day the presence is attributed to.
    public var date: CivilDate
    /// Closed intervals, in time order. Open ends (see ``issues``) are not included.
    public var intervals: [PresenceInterval]
    public var issues: [PresenceIssue]

    public init(employee: EmployeeID, date: CivilDate, intervals: [PresenceInterval], issues: [PresenceIssue] = []) {
        self.employee = employee
        self.date = date
        self.intervals = intervals
        self.issues = issues
    }

    /// The first entry, if any interval is complete.
    public var firstEntry: Date? { intervals.first?.start }
    /// The last exit, if any interval is complete.
    public var lastExit: Date? { intervals.last?.end }
    /// Minutes inside the workplace.
    public var presenceMinutes: Int { intervals.reduce(0) { $0 + $1.minutes } }
    /// Breaks inferred from an exit followed by a re-entry on the same work day.
    public var breaks: [PresenceInterval] {
        guard intervals.count > 1 else { return [] }
        return (1..<intervals.count).map { PresenceInterval(startMinute: intervals[$0 - 1].endMinute, endMinute: intervals[$0].startMinute) }
    }
    public var breakMinutes: Int {
        guard let f = intervals.first, let l = intervals.last else { return 0 }
        return l.endMinute - f.startMinute - presenceMinutes
    }
    /// Whether the day needs a correction before its working time can be trusted.
    public var needsCorrection: Bool { !issues.isEmpty }
}
