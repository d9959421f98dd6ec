import Access
import Attendance
import Audit
import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Store
import Vapor
import ServerCore

/// Attendance for the API, the pages and the command line: storage in, `Attendance` values out.
///
/// A value holding what it works with: the database, and the event writer that records its changes in
/// the same transaction. The API and the pages take one per request (`Request.attendance`); the
/// command line and the tests make one over a database (`events: nil`: changes are recorded straight
/// through the event log's store). Nothing here reads a request.
public struct AttendanceService: Sendable {
    /// Where attendance is read and written.
    public let db: any Database
    /// The server's event writer (it flushes queued door decisions first and shows a failing log on
    /// `/health`); nil for a tool working on the database alone.
    public let events: EventWriter?

    public init(db: any Database, events: EventWriter?) {
        self.db = db
        self.events = events
    }

    /// The rules and calendar in force (``AttendanceContext/load(on:)``).
    public func context() async throws -> AttendanceContext { try await AttendanceContext.load(on: db) }

    /// Runs `write` and appends its records in one transaction (see ``events``).
    func audited<T: Sendable>(_ write: @escaping @Sendable (any Database) async throws -> (T, [AuditDraft])) async throws -> T {
        if let events { return try await events.writeAudited(write) }
        let value = NIOLockedValueBox<T?>(nil)
        _ = try await AuditStore(db: db).append(building: { tx in
            let (v, drafts) = try await write(tx)
            value.withLockedValue { $0 = v }
            return drafts
        })
        guard let v = value.withLockedValue({ $0 }) else { throw Abort(.internalServerError, reason: "the change was written but its result was lost") }
        return v
    }

    /// A person as attendance shows them.
    public struct Person: Sendable, Hashable {
        public var uuid: UUID
        public var id: EmployeeID
        public var number: String
        public var name: String
        public var department: String

        public init(uuid: UUID, id: EmployeeID, number: String, name: String, department: String) {
            self.uuid = uuid
            self.id = id
            self.number = number
            self.name = name
            self.department = department
        }
    }

    /// Everyone (or one department, or one person), by employee number.
    public func people(department: String? = nil, employee: UUID? = nil) async throws -> [Person] {
        var q = EmployeeModel.query(on: db)
        if let department { q = q.filter(\.$department == department) }
        if let employee { q = q.filter(\.$id == employee) }
        return try await q.sort(\.$employeeNumber).all().compactMap { m in
            guard let id = m.id else { return nil }
            return Person(uuid: id, id: EmployeeID(rawValue: id.uuidString), number: m.employeeNumber, name: m.name, department: m.department)
        }
    }

    /// Department names in use.
    public func departments() async throws -> [String] {
        Array(Set(try await EmployeeModel.query(on: db).field(\.$department).all().map(\.department))).sorted()
    }

    /// A month's report for `people` (everyone when `nil`), with the crossings read and the corrections
    /// applied. Returns the crossings too (the pages show them beside the corrections).
    public func report(_ month: YearMonth, people: [Person]?, context: AttendanceContext) async throws -> (report: MonthReport, crossings: [BoundaryCrossing], corrections: [Correction]) {
        let window = MonthReport.eventWindow(for: month, calendar: context.calendar)
        let names: [Int: EmployeeID]
        var persons: [Int]?
        if let people {
            names = try await AttendanceStore.people(employees: people.map(\.id.rawValue), on: db)
            persons = names.keys.sorted()
        } else {
            names = try await AttendanceReader.names(on: db)
        }
        // Imported history never mixes with MynaGate's own crossings in one day (ImportedHistory).
        let crossings = ImportedHistory.preferOwn(try await AttendanceReader.crossings(from: EpochMinute.of(window.from), until: EpochMinute.of(window.until),
                                                                                        persons: persons, names: names, on: db))
        let corrections = try await self.corrections(employees: people.map { $0.map(\.id.rawValue) }, from: window.from, until: window.until)
        let report = await Self.monthReport(month, crossings: crossings, corrections: corrections, context: context)
        return (report, crossings, corrections)
    }

