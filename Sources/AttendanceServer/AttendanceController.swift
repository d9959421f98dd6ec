import Access
import Attendance
import Audit
import Fluent
import Foundation
import Store
import Vapor
import ServerCore

/// The attendance API (issue 8). Employees read their own month (`/api/v1/me/attendance`); HR and
/// administrators read everyone's, add corrections, import self-reports and export payroll; only an
/// administrator changes the settings or purges. Months are `?month=YYYY-MM` (default: this month in Japan).
struct AttendanceController {
    static let readers: Set<Role> = [.admin, .hr]

    func register(_ routes: any RoutesBuilder) {
        // The annual-leave routes (`…/attendance/leave…`) are AnnualLeaveController's.
        let me = routes.grouped(RoleMiddleware(Set(Role.allCases))).grouped("api", "v1", "me", "attendance")
        me.get(use: myMonth)
        me.get("timeline.svg", use: myTimeline)
        let hr = routes.grouped(RoleMiddleware(Self.readers)).grouped("api", "v1", "attendance")
        hr.get("employees", ":id", use: employeeMonth)
        hr.get("employees", ":id", "timeline.svg", use: employeeTimeline)
        hr.get("department", use: department)
        hr.get("department", "heatmap.svg", use: heatMap)
        hr.get("alerts", use: alerts)
        hr.post("corrections", use: addCorrection)
        hr.get("settings", use: settings)
        hr.on(.POST, "self-reports", body: .collect(maxSize: "4mb"), use: importSelfReports)
        hr.get("self-reports", "gaps", use: gaps)
        hr.get("payroll", use: payroll)
        let admin = routes.grouped(RoleMiddleware([.admin])).grouped("api", "v1", "attendance")
        admin.put("settings", use: updateSettings)
        admin.post("purge", use: purge)
    }

    // MARK: DTOs

    struct DayDTO: Content {
        var date: String
        var kind: String
        var firstEntry: Date?
        var lastExit: Date?
        var presenceMinutes: Int
        var breakMinutes: Int
        var deemedBreakMinutes: Int
        var workedMinutes: Int
        var withinLegalOvertimeMinutes: Int
        var overtimeMinutes: Int
        var dailyOvertimeMinutes: Int
        var weeklyOvertimeMinutes: Int
        var legalHolidayMinutes: Int
        var lateNightMinutes: Int
        /// 勤務間インターバル (``RestBetweenShifts``).
        var restMinutes: Int?
        var restShortfallMinutes: Int
        var issues: [IssueDTO]
    }
    struct IssueDTO: Content {
        var code: String
        var eventId: String
        var at: Date
        var ja: String
        var en: String
    }
    struct TotalsDTO: Content {
        var days: Int
        var workedMinutes: Int
        var withinLegalOvertimeMinutes: Int
        var overtimeMinutes: Int
        var legalHolidayMinutes: Int
        var overtimeAndHolidayMinutes: Int
        var lateNightMinutes: Int
        var daysNeedingCorrection: Int
        var restShortfallDays: Int
        init(_ t: WorkTotals) {
            days = t.days
            workedMinutes = t.workedMinutes
            withinLegalOvertimeMinutes = t.withinLegalOvertimeMinutes
            overtimeMinutes = t.overtimeMinutes
            legalHolidayMinutes = t.legalHolidayMinutes
            overtimeAndHolidayMinutes = t.overtimeAndHolidayMinutes
            lateNightMinutes = t.lateNightMinutes
            daysNeedingCorrection = t.daysNeedingCorrection
            restShortfallDays = t.restShortfallDays
        }
    }
    struct AlertDTO: Content {
        var code: String
        var severity: String
        var fullCode: String
        var windowMonths: Int?
        var value: Int
        var limit: Int
        var ja: String
        var en: String
        init(_ a: AgreementAlert) {
            code = a.code.rawValue
            severity = a.severity.rawValue
            fullCode = a.fullCode
            windowMonths = a.windowMonths
            value = a.valueMinutes
            limit = a.limitMinutes
            ja = a.ja
            en = a.en
        }
    }
    struct CrossingDTO: Content {
        var eventId: String
        var at: Date
        var direction: String
        /// From the previous access system's history (a negative event id), not MynaGate's own door event.
        var imported: Bool
    }
    struct CorrectionDTO: Content {
        var id: String
        var action: String
        var direction: String?
        var at: Date?
        var eventId: String?
        var correctedBy: String
        var reason: String
        var madeAt: Date
        init(_ m: AttendanceCorrectionModel) {
            id = m.id?.uuidString.lowercased() ?? ""
            action = m.action
            direction = m.direction
            at = m.at
            eventId = m.eventID
            correctedBy = m.correctedBy
            reason = m.reason
            madeAt = m.madeAt
        }
        init(_ c: Correction) {
            id = c.id
            correctedBy = c.correctedBy
            reason = c.reason
            madeAt = c.madeAt
            switch c.action {
            case .add(let d, let at): action = "add"; direction = d.rawValue; self.at = at
            case .move(let e, let to): action = "move"; eventId = e; at = to
            case .void(let e): action = "void"; eventId = e
            }
        }
    }
    struct PersonMonthDTO: Content {
        var employeeId: String
        var employeeNumber: String
        var name: String
        var department: String
        var month: String
        var days: [DayDTO]
        var totals: TotalsDTO
        var alerts: [AlertDTO]
        /// The door record as stored (never changed by a correction).
        var crossings: [CrossingDTO]
        var corrections: [CorrectionDTO]
    }
    struct DepartmentRowDTO: Content {
        var employeeId: String
        var employeeNumber: String
        var name: String
        var totals: TotalsDTO
        var alerts: [AlertDTO]
        var nearLimit: Bool
    }
    struct DepartmentDTO: Content {
        var department: String
        var month: String
        var people: [DepartmentRowDTO]
    }

