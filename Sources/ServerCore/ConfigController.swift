import Access
import Audit
import Fluent
import Foundation
import Store
import Vapor

/// Zones, doors, access groups, schedules, holidays, lockdown and door tokens. Administrators write;
/// security officers read (and may lock down or unlock in an emergency).
struct ConfigController {
    struct ZoneDTO: Content {
        package var id: String?
        package var name: String
        package var workplaceBoundary: Bool?
        package var myNumberArea: Bool?
        package var antiPassback: String?
    }
    struct DoorDTO: Content {
        package var id: String?
        package var name: String
        package var fromZone: String?
        package var toZone: String?
        package var securityLevel: String?
        var effectiveSecurityLevel: String?
        /// At a `genuine` door: until when a card enrolled without its card key is admitted with a warning
        /// (null or absent: refused with a reason that sends the holder to the desk).
        var keylessAdmitUntil: Date?
    }
    struct GroupDTO: Content {
        package var id: String?
        package var name: String
        package var grants: [GrantJSON]
    }
    struct ScheduleDTO: Content {
        package var id: String?
        package var name: String
        package var windows: [String: [String]]
        package var holidayRule: String?
    }
    struct HolidayDTO: Content {
        package var date: String
        package var name: String
    }
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

    package static func id(_ req: Request) throws -> String {
        let id = try req.parameters.require("id")
        // ASCII only: an id is part of URLs, setting keys (door_token:<id>) and event subjects, and the
        // OpenAPI pattern an integrator validates against says [A-Za-z0-9_-]{1,64}.
        guard (1...64).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw Abort(.badRequest, reason: "ids are 1–64 ASCII letters, digits, - or _")
        }
        return id
    }

    @Sendable package func zones(_ req: Request) async throws -> [ZoneDTO] {
        try await ZoneModel.query(on: req.db).sort(\.$id).all().map {
            ZoneDTO(id: $0.id, name: $0.name, workplaceBoundary: $0.workplaceBoundary, myNumberArea: $0.myNumberArea, antiPassback: $0.antiPassback)
        }
    }

    @Sendable func putZone(_ req: Request) async throws -> ZoneDTO {
        let id = try Self.id(req)
        let dto = try req.decodeBody(ZoneDTO.self)
        guard (1...100).contains(dto.name.count) else { throw Abort(.unprocessableEntity, reason: "name must be 1–100 characters") }
        let ap = dto.antiPassback ?? "off"
        guard Zone.AntiPassback(rawValue: ap) != nil else { throw Abort(.unprocessableEntity, reason: "antiPassback must be off, soft or hard") }
        let boundary = dto.workplaceBoundary ?? false, myNumberArea = dto.myNumberArea ?? false
        try await saved(ZoneModel.self, id: id, req, "zone") { m in
            m.name = dto.name
            m.workplaceBoundary = boundary
            m.myNumberArea = myNumberArea
            m.antiPassback = ap
        }
        return ZoneDTO(id: id, name: dto.name, workplaceBoundary: boundary, myNumberArea: myNumberArea, antiPassback: ap)
    }

    @Sendable package func doors(_ req: Request) async throws -> [DoorDTO] {
        let policy = await req.state.policy.current
        return try await DoorModel.query(on: req.db).sort(\.$id).all().map { m in
            let level = policy.doors[DoorID(rawValue: m.id ?? "")].map { policy.securityLevel(of: $0).rawValue }
            return DoorDTO(id: m.id, name: m.name, fromZone: m.fromZone, toZone: m.toZone, securityLevel: m.securityLevel, effectiveSecurityLevel: level,
                           keylessAdmitUntil: m.keylessAdmitUntil)
        }
    }

    /// Door ids that are fixed paths under /api/v1/doors/: a door named so could never be read back there
    /// (the router takes the fixed path first), and its token and snapshot routes would be ambiguous.
    static let reservedDoorIDs: Set<String> = ["status", "quarantine"]

    @Sendable func putDoor(_ req: Request) async throws -> DoorDTO {
        let id = try Self.id(req)
        if Self.reservedDoorIDs.contains(id) {
            // The path is the fixed resource (the status list, the quarantine): PUT is not among its methods.
            let allowed = MethodNotAllowedMiddleware.methods(at: req.url.path, in: req.application.routes.all).filter { $0 != "PUT" }
            throw Abort(.methodNotAllowed, headers: ["Allow": allowed.joined(separator: ", ")],
                        reason: "this path does not take that method; the Allow header lists the ones it does")
        }
        guard !Self.reservedDoorIDs.contains(id.lowercased()) else {
            throw Abort(.badRequest, reason: "status and quarantine are reserved words, not door ids")
        }
        let dto = try req.decodeBody(DoorDTO.self)
        guard (1...100).contains(dto.name.count) else { throw Abort(.unprocessableEntity, reason: "name must be 1–100 characters") }
        if let l = dto.securityLevel, SecurityLevel(rawValue: l) == nil { throw Abort(.unprocessableEntity, reason: "securityLevel must be tap, genuine or pin") }
        for z in [dto.fromZone, dto.toZone].compactMap({ $0 }) where try await ZoneModel.find(z, on: req.db) == nil {
            throw Abort(.unprocessableEntity, reason: "fromZone or toZone names no configured zone")
        }
        try await saved(DoorModel.self, id: id, req, "door") { m in
            m.name = dto.name
            m.fromZone = dto.fromZone
            m.toZone = dto.toZone
            m.securityLevel = dto.securityLevel
            m.keylessAdmitUntil = dto.keylessAdmitUntil
        }
        let policy = await req.state.policy.current
        let level = policy.doors[DoorID(rawValue: id)].map { policy.securityLevel(of: $0).rawValue }
        return DoorDTO(id: id, name: dto.name, fromZone: dto.fromZone, toZone: dto.toZone, securityLevel: dto.securityLevel, effectiveSecurityLevel: level,
                       keylessAdmitUntil: dto.keylessAdmitUntil)
    }

    @Sendable func issueToken(_ req: Request) async throws -> TokenDTO {
        let id = try Self.id(req)
        guard try await DoorModel.find(id, on: req.db) != nil else { throw Abort(.notFound, reason: "no such door") }
        let actor = req.auditActor
        let token = try await req.state.events.writeAudited { tx in
            (try await DoorTokens.issue(door: id, on: tx), [AuditDraft(kind: "config.door.token_issued", actor: actor, subject: "door:\(id)")])
        }
        try await req.state.policy.reload()
        return TokenDTO(door: id, token: token, snapshotPublicKey: req.state.snapshotSigner.publicKeyBase64)
    }

    @Sendable func revokeToken(_ req: Request) async throws -> HTTPStatus {
        let id = try Self.id(req)
        try await req.writeAudited(kind: "config.door.token_revoked", subject: "door:\(id)") { tx in try await DoorTokens.revoke(door: id, on: tx) }
        // Reloaded here before answering: the revoked token is refused by this server from now on.
        try await req.state.policy.reload()
        return .noContent
    }

    @Sendable package func groups(_ req: Request) async throws -> [GroupDTO] {
        try await AccessGroupModel.query(on: req.db).sort(\.$id).all().map {
            GroupDTO(id: $0.id, name: $0.name, grants: try GrantJSON.decodeList($0.grants, group: $0.id ?? ""))
        }
    }

    @Sendable func putGroup(_ req: Request) async throws -> GroupDTO {
        let id = try Self.id(req)
        let dto = try req.decodeBody(GroupDTO.self)
        guard (1...100).contains(dto.name.count), dto.grants.count <= 500 else { throw Abort(.unprocessableEntity, reason: "name 1–100 characters, at most 500 grants") }
        for g in dto.grants {
            guard try await ZoneModel.find(g.zone, on: req.db) != nil else { throw Abort(.unprocessableEntity, reason: "a grant names no configured zone") }
            guard try await ScheduleModel.find(g.schedule, on: req.db) != nil else { throw Abort(.unprocessableEntity, reason: "a grant names no configured schedule") }
        }
        let grants = String(decoding: try JSONEncoder().encode(dto.grants), as: UTF8.self)
        try await saved(AccessGroupModel.self, id: id, req, "group") { m in
            m.name = dto.name
            m.grants = grants
        }
        return GroupDTO(id: id, name: dto.name, grants: dto.grants)
    }

    @Sendable package func schedules(_ req: Request) async throws -> [ScheduleDTO] {
        try await ScheduleModel.query(on: req.db).sort(\.$id).all().map {
            ScheduleDTO(id: $0.id, name: $0.name, windows: try ScheduleJSON.decodeRaw($0.windows, schedule: $0.id ?? ""), holidayRule: $0.holidayRule)
        }
    }

    @Sendable func putSchedule(_ req: Request) async throws -> ScheduleDTO {
        let id = try Self.id(req)
        let dto = try req.decodeBody(ScheduleDTO.self)
        guard (1...100).contains(dto.name.count) else { throw Abort(.unprocessableEntity, reason: "name must be 1–100 characters") }
        guard ScheduleJSON.isValid(dto.windows) else { throw Abort(.unprocessableEntity, reason: "windows: weekday names (monday…) to lists of \"HH:MM-HH:MM\"") }
        let rule = dto.holidayRule ?? "closed"
        guard WeeklySchedule.HolidayRule(rawValue: rule) != nil else { throw Abort(.unprocessableEntity, reason: "holidayRule must be closed, likeSunday or ignore") }
        let windows = ScheduleJSON.encode(dto.windows)
        try await saved(ScheduleModel.self, id: id, req, "schedule") { m in
            m.name = dto.name
            m.windows = windows
            m.holidayRule = rule
        }
        return ScheduleDTO(id: id, name: dto.name, windows: dto.windows, holidayRule: rule)
    }

    @Sendable package func holidays(_ req: Request) async throws -> [HolidayDTO] {
        try await HolidayModel.query(on: req.db).sort(\.$id).all().map { HolidayDTO(date: $0.id ?? "", name: $0.name) }
    }

    /// Imports the Cabinet Office CSV (Shift_JIS or UTF-8) sent as the request body.
    @Sendable func importHolidays(_ req: Request) async throws -> [String: Int] {
        guard let body = req.body.data else { throw Abort(.badRequest, reason: "send the CSV as the request body") }
        let calendar: HolidayCalendar
        do { calendar = try HolidayCalendar.importCSV(Data(buffer: body)) } catch { throw Abort(.unprocessableEntity, reason: "\(error)") }
        // A file without a single holiday is not the Cabinet Office's list (the wrong file, or a body that
        // is not CSV at all); a name longer than any holiday's would reach every door's snapshot.
        guard calendar.count > 0 else { throw Abort(.unprocessableEntity, reason: "the file holds no holidays (YYYY/M/D,name lines)") }
        guard calendar.all.allSatisfy({ (1...100).contains($0.1.count) }) else {
            throw Abort(.unprocessableEntity, reason: "holiday names must be 1–100 characters")
        }
        try await req.writeAudited(kind: "config.holidays.imported", subject: "holidays", details: ["count": String(calendar.count)],
                                   changesPolicy: true) { tx in
            for (date, name) in calendar.all {
                let m = try await HolidayModel.find(date.description, on: tx) ?? HolidayModel(date: date.description, name: name)
                m.name = name
                try await m.save(on: tx)
            }
        }
        return ["imported": calendar.count]
    }

    @Sendable func lockdown(_ req: Request) async throws -> [String: Bool] {
        let t = try req.decodeBody(Toggle.self)
        try await req.writeAudited(kind: t.on ? "site.lockdown.on" : "site.lockdown.off", subject: "site", changesPolicy: true) { tx in
            try await Self.setSetting("lockdown", t.on ? "true" : "false", on: tx)
        }
        return ["lockdown": t.on]
    }

    @Sendable func emergencyUnlock(_ req: Request) async throws -> [String: Bool] {
        let id = try Self.id(req)
        let t = try req.decodeBody(Toggle.self)
        // The list is read and written inside the transaction: two doors unlocked at once both stay on it.
        try await req.writeAudited(kind: t.on ? "door.emergency_unlock.on" : "door.emergency_unlock.off", subject: "door:\(id)", changesPolicy: true) { tx in
            var set = Set(try JSONList.decodeStored(try await SettingModel.find("emergency_unlocked", on: tx)?.value ?? "[]", setting: "emergency_unlocked"))
            // Only a configured door can be unlocked; a door deleted while unlocked may still be taken off the list.
            guard try await DoorModel.find(id, on: tx) != nil || (!t.on && set.contains(id)) else { throw Abort(.notFound, reason: "no such door") }
            if t.on { set.insert(id) } else { set.remove(id) }
            try await Self.setSetting("emergency_unlocked", JSONList.encode(set.sorted()), on: tx)
        }
        return ["unlocked": t.on]
    }

    /// Saves a configuration record and its `config.<what>.updated` record in one transaction
    /// (``EventWriter/writeAudited(_:)``), then reloads the policy: a door's level, a zone or a group
    /// never changes without the record of who changed it.
    ///
    /// The record is found (or made) and filled inside the transaction, a fresh model on every attempt:
    /// an attempt retried after a lost race must write again, and a model saved by a rolled-back attempt
    /// would count itself saved (Fluent marks it existing and unchanged) and write nothing.
    package func saved<M: Model>(_ type: M.Type, id: String, _ req: Request, _ what: String,
                         fill: @escaping @Sendable (M) -> Void) async throws where M.IDValue == String {
        try await req.writeAudited(kind: "config.\(what).updated", subject: "\(what):\(id)", changesPolicy: true) { tx in
            let m = try await M.find(id, on: tx) ?? M()
            m.id = id
            fill(m)
            try await m.save(on: tx)
        }
    }

    static func setSetting(_ key: String, _ value: String, on db: any Database) async throws {
        if let s = try await SettingModel.find(key, on: db) {
            s.value = value
            try await s.save(on: db)
        } else {
            try await SettingModel(key: key, value: value).create(on: db)
        }
    }
}
