import Access
import Foundation

/// A day where the self-report and the door record disagree by more than the margin. The 2017
/// guideline (平29.1.20 基発0120第3号, 4(3)) asks the employer to investigate such a gap and correct the
/// working time where needed; this value is the list to investigate, not a correction.
public struct SelfReportGap: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Start or end differ from the first entry or last exit by more than the margin.
        case differs
        /// Self-reported work with no presence at the door that day.
        case noDoorRecord = "no_door_record"
        /// Presence at the door with no self-report.
        case noSelfReport = "no_self_report"
    }
    public var kind: Kind
    public var employee: EmployeeID
    public var date: CivilDate
    /// First entry minus reported start, in minutes (positive: came in before the reported start).
    public var startDifferenceMinutes: Int?
    /// Last exit minus reported end (positive: left after the reported end).
    public var endDifferenceMinutes: Int?
    public var reportedWorkMinutes: Int?
    public var presenceMinutes: Int?
    /// The line in the self-report file, when there is one.
    public var line: Int?

    public var code: String { "self_report_gap.\(kind.rawValue)" }
    public var ja: String {
        switch kind {
        case .differs: return "\(date): 自己申告と入退場記録の差が大きいため、実態の調査が必要です(入場差 \(startDifferenceMinutes ?? 0)分、退出差 \(endDifferenceMinutes ?? 0)分)。"
        case .noDoorRecord: return "\(date): 自己申告がありますが、入退場記録がありません。"
        case .noSelfReport: return "\(date): 入退場記録がありますが、自己申告がありません。"
        }
    }
    public var en: String {
        switch kind {
        case .differs: return "\(date): the self-report and the door record differ; investigate (entry \(startDifferenceMinutes ?? 0) min, exit \(endDifferenceMinutes ?? 0) min)."
        case .noDoorRecord: return "\(date): work was self-reported but no presence was recorded at the door."
        case .noSelfReport: return "\(date): presence was recorded at the door but nothing was self-reported."
        }
    }
}

public enum SelfReportComparison {
    /// Compares self-reports with presence (the door record, before any scheduled-start rule: the
    /// guideline compares with time in the premises). Days are matched on person and work day; a
    /// self-report whose employee number is not in `employees` is skipped (the import page lists it).
    ///
    /// - Parameters:
    ///   - marginMinutes: a difference of more than this at either end is a gap (default 30).
    ///   - includeUnreported: also list presence days with no self-report.
    public static func gaps(
        reports: [SelfReportedDay], presence: [PresenceDay], employees: [String: EmployeeID],
        marginMinutes: Int = 30, includeUnreported: Bool = false
    ) -> [SelfReportGap] {
        var byDay: [EmployeeDay: PresenceDay] = [:]
        byDay.reserveCapacity(presence.count)
        for p in presence where !p.intervals.isEmpty { byDay[EmployeeDay(p.employee, p.date)] = p }
        var reported: Set<EmployeeDay> = []
        var out: [SelfReportGap] = []
        for r in reports {
            guard let employee = employees[r.employeeNumber] else { continue }
            let key = EmployeeDay(employee, r.date)
            reported.insert(key)
            guard let p = byDay[key], let first = p.intervals.first, let last = p.intervals.last else {
                out.append(SelfReportGap(kind: .noDoorRecord, employee: employee, date: r.date, reportedWorkMinutes: r.reportedWorkMinutes, line: r.line))
                continue
            }
            let midnight = EpochMinute.midnight(r.date)
            let startDiff = (midnight + r.startMinute) - first.startMinute
            let endDiff = last.endMinute - (midnight + r.endMinute)
            if abs(startDiff) > marginMinutes || abs(endDiff) > marginMinutes {
                out.append(SelfReportGap(kind: .differs, employee: employee, date: r.date, startDifferenceMinutes: startDiff,
                                         endDifferenceMinutes: endDiff, reportedWorkMinutes: r.reportedWorkMinutes,
                                         presenceMinutes: p.presenceMinutes, line: r.line))
            }
        }
        if includeUnreported {
            for p in presence where !p.intervals.isEmpty && !reported.contains(EmployeeDay(p.employee, p.date)) {
                out.append(SelfReportGap(kind: .noSelfReport, employee: p.employee, date: p.date, presenceMinutes: p.presenceMinutes))
            }
        }
        return out
    }
}
