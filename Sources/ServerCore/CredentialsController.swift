import Access
import Fluent
import Foundation
import Store
import Trust
import Vapor
import X509

/// Cards: listing, suspension by security staff, and "I lost my card" by the holder in two steps —
/// signed in, or with the emergency code from enrollment — at any hour.
struct CredentialsController {
    struct CredentialDTO: Content {
        package var id: UUID?
        package var employeeId: UUID
        package var issuer: String
        package var serial: String
        package var notBefore: Date
        package var notAfter: Date
        package var state: String
        var suspensionReason: String?
        package var stateChangedAt: Date?
        /// How the card was bound to the person (`signing_certificate`, `holder_session`, `legacy`).
        package var binding: String?
        /// The operator who enrolled it.
        var enrolledBy: String?
        /// While pending: `approval` and/or `holder`.
        var waitingFor: [String]?
        /// For a retired card: who enrolled the card that replaced it (shown to the owner).
        var retiredBy: String?
    }
    struct Pending: Content {
        package var confirmation: UUID
        package var expiresAt: Date
        package var messageJa: String
        package var messageEn: String
    }
    struct Confirm: Content { var confirmation: UUID }
    struct LostCard: Content {
        package var employeeNumber: String
        package var code: String
    }

    package func register(_ routes: any RoutesBuilder) {
        let staff = routes.grouped(RoleMiddleware([.admin, .security, .hr]))
        let security = routes.grouped(RoleMiddleware([.admin, .security]))
        let anyone = routes.grouped(RoleMiddleware(Set(Role.allCases)))
        staff.get("api", "v1", "credentials", use: list)
        security.post("api", "v1", "credentials", ":id", "suspend", use: suspend)
        security.post("api", "v1", "credentials", ":id", "reinstate", use: reinstate)
        anyone.get("api", "v1", "me", "credentials", use: mine)
        anyone.post("api", "v1", "me", "credentials", ":id", "suspend-request", use: requestOwnSuspension)
        anyone.post("api", "v1", "me", "credentials", "suspend-confirm", use: confirmOwnSuspension)
        // Without signing in: the emergency code, under the limits of requestWithCode. The confirmation
        // needs a random id from step 1; it is rate-limited like every route open to anyone.
        routes.post("api", "v1", "lost-card", "request", use: lostCardRequest)
        routes.grouped(RateLimitMiddleware(family: .lostCard)).post("api", "v1", "lost-card", "confirm", use: lostCardConfirm)
    }

    /// The states a credential row can be in.
    static let states: Set<String> = ["active", "suspended", "retired", "pending"]

    package static func dto(_ m: CredentialModel) -> CredentialDTO {
        var waiting: [String]?
        if m.state == "pending" {
            waiting = []
            if m.needsApproval == true, m.approvedBy == nil { waiting?.append("approval") }
            if m.needsHolder == true, m.holderConfirmedAt == nil { waiting?.append("holder") }
        }
        return CredentialDTO(id: m.id, employeeId: m.employeeID, issuer: m.issuer, serial: m.serial, notBefore: m.notBefore, notAfter: m.notAfter,
                             state: m.state, suspensionReason: m.suspensionReason, stateChangedAt: m.stateChangedAt,
                             binding: m.binding, enrolledBy: m.enrolledBy, waitingFor: waiting, retiredBy: m.retiredBy)
    }

    @Sendable package func list(_ req: Request) async throws -> [CredentialDTO] {
        var q = CredentialModel.query(on: req.db).sort(\.$createdAt, .descending)
        if let e = try req.queryUUID("employee") { q = q.filter(\.$employeeID == e) }
        if let s = req.query[String.self, at: "state"] {
            // A state no card can be in is the caller's mistake, not an empty answer.
            guard Self.states.contains(s) else { throw Abort(.badRequest, reason: "state must be active, suspended, retired or pending") }
            q = q.filter(\.$state == s)
        }
        return try await q.limit(try req.queryLimit(default: 1000)).all().map(Self.dto)
    }

