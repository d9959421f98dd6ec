import Access
import Attendance
import Foundation
import Vapor
import ServerCore

/// `/attendance/pc-logs` (HR, admin): import a PC log, the month's divergences between the PC, the door
/// and the self-report, and the open investigation tasks (実態調査) with a form to resolve each.
struct PCLogPages {
    func register(staff: any RoutesBuilder) {
        staff.get("attendance", "pc-logs", use: page)
        staff.post("attendance", "pc-logs", use: importFile)
        staff.post("attendance", "pc-logs", "tasks", ":id", "resolve", use: resolve)
    }

    struct GapLine: Encodable, Sendable {
        var date: String
        var number: String
        var name: String
        var kind: String
        var kindText: String
        var text: String
    }
    struct TaskLine: Encodable, Sendable {
        var id: String
        var date: String
        var number: String
        var name: String
        var kind: String
        var kindText: String
    }
    struct PageData: Encodable, Sendable {
        var month: String
        var prev: String
        var next: String
        var margin: Int
        var csv: String
        var imported: String?
        var errors: [String]
        var gaps: [GapLine]
        var noGaps: Bool
        var tasks: [TaskLine]
        var noTasks: Bool
    }

    func data(_ req: Request, month: YearMonth, csv: String = "", result: AttendanceService.PCLogImportResult? = nil) async throws -> PageData {
        let lang = req.pageLanguage
        let context = try await req.attendance.context()
        // Generating the month's report opens its tasks, so the list below already holds them.
        let gaps = try await PCLogController.gapRows(req, month: month)
        let tasks = try await PCLogController.taskRows(req, status: "open")
        let links = AttendancePages.monthLinks(month, path: "/attendance/pc-logs")
        func kindText(_ kind: String) -> String { Messages.text("pclog_kind_\(kind)", lang) }
        return PageData(month: month.description, prev: links.prev, next: links.next, margin: context.settings.pcLogMarginMinutes, csv: csv,
                        imported: result.map { "\($0.events) / \($0.added) / \($0.tasksOpened)" },
                        errors: result?.errors.map { lang == .ja ? $0.ja : $0.en } ?? [],
                        gaps: gaps.map { GapLine(date: $0.date, number: $0.employeeNumber, name: $0.name, kind: $0.kind, kindText: kindText($0.kind),
                                                 text: lang == .ja ? $0.ja : $0.en) },
                        noGaps: gaps.isEmpty,
                        tasks: tasks.map { TaskLine(id: $0.id, date: $0.date, number: $0.employeeNumber, name: $0.name, kind: $0.kind, kindText: kindText($0.kind)) },
                        noTasks: tasks.isEmpty)
    }

    func render(_ req: Request, _ data: PageData, status: HTTPResponseStatus = .ok, error: String? = nil, message: String? = nil) async throws -> Response {
        try await req.renderPage("attendance-pc-logs", titleKey: "pclog_title", data, status: status, error: error, message: message,
                                 switchPath: "/attendance/pc-logs?month=\(data.month)")
    }

    @Sendable func page(_ req: Request) async throws -> Response {
        try await render(req, try await data(req, month: try AttendanceController.month(req, blankIsThisMonth: true)))
    }

    struct UploadForm: Content {
        var csv: String?
        var month: String?
    }

    static func month(_ text: String?) -> YearMonth {
        text.flatMap { StrictDate.month($0) }.map { YearMonth(year: $0.year, month: $0.month) } ?? YearMonth(AttendanceService.today)
    }

    @Sendable func importFile(_ req: Request) async throws -> Response {
        let f: UploadForm
        do { f = try req.pageForm(UploadForm.self) } catch {
            let problem = req.pageProblem(error)
            return try await render(req, try await data(req, month: YearMonth(AttendanceService.today)), status: problem.status, error: problem.text)
        }
        let month = Self.month(f.month)
        let csv = f.csv ?? ""
        guard !csv.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return try await render(req, try await data(req, month: month), status: .badRequest, error: req.text("att_csvEmpty"))
        }
        try await req.state.events.flush()
        let result = try await req.attendance.importPCLog(Data(csv.utf8), by: "user:\(try req.user.username)")
        // A file with bad lines stays in the box to be mended; the good lines are in.
        return try await render(req, try await data(req, month: month, csv: result.errors.isEmpty ? "" : csv, result: result),
                                message: "\(req.text("pclog_imported")): \(result.events) / \(result.added) / \(result.tasksOpened)")
    }

    struct ResolveForm: Content {
        var note: String
        var month: String?
    }

    @Sendable func resolve(_ req: Request) async throws -> Response {
        try await req.submitForm(ResolveForm.self, flash: "pclog_resolved", redirect: "/attendance/pc-logs") { f in
            guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.badRequest, reason: "the id is a UUID") }
            _ = try await req.attendance.resolvePCLogTask(id, note: try PCLogController.note(f.note), by: "user:\(try req.user.username)")
            return "/attendance/pc-logs?month=\(Self.month(f.month))"
        } page: { f, problem in
            try await render(req, try await data(req, month: Self.month(f?.month)), status: problem.status, error: problem.text)
        }
    }
}