    /// ``MonthReport`` on every core. The crossings come grouped by person, so they split at person
    /// boundaries into parts that are computed concurrently and merged; a person's days never straddle
    /// two parts, and each correction goes with its person's part (people with only corrections, with
    /// the last, where the single call puts them too: the order of days is the same). Below 100,000 crossings it is one call.
    public static func monthReport(_ month: YearMonth, crossings: [BoundaryCrossing], corrections: [Correction], context: AttendanceContext) async -> MonthReport {
        let parts = min(ProcessInfo.processInfo.activeProcessorCount, crossings.count / 100_000)
        guard parts > 1, PresenceBuilder.isGrouped(crossings) else {
            return MonthReport(month: month, crossings: crossings, corrections: corrections, calendar: context.calendar,
                               rules: context.rules, presenceRules: context.presenceRules)
        }
        var bounds = [0]
        for k in 1..<parts {
            var i = max(bounds[bounds.count - 1], crossings.count * k / parts)
            while i < crossings.count, i > 0, crossings[i].employee == crossings[i - 1].employee { i += 1 }
            bounds.append(i)
        }
        bounds.append(crossings.count)
        var partOf: [EmployeeID: Int] = [:]
        for k in 0..<parts where bounds[k] < bounds[k + 1] {
            for i in bounds[k]..<bounds[k + 1] where i == bounds[k] || crossings[i].employee != crossings[i - 1].employee { partOf[crossings[i].employee] = k }
        }
        var fixes = [[Correction]](repeating: [], count: parts)
        for c in corrections { fixes[partOf[c.employee] ?? parts - 1].append(c) }
        let (calendar, rules, presenceRules) = (context.calendar, context.rules, context.presenceRules)
        let results = await withTaskGroup(of: (Int, MonthReport).self) { group in
            for k in 0..<parts {
                let slice = Array(crossings[bounds[k]..<bounds[k + 1]]), own = fixes[k]
                group.addTask { (k, MonthReport(month: month, crossings: slice, corrections: own, calendar: calendar, rules: rules, presenceRules: presenceRules)) }
            }
            var out: [(Int, MonthReport)] = []
            for await r in group { out.append(r) }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
        var merged = results[0]
        for r in results.dropFirst() {
            merged.days += r.days
            merged.presence += r.presence
            // Each person is in one part only, so their rests come from that part whole.
            merged.rests.merge(r.rests) { a, _ in a }
            merged.totals.merge(r.totals) { a, b in a + b }
        }
        return merged
    }

    /// Corrections that may touch the window: additions and moves to a time near it, and every void or
    /// move of an event (there are few; applying one whose event is not in the month changes nothing).
    func corrections(employees: [String]?, from: Date, until: Date) async throws -> [Correction] {
        var q = AttendanceCorrectionModel.query(on: db)
        if let employees {
            if employees.isEmpty { return [] }
            q = q.filter(\.$employeeID ~~ employees)
        }
        q = q.group(.or) { g in
            g.filter(\.$action == "void")
            g.group(.and) { a in
                a.filter(\.$at >= from.addingTimeInterval(-86_400 * 2))
                a.filter(\.$at <= until.addingTimeInterval(86_400 * 2))
            }
            g.filter(\.$action == "move")
        }
        return try await q.sort(\.$madeAt).all().compactMap(\.correction)
    }

    /// The figures of each month from `first` to `last` per person, for the 36協定 checks: kept figures
    /// where they are current, else computed (and kept when computed for everyone), see ``MonthFiguresCache``.
    public func history(_ people: [Person], from first: YearMonth, through last: YearMonth, context: AttendanceContext) async throws -> [EmployeeID: [YearMonth: MonthFigures]] {
        var out: [EmployeeID: [YearMonth: MonthFigures]] = [:]
        guard first <= last else { return out }
        let everyone = try await MonthFiguresCache.computesEveryone(for: people, on: db)
        var m = first
        while m <= last {
            for (e, f) in try await MonthFiguresCache.figures(m, people: people, everyone: everyone, context: context, on: db) { out[e, default: [:]][m] = f }
            m = m.adding(months: 1)
        }
        return out
    }

    /// The months the checks of `month` read: the agreement year so far and the five months before.
    static func checkedRange(_ month: YearMonth, agreement: Agreement36) -> YearMonth {
        min(month.agreementYearStart(startMonth: agreement.yearStartMonth), month.adding(months: -5))
    }

    /// How many months before `month` its checks read.
    public static func checkedMonths(_ month: YearMonth, agreement: Agreement36) -> Int {
        let first = checkedRange(month, agreement: agreement)
        return (month.year - first.year) * 12 + month.month - first.month
    }

    /// Today in Japan.
    public static var today: CivilDate { JapanTime(Date()).date }

    /// The 36協定 alerts of `month` for `people`, given this month's report; earlier months are computed.
    /// For the current month, a forecast from the work days elapsed is added.
    public func alerts(_ month: YearMonth, people: [Person], current: MonthReport, context: AttendanceContext) async throws -> [EmployeeID: [AgreementAlert]] {
        guard !people.isEmpty else { return [:] }
        var history = try await self.history(people, from: Self.checkedRange(month, agreement: context.agreement), through: month.adding(months: -1), context: context)
        for (e, t) in current.totals { history[e, default: [:]][month] = MonthFigures(t) }
        let checker = Agreement36Checker(agreement: context.agreement)
        let today = Self.today
        // 年次有給休暇 (AnnualLeaveService): grants short of 5 days near or past their deadline.
        let leave = try await leaveAlerts(month, people: people, context: context)
        var out: [EmployeeID: [AgreementAlert]] = [:]
        for p in people {
            let h = history[p.id] ?? [:]
            var forecast: MonthFigures?
            if YearMonth(today) == month, let now = h[month] {
                forecast = Forecast.linear(now, month: month, through: today, calendar: context.calendar)
            }
            var a = checker.check(h, month: month, forecast: forecast)
            // 勤務間インターバル: the month's days whose rest fell short, one warning (an effort duty, not a limit).
            if let short = current.totals[p.id]?.restShortfallDays, short > 0 {
                a.append(AgreementAlert(code: .restInterval, severity: .warning, month: month, windowMonths: nil,
                                        valueMinutes: short, limitMinutes: context.presenceRules.minimumRestMinutes))
            }
            a += leave[p.id] ?? []
            if !a.isEmpty { out[p.id] = a.sorted { $0.severity > $1.severity } }
        }
        return out
    }

    // MARK: Corrections

    public struct CorrectionInput: Content, Sendable {
        public var employeeId: UUID
        /// add, move or void
        public var action: String
        /// add: in or out
        public var direction: String?
        /// add, move: the time
        public var at: Date?
        /// move, void: the crossing's event id (as shown in the month's crossings)
        public var eventId: String?
        public var reason: String
    }

    /// Stores a correction after checking it; the door events are not touched.
    /// Adds a correction and its event-log record (`attendance.corrected`) in one transaction
    /// (``EventWriter/writeAudited(_:)``): a correction never changes working time without the record of
    /// who made it and why, and a record never names a correction that was not saved.
    public func addCorrection(_ input: CorrectionInput, by actor: String) async throws -> AttendanceCorrectionModel {
        try await audited { tx in
            let m = try await Self.addCorrection(input, by: actor, on: tx)
            return (m, [AuditDraft(kind: "attendance.corrected", actor: actor, subject: "employee:\(m.employeeID)",
                                   details: ["action": m.action, "correction": m.id?.uuidString.lowercased() ?? "", "event": m.eventID ?? ""])])
        }
    }

    /// The correction alone, on `db` (inside the audited write above).
    static func addCorrection(_ input: CorrectionInput, by actor: String, on db: any Database) async throws -> AttendanceCorrectionModel {
        let reason = input.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, input.reason.schemaLength <= 500 else { throw Abort(.unprocessableEntity, reason: "a reason (1–500 characters) is required") }
        guard try await EmployeeModel.find(input.employeeId, on: db) != nil else { throw Abort(.notFound, reason: "no such employee") }
        let m = AttendanceCorrectionModel()
        m.id = UUID()
        m.employeeID = input.employeeId.uuidString
        m.correctedBy = actor
        m.reason = reason
        m.madeAt = Date()
        // The months whose figures this correction changes: around its time, and around the event's.
        var touched: Set<YearMonth> = []
        switch input.action {
        case "add":
            guard let d = input.direction.flatMap(CrossingDirection.init(rawValue:)), let at = input.at else {
                throw Abort(.unprocessableEntity, reason: "add needs direction (in or out) and at")
            }
            // An added crossing names no event; an eventId sent with it is refused, not ignored.
            guard input.eventId == nil else { throw Abort(.unprocessableEntity, reason: "add takes no eventId") }
            m.action = "add"
            m.direction = d.rawValue
            m.at = at
        case "move", "void":
            // The event id is never repeated in a reason: a My Number typed here would come back (ContractRegressionTests).
            // Negative: a crossing imported from the previous system, corrected like any other.
            guard let e = input.eventId, let seq = Int64(e), seq != 0 else { throw Abort(.unprocessableEntity, reason: "\(input.action) needs eventId") }
            guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
            // The event must be a crossing of this person.
            let names = try await AttendanceStore.personNumbers(for: [input.employeeId.uuidString], on: sql)
            let found = try await sql.raw("SELECT minute FROM \(ident: AttendanceStore.crossingsTable) WHERE event = \(bind: seq) AND person = \(bind: names[input.employeeId.uuidString] ?? -1)").all()
            guard let row = found.first else { throw Abort(.unprocessableEntity, reason: "eventId is not a crossing of this employee") }
            touched.formUnion(AttendanceMonthStore.months(touchedAt: try row.decode(column: "minute", as: Int.self)))
            m.action = input.action
            m.eventID = String(seq)
            if input.action == "move" {
                guard let at = input.at else { throw Abort(.unprocessableEntity, reason: "move needs at") }
                m.at = at
            }
        default:
            throw Abort(.unprocessableEntity, reason: "action is add, move or void")
        }
        if let at = m.at { touched.formUnion(AttendanceMonthStore.months(touchedAt: EpochMinute.of(at))) }
        let months = touched
        try await db.transaction { tx in
            try await m.create(on: tx)
            if let sql = tx as? any SQLDatabase { try await AttendanceMonthStore.touch(months, on: sql) }
        }
        return m
    }

    // MARK: Self-reports

    public struct ImportResult: Content, Sendable {
        public var imported: Int
        public var encoding: String?
        public var errors: [LineError]
        public var unknownEmployees: [String]
    }
    public struct LineError: Content, Sendable {
        public var line: Int
        public var reason: String
        public var text: String
        public var ja: String
        public var en: String
    }

    /// Reads a self-report CSV and stores its good lines (a line for a person and day already stored
    /// replaces it); bad lines are reported, one error each.
    /// Imports a self-report file with its record (`attendance.self_reports.imported`, the counts) in one
    /// transaction. A file that is neither UTF-8 nor Shift_JIS is refused (422) and nothing is written.
    public func importSelfReports(_ data: Data, by actor: String) async throws -> ImportResult {
        try await audited { tx in
            let result = try await Self.importSelfReports(data, by: actor, on: tx)
            guard result.encoding != nil else { throw Abort(.unprocessableEntity, reason: "the file is neither UTF-8 nor Shift_JIS") }
            return (result, [AuditDraft(kind: "attendance.self_reports.imported", actor: actor, subject: "attendance",
                                        details: ["imported": String(result.imported), "errors": String(result.errors.count)])])
        }
    }

    /// The import alone, on `db` (inside the audited write above).
    static func importSelfReports(_ data: Data, by actor: String, on db: any Database) async throws -> ImportResult {
        let parsed = SelfReportCSV.parse(data)
        let known = Set(try await EmployeeModel.query(on: db).field(\.$employeeNumber).all().map(\.employeeNumber))
        let good = parsed.days.filter { known.contains($0.employeeNumber) }
        let unknown = Array(Set(parsed.days.map(\.employeeNumber)).subtracting(known)).sorted()
        let now = Date()
        // `db` is the audited write's transaction; Fluent runs a nested transaction on it as part of it.
        try await db.transaction { tx in
            for d in good {
                try await AttendanceSelfReportModel.query(on: tx).filter(\.$employeeNumber == d.employeeNumber).filter(\.$date == d.date.description).delete()
                let m = AttendanceSelfReportModel()
                m.id = UUID()
                m.employeeNumber = d.employeeNumber
                m.date = d.date.description
                m.startMinute = d.startMinute
                m.endMinute = d.endMinute
                m.breakMinutes = d.breakMinutes
                m.line = d.line
                m.importedAt = now
                m.importedBy = actor
                try await m.create(on: tx)
            }
        }
        return ImportResult(imported: good.count, encoding: parsed.encoding,
                            errors: parsed.errors.map { LineError(line: $0.line, reason: $0.reason.rawValue, text: $0.text, ja: $0.ja, en: $0.en) },
                            unknownEmployees: unknown)
    }

    public struct GapRow: Content, Sendable {
        public var employeeId: String
        public var employeeNumber: String
        public var name: String
        public var date: String
        public var kind: String
        public var code: String
        public var startDifferenceMinutes: Int?
        public var endDifferenceMinutes: Int?
        public var reportedWorkMinutes: Int?
        public var presenceMinutes: Int?
        public var line: Int?
        public var ja: String
        public var en: String
    }

    /// Days of `month` where the self-report and the door record differ by more than the margin.
    public func gaps(_ month: YearMonth, context: AttendanceContext) async throws -> [GapRow] {
        let reports = try await AttendanceSelfReportModel.query(on: db)
            .filter(\.$date >= month.firstDay.description).filter(\.$date <= month.lastDay.description).all().compactMap(\.day)
        guard !reports.isEmpty else { return [] }
        let numbers = Set(reports.map(\.employeeNumber))
        let people = try await self.people().filter { numbers.contains($0.number) }
        let r = try await report(month, people: people, context: context).report
        let byNumber = Dictionary(people.map { ($0.number, $0.id) }, uniquingKeysWith: { a, _ in a })
        let byID = Dictionary(people.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return SelfReportComparison.gaps(reports: reports, presence: r.presence, employees: byNumber, marginMinutes: context.settings.selfReportMarginMinutes)
            .sorted { ($0.date, byID[$0.employee]?.number ?? "") < ($1.date, byID[$1.employee]?.number ?? "") }
            .map { g in
                GapRow(employeeId: g.employee.rawValue, employeeNumber: byID[g.employee]?.number ?? "", name: byID[g.employee]?.name ?? "",
                       date: g.date.description, kind: g.kind.rawValue, code: g.code, startDifferenceMinutes: g.startDifferenceMinutes,
                       endDifferenceMinutes: g.endDifferenceMinutes, reportedWorkMinutes: g.reportedWorkMinutes, presenceMinutes: g.presenceMinutes,
                       line: g.line, ja: g.ja, en: g.en)
            }
    }

    // MARK: Payroll

    /// One row per person who worked in the month, by employee number.
    public func payroll(_ month: YearMonth, context: AttendanceContext) async throws -> [PayrollRow] {
        let people = try await self.people()
        let r = try await report(month, people: nil, context: context).report
        return people.compactMap { p in r.totals[p.id].map { PayrollRow(employeeNumber: p.number, month: month, totals: $0) } }
    }

    // MARK: Retention

    public struct PurgeResult: Content, Sendable {
        public var dryRun: Bool
        public var retentionYears: Int
        /// Records of days before this date were (or would be) purged.
        public var before: String
        public var crossings: Int
        public var corrections: Int
        public var selfReports: Int
        /// 年次有給休暇管理簿 rows: grants dated before `leaveBefore`, and leave days before it.
        public var leaveGrants: Int
        public var leaveDays: Int
        public var leaveBefore: String
        /// PC-log events and investigation tasks of days before `before`.
        public var pcLogEvents: Int
        public var pcLogTasks: Int
        /// The sequence of the purge's record in the event log (not for a dry run).
        public var auditSequence: Int64?
    }

    /// Purges attendance records past retention and writes a record of the purge (counts and the date
    /// range, no personal data) to the hash-chained log. The door events themselves stay in the log,
    /// whose chain a deletion would break; what attendance derived from them goes.
    public func purge(dryRun: Bool, today: CivilDate = AttendanceService.today, actor: String) async throws -> PurgeResult {
        let settings = try await AttendanceSettings.load(on: db)
        let first = settings.retention.firstKeptDay(on: today)
        let cutoffMinute = EpochMinute.midnight(first)
        let cutoffDate = JapanTime.instant(first)
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        func count(_ query: SQLQueryString) async throws -> Int {
            try await sql.raw(query).first()?.decode(column: "n", as: Int.self) ?? 0
        }
        let crossings = try await count("SELECT COUNT(*) AS n FROM \(ident: AttendanceStore.crossingsTable) WHERE minute < \(bind: cutoffMinute)")
        let corrections = try await AttendanceCorrectionModel.query(on: db).group(.or) { g in
            g.filter(\.$at < cutoffDate)
            g.group(.and) { a in a.filter(\.$at == nil); a.filter(\.$madeAt < cutoffDate) }
        }.count()
        let selfReports = try await AttendanceSelfReportModel.query(on: db).filter(\.$date < first.description).count()
        // The leave register is kept 3 years after each grant's year ends (労基則24条の7 with its
        // transitional 3 years), or longer when the company keeps attendance longer (AnnualLeaveDuty).
        let leaveFirst = AnnualLeaveDuty.firstKeptGrantDate(on: today, years: settings.retentionYears).description
        let leaveGrants = try await LeaveGrantModel.query(on: db).filter(\.$grantDate < leaveFirst).count()
        let leaveDays = try await LeaveDayModel.query(on: db).filter(\.$date < leaveFirst).count()
        // PC logs and their investigations are attendance records like the self-reports: kept as long.
        let pcLogEvents = try await PCLogEventModel.query(on: db).filter(\.$date < first.description).count()
        let pcLogTasks = try await PCLogTaskModel.query(on: db).filter(\.$date < first.description).count()
        var result = PurgeResult(dryRun: dryRun, retentionYears: settings.retentionYears, before: first.description, crossings: crossings,
                                 corrections: corrections, selfReports: selfReports, leaveGrants: leaveGrants, leaveDays: leaveDays, leaveBefore: leaveFirst,
                                 pcLogEvents: pcLogEvents, pcLogTasks: pcLogTasks)
        guard !dryRun else { return result }
        let draft = AuditDraft(kind: "attendance.purged", actor: actor, subject: "attendance",
                               details: ["before": first.description, "retentionYears": String(settings.retentionYears), "crossings": String(crossings),
                                         "corrections": String(corrections), "selfReports": String(selfReports),
                                         "leaveBefore": leaveFirst, "leaveGrants": String(leaveGrants), "leaveDays": String(leaveDays),
                                         "pcLogEvents": String(pcLogEvents), "pcLogTasks": String(pcLogTasks)])
        let work: @Sendable (any Database) async throws -> [AuditDraft] = { tx in
            // Never a record of a purge that deleted nothing.
            guard let s = tx as? any SQLDatabase else { throw Abort(.internalServerError, reason: "the attendance purge needs an SQL database") }
            try await s.raw("DELETE FROM \(ident: AttendanceStore.crossingsTable) WHERE minute < \(bind: cutoffMinute)").run()
            try await AttendanceCorrectionModel.query(on: tx).group(.or) { g in
                g.filter(\.$at < cutoffDate)
                g.group(.and) { a in a.filter(\.$at == nil); a.filter(\.$madeAt < cutoffDate) }
            }.delete()
            try await AttendanceSelfReportModel.query(on: tx).filter(\.$date < first.description).delete()
            try await LeaveGrantModel.query(on: tx).filter(\.$grantDate < leaveFirst).delete()
            try await LeaveDayModel.query(on: tx).filter(\.$date < leaveFirst).delete()
            try await PCLogEventModel.query(on: tx).filter(\.$date < first.description).delete()
            try await PCLogTaskModel.query(on: tx).filter(\.$date < first.description).delete()
            // Kept figures: months before the first kept day are gone; those whose reports read the
            // last purged day (the same rule as a crossing's) are computed again.
            try await AttendanceMonthStore.forget(before: YearMonth(first), on: s)
            if let last = AttendanceMonthStore.months(touchedOn: first.adding(days: -1)).max() {
                try await AttendanceMonthStore.touch(through: last, on: s)
            }
            return [draft]
        }
        let records: [AuditRecord]
        if let events { records = try await events.appendNow(building: work) } else { records = try await AuditStore(db: db).append(building: work) }
        result.auditSequence = records.last?.sequence
        return result
    }
}

extension Request {
    /// Attendance for this request: its database and the server's event writer.
    public var attendance: AttendanceService { AttendanceService(db: db, events: state.events) }
}
