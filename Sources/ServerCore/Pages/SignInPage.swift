import Vapor

/// `/`: password sign-in with the same lockout rule as the API, and sign-out.
struct SignInPage {
    struct Form: Content {
        package var username: String?
        package var password: String?
    }
    struct SignInData: Encodable, Sendable {
        package var username: String
    }

    package func register(_ routes: any RoutesBuilder) {
        routes.get(use: show)
        routes.post("login", use: signIn)
        routes.post("logout", use: signOut)
    }

    @Sendable package func show(_ req: Request) async throws -> Response {
        if let u = req.auth.get(SessionUser.self) {
            return req.seeOther(PageMenu.home(req.application.features.menu, for: u.role))
        }
        _ = AnonymousFormToken.issue(req)
        return try await req.renderPage("signin", titleKey: "signInTitle", SignInData(username: ""))
    }

    @Sendable package func signIn(_ req: Request) async throws -> Response {
        let form: Form
        do { form = try req.pageForm(Form.self) } catch {
            // Unreadable: refused without a password check (no bcrypt spent, no attempt counted).
            _ = AnonymousFormToken.issue(req)
            let problem = req.pageProblem(error)
            return try await req.renderPage("signin", titleKey: "signInTitle", SignInData(username: ""), status: problem.status, error: problem.text)
        }
        let username = form.username ?? ""
        guard AnonymousFormToken.isValid(req) else {
            _ = AnonymousFormToken.issue(req)
            return try await req.renderPage("signin", titleKey: "signInTitle", SignInData(username: username), status: .badRequest, error: req.text("formExpired"))
        }
        let auth = AuthController(config: req.state.config)
        do {
            let user = try await auth.authenticate(username: username, password: form.password ?? "", on: req)
            _ = try auth.startSession(for: user, on: req)
            return req.seeOther(PageMenu.home(req.application.features.menu, for: Role(rawValue: user.role) ?? .employee))
        } catch let abort as any AbortError {
            let key = abort.status == .tooManyRequests ? "tooManySignIns" : (abort.status == .unauthorized ? "wrongPassword" : nil)
            _ = AnonymousFormToken.issue(req)
            let res = try await req.renderPage("signin", titleKey: "signInTitle", SignInData(username: username), status: abort.status,
                                               error: key.map(req.text) ?? req.errorText(abort))
            if let wait = abort.headers.first(name: .retryAfter) { res.headers.replaceOrAdd(name: .retryAfter, value: wait) }
            return res
        }
    }

    @Sendable func signOut(_ req: Request) async throws -> Response {
        let lang = req.pageLanguage
        req.session.destroy()
        // The language is kept across sign-out by carrying it in the address of the sign-in page.
        return req.seeOther("/?lang=\(lang.rawValue)")
    }
}