    @Sendable package func mine(_ req: Request) async throws -> [CredentialDTO] {
        guard let e = try req.user.employeeID else { return [] }
        return try await CredentialModel.query(on: req.db).filter(\.$employeeID == e).sort(\.$createdAt, .descending).all().map(Self.dto)
    }

    package func find(_ req: Request) async throws -> CredentialModel {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.badRequest, reason: "id must be a UUID") }
        guard let m = try await CredentialModel.find(id, on: req.db) else { throw Abort(.notFound, reason: "no such card") }
        return m
    }

    @Sendable func suspend(_ req: Request) async throws -> CredentialDTO {
        let m = try await find(req)
        try await Self.suspend(m, reason: .securityOfficer, on: req)
        return Self.dto(m)
    }

    @Sendable func reinstate(_ req: Request) async throws -> CredentialDTO {
        let m = try await find(req)
        try await Self.reinstate(m, on: req)
        return Self.dto(m)
    }

    /// Makes a suspended card usable again (the API and the cards page).
    static func reinstate(_ m: CredentialModel, on req: Request) async throws {
        guard m.state == "suspended" else { throw Abort(.conflict, reason: "only a suspended card can be reinstated") }
        let id = try m.requireID()
        let now = Date()
        try await req.writeAudited(kind: "credential.reinstated", subject: "employee:\(m.employeeID.uuidString)", details: ["serial": m.serial],
                                   changesPolicy: true) { tx in
            // Read again and written in the transaction (a fresh model each attempt): a card suspended
            // meanwhile by another server is reinstated from what is stored, once.
            guard let card = try await CredentialModel.find(id, on: tx), card.state == "suspended" else {
                throw Abort(.conflict, reason: "only a suspended card can be reinstated")
            }
            card.state = "active"
            card.suspensionReason = nil
            card.stateChangedAt = now
            try await card.save(on: tx)
        }
        m.state = "active"
        m.suspensionReason = nil
        m.stateChangedAt = now
    }

    /// Suspends and makes every server refuse the card (see ``CredentialSuspension``); the actor is the
    /// signed-in user, or the lost-card code's employee number.
    @discardableResult
    static func suspend(_ m: CredentialModel, reason: Credential.SuspensionReason, details: [String: String] = [:], on req: Request) async throws -> Bool {
        let actor = req.auth.get(SessionUser.self).map { "user:\($0.username)" } ?? "anonymous"
        return try await CredentialSuspension.suspend(m, reason: reason, actor: actor, details: details, on: req.db, policy: req.state.policy, events: req.state.events)
    }

    @Sendable func requestOwnSuspension(_ req: Request) async throws -> Pending {
        try await Self.requestOwn(try await find(req), on: req)
    }

    @Sendable func confirmOwnSuspension(_ req: Request) async throws -> [CredentialDTO] {
        try await Self.confirmOwn(try req.decodeBody(Confirm.self).confirmation, on: req)
    }

    /// Step 1 of "suspend my card" for the signed-in holder (the API and the my-cards page).
    static func requestOwn(_ m: CredentialModel, on req: Request) async throws -> Pending {
        guard let mine = try req.user.employeeID, mine == m.employeeID else { throw Abort(.forbidden, reason: "not your card") }
        return try await pending(for: m, by: "user:\(try req.user.username)", on: req)
    }

    /// Step 2: only the person who asked can confirm, within the request's 5 minutes.
    static func confirmOwn(_ confirmation: UUID, on req: Request) async throws -> [CredentialDTO] {
        guard let p = try await SuspensionRequestModel.find(confirmation, on: req.db), p.expiresAt > Date(),
              p.requestedBy == "user:\(try req.user.username)" else {
            throw Abort(.notFound, reason: "no such pending request, or it expired")
        }
        return try await complete(p, on: req)
    }

    package static func pending(for m: CredentialModel, by who: String, on req: Request) async throws -> Pending {
        let p = SuspensionRequestModel()
        p.id = UUID()
        p.credentialID = try m.requireID()
        p.requestedBy = who
        p.expiresAt = Date().addingTimeInterval(300)
        try await p.create(on: req.db)
        return Pending(confirmation: try p.requireID(), expiresAt: p.expiresAt,
                       messageJa: "カードを利用停止します。5分以内に確定してください。", messageEn: "Confirm within 5 minutes to suspend the card.")
    }

    package static func complete(_ p: SuspensionRequestModel, on req: Request) async throws -> [CredentialDTO] {
        try await p.delete(on: req.db)
        guard let m = try await CredentialModel.find(p.credentialID, on: req.db) else { throw Abort(.notFound, reason: "no such card") }
        try await suspend(m, reason: .reportedLost, on: req)
        return [dto(m)]
    }

    @Sendable func lostCardRequest(_ req: Request) async throws -> Pending {
        try await Self.requestWithCode(try req.decodeBody(LostCard.self), on: req)
    }

    /// Step 1 of "I lost my card" without signing in: the employee number and the emergency code (the
    /// API and the lost-card page).
    ///
    /// Guessing is bounded without ever locking the holder out: per client and for everyone on this
    /// server (``SignInLimits/lostCard``), and per (employee number, client) in the database, counted
    /// before the code is checked (``SignInAttempts/countLostCard``), so parallel guesses cannot race past
    /// it and a stranger's failures from elsewhere do not block the holder's own phone. Every refusal
    /// for too many attempts names the 24-hour security desk, which can always suspend the card.
    static func requestWithCode(_ body: LostCard, on req: Request) async throws -> Pending {
        guard body.employeeNumber.schemaLength <= 32, body.code.schemaLength <= 64 else { throw Abort(.badRequest, reason: "too long") }
        let config = req.state.config
        let desk = "call the 24-hour security desk\(config.securityDeskPhone.map { " (\($0))" } ?? "") to suspend the card now"
        try req.application.signInLimits.lostCard.check(req, reason: "too many attempts from here; \(desk)")
        let client = req.clientAddress
        let counted = try await SignInAttempts.countLostCard(employeeNumber: body.employeeNumber, client: client,
                                                             windowSeconds: config.lockoutMinutes * 60, on: req.db)
        guard counted.attempt <= max(1, config.lockoutThreshold) else {
            let wait = max(1, Int(counted.windowEnds.timeIntervalSinceNow.rounded(.up)))
            throw Abort(.tooManyRequests, headers: ["Retry-After": String(wait)], reason: "too many attempts for this number from here; \(desk)")
        }
        let employee = try await EmployeeModel.query(on: req.db).filter(\.$employeeNumber == body.employeeNumber).first()
        let right: Bool
        if let hash = employee?.emergencyCodeHash {
            right = await PasswordCheck.verify(body.code, hash: hash, on: req)
        } else {
            // An unknown number takes as long as a wrong code.
            try await PasswordCheck.spendTime(body.code, cost: config.bcryptCost, on: req)
            right = false
        }
        guard right, let e = employee else {
            throw Abort(.unauthorized, reason: "employee number or emergency code is wrong")
        }
        try await SignInAttempts.lostCardSucceeded(employeeNumber: body.employeeNumber, client: client, on: req.db)
        guard let card = try await CredentialModel.query(on: req.db).filter(\.$employeeID == e.requireID()).filter(\.$state == "active").first() else {
            throw Abort(.notFound, reason: "no active card to suspend")
        }
        return try await pending(for: card, by: "code:\(body.employeeNumber)", on: req)
    }

    @Sendable func lostCardConfirm(_ req: Request) async throws -> [CredentialDTO] {
        try await Self.confirmWithCode(try req.decodeBody(Confirm.self).confirmation, on: req)
    }

    /// Step 2 without signing in: the confirmation id from step 1 is the proof (random, 5 minutes, once).
    static func confirmWithCode(_ confirmation: UUID, on req: Request) async throws -> [CredentialDTO] {
        guard let p = try await SuspensionRequestModel.find(confirmation, on: req.db), p.expiresAt > Date(), p.requestedBy.hasPrefix("code:") else {
            throw Abort(.notFound, reason: "no such pending request, or it expired")
        }
        return try await complete(p, on: req)
    }
}
