import Fluent
import Vapor

/// How errors reach a client: every error, from every route and from Vapor itself (unknown route, a
/// body that does not decode, too large, of the wrong type), as the one body of ``APIError`` — never a
/// database's or a library's own text, whatever the environment (Vapor's `ErrorMiddleware` shows
/// `String(describing:)` outside release builds, and the demo runs as development). The full error is
/// logged (5xx by ``ServerErrorLog``).
package enum ErrorResponses {
    /// Replaces Vapor's default middleware list (route logging, then the error middleware) with route
    /// logging, the one error renderer, the 5xx log, and database errors mapped.
    package static func use(on app: Application) {
        var m = Middlewares()
        m.use(RedactedRouteLogging())
        m.use(APIErrorMiddleware())
        m.use(ServerErrorLog())
        m.use(DatabaseErrorMiddleware())
        app.middleware = m
    }
}

/// A unique or foreign-key constraint that refuses a write becomes 409 with a plain sentence; a
/// handler should have checked first (and says which field), this is the backstop for a race
/// between the check and the write. Other database errors are logged and become a generic 500.
struct DatabaseErrorMiddleware: AsyncMiddleware {
    package static let conflict = "this conflicts with an existing record (for example a number already in use)"

    package func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            guard let e = error as? any DatabaseError, !(error is any AbortError) else { throw error }
            // The database's own text can quote the values it refused; the log gets its kind only.
            request.logger.error("database error on \(request.method.rawValue) \(request.loggedPath): \(HealthRegistry.describe(error))")
            if e.isConstraintFailure {
                throw APIError(.conflict, code: "conflict", ja: "既存の記録と重複します（既に使われている番号など）。", en: Self.conflict)
            }
            throw APIError(.internalServerError, code: "database_error", ja: "データベースで処理できませんでした。", en: "the database could not complete the request")
        }
    }
}

/// Logs every 5xx with the request's logger (its metadata carries the request id), in words that carry
/// no data: an `Abort`'s reason, or the kind of any other error (``HealthRegistry/describe(_:)``), which
/// then becomes a generic 500 so no library's text reaches Vapor's own error log or the client.
package struct ServerErrorLog: AsyncMiddleware {
    package func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch let e as any AbortError {
            if e.status.code >= 500 {
                request.logger.error("\(e.status.code) on \(request.method.rawValue) \(request.loggedPath): \(e.reason)")
            }
            throw e
        } catch {
            request.logger.error("500 on \(request.method.rawValue) \(request.loggedPath): \(HealthRegistry.describe(error))")
            throw APIError(.internalServerError, code: "internal_error", ja: "サーバー内部でエラーが起きました。", en: "the server could not complete the request")
        }
    }
}

/// The one renderer of errors, in place of Vapor's `ErrorMiddleware`: whatever was thrown becomes an
/// ``APIError`` (``APIError/init(rendering:)``) and is answered as its JSON body with its headers
/// (`Retry-After` stays). It is outermost but for route logging, so an unknown route (404), a body over
/// the route's limit (413) and Vapor's content errors (400, 415) come out in the same shape.
struct APIErrorMiddleware: AsyncMiddleware {
    package func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            // Every 5xx has been logged by ServerErrorLog, which every responder (Vapor's 404 too) sits inside.
            return APIError(rendering: error).response(for: request)
        }
    }
}
