import Fluent
import Store
import Vapor

/// Password sign-in with bcrypt and a lockout after repeated failures; sign-out; who am I.
struct AuthController {
    let config: ServerConfig
    /// A real hash of nothing in particular, to spend bcrypt's time on unknown usernames.
    static let dummyHash: String = (try? Bcrypt.hash("mynagate-no-such-user")) ?? ""

    struct SignIn: Content {
        var username: String
        var password: String
    }

    struct SignedIn: Content {
        var username: String
        var role: String
        var csrfToken: String
    }

    func register(_ routes: any RoutesBuilder) {
        routes.post("api", "v1", "session", use: signIn)
        routes.delete("api", "v1", "session", use: signOut)
        routes.grouped(RoleMiddleware(Set(Role.allCases))).get("api", "v1", "me", use: me)
    }

    @Sendable
    func signIn(_ req: Request) async throws -> SignedIn {
        let body = try req.content.decode(SignIn.self)
        let user = try await authenticate(username: body.username, password: body.password, on: req)
        return SignedIn(username: user.username, role: user.role, csrfToken: try startSession(for: user, on: req))
    }

    /// Checks the password under the lockout rule and records the attempt in the event log.
    func authenticate(username: String, password: String, on req: Request) async throws -> UserModel {
        guard username.count <= 128, password.count <= 1024 else { throw Abort(.badRequest, reason: "username or password too long") }
        let now = Date()
        guard let user = try await UserModel.query(on: req.db).filter(\.$username == username).first() else {
            // Spend the same time as a real check so a missing account is not distinguishable by timing.
            _ = try? Bcrypt.verify(password, created: AuthController.dummyHash)
            throw Abort(.unauthorized, reason: "wrong username or password")
        }
        if let until = user.lockedUntil, until > now {
            throw Abort(.tooManyRequests, reason: "account locked after repeated failures; try again later")
        }
        guard (try? Bcrypt.verify(password, created: user.passwordHash)) == true else {
            user.failedAttempts += 1
            if user.failedAttempts >= config.lockoutThreshold {
                user.lockedUntil = now.addingTimeInterval(TimeInterval(config.lockoutMinutes * 60))
                user.failedAttempts = 0
                try await user.save(on: req.db)
                try await req.audit(kind: "account.locked", subject: "user:\(user.username)", details: ["minutes": String(config.lockoutMinutes)])
            } else {
                try await user.save(on: req.db)
            }
            throw Abort(.unauthorized, reason: "wrong username or password")
        }
        user.failedAttempts = 0
        user.lockedUntil = nil
        try await user.save(on: req.db)
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
        return csrf
    }

    @Sendable
    func signOut(_ req: Request) async throws -> HTTPStatus {
        req.session.destroy()
        return .noContent
    }

    struct Me: Content {
        var username: String
        var role: String
        var employeeID: UUID?
        var csrfToken: String
    }

    @Sendable
    func me(_ req: Request) async throws -> Me {
        let u = try req.user
        return Me(username: u.username, role: u.role.rawValue, employeeID: u.employeeID, csrfToken: req.session.data["csrf"] ?? "")
    }
}
