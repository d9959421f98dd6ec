import Vapor

/// ``RoleMiddleware`` for pages: a browser that is not signed in is sent to the sign-in page (a 401
/// would show a bare error), and a signed-in person in the wrong role gets a 403 page in their language.
/// The API keeps its 401/403 answers.
struct PageRoleMiddleware: AsyncMiddleware {
    let roles: Set<Role>
    init(_ roles: Set<Role>) { self.roles = roles }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let user = request.auth.get(SessionUser.self) else { return request.seeOther("/") }
        guard roles.contains(user.role) else {
            return try await request.renderPage("forbidden", titleKey: "forbiddenTitle", NoData(), status: .forbidden)
        }
        return try await next.respond(to: request)
    }
}

/// CSRF for the forms used without signing in (sign-in, lost card). ``CSRFMiddleware`` checks only
/// signed-in sessions; these forms get a token in the anonymous session when shown, so another site
/// cannot post them on a visitor's behalf (login CSRF, or suspending someone's card by a forged form).
enum AnonymousFormToken {
    /// The token to put in the form, minted on first use.
    static func issue(_ req: Request) -> String {
        if let t = req.session.data["csrf"], !t.isEmpty { return t }
        let t = randomToken()
        req.session.data["csrf"] = t
        return t
    }

    /// Whether the form carried this session's token. Signed-in requests were checked by the middleware.
    static func isValid(_ req: Request) -> Bool {
        if req.auth.has(SessionUser.self) { return true }
        guard req.hasSession, let expected = req.session.data["csrf"], !expected.isEmpty else { return false }
        let presented = (try? req.content.get(String.self, at: "csrf")) ?? ""
        return constantTimeEquals(Array(expected.utf8), Array(presented.utf8))
    }
}
