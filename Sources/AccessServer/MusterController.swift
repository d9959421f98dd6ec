import Access
import Foundation
import ServerCore
import Vapor

/// The roll call's API (``MusterService``). Anyone signed in reaches the handlers; looking at a list
/// then needs an administrator, a security officer or a named warden, and starting or ending an
/// evacuation an administrator or a security officer.
package struct MusterController {
    package struct PersonDTO: Content {
        package var employee: String
        var name: String
        var employeeNumber: String
        package var zone: String
        var zoneName: String
        var since: Date
        var door: String
        var accountedAt: Date?
        var accountedBy: String?
        var leftAt: Date?
    }
    package struct PointDTO: Content { var id: String; var name: String }
    package struct GroupDTO: Content {
        /// Absent for the zones no assembly point names.
        var point: PointDTO?
        var unaccounted: Int
        package var people: [PersonDTO]
    }
    package struct RollDTO: Content {
        package var evacuation: MusterService.Evacuation?
        package var unaccounted: Int
        package var total: Int
        package var groups: [GroupDTO]
    }
    struct StartInput: Content {
        var drill: Bool
        var note: String?
    }
    struct AccountInput: Content { var accounted: Bool }

    func register(_ app: Application) {
        let anyone = app.grouped(RoleMiddleware(Set(Role.allCases))).grouped("api", "v1")
        let officers = app.grouped(RoleMiddleware([.admin, .security])).grouped("api", "v1")
        let admin = app.grouped(RoleMiddleware([.admin])).grouped("api", "v1")
        officers.get("muster", "config", use: config)
        admin.put("muster", "config", use: putConfig)
        anyone.get("muster", "now", use: now)
        anyone.get("evacuations", use: evacuations)
        officers.post("evacuations", use: start)
        officers.post("evacuations", ":id", "end", use: end)
        anyone.get("evacuations", ":id", "roll", use: roll)
        anyone.put("evacuations", ":id", "roll", ":employee", use: account)
    }

    /// The groups as the API and the pages show them: names and zone names from the policy.
    package static func dto(_ groups: [MusterRoll.Group], evacuation: MusterService.Evacuation?, policy: AccessPolicy) -> RollDTO {
        let out = groups.map { g in
            GroupDTO(point: g.point.map { PointDTO(id: $0.id, name: $0.name) }, unaccounted: g.unaccounted, people: g.entries.map { e in
                let person = policy.employees[e.employee]
                return PersonDTO(employee: e.employee.rawValue, name: person?.name ?? "", employeeNumber: person?.employeeNumber ?? "",
                                 zone: e.zone.rawValue, zoneName: policy.zones[e.zone]?.name ?? e.zone.rawValue, since: e.since,
                                 door: e.door.rawValue, accountedAt: e.accountedAt, accountedBy: e.accountedBy, leftAt: e.leftAt)
            })
        }
        return RollDTO(evacuation: evacuation, unaccounted: out.reduce(0) { $0 + $1.unaccounted }, total: out.reduce(0) { $0 + $1.people.count }, groups: out)
    }

    static func evacuationID(_ req: Request) throws -> UUID {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.badRequest, reason: "the id is a UUID") }
        return id
    }

    @Sendable func config(_ req: Request) async throws -> MusterService.Config { try await req.muster.config() }

    @Sendable func putConfig(_ req: Request) async throws -> MusterService.Config {
        try await req.muster.putConfig(try req.decodeBody(MusterService.Config.self))
    }

    @Sendable func now(_ req: Request) async throws -> RollDTO {
        let muster = req.muster
        try await muster.requireViewer(try req.user, evacuation: nil)
        let groups = try await muster.now()
        return Self.dto(groups, evacuation: nil, policy: await req.state.policy.current)
    }

    @Sendable func evacuations(_ req: Request) async throws -> [MusterService.Evacuation] {
        let muster = req.muster
        try await muster.requireViewer(try req.user, evacuation: try await muster.active())
        return try await muster.recent()
    }

    @Sendable func start(_ req: Request) async throws -> MusterService.Evacuation {
        let input = try req.decodeBody(StartInput.self)
        return try await req.muster.start(drill: input.drill, note: input.note ?? "")
    }

    @Sendable func end(_ req: Request) async throws -> MusterService.Evacuation {
        try await req.muster.end(try Self.evacuationID(req))
    }

    @Sendable func roll(_ req: Request) async throws -> RollDTO {
        let muster = req.muster
        let id = try Self.evacuationID(req)
        try await muster.requireRollViewer(try req.user, evacuation: id)
        let (evacuation, groups) = try await muster.roll(id)
        return Self.dto(groups, evacuation: evacuation, policy: await req.state.policy.current)
    }

    @Sendable func account(_ req: Request) async throws -> AccountInput {
        // Who may look is decided before the person is read: a refused caller learns nothing.
        let muster = req.muster
        let id = try Self.evacuationID(req)
        try await muster.requireRollViewer(try req.user, evacuation: id)
        guard let employee = req.parameters.get("employee", as: UUID.self) else { throw Abort(.badRequest, reason: "the employee is a UUID") }
        let input = try req.decodeBody(AccountInput.self)
        try await muster.account(id, employee: employee, input.accounted)
        return input
    }
}
