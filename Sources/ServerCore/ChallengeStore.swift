import Fluent
import Foundation
import SQLKit
import Store
import Trust
import Vapor

/// Challenges stored in the database, so any server sharing it can verify one, and each is used once.
package enum ChallengeStore {
    package static func issue(context: String, seconds: Int, on db: any Database) async throws -> Challenge {
        var rng = SystemRandomNumberGenerator()
        let nonce = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let now = Date()
        let m = ChallengeModel()
        m.id = UUID()
        m.context = context
        m.nonce = Data(nonce)
        m.expiresAt = now.addingTimeInterval(TimeInterval(seconds))
        m.used = false
        try await m.create(on: db)
        return Challenge(id: try m.requireID(), nonce: nonce, context: context, issuedAt: now, expiresAt: m.expiresAt)
    }

    /// Marks the challenge used and returns it, or says why it cannot be used. One conditional UPDATE
    /// (`WHERE used = false … RETURNING`) decides, so two servers racing for the same challenge cannot
    /// both succeed: the second sees no row and the request is a replay.
    package static func consume(id: UUID, context: String, on db: any Database) async throws -> Result<Challenge, APIError> {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError, reason: "database without SQL") }
        let rows = try await sql.raw("UPDATE challenges SET used = \(bind: true) WHERE id = \(bind: id) AND used = \(bind: false) RETURNING context, nonce, expires_at").all()
        guard let row = rows.first else {
            return .failure(try await ChallengeModel.find(id, on: db) == nil ? .unknownChallenge : .challengeReplayed)
        }
        let storedContext = try row.decode(column: "context", as: String.self)
        let nonce = try row.decode(column: "nonce", as: Data.self)
        let expiresAt = try row.decode(column: "expires_at", as: Date.self)
        guard expiresAt >= Date() else { return .failure(.challengeExpired) }
        guard storedContext == context else { return .failure(.challengeWrongPlace(storedContext)) }
        return .success(Challenge(id: id, nonce: Array(nonce), context: storedContext, issuedAt: expiresAt, expiresAt: expiresAt))
    }
}
