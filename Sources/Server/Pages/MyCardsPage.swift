import Fluent
import Foundation
import Store
import Vapor

/// `/my/cards` (anyone signed in): my cards, and "lost or stolen — suspend" in two steps: the first
/// button asks, a confirmation page explains, the second button suspends.
struct MyCardsPage {
    struct CardRow: Encodable, Sendable {
        var id: String
        var serial: String
        var validUntil: String
        var state: String
        var stateClass: String
        var canSuspend: Bool
    }
    struct ListData: Encodable, Sendable {
        var cards: [CardRow]
        var empty: Bool
    }
    struct ConfirmData: Encodable, Sendable {
        var confirmation: String
        var serial: String
        var expiresAt: String
        var action: String
    }
    struct ConfirmForm: Content { var confirmation: UUID }

    func register(_ routes: any RoutesBuilder) {
        routes.get("my", "cards", use: show)
        routes.post("my", "cards", ":id", "suspend-request", use: request)
        routes.post("my", "cards", "suspend-confirm", use: confirm)
    }

    static func row(_ m: CredentialModel, lang: PageLanguage) -> CardRow {
        CardRow(id: m.id?.uuidString ?? "", serial: m.serial, validUntil: PageTime.day(m.notAfter), state: Messages.text("state_\(m.state)", lang),
                stateClass: "state-\(m.state)", canSuspend: m.state == "active")
    }

    @Sendable func show(_ req: Request) async throws -> Response {
        var rows: [CardRow] = []
        if let e = try req.user.employeeID {
            rows = try await CredentialModel.query(on: req.db).filter(\.$employeeID == e).sort(\.$createdAt, .descending).all()
                .map { Self.row($0, lang: req.pageLanguage) }
        }
        return try await req.renderPage("my-cards", titleKey: "myCardsTitle", ListData(cards: rows, empty: rows.isEmpty))
    }

    @Sendable func request(_ req: Request) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self), let m = try await CredentialModel.find(id, on: req.db) else {
            throw Abort(.notFound, reason: "no such card")
        }
        let pending = try await CredentialsController.requestOwn(m, on: req)
        return try await req.renderPage("confirm-suspend", titleKey: "confirmTitle",
                                        ConfirmData(confirmation: pending.confirmation.uuidString, serial: m.serial,
                                                    expiresAt: PageTime.show(pending.expiresAt), action: "/my/cards/suspend-confirm"),
                                        switchPath: "/my/cards")
    }

    @Sendable func confirm(_ req: Request) async throws -> Response {
        guard let form = try? req.content.decode(ConfirmForm.self) else {
            return try await req.renderPage("done", titleKey: "myCardsTitle", NoData(), status: .badRequest, error: req.text("expiredRequest"))
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
