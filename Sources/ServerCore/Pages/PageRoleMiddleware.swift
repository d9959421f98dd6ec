import Access
import Vapor

/// ``RoleMiddleware`` for pages: a browser that is not signed in is sent to the sign-in page (a 401
/// would show a bare error), and a signed-in person in the wrong role gets a 403 page in their language.
/// The API keeps its 401/403 answers.
package struct PageRoleMiddleware: AsyncMiddleware {
    package let roles: Set<Role>
    package init(_ roles: Set<Role>) { self.roles = roles }

    package func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let user = request.auth.get(SessionUser.self) else { return request.seeOther("/") }
        guard roles.contains(user.role) else {
            return try await request.renderPage("forbidden", titleKey: "forbiddenTitle", NoData(), status: .forbidden)
        }
        return try await next.respond(to: request)
    }
}

/// CSRF for the forms used without signing in (sign-in, lost card). ``CSRFMiddleware`` checks only
/// signed-in sessions; these forms carry a token that must equal the one in the `mynagate_form` cookie
/// set with the form (a double-submit cookie), so another site cannot post them on a visitor's behalf
/// (login CSRF, or suspending someone's card by a forged form): it can neither read nor set our cookie.
///
/// The token lives in a cookie, not in a session, so an anonymous visit stores nothing in the database.
/// It is not signed: a signature would add nothing, since anyone may fetch a valid pair from the page,
/// and what the check needs is only that the poster can read the page's cookie.
enum AnonymousFormToken {
    static let cookieName = "mynagate_form"
    private struct IssuedKey: StorageKey { typealias Value = String }

    /// The token to put in the form: the one in the request's cookie, or a new one that
    /// ``Request/renderPage(_:titleKey:_:status:error:message:switchPath:)`` sets as the cookie.
    package static func issue(_ req: Request) -> String {
        if let t = req.storage[IssuedKey.self] { return t }
        if let t = presentedCookie(req) { return t }
        let t = randomToken()
        req.storage[IssuedKey.self] = t
        return t
    }

    /// The token this request shows in forms, if any was issued or came with it.
    package static func current(_ req: Request) -> String? {
        req.storage[IssuedKey.self] ?? presentedCookie(req)
    }

    /// The cookie to set on the response when a new token was minted in this request.
    static func cookieToSet(_ req: Request) -> HTTPCookies.Value? {
        guard let t = req.storage[IssuedKey.self] else { return nil }
        return HTTPCookies.Value(string: t, expires: nil, maxAge: nil, domain: nil, path: "/", isSecure: req.state.cookieSecure,
                                 isHTTPOnly: true, sameSite: .strict)
    }

    private static func presentedCookie(_ req: Request) -> String? {
        guard let t = req.cookies[cookieName]?.string, t.count == 64, t.isASCIIHex else { return nil }
        return t
    }

    /// Whether the form carried the token of this browser's cookie. Signed-in requests were checked by the middleware.
    package static func isValid(_ req: Request) -> Bool {
        if req.auth.has(SessionUser.self) { return true }
        guard let expected = presentedCookie(req) else { return false }
        let presented = (try? req.content.get(String.self, at: "csrf")) ?? ""
        return constantTimeEquals(Array(expected.utf8), Array(presented.utf8))
    }
}