    // MARK: Person's month

    /// A person's month with alerts, the stored crossings and the corrections.
    static func personMonth(_ person: AttendanceService.Person, month: YearMonth, on req: Request) async throws -> (PersonMonthDTO, MonthReport, AttendanceContext) {
        try await req.state.events.flush()
        let context = try await req.attendance.context()
        let (report, crossings, corrections) = try await req.attendance.report(month, people: [person], context: context)
        let alerts = try await req.attendance.alerts(month, people: [person], current: report, context: context)[person.id] ?? []
        let first = JapanTime.instant(month.firstDay), end = JapanTime.instant(month.lastDay.adding(days: 1))
        let shownCrossings = crossings.filter { $0.instant >= first && $0.instant < end }
        let days = report.days.map { d in
            let rest = report.rests[EmployeeDay(d.employee, d.date)]
            return DayDTO(date: d.date.description, kind: d.kind.rawValue, firstEntry: d.intervals.first?.start, lastExit: d.intervals.last?.end,
                   presenceMinutes: d.presenceMinutes, breakMinutes: d.inferredBreakMinutes, deemedBreakMinutes: d.deemedBreakMinutes,
                   workedMinutes: d.workedMinutes, withinLegalOvertimeMinutes: d.withinLegalOvertimeMinutes, overtimeMinutes: d.overtimeMinutes,
                   dailyOvertimeMinutes: d.dailyOvertimeMinutes, weeklyOvertimeMinutes: d.weeklyOvertimeMinutes,
                   legalHolidayMinutes: d.legalHolidayMinutes, lateNightMinutes: d.lateNightMinutes,
                   restMinutes: rest?.restMinutes, restShortfallMinutes: rest?.shortfallMinutes ?? 0,
                   issues: d.issues.map { IssueDTO(code: $0.code, eventId: $0.eventID, at: $0.at, ja: $0.ja, en: $0.en) })
        }
        let dto = PersonMonthDTO(employeeId: person.id.rawValue, employeeNumber: person.number, name: person.name, department: person.department,
                                 month: month.description, days: days, totals: TotalsDTO(report.totals[person.id] ?? WorkTotals()),
                                 alerts: alerts.map(AlertDTO.init), crossings: shownCrossings.map { CrossingDTO(eventId: $0.eventID, at: $0.instant, direction: $0.direction.rawValue, imported: $0.eventID.hasPrefix("-")) },
                                 corrections: corrections.map(CorrectionDTO.init))
        return (dto, report, context)
    }

    /// The `month` query parameter; absent → this month in Japan. Present but empty, named twice or not
    /// `YYYY-MM` → 400 (an API caller who sent `month=` did not ask for this month). The HTML pages pass
    /// `blankIsThisMonth` because a cleared `<input type="month">` submits `month=`.
    static func month(_ req: Request, blankIsThisMonth: Bool = false) throws -> YearMonth {
        if blankIsThisMonth, req.query[String.self, at: "month"] == "" { return YearMonth(AttendanceService.today) }
        guard let text = try req.queryText("month") else { return YearMonth(AttendanceService.today) }
        guard let m = StrictDate.month(text) else { throw Abort(.badRequest, reason: "month is YYYY-MM, in the years 1900–2100") }
        return YearMonth(year: m.year, month: m.month)
    }

