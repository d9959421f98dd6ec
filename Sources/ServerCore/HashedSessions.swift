import Crypto
import Fluent
import Foundation
import Store
import Vapor

/// Sessions in the database under the SHA-256 of their id (``WebSessionModel``), with an expiry column
/// for the purge. The cookie value is never stored, so reading the database (a backup, a replica) gives
/// no one a session; a row's key presented as a cookie is hashed again and matches nothing.
///
/// An empty session (an anonymous visitor nobody wrote anything for) is never stored, and a session
/// whose data did not change in a request is not written again.
struct HashedSessionDriver: AsyncSessionDriver {
    let idleSeconds: Int
    let lifetimeSeconds: Int

    /// The data as read at the start of this request, to skip the write when nothing changed.
    private struct ReadKey: StorageKey { typealias Value = SessionData }

    package static func key(_ id: SessionID) -> String { tokenHash(id.string) }

    /// When the row may go: the sooner of the idle and absolute limits of a signed-in session (see
    /// ``SessionTimes``), or the idle limit from now for anything else.
    package func expiry(_ data: SessionData, now: Date = Date()) -> Date {
        if let t = SessionTimes(data) {
            return min(t.created.addingTimeInterval(TimeInterval(lifetimeSeconds)), t.seen.addingTimeInterval(TimeInterval(idleSeconds)))
        }
        return now.addingTimeInterval(TimeInterval(idleSeconds))
    }

    package func createSession(_ data: SessionData, for request: Request) async throws -> SessionID {
        let id = SessionID(string: randomToken())
        guard !data.snapshot.isEmpty else { return id }
        try await WebSessionModel(id: Self.key(id), data: try Self.encode(data), expiresAt: expiry(data)).create(on: request.db)
        request.storage[ReadKey.self] = data
        return id
    }

    func readSession(_ sessionID: SessionID, for request: Request) async throws -> SessionData? {
        // Ours are 64 hex characters; anything else is not looked up at all.
        guard sessionID.string.count == 64 else { return nil }
        guard let m = try await WebSessionModel.find(Self.key(sessionID), on: request.db) else { return nil }
        guard m.expiresAt > Date() else {
            // Past its limit: gone now rather than at the next purge.
            try await m.delete(on: request.db)
            return nil
        }
        let data = try JSONDecoder().decode(SessionData.self, from: Data(m.data.utf8))
        request.storage[ReadKey.self] = data
        return data
    }

    func updateSession(_ sessionID: SessionID, to data: SessionData, for request: Request) async throws -> SessionID {
        if let read = request.storage[ReadKey.self], read == data { return sessionID }
        let key = Self.key(sessionID)
        if let m = try await WebSessionModel.find(key, on: request.db) {
            m.data = try Self.encode(data)
            m.expiresAt = expiry(data)
            try await m.save(on: request.db)
        } else if !data.snapshot.isEmpty {
            try await WebSessionModel(id: key, data: try Self.encode(data), expiresAt: expiry(data)).create(on: request.db)
        }
        return sessionID
    }

    func deleteSession(_ sessionID: SessionID, for request: Request) async throws {
        try await WebSessionModel.query(on: request.db).filter(\.$id == Self.key(sessionID)).delete()
    }

    package static func encode(_ data: SessionData) throws -> String {
        String(decoding: try JSONEncoder().encode(data), as: UTF8.self)
    }
}

/// When a signed-in session started and was last used, kept in the session data (seconds since 1970)
/// so every server enforces the same idle and absolute limits.
struct SessionTimes {
    static let createdKey = "created"
    static let seenKey = "seen"
    package var created: Date
    package var seen: Date

    package init?(_ data: SessionData) {
        guard let c = data[Self.createdKey].flatMap(Double.init), let s = data[Self.seenKey].flatMap(Double.init) else { return nil }
        created = Date(timeIntervalSince1970: c)
        seen = Date(timeIntervalSince1970: s)
    }

    static func stamp(_ date: Date) -> String { String(format: "%.3f", date.timeIntervalSince1970) }
}

extension AppState {
    /// Whether cookies are marked `Secure`: with TLS in this process, or when configured for a
    /// TLS-terminating proxy (``ServerConfig/cookieSecure``).
    package var cookieSecure: Bool { config.cookiesAreSecure }
}
