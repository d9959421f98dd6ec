import Access
import Attendance
import Foundation
import Store
import Vapor
import ServerCore

/// The PC-log API (issue 20 item 4): import a PC sign-in/sign-off log, the month's divergences from the
/// door record and the self-report, and the investigation tasks (実態調査, 平29.1.20 基発0120第3号 4(3)) —
/// for HR and administrators, the same roles as the self-report import (``AttendanceController/readers``).
struct PCLogController {
    /// The longest resolve note (the API's `maxLength`).
    static let noteLength = 500

    func register(_ routes: any RoutesBuilder) {
        let hr = routes.grouped(RoleMiddleware(AttendanceController.readers)).grouped("api", "v1", "attendance", "pc-logs")
        hr.on(.POST, body: .collect(maxSize: "4mb"), use: importFile)
        hr.get("gaps", use: gaps)
        hr.get("tasks", use: tasks)
        hr.post("tasks", ":id", "resolve", use: resolve)
    }

    struct GapDTO: Content {
        var employeeId: String
        var employeeNumber: String
        var name: String
        var date: String
        var kind: String
        var code: String
        var earlyMinutes: Int?
        var lateMinutes: Int?
        var ja: String
        var en: String
    }
    struct TaskDTO: Content {
        var id: String
        var employeeNumber: String
        var name: String
        var date: String
        var kind: String
        var status: String
        var openedAt: Date
        var note: String?
        var resolvedBy: String?
        var resolvedAt: Date?
        init(_ m: PCLogTaskModel, name: String) throws {
            guard let id = m.id else { throw UnreadablePCLogRow(table: PCLogTaskModel.schema, field: "id") }
            self.id = id.uuidString
            employeeNumber = m.employeeNumber
            self.name = name
            date = m.date
            kind = m.kind
            status = m.status
            openedAt = m.openedAt
            note = m.note
            resolvedBy = m.resolvedBy
            resolvedAt = m.resolvedAt
        }
    }

    static func names(_ req: Request) async throws -> [String: String] {
        Dictionary(try await req.attendance.people().map { ($0.number, $0.name) }, uniquingKeysWith: { a, _ in a })
    }

    @Sendable func importFile(_ req: Request) async throws -> AttendanceService.PCLogImportResult {
        guard let body = req.body.data, body.readableBytes > 0 else { throw Abort(.badRequest, reason: "send the CSV as the body (text/csv)") }
        try await req.state.events.flush()
        let result = try await req.attendance.importPCLog(Data(buffer: body), by: "user:\(try req.user.username)")
        // As the self-report and leave imports: a file of which no line could be used is refused, naming lines and reasons only.
        if result.events == 0 {
            throw NoUsableLine.refusal(result.errors.map { .init(line: $0.line, reason: $0.reason, ja: $0.ja, en: $0.en) })
        }
        return result
    }

    /// The month's gaps; generating them opens the tasks not yet opened (``AttendanceService/openPCLogTasks(_:by:)``).
    static func gapRows(_ req: Request, month: YearMonth) async throws -> [GapDTO] {
        try await req.state.events.flush()
        let context = try await req.attendance.context()
        let gaps = try await req.attendance.pcLogGaps(month, context: context)
        _ = try await req.attendance.openPCLogTasks(gaps, by: "user:\(try req.user.username)")
        let names = try await names(req)
        return gaps.map { g in
            GapDTO(employeeId: g.employee.rawValue, employeeNumber: g.employeeNumber, name: names[g.employeeNumber] ?? "", date: g.date.description,
                   kind: g.kind.rawValue, code: g.code, earlyMinutes: g.earlyMinutes, lateMinutes: g.lateMinutes, ja: g.ja, en: g.en)
        }
    }

    @Sendable func gaps(_ req: Request) async throws -> [GapDTO] {
        try await Self.gapRows(req, month: try AttendanceController.month(req))
    }

    static func taskRows(_ req: Request, status: String?) async throws -> [TaskDTO] {
        let names = try await names(req)
        return try await req.attendance.pcLogTasks(status: status).map { try TaskDTO($0, name: names[$0.employeeNumber] ?? "") }
    }

    /// `?status=open` (the default), `resolved` or `all`.
    @Sendable func tasks(_ req: Request) async throws -> [TaskDTO] {
        let status = try req.queryChoice("status", among: ["open", "resolved", "all"]) ?? "open"
        return try await Self.taskRows(req, status: status == "all" ? nil : status)
    }

    struct ResolveInput: Content {
        var note: String
    }

    /// The note must say what the investigation found: 1–500 characters, and never a 12-digit number
    /// (``FreeText/check(_:field:max:)``), so no My Number lands in a note or its record.
    static func note(_ text: String) throws -> String { try FreeText.check(text, field: "note", max: noteLength) }

    @Sendable func resolve(_ req: Request) async throws -> TaskDTO {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.badRequest, reason: "the id is a UUID") }
        let note = try Self.note(try req.decodeBody(ResolveInput.self).note)
        let m = try await req.attendance.resolvePCLogTask(id, note: note, by: "user:\(try req.user.username)")
        return try TaskDTO(m, name: try await Self.names(req)[m.employeeNumber] ?? "")
    }
}
