import Fluent
import Foundation
import Store
import Vapor

/// The second half of enrollment (``CredentialBinding``): an administrator other than the desk operator
/// approves a card for a person with a privileged account, and the holder accepts (or refuses) a card
/// enrolled for them, with their password, in their own session. Also the account owner's own settings
/// that need their password again: card sign-in for a privileged account, and the emergency code that
/// suspends their cards without signing in (shown to the owner only, never to the desk operator).
struct CredentialApprovalController {
    struct Password: Content { var password: String }
    struct CardSignIn: Content {
        var password: String
        var enabled: Bool
    }
    struct CardSignInState: Content { var enabled: Bool }
    struct EmergencyCode: Content {
        /// Shown once; only its bcrypt hash is kept.
        var code: String
    }

    func register(_ routes: any RoutesBuilder) {
        let admin = routes.grouped(RoleMiddleware([.admin]))
        let anyone = routes.grouped(RoleMiddleware(Set(Role.allCases)))
        admin.post("api", "v1", "credentials", ":id", "approve", use: approve)
        admin.post("api", "v1", "credentials", ":id", "reject", use: adminReject)
        anyone.post("api", "v1", "me", "credentials", ":id", "confirm", use: confirm)
        anyone.post("api", "v1", "me", "credentials", ":id", "reject", use: holderReject)
        anyone.put("api", "v1", "me", "card-sign-in", use: setCardSignIn)
        anyone.post("api", "v1", "me", "emergency-code", use: issueEmergencyCode)
    }

