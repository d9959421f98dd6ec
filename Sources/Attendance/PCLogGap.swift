import Access
import Foundation

/// A person's day at the PC: from the first logon or unlock to the last logoff or lock.
///
/// The day is the date of its first event, and work past midnight stays on it — as a self-report's
/// end of 26:30 stays on its date, and as the door record's work day does (昭63.1.1 基発1号). An event on
/// a later date continues the day when it ends a stretch still open (a logoff or lock after a logon or
/// unlock, within `maximumMinutes`, the door's longest interval, default 24 h), or when less than
/// `continuationMinutes` passed since the event before (the door's `shiftContinuationMinutes`, default
/// 180) — as an exit closes the door's interval past midnight and a short absence continues the shift.
/// Otherwise it starts a new day.
public struct PCDay: Sendable, Hashable, Codable {
    public var employeeNumber: String
    public var date: CivilDate
    /// Epoch minute of the first logon or unlock; nil when the day has none (only ends).
    public var firstStartMinute: Int?
    /// Epoch minute of the last logoff or lock; nil when the day has none (the PC was never signed off).
    public var lastEndMinute: Int?
    public var events: Int

    /// Groups `events` (any order, any people) into PC days, by employee number and then date.
    public static func days(_ events: [PCLogEvent], continuationMinutes: Int = 180, maximumMinutes: Int = 1440) -> [PCDay] {
        var out: [PCDay] = []
        let byPerson = Dictionary(grouping: events, by: \.employeeNumber)
        for number in byPerson.keys.sorted() {
            guard let own = byPerson[number] else { continue }
            var current: PCDay?
            var lastMinute: Int? = nil, open = false
            for e in own.sorted(by: { ($0.second, $0.kind.rawValue) < ($1.second, $1.kind.rawValue) }) {
                let date = CivilDate(daysSinceEpoch: EpochMinute.localDay(e.minute))
                let pause = lastMinute.map { e.minute - $0 } ?? Int.max
                let closesOpenStretch = open && !e.kind.starts && pause <= maximumMinutes
                if var day = current, date == day.date || closesOpenStretch || pause < continuationMinutes {
                    day.add(e)
                    current = day
                } else {
                    if let day = current { out.append(day) }
                    var day = PCDay(employeeNumber: number, date: date, firstStartMinute: nil, lastEndMinute: nil, events: 0)
                    day.add(e)
                    current = day
                }
                lastMinute = e.minute
                open = e.kind.starts
            }
            if let day = current { out.append(day) }
        }
        return out
    }

    mutating func add(_ e: PCLogEvent) {
        events += 1
        if e.kind.starts {
            if firstStartMinute == nil { firstStartMinute = e.minute }
        } else {
            lastEndMinute = e.minute
        }
    }
}

