import Fluent
import Store
import Vapor

/// Password sign-in with bcrypt and a lockout after repeated failures; sign-out; who am I.
///
/// Guessing is bounded three ways: the per-client and global rate limit of this server
/// (``SignInLimits``), and the per-account count in the database, taken before the password is checked
/// (``SignInAttempts``), so that parallel requests on any number of servers check at most
/// ``ServerConfig/lockoutThreshold`` passwords per lock period. A locked account, a wrong password and an
/// unknown name get the same answer after the same bcrypt time, so the answer tells nothing about which.
struct AuthController {
    package let config: ServerConfig

    package struct SignIn: Content {
        package var username: String
        package var password: String
    }

    package struct SignedIn: Content {
        package var username: String
        package var role: String
        package var csrfToken: String
    }

    package func register(_ routes: any RoutesBuilder) {
        // JSON only: a browser form from another site can post urlencoded or plain text without asking,
        // but not JSON, so the API sign-in cannot be used to sign a visitor into the attacker's account.
        routes.grouped(JSONBodyOnly()).post("api", "v1", "session", use: signIn)
        routes.delete("api", "v1", "session", use: signOut)
        routes.grouped(RoleMiddleware(Set(Role.allCases))).get("api", "v1", "me", use: me)
    }

    @Sendable
    package func signIn(_ req: Request) async throws -> SignedIn {
        let body = try req.decodeBody(SignIn.self)
        let user = try await authenticate(username: body.username, password: body.password, on: req)
        return SignedIn(username: user.username, role: user.role, csrfToken: try startSession(for: user, on: req))
    }

    /// Checks the password under the rate limits and the lockout rule and records the outcome in the
    /// event log: every password checked and found wrong (`account.sign_in_failed`), the lock, the success.
    func authenticate(username: String, password: String, on req: Request) async throws -> UserModel {
        guard username.schemaLength <= 128, password.schemaLength <= 1024 else { throw Abort(.badRequest, reason: "username or password too long") }
        try req.application.signInLimits.password.check(req)
        let refused = Abort(.unauthorized, reason: "wrong username or password")
        guard let id = try await PasswordCheck.check(username: username, password: password, purpose: .signIn, on: req),
              let user = try await UserModel.find(id, on: req.db) else { throw refused }
        try await req.audit(kind: "account.signed_in", subject: "user:\(user.username)", actorOverride: "user:\(user.username)")
        return user
    }

    /// Starts a fresh session (a new id, so a fixed session id cannot be planted) and returns its CSRF token.
    func startSession(for user: UserModel, on req: Request) throws -> String {
        // A session id that existed before sign-in is dropped: the middleware mints a new one.
        req.session.id = nil
        let csrf = randomToken()
        req.session.data["uid"] = try user.requireID().uuidString
        req.session.data["csrf"] = csrf
        // The idle and absolute limits are counted from here (see SessionUserMiddleware).
        let now = SessionTimes.stamp(Date())
        req.session.data[SessionTimes.createdKey] = now
        req.session.data[SessionTimes.seenKey] = now
        return csrf
    }

    @Sendable
    func signOut(_ req: Request) async throws -> HTTPStatus {
        req.session.destroy()
        return .noContent
    }

    struct Me: Content {
        package var username: String
        package var role: String
        package var employeeID: UUID?
        package var csrfToken: String
    }

    @Sendable
    package func me(_ req: Request) async throws -> Me {
        let u = try req.user
        return Me(username: u.username, role: u.role.rawValue, employeeID: u.employeeID, csrfToken: req.session.data["csrf"] ?? "")
    }
}

/// Refuses a request whose body is not declared `application/json` (415). Requests without a body
/// pass (the card challenge is a bare POST). Another site's form can only send urlencoded, multipart
/// or plain text without a CORS preflight this server never grants.
struct JSONBodyOnly: AsyncMiddleware {
    package func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let hasBody = request.body.data.map { $0.readableBytes > 0 } ?? (request.headers.first(name: .contentLength).map { $0 != "0" } ?? request.headers.contains(name: .transferEncoding))
        if hasBody || request.headers.contentType != nil {
            guard let ct = request.headers.contentType, ct.type == "application", ct.subType == "json" else {
                throw APIError(.unsupportedMediaType, code: "unsupported_media_type", ja: "本文は application/json で送ってください。", en: "send the body as application/json")
            }
        }
        return try await next.respond(to: request)
    }
}
