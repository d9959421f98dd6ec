import Vapor

extension Request {
    /// The request's path as it may appear in a log line: any run of 12 or more digits (ASCII or
    /// full-width, with spaces or hyphens between, as ``FreeText/containsNumberRun(_:)`` counts them) is
    /// replaced by `[digits]`. Paths carry internal ids only, but a client can put anything in a URL — a
    /// My Number typed where an id belongs must not reach the log (the query string is never logged).
    var loggedPath: String { LoggedPath.redact(url.path.removingPercentEncoding ?? url.path) }
}

enum LoggedPath {
    static func redact(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false)
            .map { FreeText.containsNumberRun(String($0)) ? "[digits]" : String($0) }
            .joined(separator: "/")
    }
}

/// Vapor's `RouteLoggingMiddleware`, with the path passed through ``Request/loggedPath``.
struct RedactedRouteLogging: AsyncMiddleware {
    package func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        request.logger.info("\(request.method) \(request.loggedPath)")
        return try await next.respond(to: request)
    }
}
