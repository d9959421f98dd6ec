import Fluent
import Vapor

/// How errors reach a client: the reason of an `Abort` (written for the client), and for anything
/// else a generic 500 — never a database's or a library's own text, whatever the environment (Vapor
/// shows `String(describing:)` outside release builds, and the demo runs as development). The full
/// error is logged.
enum ErrorResponses {
    /// Replaces Vapor's default middleware list (route logging, then the error middleware) with the
    /// same list, the error middleware fixed to the production behaviour, and database errors mapped.
    static func use(on app: Application) {
        var m = Middlewares()
        m.use(RouteLoggingMiddleware(logLevel: .info))
        m.use(ErrorMiddleware.default(environment: .production))
        m.use(DatabaseErrorMiddleware())
        app.middleware = m
    }
}

/// A unique or foreign-key constraint that refuses a write becomes 409 with a plain sentence; a
/// handler should have checked first (and says which field), this is the backstop for a race
/// between the check and the write. Other database errors are logged and become a generic 500.
struct DatabaseErrorMiddleware: AsyncMiddleware {
    static let conflict = "this conflicts with an existing record (for example a number already in use)"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch let e as any DatabaseError where !(e is any AbortError) {
            request.logger.error("database error on \(request.method.rawValue) \(request.url.path): \(String(describing: e))")
            if e.isConstraintFailure { throw Abort(.conflict, reason: Self.conflict) }
            throw Abort(.internalServerError, reason: "the database could not complete the request")
        }
    }
}