/// A person-day where the PC shows work outside the door presence or the self-report, or PC work on a
/// day with no door record. The 2017 guideline (平29.1.20 基発0120第3号, 4(3)) asks for an investigation
/// of the real working time (実態調査) when the self-report and objective records — PC usage among them —
/// diverge; this is the list to investigate, never a correction of the working time.
public struct PCLogGap: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// The PC started before the first entry, or ended after the last exit, by more than the margin.
        case outsideDoor = "outside_door"
        /// PC activity on a day with no presence at the door.
        case noDoorRecord = "no_door_record"
        /// The PC started before the reported start, or ended after the reported end, by more than the margin.
        case outsideSelfReport = "outside_self_report"
    }
    public var kind: Kind
    public var employee: EmployeeID
    public var employeeNumber: String
    public var date: CivilDate
    /// Minutes the PC started before the door's first entry or the reported start (positive; nil when not over the margin).
    public var earlyMinutes: Int?
    /// Minutes the PC ended after the door's last exit or the reported end (positive; nil when not over the margin).
    public var lateMinutes: Int?

    public var code: String { "pc_log_gap.\(kind.rawValue)" }

    public var ja: String {
        let early = earlyMinutes.map { "開始が\($0)分早い" }, late = lateMinutes.map { "終了が\($0)分遅い" }
        let detail = [early, late].compactMap { $0 }.joined(separator: "、")
        switch kind {
        case .outsideDoor: return "\(date): PCの使用が入退場記録の外にあります(\(detail))。実態の調査が必要です。"
        case .noDoorRecord: return "\(date): PCの使用がありますが、入退場記録がありません。実態の調査が必要です。"
        case .outsideSelfReport: return "\(date): PCの使用が自己申告の時間の外にあります(\(detail))。実態の調査が必要です。"
        }
    }
    public var en: String {
        let early = earlyMinutes.map { "started \($0) min earlier" }, late = lateMinutes.map { "ended \($0) min later" }
        let detail = [early, late].compactMap { $0 }.joined(separator: ", ")
        switch kind {
        case .outsideDoor: return "\(date): the PC was in use outside the door presence (\(detail)); investigate."
        case .noDoorRecord: return "\(date): the PC was in use but no presence was recorded at the door; investigate."
        case .outsideSelfReport: return "\(date): the PC was in use outside the self-reported hours (\(detail)); investigate."
        }
    }
}

public enum PCLogComparison {
    /// The PC days of the month compared with presence and self-reports, matched on person and work day.
    ///
    /// A PC start more than `marginMinutes` before the door's first entry (or the reported start), or a
    /// PC end more than that after the last exit (or the reported end), is a gap; exactly the margin is
    /// not. A PC day with no door presence is `no_door_record` (and still compared with its self-report).
    /// Presence is the door record before any scheduled-start rule, as the self-report gap uses it. A PC
    /// day whose employee number is not in `employees` is skipped (the import names such lines).
    public static func gaps(
        pcDays: [PCDay], presence: [PresenceDay], reports: [SelfReportedDay], employees: [String: EmployeeID], marginMinutes: Int = 30
    ) -> [PCLogGap] {
        var door: [EmployeeDay: PresenceDay] = [:]
        for p in presence where !p.intervals.isEmpty { door[EmployeeDay(p.employee, p.date)] = p }
        var reported: [EmployeeDay: SelfReportedDay] = [:]
        for r in reports { if let id = employees[r.employeeNumber] { reported[EmployeeDay(id, r.date)] = r } }
        var out: [PCLogGap] = []
        for pc in pcDays {
            guard let id = employees[pc.employeeNumber] else { continue }
            let key = EmployeeDay(id, pc.date)
            func gap(_ kind: PCLogGap.Kind, start: Int?, end: Int?) {
                // Early: the PC started before `start`; late: it ended after `end`. Only what exceeds the margin.
                let early = zip2(pc.firstStartMinute, start).map { $1 - $0 }.flatMap { $0 > marginMinutes ? $0 : nil }
                let late = zip2(pc.lastEndMinute, end).map { $0 - $1 }.flatMap { $0 > marginMinutes ? $0 : nil }
                if early != nil || late != nil {
                    out.append(PCLogGap(kind: kind, employee: id, employeeNumber: pc.employeeNumber, date: pc.date, earlyMinutes: early, lateMinutes: late))
                }
            }
            if let p = door[key], let first = p.intervals.first, let last = p.intervals.last {
                gap(.outsideDoor, start: first.startMinute, end: last.endMinute)
            } else {
                out.append(PCLogGap(kind: .noDoorRecord, employee: id, employeeNumber: pc.employeeNumber, date: pc.date))
            }
            if let r = reported[key] {
                let midnight = EpochMinute.midnight(r.date)
                gap(.outsideSelfReport, start: midnight + r.startMinute, end: midnight + r.endMinute)
            }
        }
        return out
    }

    private static func zip2(_ a: Int?, _ b: Int?) -> (Int, Int)? {
        guard let a, let b else { return nil }
        return (a, b)
    }
}
