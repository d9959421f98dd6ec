import Access
import Fluent
import Foundation
import ServerCore
import Store
import Vapor

/// The API of the building's configuration: zones, doors, access groups, schedules, holidays, lockdown
/// and door tokens. Administrators write; security officers read (and may lock down or unlock in an
/// emergency). Each handler reads the request and calls ``BuildingService`` (`req.building`).
struct ConfigController {
    typealias ZoneDTO = BuildingService.ZoneDTO
    typealias DoorDTO = BuildingService.DoorDTO
    typealias GroupDTO = BuildingService.GroupDTO
    typealias ScheduleDTO = BuildingService.ScheduleDTO
    typealias HolidayDTO = BuildingService.HolidayDTO
    struct Toggle: Content { var on: Bool }
    /// A new door token, and the key the door's agent verifies snapshots with.
    struct TokenDTO: Content { var door: String; var token: String; var snapshotPublicKey: String }

    package func register(_ routes: any RoutesBuilder) {
        let read = routes.grouped(RoleMiddleware([.admin, .security]))
        let admin = routes.grouped(RoleMiddleware([.admin]))
        let emergency = routes.grouped(RoleMiddleware([.admin, .security]))
        read.get("api", "v1", "zones", use: zones)
        admin.put("api", "v1", "zones", ":id", use: putZone)
        read.get("api", "v1", "doors", use: doors)
        admin.put("api", "v1", "doors", ":id", use: putDoor)
        admin.post("api", "v1", "doors", ":id", "token", use: issueToken)
        admin.delete("api", "v1", "doors", ":id", "token", use: revokeToken)
        read.get("api", "v1", "groups", use: groups)
        admin.put("api", "v1", "groups", ":id", use: putGroup)
        read.get("api", "v1", "schedules", use: schedules)
        admin.put("api", "v1", "schedules", ":id", use: putSchedule)
        read.get("api", "v1", "holidays", use: holidays)
        admin.on(.POST, "api", "v1", "holidays", "import", body: .collect(maxSize: "1mb"), use: importHolidays)
        emergency.post("api", "v1", "site", "lockdown", use: lockdown)
        emergency.post("api", "v1", "doors", ":id", "emergency-unlock", use: emergencyUnlock)
    }

    /// The `:id` path parameter, refused with 400 unless it is a valid id (``BuildingService/isValidID(_:)``).
    package static func id(_ req: Request) throws -> String {
        let id = try req.parameters.require("id")
        guard BuildingService.isValidID(id) else { throw Abort(.badRequest, reason: "ids are 1–64 ASCII letters, digits, - or _") }
        return id
    }

    @Sendable func zones(_ req: Request) async throws -> [ZoneDTO] { try await req.building.zones() }

    @Sendable func putZone(_ req: Request) async throws -> ZoneDTO {
        let id = try Self.id(req)
        return try await req.building.putZone(id: id, try req.decodeBody(ZoneDTO.self))
    }

    @Sendable func doors(_ req: Request) async throws -> [DoorDTO] { try await req.building.doors() }

    @Sendable func putDoor(_ req: Request) async throws -> DoorDTO {
        let id = try Self.id(req)
        if BuildingService.reservedDoorIDs.contains(id) {
            // The path is the fixed resource (the status list, the quarantine): PUT is not among its methods.
            let allowed = MethodNotAllowedMiddleware.methods(at: req.url.path, in: req.application.routes.all).filter { $0 != "PUT" }
            throw Abort(.methodNotAllowed, headers: ["Allow": allowed.joined(separator: ", ")],
                        reason: "this path does not take that method; the Allow header lists the ones it does")
        }
        let dto = try req.decodeBody(DoorDTO.self)
        // An absent schedule keeps the door's hours (null clears them): a client written before doors had
        // hours would otherwise open the door around the clock by renaming it.
        let given = try req.bodyHasKey("schedule")
        return try await req.building.putDoor(id: id, dto, scheduleGiven: given)
    }

    @Sendable func issueToken(_ req: Request) async throws -> TokenDTO {
        let id = try Self.id(req)
        let signer = try req.application.snapshotSigner  // before the token is stored: its key goes out with it
        let token = try await req.building.issueToken(door: id)
        return TokenDTO(door: id, token: token, snapshotPublicKey: signer.publicKeyBase64)
    }

    @Sendable func revokeToken(_ req: Request) async throws -> HTTPStatus {
        try await req.building.revokeToken(door: try Self.id(req))
        return .noContent
    }

    @Sendable func groups(_ req: Request) async throws -> [GroupDTO] { try await req.building.groups() }

    @Sendable func putGroup(_ req: Request) async throws -> GroupDTO {
        let id = try Self.id(req)
        return try await req.building.putGroup(id: id, try req.decodeBody(GroupDTO.self))
    }

    @Sendable func schedules(_ req: Request) async throws -> [ScheduleDTO] { try await req.building.schedules() }

    @Sendable func putSchedule(_ req: Request) async throws -> ScheduleDTO {
        let id = try Self.id(req)
        return try await req.building.putSchedule(id: id, try req.decodeBody(ScheduleDTO.self))
    }

    @Sendable func holidays(_ req: Request) async throws -> [HolidayDTO] { try await req.building.holidays() }

    /// Imports the Cabinet Office CSV (Shift_JIS or UTF-8) sent as the request body.
    @Sendable func importHolidays(_ req: Request) async throws -> [String: Int] {
        guard let body = req.body.data else { throw Abort(.badRequest, reason: "send the CSV as the request body") }
        return ["imported": try await req.building.importHolidays(Data(buffer: body))]
    }

    @Sendable func lockdown(_ req: Request) async throws -> [String: Bool] {
        let t = try req.decodeBody(Toggle.self)
        try await req.building.setLockdown(t.on)
        return ["lockdown": t.on]
    }

    @Sendable func emergencyUnlock(_ req: Request) async throws -> [String: Bool] {
        let id = try Self.id(req)
        let t = try req.decodeBody(Toggle.self)
        try await req.building.setEmergencyUnlock(door: id, t.on)
        return ["unlocked": t.on]
    }
}
