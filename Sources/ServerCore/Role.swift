import Vapor

/// Who may do what. Every route names the roles it admits; ``RoleMiddleware`` enforces it.
public enum Role: String, Sendable, Codable, CaseIterable {
    /// Configures doors, zones, groups, schedules, people and accounts.
    case admin
    /// Security officer: sees events and presence, suspends and reinstates cards.
    case security
    /// HR handler (事務取扱担当者): people records, enrollment; later the My Number vault.
    case hr
    /// Any employee: their own cards, suspending their own card.
    case employee
}

/// The signed-in user as stored in the session.
public struct SessionUser: Sendable, Codable, Authenticatable {
    public var id: UUID
    public var username: String
    public var role: Role
    public var employeeID: UUID?

    /// The actor this account is recorded as in the event log (`user:<name>`).
    public var auditName: String { "user:\(username)" }
}

/// Refuses requests from anyone not signed in (401) or not in `roles` (403).
public struct RoleMiddleware: AsyncMiddleware {
    public let roles: Set<Role>
    public init(_ roles: Set<Role>) { self.roles = roles }

    public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let user = request.auth.get(SessionUser.self) else { throw Abort(.unauthorized, reason: "sign in first") }
        guard roles.contains(user.role) else { throw Abort(.forbidden, reason: "this needs the role \(roles.map(\.rawValue).sorted().joined(separator: " or "))") }
        return try await next.respond(to: request)
    }
}

extension Request {
    /// The signed-in user; the route's middleware has already checked the role.
    public var user: SessionUser {
        get throws {
            guard let u = auth.get(SessionUser.self) else { throw Abort(.unauthorized, reason: "sign in first") }
            return u
        }
    }
}
