import Access
import Foundation

/// How crossings are grouped into work days.
public struct PresenceRules: Sendable, Hashable, Codable {
    /// An entry on a later calendar date still continues the previous work day when the person was out
    /// for less than this (a break across midnight in a night shift). Longer gaps start a new work day.
    ///
    /// Why: 昭63.1.1 基発1号 — "継続勤務が二暦日にわたる場合には、たとえ暦日を異にする場合でも一勤務として
    /// 取り扱い、当該勤務は始業時刻の属する日の労働として、当該日の「一日」の労働とする". The door record
    /// cannot see "continuous work" directly, so a short absence is treated as a break within the same
    /// shift and a long one as rest between shifts. Default 3 hours.
    public var shiftContinuationMinutes: Int
    /// A complete interval longer than this is not trusted (flagged ``PresenceIssue/Kind/overlongInterval``).
    /// Default 24 hours.
    public var maximumIntervalMinutes: Int
    /// Repeated crossings in the same direction, each less than this after the one before (between their
    /// instants, not their clock minutes), are one crossing, the first (a double tap, or a run of
    /// retries). Default 1 minute.
    public var duplicateWindowMinutes: Int
    /// 勤務間インターバル: a rest between work days shorter than this is flagged
    /// (``RestBetweenShifts``). Default 11 hours; 0 flags nothing.
    public var minimumRestMinutes: Int

    public init(shiftContinuationMinutes: Int = 180, maximumIntervalMinutes: Int = 1440, duplicateWindowMinutes: Int = 1,
                minimumRestMinutes: Int = 660) {
        self.shiftContinuationMinutes = shiftContinuationMinutes
        self.maximumIntervalMinutes = maximumIntervalMinutes
        self.duplicateWindowMinutes = duplicateWindowMinutes
        self.minimumRestMinutes = minimumRestMinutes
    }
}

/// Turns boundary crossings into ``PresenceDay`` values: one pass over time-ordered crossings.
public struct PresenceBuilder: Sendable {
    public var rules: PresenceRules

    public init(rules: PresenceRules = PresenceRules()) { self.rules = rules }

    /// Presence days for everyone in `crossings`, grouped by person in input order, days in date order.
    ///
    /// Fast path: crossings grouped by person and in time order within each person (what
    /// `ORDER BY employee_id, occurred_at` returns) are processed in one pass. Any other order is
    /// sorted first, so the result never depends on the order given.
    public func days(_ crossings: [BoundaryCrossing], corrections: [Correction] = []) -> [PresenceDay] {
        let byEmployee = Dictionary(grouping: corrections, by: \.employee)
        let input = Self.isGrouped(crossings) ? crossings : crossings.sorted {
            $0.employee.rawValue != $1.employee.rawValue ? $0.employee.rawValue < $1.employee.rawValue : $0.instant < $1.instant
        }
        var out: [PresenceDay] = []
        out.reserveCapacity(input.count / 3)
        var start = 0
        var seen: Set<EmployeeID> = []
        while start < input.count {
            let employee = input[start].employee
            var end = start + 1
            while end < input.count, input[end].employee == employee { end += 1 }
            seen.insert(employee)
            let fixes = byEmployee[employee] ?? []
            if fixes.isEmpty {
                build(employee, input[start..<end], into: &out)
            } else {
                build(employee, Correction.apply(fixes, to: Array(input[start..<end]))[...], into: &out)
            }
            start = end
        }
        // People with only corrections (e.g. an entry and an exit added for a day the door missed).
        for (employee, fixes) in byEmployee where !seen.contains(employee) {
            build(employee, Correction.apply(fixes, to: [])[...], into: &out)
        }
        return out
    }

    /// One person's presence days from their crossings (any order).
    public func days(for employee: EmployeeID, crossings: [BoundaryCrossing], corrections: [Correction] = []) -> [PresenceDay] {
        var sorted = crossings.filter { $0.employee == employee }
        sorted.sort { $0.instant < $1.instant }
        var out: [PresenceDay] = []
        build(employee, Correction.apply(corrections.filter { $0.employee == employee }, to: sorted)[...], into: &out)
        return out
    }

    /// Whether `xs` is grouped by person with each person's crossings in time order (the single-pass input).
    public static func isGrouped(_ xs: [BoundaryCrossing]) -> Bool {
        guard xs.count > 1 else { return true }
        var seen: Set<EmployeeID> = [xs[0].employee]
        for i in 1..<xs.count {
            if xs[i].employee == xs[i - 1].employee {
                if xs[i].instant < xs[i - 1].instant { return false }
            } else if !seen.insert(xs[i].employee).inserted {
                return false
            }
        }
        return true
    }

    /// The single pass for one person. `run` is in time order.
    func build(_ employee: EmployeeID, _ run: ArraySlice<BoundaryCrossing>, into out: inout [PresenceDay]) {
        var day: PresenceDay?
        var dayIndex = 0  // days since epoch of `day.date`
        var lastActivity = Int.min  // the latest crossing minute on the current work day
        var open: (minute: Int, crossing: BoundaryCrossing)?
        var previous: BoundaryCrossing?
        var lastTap: Date?  // the latest tap of the current run of same-direction taps

        func place(_ minute: Int) {
            let local = EpochMinute.localDay(minute)
            if day != nil, local == dayIndex || minute - lastActivity < rules.shiftContinuationMinutes { return }
            if let d = day { out.append(d) }
            dayIndex = local
            day = PresenceDay(employee: employee, date: CivilDate(daysSinceEpoch: local), intervals: [])
        }

        for x in run {
            let m = x.epochMinute
            // A double tap: the same direction again within the window of the run's latest tap, measured
            // between instants. Clock minutes split taps across a minute boundary: 8:59:58 and 9:00:03
            // were two entries (a false missing exit). A run of retries (0, 50, 100 s) is one crossing too.
            // The first tap is kept: it is when the person reached the door.
            if let p = previous, p.direction == x.direction, let t = lastTap,
               x.instant.timeIntervalSince(t) < TimeInterval(rules.duplicateWindowMinutes) * 60 {
                lastTap = x.instant
                continue
            }
            previous = x
            lastTap = x.instant
            switch x.direction {
            case .entry:
                if let o = open {
                    day!.issues.append(PresenceIssue(kind: .missingExit, eventID: o.crossing.eventID, at: o.crossing.instant))
                }
                place(m)
                open = (m, x)
                lastActivity = m
            case .exit:
                if let o = open {
                    if m - o.minute > rules.maximumIntervalMinutes {
                        day!.issues.append(PresenceIssue(kind: .overlongInterval, eventID: o.crossing.eventID, at: o.crossing.instant, direction: .entry))
                        place(m)
                        day!.issues.append(PresenceIssue(kind: .overlongInterval, eventID: x.eventID, at: x.instant, direction: .exit))
                    } else {
                        day!.intervals.append(PresenceInterval(startMinute: o.minute, endMinute: m))
                    }
                    open = nil
                } else {
                    place(m)
                    day!.issues.append(PresenceIssue(kind: .missingEntry, eventID: x.eventID, at: x.instant))
                }
                lastActivity = m
            }
        }
        if let o = open {
            day!.issues.append(PresenceIssue(kind: .missingExit, eventID: o.crossing.eventID, at: o.crossing.instant))
        }
        if let d = day { out.append(d) }
    }
}
