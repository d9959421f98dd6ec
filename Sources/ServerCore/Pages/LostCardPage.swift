import Foundation
import Vapor

/// `/lost-card`: suspending one's card without signing in — employee number and the emergency code
/// from enrollment, then a confirmation — at any hour, from a phone.
struct LostCardPage {
    struct Form: Content {
        package var employeeNumber: String?
        package var code: String?
    }
    struct FormData: Encodable, Sendable {
        package var employeeNumber: String
        /// The 24-hour security desk's line (``ServerConfig/securityDeskPhone``), shown on the page.
        var deskPhone: String
    }

    package func register(_ routes: any RoutesBuilder) {
        routes.get("lost-card", use: show)
        // Step 1 is limited inside CredentialsController.requestWithCode, so that a refusal can still
        // show this page with the security desk's line.
        routes.post("lost-card", "request", use: request)
        routes.grouped(RateLimitMiddleware(family: .lostCard)).post("lost-card", "confirm", use: confirm)
    }

    package static func data(_ number: String, _ req: Request) -> FormData {
        FormData(employeeNumber: number, deskPhone: req.state.config.securityDeskPhone ?? "")
    }

    @Sendable package func show(_ req: Request) async throws -> Response {
        _ = AnonymousFormToken.issue(req)
        return try await req.renderPage("lost-card", titleKey: "lostCardTitle", Self.data("", req))
    }

    @Sendable package func request(_ req: Request) async throws -> Response {
        let form: Form
        do { form = try req.pageForm(Form.self) } catch {
            _ = AnonymousFormToken.issue(req)
            let problem = req.pageProblem(error)
            return try await req.renderPage("lost-card", titleKey: "lostCardTitle", Self.data("", req), status: problem.status, error: problem.text)
        }
        let number = String((form.employeeNumber ?? "").trimmingCharacters(in: .whitespaces).prefix(32))
        guard AnonymousFormToken.isValid(req) else {
            _ = AnonymousFormToken.issue(req)
            return try await req.renderPage("lost-card", titleKey: "lostCardTitle", Self.data(number, req), status: .badRequest,
                                            error: req.text("formExpired"))
        }
        do {
            let pending = try await CredentialsController.requestWithCode(
                .init(employeeNumber: number, code: (form.code ?? "").trimmingCharacters(in: .whitespaces)), on: req)
            return try await req.renderPage("confirm-suspend", titleKey: "confirmTitle",
                                            MyCardsPage.ConfirmData(confirmation: pending.confirmation.uuidString, serial: "",
                                                                    expiresAt: PageTime.show(pending.expiresAt), action: "/lost-card/confirm"),
                                            switchPath: "/lost-card")
        } catch let abort as any AbortError {
            let key: String? = switch abort.status {
            case .unauthorized: "wrongCode"
            case .tooManyRequests: "tooManyTries"
            case .notFound: "noActiveCard"
            default: nil
            }
            _ = AnonymousFormToken.issue(req)
            let res = try await req.renderPage("lost-card", titleKey: "lostCardTitle", Self.data(number, req), status: abort.status,
                                               error: key.map(req.text) ?? req.errorText(abort))
            if let wait = abort.headers.first(name: .retryAfter) { res.headers.replaceOrAdd(name: .retryAfter, value: wait) }
            return res
        }
    }

    @Sendable package func confirm(_ req: Request) async throws -> Response {
        guard AnonymousFormToken.isValid(req) else {
            return try await req.renderPage("done", titleKey: "lostCardTitle", NoData(), status: .badRequest, error: req.text("expiredRequest"),
                                            switchPath: "/lost-card")
        }
        let form: MyCardsPage.ConfirmForm
        do { form = try req.pageForm(MyCardsPage.ConfirmForm.self) } catch {
            let problem = req.pageProblem(error)
            return try await req.renderPage("done", titleKey: "lostCardTitle", NoData(), status: problem.status, error: problem.text, switchPath: "/lost-card")
        }
        do {
            _ = try await CredentialsController.confirmWithCode(form.confirmation, on: req)
        } catch let abort as any AbortError where abort.status == .notFound {
            return try await req.renderPage("done", titleKey: "lostCardTitle", NoData(), status: .notFound, error: req.text("expiredRequest"),
                                            switchPath: "/lost-card")
        }
        return try await req.renderPage("done", titleKey: "lostCardTitle", NoData(), message: req.text("suspendedDone"), switchPath: "/lost-card")
    }
}
