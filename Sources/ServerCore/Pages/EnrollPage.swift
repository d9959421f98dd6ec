import Fluent
import Foundation
import Store
import Vapor

/// `/enroll` (admin, hr, security): the enrollment desk. Pick the employee, issue a challenge; the desk
/// reader program has the card sign it after the PIN and posts it to the API. The demo server can play
/// the reader itself (``DemoDesk``).
struct EnrollPage {
    struct EmployeeInfo: Encodable, Sendable {
        package var id: String
        package var employeeNumber: String
        package var name: String
        package var department: String
    }
    struct ChallengeInfo: Encodable, Sendable {
        package var id: String
        package var digest: String
        package var expiresAt: String
    }
    package struct Result: Encodable, Sendable {
        package var serial: String
        var renewed: Int
        /// What the card still waits for, in the page's language; `nil` when it is active.
        package var waiting: String?
    }
    struct EnrollData: Encodable, Sendable {
        package var query: String
        package var employee: EmployeeInfo?
        package var challenge: ChallengeInfo?
        package var demo: Bool
        var demoCards: [DeskCardOption]
        var noDemoCards: Bool
        package var result: Result?
    }
    struct ChallengeForm: Content { var employeeId: UUID }
    struct DemoForm: Content {
        package var employeeId: UUID
        package var challengeId: UUID
        package var digest: String
        package var card: String
    }

    package func register(_ routes: any RoutesBuilder) {
        routes.get("enroll", use: show)
        routes.post("enroll", "challenge", use: issue)
        routes.post("enroll", "demo", use: demoEnroll)
    }

    package static func info(_ m: EmployeeModel) -> EmployeeInfo {
        EmployeeInfo(id: m.id?.uuidString ?? "", employeeNumber: m.employeeNumber, name: m.name, department: m.department)
    }

    @Sendable package func show(_ req: Request) async throws -> Response {
        let number = String((req.query[String.self, at: "employee"] ?? "").trimmingCharacters(in: .whitespaces).prefix(32))
        var employee: EmployeeInfo?
        var error: String?
        if !number.isEmpty {
            if let m = try await EmployeeModel.query(on: req.db).filter(\.$employeeNumber == number).first() {
                employee = Self.info(m)
            } else {
                error = req.text("unknownEmployee")
            }
        }
        let data = EnrollData(query: number, employee: employee, challenge: nil, demo: false, demoCards: [], noDemoCards: false, result: nil)
        return try await req.renderPage("enroll", titleKey: "enrollTitle", data, status: error == nil ? .ok : .notFound, error: error)
    }

    @Sendable package func issue(_ req: Request) async throws -> Response {
        let form = try req.decodeBody(ChallengeForm.self)
        guard let m = try await EmployeeModel.find(form.employeeId, on: req.db) else { throw Abort(.notFound, reason: "no such employee") }
        let c = try await Enrollment.challenge(employeeID: form.employeeId, by: Enrollment.Desk(try req.user), on: req.db, state: req.state)
        var cards: [DeskCardOption] = []
        if let desk = req.application.deskCards {
            cards = try desk.offered(excluding: Set(try await CredentialModel.query(on: req.db).field(\.$serial).all().map(\.serial)))
        }
        let data = EnrollData(query: m.employeeNumber, employee: Self.info(m),
                        challenge: ChallengeInfo(id: c.id.uuidString, digest: Data(c.digest).base64EncodedString(), expiresAt: PageTime.show(c.expiresAt)),
                        demo: req.application.deskCards != nil, demoCards: cards, noDemoCards: cards.isEmpty, result: nil)
        return try await req.renderPage("enroll", titleKey: "enrollTitle", data, switchPath: "/enroll")
    }

    @Sendable func demoEnroll(_ req: Request) async throws -> Response {
        guard req.application.deskCards != nil else { throw Abort(.notFound, reason: "not a demo server") }
        let form = try req.decodeBody(DemoForm.self)
        guard let m = try await EmployeeModel.find(form.employeeId, on: req.db) else { throw Abort(.notFound, reason: "no such employee") }
        guard let digest = Data(base64Encoded: form.digest) else { throw Abort(.badRequest, reason: "digest must be base64") }
        var data = EnrollData(query: m.employeeNumber, employee: Self.info(m), challenge: nil, demo: true, demoCards: [], noDemoCards: false, result: nil)
        do {
            let outcome = try await DemoDesk.enroll(file: form.card, employeeID: form.employeeId, challengeID: form.challengeId, digest: Array(digest), on: req)
            let waiting = outcome.waitingFor.map { req.text("enrollWaiting_\($0)") }.joined(separator: " ")
            data.result = Result(serial: outcome.credential.serial, renewed: outcome.renewed, waiting: waiting.isEmpty ? nil : waiting)
            return try await req.renderPage("enroll", titleKey: "enrollTitle", data, message: req.text(waiting.isEmpty ? "enrolled" : "enrollPending"),
                                            switchPath: "/enroll")
        } catch let abort as any AbortError {
            return try await req.renderPage("enroll", titleKey: "enrollTitle", data, status: abort.status, error: req.errorText(abort), switchPath: "/enroll")
        }
    }
}
