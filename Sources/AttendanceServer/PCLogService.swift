import Access
import Attendance
import Audit
import Fluent
import Foundation
import Store
import Vapor
import ServerCore

// PC logs beside the door record (issue 20 item 4). The 2017 guideline (労働時間の適正な把握のために使用者が
// 講ずべき措置に関するガイドライン, 平29.1.20 基発0120第3号) names PC usage records as an objective record and,
// in 4(3), asks for an investigation of the real working time (実態調査) where the self-report and the
// objective records diverge. The events are stored as imported; the gaps are computed per month
// (`Attendance.PCLogComparison`); each flagged person-day-kind gets one investigation task.
extension AttendanceService {
    public struct PCLogImportResult: Content, Sendable {
        /// Lines read as events (new or already stored).
        public var events: Int
        /// Events the import added: 0 when the same file is imported again.
        public var added: Int
        /// Investigation tasks opened for the months the file touches.
        public var tasksOpened: Int
        public var encoding: String?
        public var errors: [PCLogLineErrorDTO]
    }
    /// A bad line: its number and reason, never its text (``PCLogLineError``).
    public typealias PCLogLineErrorDTO = LineErrorDTO

    /// Reads a PC log and stores its good lines with one record (`attendance.pc_log.imported`, the counts
    /// only) in one transaction; an event already stored (same person, instant and event) is left as it
    /// is. A file that is neither UTF-8 nor Shift_JIS is refused (422) and nothing is written. A line
    /// naming an employee number no one has is a line error. Then the report of each month the file
    /// touches is generated, which opens its tasks (``openPCLogTasks(_:by:)``, a write of its own: the
    /// events stay stored if it fails, and generating the report again opens the same tasks).
    public func importPCLog(_ data: Data, by actor: String) async throws -> PCLogImportResult {
        let parsed = PCLogCSV.parse(data)
        guard parsed.encoding != nil else { throw Abort(.unprocessableEntity, reason: "the file is neither UTF-8 nor Shift_JIS") }
        var result = try await audited { tx in
            // Inside the write: the employees and the stored events are read from the transaction that stores the lines.
            let known = Set(try await EmployeeModel.query(on: tx).field(\.$employeeNumber).all().map(\.employeeNumber))
            var errors = parsed.errors
            var good: [PCLogEvent] = []
            for (e, line) in zip(parsed.events, parsed.lines) {
                // The PC's name is stored: a column that holds a My Number by mistake (a misaligned export)
                // or a control character (PostgreSQL refuses U+0000) is a bad line, never stored.
                if !e.pc.isEmpty, FreeText.containsNumberRun(e.pc) || e.pc.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                    errors.append(PCLogLineError(line: line, reason: .pcName))
                } else if known.contains(e.employeeNumber) { good.append(e) } else { errors.append(PCLogLineError(line: line, reason: .unknownEmployee)) }
            }
            errors.sort { $0.line < $1.line }
            let now = Date()
            var added = 0
            for e in good {
                let stored = try await PCLogEventModel.query(on: tx).filter(\.$employeeNumber == e.employeeNumber)
                    .filter(\.$second == e.second).filter(\.$event == e.kind.rawValue).count()
                if stored > 0 { continue }
                let m = PCLogEventModel()
                m.id = UUID()
                m.employeeNumber = e.employeeNumber
                m.second = e.second
                m.event = e.kind.rawValue
                m.pc = e.pc
                m.date = CivilDate(daysSinceEpoch: EpochMinute.localDay(e.minute)).description
                m.importedBy = actor
                m.importedAt = now
                try await m.create(on: tx)
                added += 1
            }
            let result = PCLogImportResult(events: good.count, added: added, tasksOpened: 0, encoding: parsed.encoding,
                                           errors: errors.map(PCLogLineErrorDTO.init))
            return (result, [AuditDraft(kind: "attendance.pc_log.imported", actor: actor, subject: "attendance",
                                        details: ["events": String(good.count), "added": String(added), "errors": String(errors.count)])])
        }
        if result.events > 0 {
            let months = Set(parsed.events.map { YearMonth(CivilDate(daysSinceEpoch: EpochMinute.localDay($0.minute))) })
            let context = try await context()
            for month in months.sorted(by: { ($0.year, $0.month) < ($1.year, $1.month) }) {
                result.tasksOpened += try await openPCLogTasks(try await pcLogGaps(month, context: context), by: actor)
            }
        }
        return result
    }

    /// The PC days of `month` compared with the door presence and the self-reports
    /// (``PCLogComparison/gaps(pcDays:presence:reports:employees:marginMinutes:)``), by date and number.
    /// A stored event that no longer reads stops the report (``UnreadablePCLogRow``), never skipped.
    public func pcLogGaps(_ month: YearMonth, context: AttendanceContext) async throws -> [PCLogGap] {
        // The day before and after: a PC day runs past midnight, and the month's first day may continue
        // the night before (then it is not this month's).
        let rows = try await PCLogEventModel.query(on: db)
            .filter(\.$date >= month.firstDay.adding(days: -1).description).filter(\.$date <= month.lastDay.adding(days: 1).description).all()
        guard !rows.isEmpty else { return [] }
        let rules = context.presenceRules
        let pcDays = PCDay.days(try rows.map { try $0.value() }, continuationMinutes: rules.shiftContinuationMinutes, maximumMinutes: rules.maximumIntervalMinutes)
            .filter { $0.date >= month.firstDay && $0.date <= month.lastDay }
        let numbers = Set(pcDays.map(\.employeeNumber))
        let people = try await self.people().filter { numbers.contains($0.number) }
        guard !people.isEmpty else { return [] }
        let presence = try await report(month, people: people, context: context).report.presence
        let reports = try await AttendanceSelfReportModel.query(on: db).filter(\.$employeeNumber ~~ Array(numbers))
            .filter(\.$date >= month.firstDay.description).filter(\.$date <= month.lastDay.description).all()
            .map { m -> SelfReportedDay in
                guard let d = m.day else { throw UnreadablePCLogRow(table: AttendanceSelfReportModel.schema, field: "date") }
                return d
            }
        let byNumber = Dictionary(people.map { ($0.number, $0.id) }, uniquingKeysWith: { a, _ in a })
        return PCLogComparison.gaps(pcDays: pcDays, presence: presence, reports: reports, employees: byNumber,
                                    marginMinutes: context.settings.pcLogMarginMinutes)
            .sorted { ($0.date, $0.employeeNumber, $0.kind.rawValue) < ($1.date, $1.employeeNumber, $1.kind.rawValue) }
    }

    /// Opens a task for each gap whose person, day and kind has none yet (open or resolved: a resolved
    /// investigation is not reopened by the same gap), with one `attendance.pc_log.tasks_opened` record
    /// (the count). Writes nothing when every gap already has its task; returns how many it opened.
    public func openPCLogTasks(_ gaps: [PCLogGap], by actor: String) async throws -> Int {
        guard !gaps.isEmpty else { return 0 }
        // A report viewed again finds every task there and writes nothing (no record per page view).
        guard try await !Self.untasked(gaps, on: db).isEmpty else { return 0 }
        return try await audited { tx in
            // Again inside the write, which may run after another report opened some of them.
            let new = try await Self.untasked(gaps, on: tx)
            let now = Date()
            for g in new {
                let m = PCLogTaskModel()
                m.id = UUID()
                m.employeeNumber = g.employeeNumber
                m.date = g.date.description
                m.kind = g.kind.rawValue
                m.status = "open"
                m.openedAt = now
                try await m.create(on: tx)
            }
            // Another report may have opened them all meanwhile: then nothing is recorded.
            return (new.count, new.isEmpty ? [] : [AuditDraft(kind: "attendance.pc_log.tasks_opened", actor: actor, subject: "attendance",
                                                               details: ["opened": String(new.count)])])
        }
    }

    /// The gaps whose person, day and kind has no task yet.
    static func untasked(_ gaps: [PCLogGap], on db: any Database) async throws -> [PCLogGap] {
        guard let first = gaps.map(\.date).min(), let last = gaps.map(\.date).max() else { return [] }
        let have = Set(try await PCLogTaskModel.query(on: db)
            .filter(\.$date >= first.description).filter(\.$date <= last.description).all()
            .map { "\($0.employeeNumber)\u{0}\($0.date)\u{0}\($0.kind)" })
        return gaps.filter { !have.contains("\($0.employeeNumber)\u{0}\($0.date)\u{0}\($0.kind.rawValue)") }
    }

    /// Tasks with `status` (nil: all), by date and employee number.
    public func pcLogTasks(status: String?) async throws -> [PCLogTaskModel] {
        var q = PCLogTaskModel.query(on: db)
        if let status { q = q.filter(\.$status == status) }
        return try await q.sort(\.$date).sort(\.$employeeNumber).sort(\.$kind).all()
    }

    /// Resolves an open task with the investigation's note (already checked by ``FreeText/check(_:field:max:)``),
    /// recorded as `attendance.pc_log.task_resolved` (the task and the note's length, not its text).
    /// 404 for no such task, 409 when it is already resolved.
    public func resolvePCLogTask(_ id: UUID, note: String, by actor: String) async throws -> PCLogTaskModel {
        try await audited { tx in
            guard let m = try await PCLogTaskModel.find(id, on: tx) else {
                throw APIError(.notFound, code: "not_found", ja: "その調査タスクはありません。", en: "No such investigation task.")
            }
            guard m.status == "open" else {
                throw APIError(.conflict, code: "already_resolved", ja: "この調査タスクはすでに完了しています。", en: "This investigation task is already resolved.")
            }
            m.status = "resolved"
            m.note = note
            m.resolvedBy = actor
            m.resolvedAt = Date()
            try await m.save(on: tx)
            return (m, [AuditDraft(kind: "attendance.pc_log.task_resolved", actor: actor, subject: "attendance",
                                   details: ["task": id.uuidString, "date": m.date, "kind": m.kind, "noteLength": String(note.count)])])
        }
    }
}
