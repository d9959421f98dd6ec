import Fluent
import Foundation
import Server
import ServerCore
import Vapor

/// The configured database (SQLite in the data directory, or `DATABASE_URL`), opened without a server
/// for a command's one piece of work, and closed after it.
enum ConfiguredDatabase {
    static func with<T: Sendable>(_ c: ServerConfig, _ body: @Sendable (any Database) async throws -> T) async throws -> T {
        let app = try await Application.make(Environment(name: "production", arguments: ["mynagate"]))
        app.logger.logLevel = .error
        do {
            try useDatabase(app, config: c)
            let r = try await body(app.db)
            try await app.asyncShutdown()
            return r
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }
}