    static func pending(_ req: Request) async throws -> CredentialModel {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.badRequest, reason: "id must be a UUID") }
        guard let m = try await CredentialModel.find(id, on: req.db) else { throw Abort(.notFound, reason: "no such card") }
        guard m.state == "pending" else { throw Abort(.conflict, reason: "this card is not waiting for approval") }
        return m
    }

    /// Activates `m` once nothing is missing; returns the credential as it now is.
    ///
    /// The approval and the holder's acceptance may arrive at once: each saves its own field (Fluent
    /// writes only the changed columns), then reads the row again, so whichever comes second sees both
    /// and activates; ``Enrollment/activate(_:creating:actor:on:state:)`` re-reads it in its transaction.
    static func activateIfComplete(_ m: CredentialModel, on req: Request) async throws -> CredentialsController.CredentialDTO {
        try await m.save(on: req.db)
        guard let id = m.id, let fresh = try await CredentialModel.find(id, on: req.db) else { throw Abort(.conflict, reason: "this card was refused meanwhile") }
        let approved = fresh.needsApproval != true || fresh.approvedBy != nil
        let accepted = fresh.needsHolder != true || fresh.holderConfirmedAt != nil
        if fresh.state == "pending", approved && accepted {
            try await Enrollment.activate(fresh, creating: false, actor: try "user:\(req.user.username)", on: req.db, state: req.state)
        }
        return CredentialsController.dto(fresh)
    }

    @Sendable func approve(_ req: Request) async throws -> CredentialsController.CredentialDTO {
        try await Self.approve(try await Self.pending(req), on: req)
    }

    /// An administrator approves a card for a privileged person — never their own, never one they enrolled.
    static func approve(_ m: CredentialModel, on req: Request) async throws -> CredentialsController.CredentialDTO {
        let user = try req.user
        let actor = "user:\(user.username)"
        guard m.needsApproval == true, m.approvedBy == nil else { throw Abort(.conflict, reason: "this card needs no administrator's approval") }
        guard m.enrolledBy != actor else { throw Abort(.forbidden, reason: "the operator who enrolled a card cannot approve it; another administrator must") }
        guard user.employeeID != m.employeeID else { throw Abort(.forbidden, reason: "an administrator cannot approve a card for their own record") }
        m.approvedBy = actor
        try await req.audit(kind: "credential.approved", subject: "employee:\(m.employeeID.uuidString)", details: ["serial": m.serial, "enrolledBy": m.enrolledBy ?? ""])
        return try await Self.activateIfComplete(m, on: req)
    }

    @Sendable func confirm(_ req: Request) async throws -> CredentialsController.CredentialDTO {
        try await Self.confirm(try await Self.pending(req), password: try req.decodeBody(Password.self).password, on: req)
    }

    /// The holder accepts a card enrolled for them, with their password.
    static func confirm(_ m: CredentialModel, password: String, on req: Request) async throws -> CredentialsController.CredentialDTO {
        let user = try req.user
        guard user.employeeID == m.employeeID else { throw Abort(.notFound, reason: "no such card") }
        try await PasswordCheck.reauthenticate(password, for: user, on: req)
        guard m.needsHolder == true, m.holderConfirmedAt == nil else { throw Abort(.conflict, reason: "this card needs no confirmation") }
        m.holderConfirmedAt = Date()
        if m.binding == nil { m.binding = CredentialBinding.Evidence.holderSession.rawValue }
        try await req.audit(kind: "credential.holder_confirmed", subject: "employee:\(m.employeeID.uuidString)", details: ["serial": m.serial])
        return try await Self.activateIfComplete(m, on: req)
    }

    @Sendable func holderReject(_ req: Request) async throws -> HTTPStatus {
        try await Self.holderReject(try await Self.pending(req), on: req)
        return .noContent
    }

    /// The holder says the card is not theirs: it is removed, and the refusal is in the event log for security.
    static func holderReject(_ m: CredentialModel, on req: Request) async throws {
        guard try req.user.employeeID == m.employeeID else { throw Abort(.notFound, reason: "no such card") }
        try await Self.remove(m, kind: "credential.holder_refused", on: req)
    }

    @Sendable func adminReject(_ req: Request) async throws -> HTTPStatus {
        try await Self.remove(try await Self.pending(req), kind: "credential.approval_refused", on: req)
        return .noContent
    }

    /// A refused card leaves no credential row (its serial may be enrolled again properly); the event
    /// log keeps what happened.
    static func remove(_ m: CredentialModel, kind: String, on req: Request) async throws {
        let id = try m.requireID()
        try await req.writeAudited(kind: kind, subject: "employee:\(m.employeeID.uuidString)",
                                   details: ["serial": m.serial, "enrolledBy": m.enrolledBy ?? ""]) { tx in
            // Still pending, read in the transaction: a card approved and accepted meanwhile is not deleted.
            guard let card = try await CredentialModel.find(id, on: tx), card.state == "pending" else {
                throw Abort(.conflict, reason: "this card is not waiting for approval")
            }
            try await card.delete(on: tx)
        }
    }

    @Sendable func setCardSignIn(_ req: Request) async throws -> CardSignInState {
        let body = try req.decodeBody(CardSignIn.self)
        return CardSignInState(enabled: try await Self.setCardSignIn(body.enabled, password: body.password, on: req))
    }

    /// Card sign-in for this account: always on for employees; an opt-in, with the password, for the others.
    static func setCardSignIn(_ enabled: Bool, password: String, on req: Request) async throws -> Bool {
        let user = try req.user
        try await PasswordCheck.reauthenticate(password, for: user, on: req)
        let id = user.id
        try await req.writeAudited(kind: enabled ? "account.card_sign_in_enabled" : "account.card_sign_in_disabled", subject: "user:\(user.username)") { tx in
            guard let account = try await UserModel.find(id, on: tx) else { throw Abort(.unauthorized, reason: "sign in first") }
            account.cardSignIn = enabled
            try await account.save(on: tx)
        }
        return enabled
    }

    @Sendable func issueEmergencyCode(_ req: Request) async throws -> Response {
        let code = try await Self.issueEmergencyCode(password: try req.decodeBody(Password.self).password, on: req)
        let res = try await EmergencyCode(code: code).encodeResponse(status: .created, for: req)
        res.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return res
    }

    /// A new emergency code for the signed-in person's own cards; the previous one stops working.
    static func issueEmergencyCode(password: String, on req: Request) async throws -> String {
        let user = try req.user
        try await PasswordCheck.reauthenticate(password, for: user, on: req)
        guard let employeeID = user.employeeID, let employee = try await EmployeeModel.find(employeeID, on: req.db) else {
            throw Abort(.conflict, reason: "this account is not linked to an employee record")
        }
        let code = try await Self.newEmergencyCode(for: employee, on: req)
        try await req.audit(kind: "account.emergency_code_issued", subject: "employee:\(employeeID.uuidString)")
        return code
    }

    static func newEmergencyCode(for employee: EmployeeModel, on req: Request) async throws -> String {
        var rng = SystemRandomNumberGenerator()
        let code = (0..<10).map { _ in String(Int.random(in: 0...9, using: &rng)) }.joined()
        employee.emergencyCodeHash = try await PasswordCheck.hash(code, cost: req.state.config.bcryptCost, on: req)
        try await employee.save(on: req.db)
        return code
    }
}
