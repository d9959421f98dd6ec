import Access
import Foundation
import ServerCore
import Vapor

/// The access explainer's API (``AccessExplainer`` over the server's current policy): who can pass a
/// door at an instant, and which doors a person may pass, then and across that day — each with the
/// reason the decision function gives. Administrators and security officers only: who can enter where
/// is a map of the building's weak points. Every look is recorded as `access.explained`.
struct ExplainController {
    static let roles: Set<Role> = [.admin, .security]

    /// One decision as the API shows it.
    struct AnswerDTO: Content {
        var outcome: String
        var reason: String
        var messageJa: String
        var messageEn: String
        /// What the person shows at the door for this answer: `tap`, `genuine` (the card's own check) or
        /// `pin` (card and PIN): a grant at a `pin` door means "passes with the card and its PIN".
        var needs: String

        init(_ e: AccessExplainer.Explanation) {
            outcome = e.decision.outcome.rawValue
            reason = e.decision.reason.code
            messageJa = e.decision.reason.japaneseSentence
            messageEn = e.decision.reason.englishSentence
            needs = e.needs.rawValue
        }
    }

    struct PersonDTO: Content {
        var employee: String
        var employeeNumber: String
        var name: String
        var department: String
        var answer: AnswerDTO
    }

    struct DoorDTO: Content {
        var door: String
        var doorName: String
        var securityLevel: String
        var at: Date
        var policyVersion: Int
        var granted: Int
        var denied: Int
        /// How many people get each reason code.
        var reasons: [String: Int]
        var people: [PersonDTO]
    }

    struct WindowDTO: Content {
        var start: Date
        var end: Date
        /// `HH:MM`, Japan time; `24:00` for the end of the day.
        var from: String
        var until: String
        var answer: AnswerDTO
    }

    struct DoorForPersonDTO: Content {
        var door: String
        var doorName: String
        var securityLevel: String
        var now: AnswerDTO
        var windows: [WindowDTO]
    }

    struct EmployeeDTO: Content {
        var employee: String
        var employeeNumber: String
        var name: String
        var at: Date
        /// The Japan day the windows cover.
        var date: String
        var policyVersion: Int
        /// False when the person holds no card that is not retired: nothing to decide on, no doors listed.
        var hasCard: Bool
        var doors: [DoorForPersonDTO]
    }

    func register(_ app: Application) {
        let api = app.grouped(RoleMiddleware(Self.roles)).grouped("api", "v1", "access", "explain")
        api.get("door", ":id", use: door)
        api.get("employee", ":id", use: employee)
    }

    @Sendable func door(_ req: Request) async throws -> DoorDTO {
        let id = try ConfigController.id(req)
        return try await Self.door(id, at: try Self.instant(req), on: req)
    }

    @Sendable func employee(_ req: Request) async throws -> EmployeeDTO {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.badRequest, reason: "the employee id is a UUID") }
        return try await Self.employee(EmployeeID(rawValue: id.uuidString), at: try Self.instant(req), on: req)
    }

    /// The `at` query parameter (ISO 8601), or now when absent.
    static func instant(_ req: Request) throws -> Date {
        guard let text = try req.queryText("at") else { return Date() }
        guard let at = StrictDate.instant(text) else { throw Abort(.badRequest, reason: "at: \(StrictDate.instantRule)") }
        return at
    }

    // MARK: shared with the page

    /// Who can pass `door` at `at`, recorded as `access.explained` before it is answered.
    static func door(_ id: String, at: Date, on req: Request) async throws -> DoorDTO {
        let policy = req.state.policy.snapshot.policy
        guard let answer = AccessExplainer.door(DoorID(rawValue: id), at: at, policy: policy) else { throw APIError.notFound("no such door", ja: "扉が見つかりません") }
        let granted = answer.people.filter(\.explanation.decision.isGranted).count
        try await req.audit(kind: "access.explained", subject: "door:\(id)",
                            details: ["at": Self.iso(at), "people": String(answer.people.count), "granted": String(granted)])
        var reasons: [String: Int] = [:]
        let people = answer.people.map { p in
            reasons[p.explanation.decision.reason.code, default: 0] += 1
            let e = policy.employees[p.employee]
            return PersonDTO(employee: p.employee.rawValue, employeeNumber: e?.employeeNumber ?? "", name: e?.name ?? "", department: e?.department ?? "",
                             answer: AnswerDTO(p.explanation))
        }
        return DoorDTO(door: id, doorName: answer.door.name, securityLevel: answer.level.rawValue, at: at, policyVersion: policy.version,
                       granted: granted, denied: people.count - granted, reasons: reasons, people: people)
    }

    /// Which doors `employee` may pass at `at` and across that Japan day, recorded as `access.explained`.
    static func employee(_ id: EmployeeID, at: Date, on req: Request) async throws -> EmployeeDTO {
        let policy = req.state.policy.snapshot.policy
        guard let answer = AccessExplainer.person(id, at: at, policy: policy) else { throw APIError.notFound("no such employee", ja: "社員が見つかりません") }
        try await req.audit(kind: "access.explained", subject: "employee:\(id.rawValue)", details: ["at": Self.iso(at), "doors": String(answer.doors?.count ?? 0)])
        let midnight = JapanTime.instant(answer.date)
        func clock(_ d: Date) -> String {
            let m = Int(d.timeIntervalSince(midnight) / 60)
            return String(format: "%02d:%02d", m / 60, m % 60)
        }
        let doors = (answer.doors ?? []).map { d in
            DoorForPersonDTO(door: d.door.id.rawValue, doorName: d.door.name, securityLevel: d.level.rawValue, now: AnswerDTO(d.now),
                             windows: d.day.map { WindowDTO(start: $0.start, end: $0.end, from: clock($0.start), until: clock($0.end), answer: AnswerDTO($0.explanation)) })
        }
        return EmployeeDTO(employee: id.rawValue, employeeNumber: answer.employee.employeeNumber, name: answer.employee.name, at: at,
                           date: answer.date.description, policyVersion: policy.version, hasCard: answer.doors != nil, doors: doors)
    }

    private static func iso(_ d: Date) -> String { d.formatted(Date.ISO8601FormatStyle()) }
}
