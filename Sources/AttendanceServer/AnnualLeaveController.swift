import Access
import Attendance
import Foundation
import Vapor
import ServerCore

/// The annual-leave API (年次有給休暇, issue 20 item 3): the register with each grant's 5-day status,
/// the CSV import and one grant or day entered by hand for HR and administrators — the same roles as
/// the self-report import (``AttendanceController/readers``); a worker reads their own.
struct AnnualLeaveController {
    func register(_ routes: any RoutesBuilder) {
        routes.grouped(RoleMiddleware(Set(Role.allCases))).get("api", "v1", "me", "attendance", "leave", use: mine)
        let hr = routes.grouped(RoleMiddleware(AttendanceController.readers)).grouped("api", "v1", "attendance", "leave")
        hr.get(use: everyone)
        hr.on(.POST, "import", body: .collect(maxSize: "4mb"), use: importFile)
        hr.post("grants", use: addGrant)
        hr.post("days", use: addDay)
    }

    struct TakenDTO: Content {
        var date: String
        var kind: String
        var hours: Int?
    }
    struct DutyDTO: Content {
        var employeeNumber: String
        var name: String
        var department: String
        var grantDate: String
        var days: Int
        var deadline: String
        var status: String
        var takenDays: Double
        var stillNeededDays: Double
        var hourlyHours: Int
        var daysToDeadline: Int
        var taken: [TakenDTO]
        init(_ d: AnnualLeaveDuty, person: AttendanceService.Person?) {
            employeeNumber = d.grant.employeeNumber
            name = person?.name ?? ""
            department = person?.department ?? ""
            grantDate = d.grant.grantDate.description
            days = d.grant.days
            deadline = d.deadline.description
            status = d.status.rawValue
            takenDays = d.takenDays
            stillNeededDays = d.stillNeededDays
            hourlyHours = d.hourlyHours
            daysToDeadline = d.daysToDeadline
            taken = d.taken.map { TakenDTO(date: $0.date.description, kind: $0.kind.rawValue, hours: $0.hours) }
        }
    }

    /// The register on `today` with names, worst status first, then by employee number and grant date.
    static func register(_ req: Request, numbers: [String]? = nil) async throws -> [DutyDTO] {
        let context = try await req.attendance.context()
        let people = Dictionary(try await req.attendance.people().map { ($0.number, $0) }, uniquingKeysWith: { a, _ in a })
        return try await req.attendance.leaveRegister(numbers: numbers, today: AttendanceService.today, context: context)
            .map { DutyDTO($0, person: people[$0.grant.employeeNumber]) }
    }

    @Sendable func everyone(_ req: Request) async throws -> [DutyDTO] { try await Self.register(req) }

    @Sendable func mine(_ req: Request) async throws -> [DutyDTO] {
        try await Self.register(req, numbers: [try await AttendanceController.me(req).number])
    }

    @Sendable func importFile(_ req: Request) async throws -> AttendanceService.LeaveImportResult {
        guard let body = req.body.data, body.readableBytes > 0 else { throw Abort(.badRequest, reason: "send the CSV as the body (text/csv)") }
        let result = try await req.attendance.importLeave(Data(buffer: body), by: "user:\(try req.user.username)")
        // As the self-report import: a file of which no line could be used is refused, naming lines and reasons only.
        // A body with nothing but a header (or nothing CSV at all) is refused too, not answered "0 imported".
        if result.grants + result.days == 0 {
            throw NoUsableLine.refusal(result.errors.map { .init(line: $0.line, reason: $0.reason, ja: $0.ja, en: $0.en) })
        }
        return result
    }

    struct GrantInput: Content {
        var employeeNumber: String
        var grantDate: String
        var days: Int
    }
    struct DayInput: Content {
        var employeeNumber: String
        var date: String
        var kind: String
        var hours: Int?
    }

    /// The checks the API's schema states (every bound enforced here); the values are never echoed.
    static func grant(_ i: GrantInput) throws -> LeaveGrant {
        guard (1...AnnualLeaveCSV.employeeNumberLength).contains(i.employeeNumber.schemaLength),
              !i.employeeNumber.trimmingCharacters(in: .whitespaces).isEmpty else { throw field("employeeNumber", "1–32 characters") }
        guard i.grantDate.schemaLength <= 10, let d = StrictDate.day(i.grantDate) else { throw field("grantDate", StrictDate.dayRule) }
        guard LeaveGrant.dayRange.contains(i.days) else { throw field("days", "a whole number from 1 to 40") }
        return LeaveGrant(employeeNumber: i.employeeNumber, grantDate: d, days: i.days)
    }

    static func day(_ i: DayInput) throws -> LeaveTaken {
        guard (1...AnnualLeaveCSV.employeeNumberLength).contains(i.employeeNumber.schemaLength),
              !i.employeeNumber.trimmingCharacters(in: .whitespaces).isEmpty else { throw field("employeeNumber", "1–32 characters") }
        guard i.date.schemaLength <= 10, let d = StrictDate.day(i.date) else { throw field("date", StrictDate.dayRule) }
        guard let kind = LeaveKind(rawValue: i.kind) else { throw field("kind", "full, half or hourly") }
        if kind == .hourly {
            guard let h = i.hours, LeaveTaken.hourRange.contains(h) else { throw field("hours", "1 to 8 for hourly leave") }
        } else if i.hours != nil {
            throw field("hours", "only for hourly leave")
        }
        return LeaveTaken(employeeNumber: i.employeeNumber, date: d, kind: kind, hours: kind == .hourly ? i.hours : nil)
    }

    static func field(_ name: String, _ rule: String) -> APIError {
        APIError(.unprocessableEntity, code: "invalid_field", ja: "\(name) が正しくありません(\(rule))。", en: "\(name) is not valid (\(rule)).",
                 issues: [APIError.Issue(field: name, code: "invalid", messageJa: rule, messageEn: rule)])
    }

    @Sendable func addGrant(_ req: Request) async throws -> Response {
        let g = try Self.grant(try req.decodeBody(GrantInput.self))
        try await req.attendance.addLeaveGrant(g, by: "user:\(try req.user.username)")
        return Response(status: .created)
    }

    @Sendable func addDay(_ req: Request) async throws -> Response {
        let d = try Self.day(try req.decodeBody(DayInput.self))
        try await req.attendance.addLeaveDay(d, by: "user:\(try req.user.username)")
        return Response(status: .created)
    }
}
