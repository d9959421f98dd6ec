import Access
import Attendance
import Foundation
import Vapor
import ServerCore

/// `/attendance/leave` (HR, admin): the annual-leave register (年次有給休暇管理簿) with each grant's
/// 5-day status, the CSV import, and one grant or day entered by hand.
struct AnnualLeavePages {
    func register(staff: any RoutesBuilder) {
        staff.get("attendance", "leave", use: page)
        staff.post("attendance", "leave", "import", use: importFile)
        staff.post("attendance", "leave", "grants", use: addGrant)
        staff.post("attendance", "leave", "days", use: addDay)
    }

    struct Row: Encodable, Sendable {
        var number: String
        var name: String
        var department: String
        var grantDate: String
        var days: Int
        var deadline: String
        var taken: String
        var needed: String
        var hourly: Int
        var status: String
        var statusText: String
        var dates: String
    }
    struct PageData: Encodable, Sendable {
        var rows: [Row]
        var empty: Bool
        var warningDays: Int
        var today: String
        var csv: String
        var imported: String?
        var errors: [String]
    }

    static func days(_ d: Double) -> String { d == d.rounded() ? String(Int(d)) : String(format: "%.1f", d) }

    func data(_ req: Request, csv: String = "", result: AttendanceService.LeaveImportResult? = nil) async throws -> PageData {
        let lang = req.pageLanguage
        let context = try await req.attendance.context()
        let people = Dictionary(try await req.attendance.people().map { ($0.number, $0) }, uniquingKeysWith: { a, _ in a })
        let today = AttendanceService.today
        // Worst first, so the people to act on are at the top.
        let duties = try await req.attendance.leaveRegister(today: today, context: context)
            .sorted { ($1.status, $0.grant.employeeNumber, $0.grant.grantDate) < ($0.status, $1.grant.employeeNumber, $1.grant.grantDate) }
        let rows = duties.map { d -> Row in
            let p = people[d.grant.employeeNumber]
            let dates = d.taken.map { t -> String in
                let unit = t.kind == .hourly ? Messages.text("leave_hours", lang).replacingOccurrences(of: "{h}", with: String(t.hours ?? 0))
                                             : Messages.text("leave_kind_\(t.kind.rawValue)", lang)
                return "\(t.date) \(unit)"
            }.joined(separator: ", ")
            return Row(number: d.grant.employeeNumber, name: p?.name ?? "", department: p?.department ?? "", grantDate: d.grant.grantDate.description,
                       days: d.grant.days, deadline: d.deadline.description, taken: Self.days(d.takenDays), needed: Self.days(d.stillNeededDays),
                       hourly: d.hourlyHours, status: d.status.rawValue, statusText: Messages.text("leave_status_\(d.status.rawValue)", lang), dates: dates)
        }
        return PageData(rows: rows, empty: rows.isEmpty, warningDays: context.settings.leaveWarningDays, today: today.description, csv: csv,
                        imported: result.map { "\($0.grants) / \($0.days) / \($0.changed)" },
                        errors: result?.errors.map { lang == .ja ? $0.ja : $0.en } ?? [])
    }

    func render(_ req: Request, _ data: PageData, status: HTTPResponseStatus = .ok, error: String? = nil, message: String? = nil) async throws -> Response {
        try await req.renderPage("attendance-leave", titleKey: "leave_title", data, status: status, error: error, message: message, switchPath: "/attendance/leave")
    }

    @Sendable func page(_ req: Request) async throws -> Response { try await render(req, try await data(req)) }

    struct UploadForm: Content {
        var csv: String?
    }

    @Sendable func importFile(_ req: Request) async throws -> Response {
        let f: UploadForm
        do { f = try req.pageForm(UploadForm.self) } catch {
            let problem = req.pageProblem(error)
            return try await render(req, try await data(req), status: problem.status, error: problem.text)
        }
        let csv = f.csv ?? ""
        guard !csv.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return try await render(req, try await data(req), status: .badRequest, error: req.text("att_csvEmpty"))
        }
        let result = try await req.attendance.importLeave(Data(csv.utf8), by: "user:\(try req.user.username)")
        // A file with bad lines stays in the box to be mended; the good lines are in.
        return try await render(req, try await data(req, csv: result.errors.isEmpty ? "" : csv, result: result),
                                message: "\(req.text("leave_imported")): \(result.grants) / \(result.days) / \(result.changed)")
    }

    struct GrantForm: Content {
        var employeeNumber: String
        var grantDate: String
        var days: String
    }
    struct DayForm: Content {
        var employeeNumber: String
        var date: String
        var kind: String
        var hours: String?
    }

    @Sendable func addGrant(_ req: Request) async throws -> Response {
        try await req.submitForm(GrantForm.self, flash: "leave_saved", redirect: "/attendance/leave") { f in
            guard let days = Int(f.days) else { throw AnnualLeaveController.field("days", "a whole number from 1 to 40") }
            let g = try AnnualLeaveController.grant(.init(employeeNumber: f.employeeNumber, grantDate: f.grantDate, days: days))
            try await req.attendance.addLeaveGrant(g, by: "user:\(try req.user.username)")
            return nil
        } page: { _, problem in
            try await render(req, try await data(req), status: problem.status, error: problem.text)
        }
    }

    @Sendable func addDay(_ req: Request) async throws -> Response {
        try await req.submitForm(DayForm.self, flash: "leave_saved", redirect: "/attendance/leave") { f in
            // An empty hours box (full and half days) is "no hours"; anything typed must be a number.
            let typed = f.hours?.trimmingCharacters(in: .whitespaces) ?? ""
            var hours: Int?
            if !typed.isEmpty {
                guard let h = Int(typed) else { throw AnnualLeaveController.field("hours", "1 to 8 for hourly leave") }
                hours = h
            }
            let d = try AnnualLeaveController.day(.init(employeeNumber: f.employeeNumber, date: f.date, kind: f.kind, hours: hours))
            try await req.attendance.addLeaveDay(d, by: "user:\(try req.user.username)")
            return nil
        } page: { _, problem in
            try await render(req, try await data(req), status: problem.status, error: problem.text)
        }
    }
}
