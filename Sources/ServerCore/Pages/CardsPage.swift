import Access
import Fluent
import Foundation
import Store
import Vapor

/// `/cards` (admin, security, hr): every credential with its state; suspend and reinstate (admin,
/// security) as CSRF-protected forms calling the same code as the API; approve or refuse a pending card
/// for a person with a privileged account (admin; never the operator who enrolled it).
struct CardsPage {
    package struct Row: Encodable, Sendable {
        package var id: String
        package var holder: String
        package var serial: String
        package var issuer: String
        package var validUntil: String
        package var state: String
        var stateClass: String
        var canSuspend: Bool
        var canReinstate: Bool
        var canApprove: Bool
        /// While pending: what it waits for and who enrolled it.
        package var note: String?
    }
    struct CardsData: Encodable, Sendable {
        package var cards: [Row]
        package var empty: Bool
    }

    package func register(read: any RoutesBuilder, act: any RoutesBuilder, admin: any RoutesBuilder) {
        read.get("cards", use: list)
        admin.post("cards", ":id", "approve", use: approve)
        act.post("cards", ":id", "suspend", use: suspend)
        act.post("cards", ":id", "reinstate", use: reinstate)
    }

    @Sendable package func list(_ req: Request) async throws -> Response {
        let lang = req.pageLanguage
        let policy = await req.state.policy.current
        let mayAct = try Pages.operations.contains(req.user.role)
        let mayApprove = try req.user.role == .admin
        let rows = try await CredentialModel.query(on: req.db).sort(\.$createdAt, .descending).limit(10_000).all().map { m in
            let e = policy.employees[EmployeeID(rawValue: m.employeeID.uuidString)]
            return Row(id: m.id?.uuidString ?? "", holder: e.map { "\($0.employeeNumber) \($0.name)" } ?? m.employeeID.uuidString, serial: m.serial,
                       issuer: m.issuer, validUntil: PageTime.day(m.notAfter), state: Messages.text("state_\(m.state)", lang),
                       stateClass: "state-\(m.state)", canSuspend: mayAct && m.state == "active", canReinstate: mayAct && m.state == "suspended",
                       canApprove: mayApprove && m.state == "pending" && m.needsApproval == true && m.approvedBy == nil,
                       note: MyCardsPage.note(m, lang: lang).map { "\($0) (\(m.enrolledBy ?? ""))" })
        }
        return try await req.renderPage("cards", titleKey: "cardsTitle", CardsData(cards: rows, empty: rows.isEmpty))
    }

    package func find(_ req: Request) async throws -> CredentialModel {
        guard let id = req.parameters.get("id", as: UUID.self), let m = try await CredentialModel.find(id, on: req.db) else {
            throw Abort(.notFound, reason: "no such card")
        }
        return m
    }

    @Sendable func suspend(_ req: Request) async throws -> Response {
        try await CredentialsController.suspend(try await find(req), reason: .securityOfficer, on: req)
        req.flash("cardSuspended")
        return req.seeOther("/cards")
    }

    @Sendable func approve(_ req: Request) async throws -> Response {
        do {
            _ = try await CredentialApprovalController.approve(try await CredentialApprovalController.pending(req), on: req)
        } catch let abort as any AbortError {
            req.logger.info("card approval refused: \(abort.reason)")
            req.flash("cardApprovalRefused")
            return req.seeOther("/cards")
        }
        req.flash("cardApproved")
        return req.seeOther("/cards")
    }

    @Sendable func reinstate(_ req: Request) async throws -> Response {
        try await CredentialsController.reinstate(try await find(req), on: req)
        req.flash("cardReinstated")
        return req.seeOther("/cards")
    }
}