    static func person(_ uuid: UUID, on db: any Database) async throws -> AttendanceService.Person {
        guard let p = try await AttendanceService(db: db, events: nil).people(employee: uuid).first else { throw Abort(.notFound, reason: "no such employee") }
        return p
    }

    static func me(_ req: Request) async throws -> AttendanceService.Person {
        guard let id = try req.user.employeeID else { throw Abort(.notFound, reason: "this account is not linked to an employee") }
        return try await person(id, on: req.db)
    }

    static func employee(_ req: Request) async throws -> AttendanceService.Person {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.badRequest, reason: "the id is a UUID") }
        return try await person(id, on: req.db)
    }

    @Sendable func myMonth(_ req: Request) async throws -> PersonMonthDTO {
        try await Self.personMonth(try await Self.me(req), month: try Self.month(req), on: req).0
    }

    @Sendable func employeeMonth(_ req: Request) async throws -> PersonMonthDTO {
        try await Self.personMonth(try await Self.employee(req), month: try Self.month(req), on: req).0
    }

    static func svg(_ text: String) -> Response { SVGResponse.make(text) }

    static func timeline(_ person: AttendanceService.Person, _ req: Request) async throws -> Response {
        let month = try Self.month(req)
        try await req.state.events.flush()
        let context = try await req.attendance.context()
        let report = try await req.attendance.report(month, people: [person], context: context).report
        let chart = TimelineChart(title: "\(person.name) (\(person.number))", month: month, days: report.days, calendar: context.calendar, rules: context.rules)
        return svg(chart.svg())
    }

    @Sendable func myTimeline(_ req: Request) async throws -> Response { try await Self.timeline(try await Self.me(req), req) }
    @Sendable func employeeTimeline(_ req: Request) async throws -> Response { try await Self.timeline(try await Self.employee(req), req) }

    // MARK: Department

    static func departmentMonth(_ req: Request) async throws -> (DepartmentDTO, MonthReport, [AttendanceService.Person]) {
        guard let name = req.query[String.self, at: "name"], !name.isEmpty, name.schemaLength <= 200 else { throw Abort(.badRequest, reason: "name (the department) is required") }
        let month = try Self.month(req)
        try await req.state.events.flush()
        let context = try await req.attendance.context()
        let people = try await req.attendance.people(department: name)
        guard !people.isEmpty else { throw Abort(.notFound, reason: "no one is in this department") }
        let report = try await req.attendance.report(month, people: people, context: context).report
        let alerts = try await req.attendance.alerts(month, people: people, current: report, context: context)
        let rows = people.map { p in
            let a = alerts[p.id] ?? []
            return DepartmentRowDTO(employeeId: p.id.rawValue, employeeNumber: p.number, name: p.name, totals: TotalsDTO(report.totals[p.id] ?? WorkTotals()),
                                    alerts: a.map(AlertDTO.init), nearLimit: a.contains { $0.severity >= .forecast && $0.code != .restInterval && $0.code != .annualLeave })
        }
        return (DepartmentDTO(department: name, month: month.description, people: rows), report, people)
    }

    @Sendable func department(_ req: Request) async throws -> DepartmentDTO { try await Self.departmentMonth(req).0 }

    @Sendable func heatMap(_ req: Request) async throws -> Response {
        let (dto, report, people) = try await Self.departmentMonth(req)
        var markers: [EmployeeID: String] = [:]
        for row in dto.people where row.nearLimit {
            let worst = row.alerts.first
            // Plain marks: the emoji signs are missing from common Japanese fonts and showed as boxes.
            markers[EmployeeID(rawValue: row.employeeId)] = worst?.severity == "violation" ? "!!" : "!"
        }
        for row in dto.people where row.alerts.contains(where: { $0.code == "worker_notice" }) {
            markers[EmployeeID(rawValue: row.employeeId), default: ""] += " 80h"
        }
        let map = HeatMap(title: dto.department, month: report.month,
                          rows: HeatMap.rows(report.days, people: people.map { ($0.id, "\($0.name) \($0.number)") }, markers: markers))
        return Self.svg(map.svg())
    }

    // MARK: Alerts

    struct AlertRowDTO: Content {
        var employeeId: String
        var employeeNumber: String
        var name: String
        var department: String
        var alerts: [AlertDTO]
    }

    @Sendable func alerts(_ req: Request) async throws -> [AlertRowDTO] {
        let month = try Self.month(req)
        try await req.state.events.flush()
        let context = try await req.attendance.context()
        let people = try await req.attendance.people(department: req.query[String.self, at: "department"])
        let report = try await req.attendance.report(month, people: people, context: context).report
        let alerts = try await req.attendance.alerts(month, people: people, current: report, context: context)
        return people.compactMap { p in
            alerts[p.id].map { AlertRowDTO(employeeId: p.id.rawValue, employeeNumber: p.number, name: p.name, department: p.department, alerts: $0.map(AlertDTO.init)) }
        }
    }

    // MARK: Corrections

    @Sendable func addCorrection(_ req: Request) async throws -> Response {
        let input = try req.decodeBody(AttendanceService.CorrectionInput.self)
        let m = try await req.attendance.addCorrection(input, by: "user:\(try req.user.username)")
        return try await CorrectionDTO(m).encodeResponse(status: .created, for: req)
    }

    // MARK: Settings

    @Sendable func settings(_ req: Request) async throws -> AttendanceSettings {
        try await AttendanceSettings.load(on: req.db)
    }

    @Sendable func updateSettings(_ req: Request) async throws -> AttendanceSettings {
        guard let body = req.body.data else { throw Abort(.badRequest, reason: "empty body") }
        let json = Data(buffer: body), actor = req.auditActor
        // Read, merged and saved with its record in one transaction: two partial updates at once cannot
        // each merge into the settings the other is replacing.
        return try await req.state.events.writeAudited { tx in
            let updated = try await AttendanceSettings.load(on: tx).merged(with: json)
            let problems = updated.problems
            guard problems.isEmpty else { throw Abort(.unprocessableEntity, reason: problems.joined(separator: "; ")) }
            try await updated.save(on: tx)
            return (updated, [AuditDraft(kind: "config.attendance.updated", actor: actor, subject: "attendance")])
        }
    }

    // MARK: Self-reports

    @Sendable func importSelfReports(_ req: Request) async throws -> AttendanceService.ImportResult {
        guard let body = req.body.data, body.readableBytes > 0 else { throw Abort(.badRequest, reason: "send the CSV as the body (text/csv)") }
        let result = try await req.attendance.importSelfReports(Data(buffer: body), by: "user:\(try req.user.username)")
        // A file of which not one line could be used is refused (like a holiday file without a holiday), not
        // answered 200 with "imported 0": a caller that only checks the status would think the month was in.
        // The answer names the lines and reasons but never repeats their text.
        if result.imported == 0 {
            // The self-report's own texts quote the line: the issues give the reason code only.
            throw NoUsableLine.refusal(result.errors.map { .init(line: $0.line, reason: $0.reason, ja: "\($0.line)行目: \($0.reason)", en: "line \($0.line): \($0.reason)") })
        }
        return result
    }

    @Sendable func gaps(_ req: Request) async throws -> [AttendanceService.GapRow] {
        let month = try Self.month(req)
        try await req.state.events.flush()
        return try await req.attendance.gaps(month, context: try await req.attendance.context())
    }

    // MARK: Payroll

    @Sendable func payroll(_ req: Request) async throws -> Response {
        let month = try Self.month(req)
        try await req.state.events.flush()
        let rows = try await req.attendance.payroll(month, context: try await req.attendance.context())
        let format = try req.queryChoice("format", among: ["json", "csv"]) ?? "json"
        let res: Response
        switch format {
        case "csv":
            res = Response(status: .ok, body: .init(string: PayrollRow.csv(rows)))
            res.headers.replaceOrAdd(name: .contentType, value: "text/csv; charset=utf-8")
            res.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"payroll-\(month).csv\"")
        case "json":
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            res = Response(status: .ok, body: .init(data: try encoder.encode(rows)))
            res.headers.contentType = .json
        default:
            throw Abort(.badRequest, reason: "format is csv or json")
        }
        res.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        try await req.audit(kind: "attendance.payroll.exported", subject: "attendance", details: ["month": month.description, "rows": String(rows.count)])
        return res
    }

    // MARK: Purge

    struct PurgeRequest: Content {
        var dryRun: Bool?
        init() {}
        /// `{"dryRun": null}` is refused (400), not read as "not a dry run": the purge deletes records.
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if c.contains(.dryRun) { dryRun = try c.decode(Bool.self, forKey: .dryRun) }
        }
    }

    @Sendable func purge(_ req: Request) async throws -> AttendanceService.PurgeResult {
        let body = try req.optionalContent(PurgeRequest.self) ?? PurgeRequest()
        return try await req.attendance.purge(dryRun: body.dryRun ?? false, actor: "user:\(try req.user.username)")
    }
}
