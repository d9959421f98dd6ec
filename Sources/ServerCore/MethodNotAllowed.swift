import Vapor

/// Answers a request whose path exists under other methods with 405 and an `Allow` header listing them
/// (RFC 9110 §15.5.6), where Vapor's router would answer 404 as if the path did not exist. Found by the
/// API contract run (schemathesis `unsupported_method`): a client that sent the wrong method learns
/// which to send, and a path that does not exist under any method stays 404.
///
/// Only the router's own "no route" (`RouteNotFound`) is looked at; a handler's 404 ("no such
/// employee") passes unchanged. The reason is a fixed sentence: it does not repeat the method sent.
package struct MethodNotAllowedMiddleware: AsyncMiddleware {
    package func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch let notFound as RouteNotFound {
            let allowed = Self.methods(at: request.url.path, in: request.application.routes.all)
            guard !allowed.isEmpty else { throw notFound }
            throw Abort(.methodNotAllowed, headers: ["Allow": allowed.joined(separator: ", ")],
                        reason: "this path does not take that method; the Allow header lists the ones it does")
        }
    }

    /// The methods of the resource at `path`, in a fixed order, with HEAD wherever GET is (Vapor answers
    /// HEAD with the GET route). The resource is the most specific route pattern that matches, as the
    /// router picks a constant over a parameter: /api/v1/doors/status is the door status list (GET), not
    /// the door "status" of PUT /api/v1/doors/:id.
    package static func methods(at path: String, in routes: [Route]) -> [String] {
        let components = path.split(separator: "/").map(String.init)
        var best: [Int] = []
        var found = Set<String>()
        for route in routes {
            // Empty constants are dropped, as Vapor's router drops them when it registers a route.
            let pattern = route.path.filter { if case .constant("") = $0 { false } else { true } }
            guard matches(pattern, components) else { continue }
            let rank = pattern.map { part -> Int in
                switch part {
                case .constant: 3
                case .parameter: 2
                case .anything: 1
                case .catchall: 0
                }
            }
            if rank.lexicographicallyPrecedes(best) { continue }
            if best.lexicographicallyPrecedes(rank) { best = rank; found = [] }
            found.insert(route.method.rawValue)
        }
        if found.contains("GET") { found.insert("HEAD") }
        return found.sorted()
    }

    /// Whether a route's path components match a request path as Vapor's router matches them: a
    /// constant exactly, a parameter or `*` any one component, `**` the rest (at least one component).
    package static func matches(_ pattern: [PathComponent], _ components: [String]) -> Bool {
        var i = 0
        for (n, part) in pattern.enumerated() {
            switch part {
            case .catchall:
                return n == pattern.count - 1 && i < components.count
            case .constant(let c):
                guard i < components.count, components[i] == c else { return false }
            case .parameter, .anything:
                guard i < components.count else { return false }
            }
            i += 1
        }
        return i == components.count
    }
}
