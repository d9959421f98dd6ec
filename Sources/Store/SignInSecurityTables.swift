import Foundation
import Fluent
import SQLKit

/// A browser session, stored under the SHA-256 of its id: the cookie value itself is never in the
/// database, so a copy of the database (a backup, a replica, the world-readable file of old) signs
/// no one in.
public final class WebSessionModel: Model, @unchecked Sendable {
    public static let schema = "web_sessions"
    /// Hex SHA-256 of the session id the browser holds.
    @ID(custom: "id", generatedBy: .user) public var id: String?
    /// The session data as JSON (`SessionData`).
    @Field(key: "data") public var data: String
    /// When the row may be deleted: the sooner of the idle and absolute limits, kept current on each write.
    @Field(key: "expires_at") public var expiresAt: Date
    public init() {}
    public init(id: String, data: String, expiresAt: Date) {
        self.id = id
        self.data = data
        self.expiresAt = expiresAt
    }
}

/// Wrong lost-card emergency codes, counted per (employee number, client address) in the database so
/// every server sees the same count and parallel guesses cannot race past it. Keyed by the number as
/// typed (known or not), so a count never tells which numbers exist; rows expire with their window.
public final class LostCardAttemptModel: Model, @unchecked Sendable {
    public static let schema = "lost_card_attempts"
    @ID(key: .id) public var id: UUID?
    @Field(key: "employee_number") public var employeeNumber: String
    @Field(key: "client") public var client: String
    @Field(key: "attempts") public var attempts: Int
    @Field(key: "window_ends") public var windowEnds: Date
    public init() {}
}

/// Security issue 14 (sign-in and sessions): hashed session storage with an expiry column, the
/// lost-card attempt counter, and the removal of the old plain-id session rows.
public struct CreateSignInSecurityTables: AsyncMigration {
    public init() {}

    public func prepare(on db: any Database) async throws {
        try await db.schema(WebSessionModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("data", .string, .required)
            .field("expires_at", .datetime, .required)
            .create()
        try await db.schema(LostCardAttemptModel.schema)
            .id()
            .field("employee_number", .string, .required)
            .field("client", .string, .required)
            .field("attempts", .int, .required)
            .field("window_ends", .datetime, .required)
            .unique(on: "employee_number", "client")
            .create()
        // The old session table holds live cookie values in plain form; those sessions end here (everyone
        // signs in again once) and the table is no longer written.
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw("DELETE FROM _fluent_sessions").run()
        // The periodic purge deletes by expiry.
        try await sql.raw("CREATE INDEX web_sessions_expires_at ON web_sessions (expires_at)").run()
        try await sql.raw("CREATE INDEX lost_card_attempts_window_ends ON lost_card_attempts (window_ends)").run()
    }

    public func revert(on db: any Database) async throws {
        try await db.schema(LostCardAttemptModel.schema).delete()
        try await db.schema(WebSessionModel.schema).delete()
    }
}
