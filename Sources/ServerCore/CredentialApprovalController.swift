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
    package struct Password: Content { var password: String }
    struct CardSignIn: Content {
        package var password: String
        var enabled: Bool
    }
    struct CardSignInState: Content { var enabled: Bool }
    struct EmergencyCode: Content {
        /// Shown once; only its bcrypt hash is kept.
        package var code: String
    }

    package func register(_ routes: any RoutesBuilder) {
        let admin = routes.grouped(RoleMiddleware([.admin]))
        let anyone = routes.grouped(RoleMiddleware(Set(Role.allCases)))
        admin.post("api", "v1", "credentials", ":id", "approve", use: approve)
        admin.post("api", "v1", "credentials", ":id", "reject", use: adminReject)
        anyone.post("api", "v1", "me", "credentials", ":id", "confirm", use: confirm)
        anyone.post("api", "v1", "me", "credentials", ":id", "reject", use: holderReject)
        anyone.put("api", "v1", "me", "card-sign-in", use: setCardSignIn)
        anyone.post("api", "v1", "me", "emergency-code", use: issueEmergencyCode)
    }

    package static func pending(_ req: Request) async throws -> CredentialModel {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.badRequest, reason: "id must be a UUID") }
        guard let m = try await CredentialModel.find(id, on: req.db) else { throw Abort(.notFound, reason: "no such card") }
        guard m.state == "pending" else { throw Abort(.conflict, reason: "this card is not waiting for approval") }
        return m
    }

    /// Records one step toward activating the pending card `id` — the administrator's approval or the
    /// holder's acceptance — and its audit record in one transaction: `step` re-reads the row there,
    /// checks that the step is still due (the card still pending, the field still empty) and sets its
    /// own field. A step that is no longer due is 409, and nothing is written or recorded.
    static func recordStep(_ id: UUID, of employee: UUID, kind: String, details: [String: String], on req: Request,
                           _ step: @escaping @Sendable (CredentialModel) throws -> Void) async throws {
        try await req.writeAudited(kind: kind, subject: "employee:\(employee.uuidString)", details: details) { tx in
            guard let row = try await CredentialModel.find(id, on: tx), row.state == "pending", row.employeeID == employee else {
                throw Abort(.conflict, reason: "this card was refused meanwhile")
            }
            try step(row)
            try await row.save(on: tx)
        }
    }

    /// Activates the card `id` once nothing is missing; returns the credential as it now is.
    ///
    /// The approval and the holder's acceptance may arrive at once: each records its own field in its
    /// own transaction (``recordStep(_:of:kind:details:on:_:)``), then reads the row again, so whichever
    /// comes second sees both and activates; ``Enrollment/activate(_:creating:actor:on:state:)``
    /// re-reads it in its transaction.
    static func activateIfComplete(_ id: UUID, on req: Request) async throws -> CredentialsController.CredentialDTO {
        guard let fresh = try await CredentialModel.find(id, on: req.db) else { throw Abort(.conflict, reason: "this card was refused meanwhile") }
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
        let id = try m.requireID()
        try await recordStep(id, of: m.employeeID, kind: "credential.approved", details: ["serial": m.serial, "enrolledBy": m.enrolledBy ?? ""], on: req) { row in
            guard row.needsApproval == true, row.approvedBy == nil else { throw Abort(.conflict, reason: "this card needs no administrator's approval") }
            row.approvedBy = actor
        }
        return try await Self.activateIfComplete(id, on: req)
    }

    @Sendable package func confirm(_ req: Request) async throws -> CredentialsController.CredentialDTO {
        try await Self.confirm(try await Self.pending(req), password: try req.decodeBody(Password.self).password, on: req)
    }

    /// The holder accepts a card enrolled for them, with their password.
    package static func confirm(_ m: CredentialModel, password: String, on req: Request) async throws -> CredentialsController.CredentialDTO {
        let user = try req.user
        guard user.employeeID == m.employeeID else { throw Abort(.notFound, reason: "no such card") }
        try await PasswordCheck.reauthenticate(password, for: user, on: req)
        guard m.needsHolder == true, m.holderConfirmedAt == nil else { throw Abort(.conflict, reason: "this card needs no confirmation") }
        let id = try m.requireID()
        try await recordStep(id, of: m.employeeID, kind: "credential.holder_confirmed", details: ["serial": m.serial], on: req) { row in
            guard row.needsHolder == true, row.holderConfirmedAt == nil else { throw Abort(.conflict, reason: "this card needs no confirmation") }
            row.holderConfirmedAt = Date()
            if row.binding == nil { row.binding = CredentialBinding.Evidence.holderSession.rawValue }
        }
        return try await Self.activateIfComplete(id, on: req)
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
    package static func remove(_ m: CredentialModel, kind: String, on req: Request) async throws {
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
        guard let employeeID = user.employeeID, try await EmployeeModel.find(employeeID, on: req.db) != nil else {
            throw Abort(.conflict, reason: "this account is not linked to an employee record")
        }
        var rng = SystemRandomNumberGenerator()
        let code = (0..<10).map { _ in String(Int.random(in: 0...9, using: &rng)) }.joined()
        // Hashed before the transaction (bcrypt is slow; the write turn is not held for it), stored with
        // its record in one: a code that works is always one the event log shows was issued.
        let hash = try await PasswordCheck.hash(code, cost: req.state.config.bcryptCost, on: req)
        try await req.writeAudited(kind: "account.emergency_code_issued", subject: "employee:\(employeeID.uuidString)") { tx in
            guard let employee = try await EmployeeModel.find(employeeID, on: tx) else {
                throw Abort(.conflict, reason: "this account is not linked to an employee record")
            }
            employee.emergencyCodeHash = hash
            try await employee.save(on: tx)
        }
        return code
    }
}

