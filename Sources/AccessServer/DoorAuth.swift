import Crypto
import Fluent
import Foundation
import ServerCore
import Store
import Vapor

/// Door controllers present `Authorization: Bearer <token>`; only the token's SHA-256 is stored, and a
/// token works only for its own door.
///
/// Signed-in administrators and security officers are let through only where `allowStaff` says so:
/// the decisions and challenges the enrollment desk uses for a test tap (recorded with the officer as
/// actor). The agent-only routes — snapshot, event upload, heartbeat, push — refuse every session with
/// 403: an uploaded event claims a door decided something, which no person can vouch for.
struct DoorAuthMiddleware: AsyncMiddleware {
    var allowStaff = false

    package func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let user = request.auth.get(SessionUser.self), request.headers.bearerAuthorization == nil {
            guard allowStaff else { throw Abort(.forbidden, reason: "only the door's own agent (its token) may use this; staff sessions may not") }
            guard user.role == .admin || user.role == .security else { throw Abort(.forbidden, reason: "doors and security staff only") }
            return try await next.respond(to: request)
        }
        guard let bearer = request.headers.bearerAuthorization?.token, bearer.count <= 128 else {
            throw Abort(.unauthorized, reason: "door token required")
        }
        let door = try request.parameters.require("id")
        let hash = DoorTokens.hash(bearer)
        // The hashes are held with the policy (reloaded whenever a token is issued or revoked anywhere),
        // so a tap costs no database read. A token issued since the last reload is not there yet: a
        // mismatch asks the database before refusing.
        if let cached = request.state.policy.snapshot.doorTokenHashes[door], constantTimeEquals(Array(cached.utf8), Array(hash.utf8)) {
            return try await next.respond(to: request)
        }
        guard let setting = try await SettingModel.find(DoorTokens.settingPrefix + door, on: request.db), constantTimeEquals(Array(setting.value.utf8), Array(hash.utf8)) else {
            throw Abort(.unauthorized, reason: "unknown or revoked door token")
        }
        return try await next.respond(to: request)
    }
}
