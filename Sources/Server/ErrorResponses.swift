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
        m.use(ServerErrorLog())
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
        } catch {
            guard let e = error as? any DatabaseError, !(error is any AbortError) else { throw error }
            // The database's own text can quote the values it refused; the log gets its kind only.
            request.logger.error("database error on \(request.method.rawValue) \(request.url.path): \(HealthRegistry.describe(error))")
            if e.isConstraintFailure { throw Abort(.conflict, reason: Self.conflict) }
            throw Abort(.internalServerError, reason: "the database could not complete the request")
        }
    }
}

/// Logs every 5xx with the request's logger (its metadata carries the request id), in words that carry
/// no data: an `Abort`'s reason, or the kind of any other error (``HealthRegistry/describe(_:)``), which
/// then becomes a generic 500 so no library's text reaches Vapor's own error log or the client.
struct ServerErrorLog: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch let e as any AbortError {
            if e.status.code >= 500 {
                request.logger.error("\(e.status.code) on \(request.method.rawValue) \(request.url.path): \(e.reason)")
            }
            throw e
        } catch {
            request.logger.error("500 on \(request.method.rawValue) \(request.url.path): \(HealthRegistry.describe(error))")
            throw Abort(.internalServerError, reason: "the server could not complete the request")
        }
    }
}
