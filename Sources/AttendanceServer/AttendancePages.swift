import Access
import Attendance
import Fluent
import Foundation
import Store
import Vapor
import ServerCore

/// The attendance pages: `/my/attendance` (everyone: their own month and the 80-hour notice),
/// `/attendance` (HR, admin: everyone's month and the alerts), `/attendance/people/:id` (a person's
/// month, with corrections), `/attendance/department` (heat map), `/attendance/self-reports`
/// (import and gaps) and `/attendance/settings` (read-only; the API changes them). Charts are the
/// API's SVGs, shown as images.
struct AttendancePages {
    static let staff: Set<Role> = AttendanceController.readers

    func register(everyone: any RoutesBuilder, staff: any RoutesBuilder) {
        everyone.get("my", "attendance", use: mine)
        staff.get("attendance", use: index)
        staff.get("attendance", "people", ":id", use: person)
        staff.post("attendance", "people", ":id", "corrections", use: correct)
        staff.get("attendance", "department", use: department)
        staff.get("attendance", "self-reports", use: selfReports)
        staff.post("attendance", "self-reports", use: importSelfReports)
        staff.get("attendance", "settings", use: settings)
    }

    // MARK: Formatting

    static func hm(_ minutes: Int) -> String { minutes == 0 ? "0:00" : String(format: "%d:%02d", minutes / 60, minutes % 60) }
    static func clock(_ date: Date?, on day: CivilDate) -> String {
        guard let date else { return "—" }
        let t = JapanTime(date)
        let extra = (t.date.daysSinceEpoch - day.daysSinceEpoch) * 24
        return String(format: "%02d:%02d", t.minuteOfDay / 60 + extra, t.minuteOfDay % 60)
    }
    static let weekdayJa = ["日", "月", "火", "水", "木", "金", "土"]
    static let weekdayEn = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]

    static func monthLinks(_ month: YearMonth, path: String, extra: String = "") -> (prev: String, next: String) {
        ("\(path)?month=\(month.adding(months: -1))\(extra)", "\(path)?month=\(month.adding(months: 1))\(extra)")
    }

    // MARK: A person's month

    struct DayRow: Encodable, Sendable {
        var date: String
        var weekday: String
        var kind: String
        var offDay: Bool
        var firstEntry: String
        var lastExit: String
        var worked: String
        var overtime: String
        var lateNight: String
        var holiday: String
        /// 勤務間インターバル: the rest before the day (h:mm), empty when not measured.
        var rest: String
        var restShort: Bool
        var issues: String
        var needsCorrection: Bool
        var record: String
        var corrections: String
    }
    struct CorrectionRow: Encodable, Sendable {
        var action: String
        var time: String
        var event: String
        var who: String
        var why: String
        var made: String
    }
    struct MonthData: Encodable, Sendable {
        var name: String
        var number: String
        var department: String
        var month: String
        var prev: String
        var next: String
        var timeline: String
        var worked: String
        var overtime: String
        var holiday: String
        var lateNight: String
        var withinLegal: String
        var days: Int
        var needsCorrection: Int
        var restShortDays: Int
        var minimumRest: String
        var notices: [String]
        var alerts: [String]
        var hasAlerts: Bool
        var rows: [DayRow]
        var corrections: [CorrectionRow]
        var hasCorrections: Bool
        var canCorrect: Bool
        var correctAction: String
        var defaultTime: String
    }

    static func monthData(_ p: AttendanceService.Person, month: YearMonth, canCorrect: Bool, timeline: String, path: String, on req: Request) async throws -> MonthData {
        let (dto, report, context) = try await AttendanceController.personMonth(p, month: month, on: req)
        let lang = req.pageLanguage
        let dir = { (d: String) in Messages.text(d == "in" ? "att_in" : "att_out", lang) }
        // The stored crossings and the corrections, by the work day they are shown on.
        var recordByDay: [CivilDate: [String]] = [:]
        var dayOfEvent: [String: CivilDate] = [:]
        for x in dto.crossings {
            let day = JapanTime(x.at).date
            dayOfEvent[x.eventId] = day
            let mark = x.imported ? "\(Messages.text("att_importedMark", lang)) #\(x.eventId)" : "#\(x.eventId)"
            recordByDay[day, default: []].append("\(clock(x.at, on: day)) \(dir(x.direction)) \(mark)")
        }
        var correctionsByDay: [CivilDate: [String]] = [:]
        var correctionRows: [CorrectionRow] = []
        for c in dto.corrections {
            let day = c.at.map { JapanTime($0).date } ?? c.eventId.flatMap { dayOfEvent[$0] }
            let action = Messages.text("att_action_\(c.action)", lang)
            let time = c.at.map { PageTime.show($0) } ?? ""
            var when = ""
            if let at = c.at, let day { when = " " + clock(at, on: day) }
            let summary = "\(action)\(c.direction.map { " " + dir($0) } ?? "")\(when)\(c.eventId.map { " #\($0)" } ?? "") — \(c.correctedBy): \(c.reason)"
            if let day, YearMonth(day) == month { correctionsByDay[day, default: []].append(summary) }
            correctionRows.append(CorrectionRow(action: action + (c.direction.map { " " + dir($0) } ?? ""), time: time, event: c.eventId.map { "#\($0)" } ?? "",
                                                who: c.correctedBy, why: c.reason, made: PageTime.show(c.madeAt)))
        }
        let byDate = Dictionary(report.days.filter { $0.employee == p.id }.map { ($0.date, $0) }, uniquingKeysWith: { a, _ in a })
        let rows = month.days.map { date -> DayRow in
            let kind = context.calendar.kind(of: date)
            let d = byDate[date]
            let rest = report.rests[EmployeeDay(p.id, date)]
            let wd = date.weekday.rawValue
            return DayRow(date: String(format: "%02d/%02d", date.month, date.day), weekday: lang == .ja ? weekdayJa[wd] : weekdayEn[wd],
                          kind: Messages.text("att_kind_\(kind.rawValue)", lang), offDay: kind != .workDay,
                          firstEntry: clock(d?.intervals.first?.start, on: date), lastExit: clock(d?.intervals.last?.end, on: date),
                          worked: d.map { hm($0.workedMinutes) } ?? "", overtime: d.map { hm($0.overtimeMinutes) } ?? "",
                          lateNight: d.map { hm($0.lateNightMinutes) } ?? "", holiday: d.map { hm($0.legalHolidayMinutes) } ?? "",
                          rest: rest?.restMinutes.map(hm) ?? "", restShort: (rest?.shortfallMinutes ?? 0) > 0,
                          issues: d?.issues.map { lang == .ja ? $0.ja : $0.en }.joined(separator: " ") ?? "", needsCorrection: d?.needsCorrection ?? false,
                          record: recordByDay[date]?.joined(separator: ", ") ?? "", corrections: correctionsByDay[date]?.joined(separator: " / ") ?? "")
        }
        let t = dto.totals
        let links = monthLinks(month, path: path)
        return MonthData(name: p.name, number: p.number, department: p.department, month: month.description, prev: links.prev, next: links.next,
                         timeline: "\(timeline)?month=\(month)", worked: hm(t.workedMinutes), overtime: hm(t.overtimeMinutes), holiday: hm(t.legalHolidayMinutes),
                         lateNight: hm(t.lateNightMinutes), withinLegal: hm(t.withinLegalOvertimeMinutes), days: t.days, needsCorrection: t.daysNeedingCorrection,
                         restShortDays: t.restShortfallDays, minimumRest: hm(context.presenceRules.minimumRestMinutes),
                         notices: dto.alerts.filter { $0.code == "worker_notice" }.map { lang == .ja ? $0.ja : $0.en },
                         alerts: dto.alerts.filter { $0.code != "worker_notice" }.map { lang == .ja ? $0.ja : $0.en },
                         hasAlerts: dto.alerts.contains { $0.code != "worker_notice" },
                         rows: rows, corrections: correctionRows, hasCorrections: !correctionRows.isEmpty, canCorrect: canCorrect,
                         correctAction: "/attendance/people/\(p.uuid.uuidString)/corrections?month=\(month)",
                         defaultTime: "\(month.firstDay)T18:00")
    }

    @Sendable func mine(_ req: Request) async throws -> Response {
        guard let id = try req.user.employeeID, let p = try await req.attendance.people(employee: id).first else {
            return try await req.renderPage("attendance-none", titleKey: "att_myTitle", NoData())
        }
        let month = try AttendanceController.month(req, blankIsThisMonth: true)
        let data = try await Self.monthData(p, month: month, canCorrect: false, timeline: "/api/v1/me/attendance/timeline.svg", path: "/my/attendance", on: req)
        return try await req.renderPage("attendance-month", titleKey: "att_myTitle", data)
    }

    @Sendable func person(_ req: Request) async throws -> Response {
        let p = try await AttendanceController.employee(req)
        let month = try AttendanceController.month(req, blankIsThisMonth: true)
        let data = try await Self.monthData(p, month: month, canCorrect: true, timeline: "/api/v1/attendance/employees/\(p.uuid.uuidString)/timeline.svg",
                                            path: "/attendance/people/\(p.uuid.uuidString)", on: req)
        return try await req.renderPage("attendance-month", titleKey: "att_personTitle", data)
    }

    struct CorrectionForm: Content {
        var action: String?
        var direction: String?
        var at: String?
        var eventId: String?
        var reason: String?
    }

    @Sendable func correct(_ req: Request) async throws -> Response {
        let p = try await AttendanceController.employee(req)
        let month = try AttendanceController.month(req, blankIsThisMonth: true)
        do {
            let f = try req.pageForm(CorrectionForm.self)
            let input = AttendanceService.CorrectionInput(employeeId: p.uuid, action: f.action ?? "", direction: f.direction,
                                                           at: f.at.flatMap { PageTime.parseLocal($0) },
                                                           eventId: f.eventId.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "# ")) }, reason: f.reason ?? "")
            _ = try await req.attendance.addCorrection(input, by: "user:\(try req.user.username)")
        } catch {
            let problem = req.pageProblem(error)
            let data = try await Self.monthData(p, month: month, canCorrect: true, timeline: "/api/v1/attendance/employees/\(p.uuid.uuidString)/timeline.svg",
                                                path: "/attendance/people/\(p.uuid.uuidString)", on: req)
            return try await req.renderPage("attendance-month", titleKey: "att_personTitle", data, status: problem.status, error: problem.text)
        }
        req.flash("att_corrected")
        return req.seeOther("/attendance/people/\(p.uuid.uuidString)?month=\(month)")
    }

    // MARK: Everyone's month

    struct PersonRow: Encodable, Sendable {
        var href: String
        var number: String
        var name: String
        var department: String
        var worked: String
        var overtime: String
        var holiday: String
        var needsCorrection: Int
        var alert: String
        var severity: String
    }
    struct IndexData: Encodable, Sendable {
        var month: String
        var prev: String
        var next: String
        var departments: [Link]
        var people: [PersonRow]
        var payrollCSV: String
        var payrollJSON: String
    }
    struct Link: Encodable, Sendable {
        var href: String
        var label: String
    }

    @Sendable func index(_ req: Request) async throws -> Response {
        let month = try AttendanceController.month(req, blankIsThisMonth: true)
        try await req.state.events.flush()
        let lang = req.pageLanguage
        let context = try await req.attendance.context()
        let people = try await req.attendance.people()
        let report = try await req.attendance.report(month, people: nil, context: context).report
        let alerts = try await req.attendance.alerts(month, people: people, current: report, context: context)
        let rows = people.map { p -> PersonRow in
            let t = report.totals[p.id] ?? WorkTotals()
            let worst = alerts[p.id]?.first
            return PersonRow(href: "/attendance/people/\(p.uuid.uuidString)?month=\(month)", number: p.number, name: p.name, department: p.department,
                             worked: Self.hm(t.workedMinutes), overtime: Self.hm(t.overtimeMinutes), holiday: Self.hm(t.legalHolidayMinutes),
                             needsCorrection: t.daysNeedingCorrection, alert: worst.map { lang == .ja ? $0.ja : $0.en } ?? "",
                             severity: worst?.severity.rawValue ?? "")
        }
        let departments = try await req.attendance.departments().map { d -> Link in
            var c = URLComponents()
            c.path = "/attendance/department"
            c.queryItems = [URLQueryItem(name: "name", value: d), URLQueryItem(name: "month", value: month.description)]
            return Link(href: c.string ?? "/attendance/department", label: d)
        }
        let links = Self.monthLinks(month, path: "/attendance")
        let data = IndexData(month: month.description, prev: links.prev, next: links.next, departments: departments, people: rows,
                             payrollCSV: "/api/v1/attendance/payroll?month=\(month)&format=csv", payrollJSON: "/api/v1/attendance/payroll?month=\(month)&format=json")
        return try await req.renderPage("attendance-index", titleKey: "att_indexTitle", data)
    }

    // MARK: Department

    struct DepartmentData: Encodable, Sendable {
        var name: String
        var month: String
        var prev: String
        var next: String
        var heatmap: String
        var people: [PersonRow]
    }

    @Sendable func department(_ req: Request) async throws -> Response {
        let lang = req.pageLanguage
        let (dto, _, people) = try await AttendanceController.departmentMonth(req)
        let uuids = Dictionary(people.map { ($0.id.rawValue, $0.uuid) }, uniquingKeysWith: { a, _ in a })
        let rows = dto.people.map { r in
            let worst = r.alerts.first
            return PersonRow(href: "/attendance/people/\(uuids[r.employeeId]?.uuidString ?? "")?month=\(dto.month)", number: r.employeeNumber, name: r.name,
                             department: dto.department, worked: Self.hm(r.totals.workedMinutes), overtime: Self.hm(r.totals.overtimeMinutes),
                             holiday: Self.hm(r.totals.legalHolidayMinutes), needsCorrection: r.totals.daysNeedingCorrection,
                             alert: worst.map { lang == .ja ? $0.ja : $0.en } ?? "", severity: worst?.severity ?? "")
        }
        func link(_ m: String) -> String {
            var c = URLComponents()
            c.path = "/attendance/department"
            c.queryItems = [URLQueryItem(name: "name", value: dto.department), URLQueryItem(name: "month", value: m)]
            return c.string ?? c.path
        }
        var svg = URLComponents()
        svg.path = "/api/v1/attendance/department/heatmap.svg"
        svg.queryItems = [URLQueryItem(name: "name", value: dto.department), URLQueryItem(name: "month", value: dto.month)]
        // The month the report was made for, parsed the one way the API parses it (not re-read from its text).
        let month = try AttendanceController.month(req, blankIsThisMonth: true)
        let data = DepartmentData(name: dto.department, month: dto.month, prev: link(month.adding(months: -1).description), next: link(month.adding(months: 1).description),
                                  heatmap: svg.string ?? "", people: rows)
        return try await req.renderPage("attendance-department", titleKey: "att_departmentTitle", data)
    }

    // MARK: Self-reports

    struct SelfReportData: Encodable, Sendable {
        var month: String
        var prev: String
        var next: String
        var csv: String
        var imported: Int?
        var errors: [String]
        var unknown: String
        var gaps: [GapLine]
        var noGaps: Bool
        var margin: Int
    }
    struct GapLine: Encodable, Sendable {
        var date: String
        var number: String
        var name: String
        var text: String
        var line: String
    }

    func selfReportData(_ req: Request, month: YearMonth, csv: String = "", result: AttendanceService.ImportResult? = nil) async throws -> SelfReportData {
        let lang = req.pageLanguage
        try await req.state.events.flush()
        let context = try await req.attendance.context()
        let gaps = try await req.attendance.gaps(month, context: context)
        let links = Self.monthLinks(month, path: "/attendance/self-reports")
        return SelfReportData(month: month.description, prev: links.prev, next: links.next, csv: csv, imported: result?.imported,
                              errors: result?.errors.map { lang == .ja ? $0.ja : $0.en } ?? [],
                              unknown: result?.unknownEmployees.joined(separator: ", ") ?? "",
                              gaps: gaps.map { GapLine(date: $0.date, number: $0.employeeNumber, name: $0.name, text: lang == .ja ? $0.ja : $0.en, line: $0.line.map(String.init) ?? "") },
                              noGaps: gaps.isEmpty, margin: context.settings.selfReportMarginMinutes)
    }

    @Sendable func selfReports(_ req: Request) async throws -> Response {
        let data = try await selfReportData(req, month: try AttendanceController.month(req, blankIsThisMonth: true))
        return try await req.renderPage("attendance-self-reports", titleKey: "att_selfReportsTitle", data)
    }

    struct UploadForm: Content {
        var csv: String?
        var month: String?
    }

    @Sendable func importSelfReports(_ req: Request) async throws -> Response {
        let f: UploadForm
        do { f = try req.pageForm(UploadForm.self) } catch {
            let problem = req.pageProblem(error)
            let data = try await selfReportData(req, month: YearMonth(AttendanceService.today))
            return try await req.renderPage("attendance-self-reports", titleKey: "att_selfReportsTitle", data, status: problem.status, error: problem.text)
        }
        let month = f.month.flatMap { StrictDate.month($0) }.map { YearMonth(year: $0.year, month: $0.month) } ?? YearMonth(AttendanceService.today)
        let csv = f.csv ?? ""
        guard !csv.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            let data = try await selfReportData(req, month: month)
            return try await req.renderPage("attendance-self-reports", titleKey: "att_selfReportsTitle", data, status: .badRequest, error: req.text("att_csvEmpty"))
        }
        let result = try await req.attendance.importSelfReports(Data(csv.utf8), by: "user:\(try req.user.username)")
        let data = try await selfReportData(req, month: month, csv: result.errors.isEmpty ? "" : csv, result: result)
        return try await req.renderPage("attendance-self-reports", titleKey: "att_selfReportsTitle", data,
                                        status: .ok, message: "\(req.text("att_imported")): \(result.imported)", switchPath: "/attendance/self-reports")
    }

    // MARK: Settings

    struct SettingRow: Encodable, Sendable {
        var key: String
        var label: String
        var value: String
    }

    @Sendable func settings(_ req: Request) async throws -> Response {
        let s = try await AttendanceSettings.load(on: req.db)
        let lang = req.pageLanguage
        let rows = Mirror(reflecting: s).children.compactMap { child -> SettingRow? in
            guard let key = child.label else { return nil }
            let text: String
            switch child.value {
            case let b as Bool: text = Messages.text(b ? "yes" : "no", lang)
            case let list as [Int]: text = list.map(String.init).joined(separator: ", ")
            case let list as [String]: text = list.isEmpty ? "—" : list.joined(separator: ", ")
            case let n as Int?: text = n.map(String.init) ?? "—"
            default: text = "\(child.value)"
            }
            return SettingRow(key: key, label: Messages.text("att_setting_\(key)", lang), value: text)
        }
        return try await req.renderPage("attendance-settings", titleKey: "att_settingsTitle", ["rows": rows])
    }
}
