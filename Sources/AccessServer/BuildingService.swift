import Access
import Audit
import Fluent
import Foundation
import ServerCore
import Store
import Vapor

/// The building's configuration — zones, doors, access groups, schedules, holidays — and its
/// emergencies (lockdown, a door unlocked) and door tokens, as a value over what it works with: the
/// database, the event writer every change is recorded through, the policy cache that is reloaded after
/// it, and who is acting.
///
/// Every change is one transaction with its record and a policy version bump
/// (``EventWriter/writeAudited(_:)``), then the policy is reloaded here before the caller answers: a door
/// that changed level is never decided on with the old level by this server, and never changed without
/// the record of who changed it. A request gets one as `req.building`; a tool or a test makes one over
/// a database with ``init(db:events:policy:actor:)``. Nothing here reads a `Request`.
package struct BuildingService: Sendable {
    let db: any Database
    let events: EventWriter
    let policy: PolicyCache
    /// Who the records name (`user:<name>`, or `system:<what>` for a tool).
    let actor: String

    package init(db: any Database, events: EventWriter, policy: PolicyCache, actor: String) {
        self.db = db
        self.events = events
        self.policy = policy
        self.actor = actor
    }

    // MARK: the API's shapes

    package struct ZoneDTO: Content {
        package var id: String?
        package var name: String
        package var workplaceBoundary: Bool?
        package var myNumberArea: Bool?
        package var antiPassback: String?
    }
    package struct DoorDTO: Content {
        package var id: String?
        package var name: String
        package var fromZone: String?
        package var toZone: String?
        package var securityLevel: String?
        var effectiveSecurityLevel: String?
        /// At a `genuine` door: until when a card enrolled without its card key is admitted with a warning
        /// (null or absent: refused with a reason that sends the holder to the desk).
        var keylessAdmitUntil: Date?
        /// The door's own schedule's id: outside its windows nobody enters by this door (null or absent:
        /// the groups' schedules alone decide).
        var schedule: String?
    }
    package struct GroupDTO: Content {
        package var id: String?
        package var name: String
        package var grants: [GrantJSON]
    }
    package struct ScheduleDTO: Content {
        package var id: String?
        package var name: String
        package var windows: [String: [String]]
        package var holidayRule: String?
    }
    package struct HolidayDTO: Content {
        package var date: String
        package var name: String
    }

    /// Door ids that are fixed paths under /api/v1/doors/: a door named so could never be read back there
    /// (the router takes the fixed path first), and its token and snapshot routes would be ambiguous.
    static let reservedDoorIDs: Set<String> = ["status", "quarantine"]

    /// Whether `id` may name a zone, door, group or schedule: ASCII only, because an id is part of URLs,
    /// setting keys (`door_token:<id>`) and event subjects, and the OpenAPI pattern an integrator
    /// validates against says `[A-Za-z0-9_-]{1,64}`.
    package static func isValidID(_ id: String) -> Bool {
        (1...64).contains(id.schemaLength) && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    /// A value the building's rules refuse (422), in both languages: the API's body carries both, and the
    /// editor pages show the one of their language beside the form.
    static func refused(_ en: String, ja: String) -> APIError {
        APIError(.unprocessableEntity, code: "unprocessable_entity", ja: ja, en: en)
    }

    /// A zone's, door's or schedule's name: 1–100 characters, and no 12-digit run (a My Number pasted
    /// by mistake would reach every door's snapshot); the refusal never repeats the name.
    static func checkName(_ name: String) throws {
        guard (1...100).contains(name.schemaLength) else { throw refused("name must be 1–100 characters", ja: "名前は1〜100文字で入力してください") }
        guard !FreeText.containsNumberRun(name) else { throw refused("name must not contain a 12-digit number", ja: "名前に12桁の数字（個人番号の可能性）は入力できません") }
    }

    // MARK: reading

    package func zones() async throws -> [ZoneDTO] {
        try await ZoneModel.query(on: db).sort(\.$id).all().map {
            ZoneDTO(id: $0.id, name: $0.name, workplaceBoundary: $0.workplaceBoundary, myNumberArea: $0.myNumberArea, antiPassback: $0.antiPassback)
        }
    }

    package func doors() async throws -> [DoorDTO] {
        let policy = await policy.current
        return try await DoorModel.query(on: db).sort(\.$id).all().map { m in
            let level = policy.doors[DoorID(rawValue: m.id ?? "")].map { policy.securityLevel(of: $0).rawValue }
            return DoorDTO(id: m.id, name: m.name, fromZone: m.fromZone, toZone: m.toZone, securityLevel: m.securityLevel, effectiveSecurityLevel: level,
                           keylessAdmitUntil: m.keylessAdmitUntil, schedule: m.scheduleID)
        }
    }

    package func groups() async throws -> [GroupDTO] {
        try await AccessGroupModel.query(on: db).sort(\.$id).all().map {
            GroupDTO(id: $0.id, name: $0.name, grants: try GrantJSON.decodeList($0.grants, group: $0.id ?? ""))
        }
    }

    package func schedules() async throws -> [ScheduleDTO] {
        try await ScheduleModel.query(on: db).sort(\.$id).all().map {
            ScheduleDTO(id: $0.id, name: $0.name, windows: try ScheduleJSON.decodeRaw($0.windows, schedule: $0.id ?? ""), holidayRule: $0.holidayRule)
        }
    }

    package func holidays() async throws -> [HolidayDTO] {
        try await HolidayModel.query(on: db).sort(\.$id).all().map { HolidayDTO(date: $0.id ?? "", name: $0.name) }
    }

    // MARK: changing the building

    package func putZone(id: String, _ dto: ZoneDTO) async throws -> ZoneDTO {
        try Self.checkName(dto.name)
        let ap = dto.antiPassback ?? "off"
        guard Zone.AntiPassback(rawValue: ap) != nil else { throw Self.refused("antiPassback must be off, soft or hard", ja: "アンチパスバックは off、soft、hard のいずれかです") }
        let boundary = dto.workplaceBoundary ?? false, myNumberArea = dto.myNumberArea ?? false
        try await saved(ZoneModel.self, id: id, "zone") { m, _ in
            m.name = dto.name
            m.workplaceBoundary = boundary
            m.myNumberArea = myNumberArea
            m.antiPassback = ap
        }
        return ZoneDTO(id: id, name: dto.name, workplaceBoundary: boundary, myNumberArea: myNumberArea, antiPassback: ap)
    }

    /// Creates or replaces door `id`. `scheduleGiven` false keeps the stored door's own hours whatever
    /// `dto.schedule` says (an API body without the field).
    package func putDoor(id: String, _ dto: DoorDTO, scheduleGiven: Bool = true) async throws -> DoorDTO {
        guard !Self.reservedDoorIDs.contains(id.lowercased()) else {
            throw Abort(.badRequest, reason: "status and quarantine are reserved words, not door ids")
        }
        try Self.checkName(dto.name)
        if let l = dto.securityLevel, SecurityLevel(rawValue: l) == nil { throw Self.refused("securityLevel must be tap, genuine or pin", ja: "セキュリティレベルは tap、genuine、pin のいずれかです") }
        try await saved(DoorModel.self, id: id, "door") { m, tx in
            // Checked inside the transaction that saves the door, against what it sees.
            for z in [dto.fromZone, dto.toZone].compactMap({ $0 }) where try await ZoneModel.find(z, on: tx) == nil {
                throw Self.refused("fromZone or toZone names no configured zone", ja: "出発側または到着側の区域が設定されていません")
            }
            if scheduleGiven {
                if let s = dto.schedule, try await ScheduleModel.find(s, on: tx) == nil {
                    throw Self.refused("schedule names no configured schedule", ja: "扉のスケジュールが設定されていません")
                }
                m.scheduleID = dto.schedule
            }
            // Leaving the premises is never refused, so hours on a door leading outside would do nothing.
            if m.scheduleID != nil, dto.toZone == nil {
                throw Self.refused("a door leading outside has no hours of its own (leaving is never refused)",
                                   ja: "屋外へ出る扉には利用時間を設定できません（退出は常に許可されます）")
            }
            m.name = dto.name
            m.fromZone = dto.fromZone
            m.toZone = dto.toZone
            m.securityLevel = dto.securityLevel
            m.keylessAdmitUntil = dto.keylessAdmitUntil
        }
        let policy = await policy.current
        let level = policy.doors[DoorID(rawValue: id)].map { policy.securityLevel(of: $0).rawValue }
        return DoorDTO(id: id, name: dto.name, fromZone: dto.fromZone, toZone: dto.toZone, securityLevel: dto.securityLevel, effectiveSecurityLevel: level,
                       keylessAdmitUntil: dto.keylessAdmitUntil, schedule: try await DoorModel.find(id, on: db)?.scheduleID)
    }

    /// Sets an existing door's configured level; `nil` returns it to its zone's default (a My Number
    /// handling area defaults to `pin`). An unknown door is 404 and nothing is written.
    package func setDoorLevel(id: String, _ level: SecurityLevel?) async throws {
        try await saved(DoorModel.self, id: id, "door", mustExist: true) { m, _ in m.securityLevel = level?.rawValue }
    }

    package func putGroup(id: String, _ dto: GroupDTO) async throws -> GroupDTO {
        try Self.checkName(dto.name)
        guard dto.grants.count <= 500 else { throw Self.refused("at most 500 grants", ja: "許可は500件までです") }
        let grants = String(decoding: try JSONEncoder().encode(dto.grants), as: UTF8.self)
        try await saved(AccessGroupModel.self, id: id, "group") { m, tx in
            for g in dto.grants {
                guard try await ZoneModel.find(g.zone, on: tx) != nil else { throw Self.refused("a grant names no configured zone", ja: "許可に設定されていない区域があります") }
                guard try await ScheduleModel.find(g.schedule, on: tx) != nil else { throw Self.refused("a grant names no configured schedule", ja: "許可に設定されていないスケジュールがあります") }
            }
            m.name = dto.name
            m.grants = grants
        }
        return GroupDTO(id: id, name: dto.name, grants: dto.grants)
    }

    package func putSchedule(id: String, _ dto: ScheduleDTO) async throws -> ScheduleDTO {
        try Self.checkName(dto.name)
        guard ScheduleJSON.isValid(dto.windows) else { throw Self.refused("windows: weekday names (monday…) to lists of \"HH:MM-HH:MM\"", ja: "時間帯は曜日ごとに「HH:MM-HH:MM」（開始が終了より前）で入力してください") }
        let rule = dto.holidayRule ?? "closed"
        guard WeeklySchedule.HolidayRule(rawValue: rule) != nil else { throw Self.refused("holidayRule must be closed, likeSunday or ignore", ja: "祝日の扱いは closed、likeSunday、ignore のいずれかです") }
        let windows = ScheduleJSON.encode(dto.windows)
        try await saved(ScheduleModel.self, id: id, "schedule") { m, _ in
            m.name = dto.name
            m.windows = windows
            m.holidayRule = rule
        }
        return ScheduleDTO(id: id, name: dto.name, windows: dto.windows, holidayRule: rule)
    }

    /// Imports the Cabinet Office holiday CSV (Shift_JIS or UTF-8); returns how many holidays it held.
    package func importHolidays(_ csv: Data) async throws -> Int {
        let calendar: HolidayCalendar
        do { calendar = try HolidayCalendar.importCSV(csv) } catch let e as HolidayImportError {
            switch e {
            case .unreadableEncoding: throw Self.refused(e.description, ja: "ファイルが UTF-8 でも Shift_JIS でもありません")
            case .malformedLine(let n): throw Self.refused(e.description, ja: "\(n)行目が「YYYY/M/D,名称」の形ではありません")
            }
        }
        // A file without a single holiday is not the Cabinet Office's list (the wrong file, or a body that
        // is not CSV at all); a name longer than any holiday's would reach every door's snapshot.
        guard calendar.count > 0 else { throw Self.refused("the file holds no holidays (YYYY/M/D,name lines)", ja: "ファイルに祝日（YYYY/M/D,名称 の行）がありません") }
        guard calendar.all.allSatisfy({ (1...100).contains($0.1.schemaLength) }) else {
            throw Self.refused("holiday names must be 1–100 characters", ja: "祝日の名称は1〜100文字です")
        }
        try await audited(kind: "config.holidays.imported", subject: "holidays", details: ["count": String(calendar.count)]) { tx in
            for (date, name) in calendar.all {
                let m = try await HolidayModel.find(date.description, on: tx) ?? HolidayModel(date: date.description, name: name)
                m.name = name
                try await m.save(on: tx)
            }
        }
        return calendar.count
    }

    // MARK: emergencies

    package func setLockdown(_ on: Bool) async throws {
        try await audited(kind: on ? "site.lockdown.on" : "site.lockdown.off", subject: "site") { tx in
            try await SettingModel.put("lockdown", on ? "true" : "false", on: tx)
        }
    }

    package func setEmergencyUnlock(door id: String, _ on: Bool) async throws {
        // The list is read and written inside the transaction: two doors unlocked at once both stay on it.
        try await audited(kind: on ? "door.emergency_unlock.on" : "door.emergency_unlock.off", subject: "door:\(id)") { tx in
            var set = Set(try JSONList.decodeStored(try await SettingModel.find("emergency_unlocked", on: tx)?.value ?? "[]", setting: "emergency_unlocked"))
            // Only a configured door can be unlocked; a door deleted while unlocked may still be taken off the list.
            guard try await DoorModel.find(id, on: tx) != nil || (!on && set.contains(id)) else { throw Abort(.notFound, reason: "no such door") }
            if on { set.insert(id) } else { set.remove(id) }
            try await SettingModel.put("emergency_unlocked", JSONList.encode(set.sorted()), on: tx)
        }
    }

    // MARK: door tokens

    /// A new token for an existing door (returned once, stored only as its hash), replacing any earlier one.
    package func issueToken(door id: String) async throws -> String {
        let token: String = try await events.writeAudited { tx in
            guard try await DoorModel.find(id, on: tx) != nil else { throw Abort(.notFound, reason: "no such door") }
            return (try await DoorTokens.issue(door: id, on: tx), [AuditDraft(kind: "config.door.token_issued", actor: actor, subject: "door:\(id)")])
        }
        // Reloaded before answering: this server knows the new token (and has dropped the old one) at once.
        try await policy.reload()
        return token
    }

    package func revokeToken(door id: String) async throws {
        // DoorTokens.revoke bumps the policy version itself.
        try await events.writeAudited { tx in
            try await DoorTokens.revoke(door: id, on: tx)
            return ((), [AuditDraft(kind: "config.door.token_revoked", actor: actor, subject: "door:\(id)")])
        }
        // Reloaded here before answering: the revoked token is refused by this server from now on.
        try await policy.reload()
    }

    // MARK: the one way a change is written

    /// Runs `write`, its record and a policy version bump in one transaction, then reloads the policy.
    private func audited(kind: String, subject: String, details: [String: String] = [:],
                         _ write: @escaping @Sendable (any Database) async throws -> Void) async throws {
        let actor = actor
        try await events.writeAudited { tx in
            try await write(tx)
            _ = try await PolicyLoader.bumpVersion(on: tx)
            return ((), [AuditDraft(kind: kind, actor: actor, subject: subject, details: details)])
        }
        try await policy.reload()
    }

    /// Saves a configuration record and its `config.<what>.updated` record in one transaction, then
    /// reloads the policy: a door's level, a zone or a group never changes without the record of who
    /// changed it.
    ///
    /// The record is found (or made) and filled inside the transaction, a fresh model on every attempt:
    /// an attempt retried after a lost race must write again, and a model saved by a rolled-back attempt
    /// would count itself saved (Fluent marks it existing and unchanged) and write nothing. `fill` gets
    /// the transaction too, for the checks that guard the change.
    private func saved<M: Model>(_ type: M.Type, id: String, _ what: String, mustExist: Bool = false,
                                 fill: @escaping @Sendable (M, any Database) async throws -> Void) async throws where M.IDValue == String {
        try await audited(kind: "config.\(what).updated", subject: "\(what):\(id)") { tx in
            let found = try await M.find(id, on: tx)
            if mustExist && found == nil { throw Abort(.notFound, reason: "no such \(what)") }
            let m = found ?? M()
            m.id = id
            try await fill(m, tx)
            try await m.save(on: tx)
        }
    }
}

extension Request {
    /// The building's configuration service for this request, acting as the signed-in user.
    package var building: BuildingService {
        BuildingService(db: db, events: state.events, policy: state.policy, actor: auditActor)
    }
}
