import Audit
import Crypto
import Fluent
import Store
import Vapor

/// Restores the signed-in user from the session cookie on every request, within the session's limits:
/// ``ServerConfig/sessionIdleSeconds`` since the last request and ``ServerConfig/sessionLifetimeSeconds``
/// since sign-in. A session past either is destroyed here (row deleted, cookie expired), whatever the
/// cookie's own expiry says, so a stolen cookie or database row stops working on the server's clock.
struct SessionUserMiddleware: AsyncMiddleware {
    let idleSeconds: Int
    let lifetimeSeconds: Int

    package func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if request.hasSession, let idText = request.session.data["uid"], let id = UUID(uuidString: idText) {
            let now = Date()
            if let times = SessionTimes(request.session.data),
               now.timeIntervalSince(times.created) < TimeInterval(lifetimeSeconds),
               now.timeIntervalSince(times.seen) < TimeInterval(idleSeconds) {
                // "Last seen" is rewritten at most every minute (or a quarter of the idle limit), not on
                // every request: each change is a database write.
                if now.timeIntervalSince(times.seen) >= TimeInterval(max(1, min(60, idleSeconds / 4))) {
                    request.session.data[SessionTimes.seenKey] = SessionTimes.stamp(now)
                }
                if let u = try await UserModel.find(id, on: request.db), let role = Role(rawValue: u.role) {
                    request.auth.login(SessionUser(id: id, username: u.username, role: role, employeeID: u.employeeID))
                }
            } else {
                request.logger.info("session ended by the idle or absolute limit")
                // Deleted here as well as by the sessions middleware, which skips its cleanup when the
                // route answers with an error (a 401 is the usual answer to an expired session).
                if let sid = request.session.id {
                    try await request.application.sessions.driver.deleteSession(sid, for: request).get()
                }
                // Emptied rather than destroyed: a destroyed session cannot be written again in this
                // request, so signing in anew with the stale cookie would set no cookie at all.
                request.session.id = nil
                request.session.data = SessionData()
            }
        }
        return try await next.respond(to: request)
    }
}

/// CSRF protection for every state-changing request made with a session cookie: the request must carry
/// the session's token in the `X-CSRF-Token` header (API) or a `csrf` form field (pages). Requests
/// without a signed-in session (sign-in itself, door controllers with their own tokens) carry no
/// ambient authority and are not checked here.
struct CSRFMiddleware: AsyncMiddleware {
    package func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let unsafeMethod = [HTTPMethod.POST, .PUT, .PATCH, .DELETE].contains(request.method)
        if unsafeMethod, request.auth.has(SessionUser.self) {
            let expected = request.session.data["csrf"] ?? ""
            var presented = request.headers.first(name: "X-CSRF-Token") ?? ""
            if presented.isEmpty, request.headers.contentType == .urlEncodedForm {
                // The body may still be on its way: a request whose body arrives after its head (a slow
                // client, a busy server) is streamed, and reading it uncollected finds no token — a
                // genuine form refused as forged. Collected here, at most the routes' default limit.
                if request.body.data == nil {
                    _ = try await request.body.collect(max: request.application.routes.defaultMaxBodySize.value).get()
                }
                presented = (try? request.content.get(String.self, at: "csrf")) ?? ""
            }
            // A file upload form (the card application's photo): the token is a field of the multipart body,
            // which is collected here (at most the photo route's limit) to read it before the route runs.
            // Only on the routes that take a file: elsewhere a multipart body is refused without being
            // read, so no route's own body limit can be bypassed through this middleware.
            if presented.isEmpty, request.headers.contentType?.type == "multipart", request.headers.contentType?.subType == "form-data",
               let limit = request.application.fileRoutes.limits["\(request.method.rawValue) \(request.url.path)"] {
                _ = try await request.body.collect(max: limit.value).get()
                presented = (try? request.content.get(String.self, at: "csrf")) ?? ""
            }
            guard !expected.isEmpty, constantTimeEquals(Array(expected.utf8), Array(presented.utf8)) else {
                throw Abort(.forbidden, reason: "missing or wrong CSRF token")
            }
        }
        return try await next.respond(to: request)
    }
}

package func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var acc: UInt8 = 0
    for i in 0..<a.count { acc |= a[i] ^ b[i] }
    return acc == 0
}

/// The hex SHA-256 of a bearer secret (a session id, a door token): what the database keeps instead of
/// the secret, so a copy of the database cannot be replayed.
func tokenHash(_ token: String) -> String {
    SHA256.hash(data: Data(token.utf8)).lowercaseHex
}

/// 32 random bytes as hex: session CSRF tokens, door tokens, confirmation ids.
func randomToken() -> String {
    var rng = SystemRandomNumberGenerator()
    return (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }.lowercaseHex
}

/// The routes that take a file in a multipart form ("METHOD /path"), with the body limit each was
/// registered with: ``CSRFMiddleware`` reads the token from such a body, and from no other. A feature
/// adds its own (the card application's photo, from the page and from the API).
package struct FileRoutes: Sendable {
    package var limits: [String: ByteCount] = [:]
}

extension Application {
    private struct FileRoutesKey: StorageKey { typealias Value = FileRoutes }

    /// See ``FileRoutes``.
    package var fileRoutes: FileRoutes {
        get { storage[FileRoutesKey.self] ?? FileRoutes() }
        set { storage[FileRoutesKey.self] = newValue }
    }
}
