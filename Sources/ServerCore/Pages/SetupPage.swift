import Store
import Vapor

/// `/setup`: the first run's page (``SetupGate``). It answers only while the server waits to be set
/// up; afterwards it is 404, as if it had never been there.
struct SetupPage {
    struct Form: Content {
        var code: String?
        var username: String?
        var password: String?
        var confirm: String?
    }
    struct SetupData: Encodable, Sendable {
        var username: String
        var checks: [CheckView]
    }
    /// A check with its heading and advice in the reader's language and its facts as found.
    struct CheckView: Encodable, Sendable {
        var id: String
        var ok: Bool
        var heading: String
        var advice: String
        var lines: [String]
    }

    func register(_ routes: any RoutesBuilder) {
        // The code is 16 characters from a 56-letter alphabet; the sign-in limiter still bounds tries.
        routes.get("setup", use: show)
        routes.grouped(RateLimitMiddleware(family: .setup)).post("setup", use: complete)
    }

    static func data(_ username: String, _ req: Request) -> SetupData {
        let lang = req.pageLanguage
        let checks = SetupCheck.all(req.state.config).map { c in
            CheckView(id: c.id, ok: c.state == .ok, heading: Messages.text("setup_\(c.id)", lang), advice: Messages.text("setup_\(c.id)_advice", lang), lines: c.lines)
        }
        return SetupData(username: username, checks: checks)
    }

    /// Whether this request may see or use the page: the server waits to be set up and no account exists
    /// by now (`mynagate setup` or another server sharing the database may have set it up meanwhile: then
    /// the gate closes here, and the configuration's paths are never shown on a live server).
    static func waiting(_ req: Request) async throws -> Bool {
        let gate = req.application.setupGate
        guard gate.isWaiting else { return false }
        guard try await UserModel.query(on: req.db).count() == 0 else {
            gate.close()
            return false
        }
        return true
    }

    /// The code and the password must not cross a network in clear: over plain http the page answers only
    /// a client on this machine (an SSH tunnel, or `mynagate setup`, serves a remote operator).
    static func channelIsSafe(_ req: Request) -> Bool {
        if req.state.config.cookiesAreSecure { return true }
        let peer = req.remoteAddress?.ipAddress ?? ""
        return peer == "127.0.0.1" || peer == "::1" || peer.hasPrefix("127.")
    }

    @Sendable func show(_ req: Request) async throws -> Response {
        guard try await Self.waiting(req) else { throw Abort(.notFound) }
        _ = AnonymousFormToken.issue(req)
        return try await req.renderPage("setup", titleKey: "setupTitle", Self.data("", req))
    }

    @Sendable func complete(_ req: Request) async throws -> Response {
        let gate = req.application.setupGate
        guard try await Self.waiting(req) else { throw Abort(.notFound) }
        let form: Form
        do { form = try req.pageForm(Form.self) } catch {
            _ = AnonymousFormToken.issue(req)
            let problem = req.pageProblem(error)
            return try await req.renderPage("setup", titleKey: "setupTitle", Self.data("", req), status: problem.status, error: problem.text)
        }
        let username = form.username ?? ""
        func refuse(_ status: HTTPStatus, _ key: String) async throws -> Response {
            _ = AnonymousFormToken.issue(req)
            return try await req.renderPage("setup", titleKey: "setupTitle", Self.data(username, req), status: status, error: req.text(key))
        }
        guard Self.channelIsSafe(req) else { return try await refuse(.forbidden, "setupNeedsSafeChannel") }
        guard AnonymousFormToken.isValid(req) else { return try await refuse(.badRequest, "formExpired") }
        guard gate.accepts(form.code ?? "") else {
            req.logger.warning("first run: a wrong setup code was tried", metadata: ["client": .string(req.clientAddress)])
            return try await refuse(.forbidden, "setupBadCode")
        }
        guard (form.password ?? "") == (form.confirm ?? "") else { return try await refuse(.unprocessableEntity, "setupPasswordsDiffer") }
        do {
            try await FirstRun.complete(username: username, password: form.password ?? "", checks: SetupCheck.all(req.state.config),
                                        by: "setup:page", cost: req.state.config.bcryptCost, events: req.state.events)
        } catch let refusal as SetupRefusal {
            switch refusal {
            case .alreadyDone:
                gate.close()
                throw Abort(.notFound)
            case .username: return try await refuse(.unprocessableEntity, "setupBadUsername")
            case .password: return try await refuse(.unprocessableEntity, "setupShortPassword")
            case .badCode, .passwordsDiffer: return try await refuse(.unprocessableEntity, "setupBadCode")
            }
        }
        gate.close()
        req.logger.notice("first run: set up through the page; the first administrator is \(username)")
        req.flash("setupDone")
        return req.seeOther("/")
    }
}
