import Access
import Attendance
import Foundation
import ServerCore
import Vapor

/// Door history from the previous access system (``AttendanceService/importDoorHistory(_:by:now:)``):
/// the API (`/api/v1/attendance/history`) and the page (`/attendance/history`). Only an administrator
/// imports; HR and administrators see what was imported.
struct DoorHistoryController {
    func register(_ app: Application) {
        let staff = app.grouped(RoleMiddleware(AttendanceController.readers)).grouped("api", "v1", "attendance")
        let admin = app.grouped(RoleMiddleware([.admin])).grouped("api", "v1", "attendance")
        staff.get("history", use: list)
        admin.on(.POST, "history", body: .collect(maxSize: "8mb"), use: importCSV)
        admin.delete("history", ":serial", use: remove)
        app.grouped(PageRoleMiddleware(AttendancePages.staff)).get("attendance", "history", use: page)
        // The page's form is read at the default body limit (its token is read before the route runs,
        // CSRFMiddleware); a larger file goes to the API.
        app.grouped(PageRoleMiddleware([.admin])).post("attendance", "history", use: importForm)
    }

    @Sendable func list(_ req: Request) async throws -> [AttendanceService.HistoryImportRow] { try await req.attendance.historyImports() }

    /// The CSV as the request body (UTF-8 or Shift_JIS, as exported).
    @Sendable func importCSV(_ req: Request) async throws -> AttendanceService.HistoryImportResult {
        guard let body = req.body.data, body.readableBytes > 0 else { throw Abort(.badRequest, reason: "send the CSV as the request body") }
        return try await req.attendance.importDoorHistory(Data(buffer: body), by: try req.user.auditName)
    }

    @Sendable func remove(_ req: Request) async throws -> [String: Int] {
        guard let serial = req.parameters.get("serial", as: Int.self), serial > 0 else { throw Abort(.badRequest, reason: "the serial is a positive whole number") }
        return ["removed": try await req.attendance.removeDoorHistory(serial: serial, by: try req.user.auditName)]
    }

    struct PageData: Encodable, Sendable {
        struct Row: Encodable, Sendable {
            var serial: Int
            var importedAt: String
            var importedBy: String
            var crossings: Int
            var refused: Int
            var span: String
            var sha256: String
        }
        var imports: [Row]
        var canImport: Bool
        var errors: [String]
        var csv: String
    }

    func data(_ req: Request, errors: [String] = [], csv: String = "") async throws -> PageData {
        let rows = try await req.attendance.historyImports().map { r in
            PageData.Row(serial: r.serial, importedAt: PageTime.show(r.importedAt), importedBy: r.importedBy, crossings: r.crossings, refused: r.refused,
                         span: [r.firstAt, r.lastAt].compactMap { $0.map(PageTime.day) }.joined(separator: " – "), sha256: String(r.sha256.prefix(16)))
        }
        return PageData(imports: rows, canImport: try req.user.role == .admin, errors: errors, csv: csv)
    }

    @Sendable func page(_ req: Request) async throws -> Response {
        try await req.renderPage("attendance-history", titleKey: "att_historyTitle", try await data(req))
    }

    struct UploadForm: Content { var csv: String? }

    @Sendable func importForm(_ req: Request) async throws -> Response {
        let f: UploadForm
        do { f = try req.pageForm(UploadForm.self) } catch {
            let problem = req.pageProblem(error)
            return try await req.renderPage("attendance-history", titleKey: "att_historyTitle", try await data(req), status: problem.status, error: problem.text)
        }
        let csv = f.csv ?? ""
        guard !csv.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return try await req.renderPage("attendance-history", titleKey: "att_historyTitle", try await data(req), status: .badRequest, error: req.text("att_csvEmpty"))
        }
        let result: AttendanceService.HistoryImportResult
        do { result = try await req.attendance.importDoorHistory(Data(csv.utf8), by: try req.user.auditName) } catch {
            let problem = req.pageProblem(error)
            return try await req.renderPage("attendance-history", titleKey: "att_historyTitle", try await data(req, csv: csv), status: problem.status, error: problem.text)
        }
        let lang = req.pageLanguage
        let errors = result.errors.map { lang == .en ? $0.en : $0.ja }
        return try await req.renderPage("attendance-history", titleKey: "att_historyTitle", try await data(req, errors: errors, csv: errors.isEmpty ? "" : csv),
                                        message: "\(req.text("att_imported")): \(result.imported)", switchPath: "/attendance/history")
    }
}
