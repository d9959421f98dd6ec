import Fluent
import Foundation
import Store
import Vapor

/// `/my/cards` (anyone signed in): my cards, and "lost or stolen — suspend" in two steps: the first
/// button asks, a confirmation page explains, the second button suspends. Also what only the owner may
/// do, each with their password again: accept or refuse a card enrolled for them (``CredentialBinding``),
/// see which enrollment retired an earlier card, issue their emergency code, and (for admin, security and
/// hr accounts) choose whether the card alone signs them in.
struct MyCardsPage {
    struct CardRow: Encodable, Sendable {
        package var id: String
        package var serial: String
        package var validUntil: String
        package var state: String
        var stateClass: String
        var canSuspend: Bool
        /// Waiting for the holder's acceptance (a form with the password is shown).
        var canAccept: Bool
        /// What it still waits for, or who retired it, in the page's language.
        package var note: String?
    }
    struct ListData: Encodable, Sendable {
        package var cards: [CardRow]
        package var empty: Bool
        /// Shown once, right after the owner issued it.
        var emergencyCode: String?
        var hasEmployeeRecord: Bool
        /// A privileged account: the card-sign-in choice is offered.
        var privileged: Bool
        var cardSignIn: Bool
    }
    struct PasswordForm: Content { var password: String }
    struct CardSignInForm: Content {
        package var password: String
        var enabled: String?
    }
    struct ConfirmData: Encodable, Sendable {
        package var confirmation: String
        package var serial: String
        package var expiresAt: String
        package var action: String
    }
    struct ConfirmForm: Content { var confirmation: UUID }

    package func register(_ routes: any RoutesBuilder) {
        routes.get("my", "cards", use: show)
        routes.post("my", "cards", ":id", "suspend-request", use: request)
        routes.post("my", "cards", "suspend-confirm", use: confirm)
        routes.post("my", "cards", ":id", "accept", use: accept)
        routes.post("my", "cards", ":id", "refuse", use: refuse)
        routes.post("my", "emergency-code", use: emergencyCode)
        routes.post("my", "card-sign-in", use: cardSignIn)
    }

    package static func row(_ m: CredentialModel, lang: PageLanguage) -> CardRow {
        CardRow(id: m.id?.uuidString ?? "", serial: m.serial, validUntil: PageTime.day(m.notAfter), state: Messages.text("state_\(m.state)", lang),
                stateClass: "state-\(m.state)", canSuspend: m.state == "active",
                canAccept: m.state == "pending" && m.needsHolder == true && m.holderConfirmedAt == nil, note: note(m, lang: lang))
    }

    /// For a pending card: what it waits for, who enrolled it and when (the holder accepts a card they
    /// know they handed in at the desk); for a retired one: who enrolled its replacement.
    package static func note(_ m: CredentialModel, lang: PageLanguage) -> String? {
        if let waiting = CredentialsController.dto(m).waitingFor, !waiting.isEmpty {
            return waiting.map { Messages.text("enrollWaiting_\($0)", lang) }.joined(separator: " ")
                + " " + Messages.text("enrolledByNote", lang) + " " + (m.enrolledBy ?? "") + " " + PageTime.show(m.stateChangedAt ?? m.createdAt ?? Date())
        }
        if m.state == "retired", let by = m.retiredBy { return Messages.text("retiredByNote", lang) + " " + by }
        return nil
    }

    package func render(_ req: Request, emergencyCode: String? = nil, status: HTTPStatus = .ok, error: String? = nil, message: String? = nil) async throws -> Response {
        var rows: [CardRow] = []
        let user = try req.user
        if let e = user.employeeID {
            rows = try await CredentialModel.query(on: req.db).filter(\.$employeeID == e).sort(\.$createdAt, .descending).all()
                .map { Self.row($0, lang: req.pageLanguage) }
        }
        let account = try await UserModel.find(user.id, on: req.db)
        let data = ListData(cards: rows, empty: rows.isEmpty, emergencyCode: emergencyCode, hasEmployeeRecord: user.employeeID != nil,
                            privileged: user.role != .employee, cardSignIn: account?.cardSignIn == true)
        let res = try await req.renderPage("my-cards", titleKey: "myCardsTitle", data, status: status, error: error, message: message)
        if emergencyCode != nil { res.headers.replaceOrAdd(name: .cacheControl, value: "no-store") }
        return res
    }

