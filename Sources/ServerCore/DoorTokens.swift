import Crypto
import Fluent
import Foundation
import Store
import Vapor

/// Issuing and revoking door tokens (stored as settings `door_token:<door>` holding the hash).
public enum DoorTokens {
    package static let settingPrefix = "door_token:"
    /// Setting `door_registered:<door>`: when the door's first token was issued (ISO 8601). No event of
    /// that door can be older, so an upload claiming an earlier time is quarantined.
    static let registeredPrefix = "door_registered:"

    package static func hash(_ token: String) -> String { tokenHash(token) }

    /// A new token for `door`, replacing any earlier one. The token is returned once and not stored.
    public static func issue(door: String, on db: any Database) async throws -> String {
        let token = randomToken()
        try await SettingModel.put(settingPrefix + door, hash(token), on: db)
        // The first registration only: a re-registered agent still uploads what it decided before.
        if try await SettingModel.find(registeredPrefix + door, on: db) == nil {
            try await SettingModel(key: registeredPrefix + door, value: Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))).create(on: db)
        }
        // Every server holds the hashes in memory: a new version makes them reload (the old token of
        // this door stops working everywhere within the polling interval).
        try await PolicyLoader.bumpVersion(on: db)
        return token
    }

    /// When `door` was first registered, if this server recorded it (doors registered by an older release
    /// have no record).
    package static func registeredAt(door: String, on db: any Database) async throws -> Date? {
        guard let s = try await SettingModel.find(registeredPrefix + door, on: db) else { return nil }
        // A value that does not read would silently switch the "before registration" check off: say so.
        do { return try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(s.value) } catch {
            throw Abort(.internalServerError, reason: "the registration time of door \(door) in the settings does not read")
        }
    }

    /// Revokes `door`'s token; every server stops accepting it within its polling interval (this one at
    /// once when the caller reloads, as the API does).
    public static func revoke(door: String, on db: any Database) async throws {
        try await SettingModel.find(settingPrefix + door, on: db)?.delete(on: db)
        try await PolicyLoader.bumpVersion(on: db)
    }
}