    @Sendable package func show(_ req: Request) async throws -> Response { try await render(req) }

    /// Runs an owner's act and shows the page again with its outcome; a refusal is shown in the form's place.
    package func act(_ req: Request, done: String, _ body: () async throws -> Void) async throws -> Response {
        do {
            try await body()
        } catch {
            let problem = req.pageProblem(error)
            return try await render(req, status: problem.status, error: Self.refusalText(error, problem, req))
        }
        req.flash(done)
        return req.seeOther("/my/cards")
    }

    /// A refusal as the page words it: a wrong password in the page's own sentence, anything else as
    /// ``Vapor/Request/pageProblem(_:)`` shows it.
    static func refusalText(_ error: any Error, _ problem: PageProblem, _ req: Request) -> String {
        if let abort = error as? any AbortError, abort.reason == PasswordCheck.wrong { return req.text("passwordWrong") }
        return problem.text
    }

    @Sendable package func accept(_ req: Request) async throws -> Response {
        try await act(req, done: "cardAccepted") {
            let password = try req.pageForm(PasswordForm.self).password ?? ""
            _ = try await CredentialApprovalController.confirm(try await CredentialApprovalController.pending(req), password: password, on: req)
        }
    }

    @Sendable package func refuse(_ req: Request) async throws -> Response {
        try await act(req, done: "cardRefused") {
            try await CredentialApprovalController.holderReject(try await CredentialApprovalController.pending(req), on: req)
        }
    }

    @Sendable func emergencyCode(_ req: Request) async throws -> Response {
        do {
            let password = try req.pageForm(PasswordForm.self).password ?? ""
            let code = try await CredentialApprovalController.issueEmergencyCode(password: password, on: req)
            return try await render(req, emergencyCode: code, message: req.text("emergencyCodeIssued"))
        } catch {
            let problem = req.pageProblem(error)
            return try await render(req, status: problem.status, error: Self.refusalText(error, problem, req))
        }
    }

    @Sendable func cardSignIn(_ req: Request) async throws -> Response {
        try await act(req, done: "cardSignInSaved") {
            let form = try req.pageForm(CardSignInForm.self)
            _ = try await CredentialApprovalController.setCardSignIn(form.enabled == "on", password: form.password ?? "", on: req)
        }
    }

    @Sendable package func request(_ req: Request) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self), let m = try await CredentialModel.find(id, on: req.db) else {
            throw Abort(.notFound, reason: "no such card")
        }
        let pending = try await CredentialsController.requestOwn(m, on: req)
        return try await req.renderPage("confirm-suspend", titleKey: "confirmTitle",
                                        ConfirmData(confirmation: pending.confirmation.uuidString, serial: m.serial,
                                                    expiresAt: PageTime.show(pending.expiresAt), action: "/my/cards/suspend-confirm"),
                                        switchPath: "/my/cards")
    }

    @Sendable package func confirm(_ req: Request) async throws -> Response {
        let form: ConfirmForm
        do { form = try req.pageForm(ConfirmForm.self) } catch {
            let problem = req.pageProblem(error)
            return try await req.renderPage("done", titleKey: "myCardsTitle", NoData(), status: problem.status, error: problem.text)
        }
        do {
            _ = try await CredentialsController.confirmOwn(form.confirmation, on: req)
        } catch let abort as any AbortError where abort.status == .notFound {
            return try await req.renderPage("done", titleKey: "myCardsTitle", NoData(), status: .notFound, error: req.text("expiredRequest"))
        }
        req.flash("suspendedDone")
        return req.seeOther("/my/cards")
    }
}
