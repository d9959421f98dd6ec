import Access
import Fluent
import Foundation
import ServerCore
import Store
import Vapor

/// `/doors` (admin, security): zones, doors with their effective security level, access groups and
/// schedules. An administrator can change a door's security level here. Uploaded door events the server
/// quarantined are listed with their reason, for review (they never count as attendance).
struct DoorsPage {
    struct ZoneRow: Encodable, Sendable {
        package var id: String
        package var name: String
        package var boundary: String
        package var myNumberArea: String
        package var antiPassback: String
    }
    struct DoorRow: Encodable, Sendable {
        package var id: String
        package var name: String
        package var from: String
        package var to: String
        package var configured: String
        var configuredRaw: String
        var effective: String
        /// The agent's last heartbeat: its mode, age, snapshot version and outbox (offline doors show
        /// here when they come back).
        package var agent: String
    }
    package struct GroupRow: Encodable, Sendable {
        package var id: String
        package var name: String
        package var grants: String
    }
    struct ScheduleRow: Encodable, Sendable {
        package var id: String
        package var name: String
        package var windows: String
        package var holidayRule: String
    }
    struct QuarantineRow: Encodable, Sendable {
        package var received: String
        package var door: String
        package var eventTime: String
        package var serial: String
        package var outcome: String
        package var claimed: String
        package var holder: String
        package var why: String
    }
    struct DoorsData: Encodable, Sendable {
        var quarantine: [QuarantineRow]
        package var zones: [ZoneRow]
        package var doors: [DoorRow]
        package var groups: [GroupRow]
        package var schedules: [ScheduleRow]
        package var canEdit: Bool
    }
    struct LevelForm: Content { var level: String? }

    package func register(read: any RoutesBuilder, admin: any RoutesBuilder) {
        read.get("doors", use: show)
        admin.post("doors", ":id", "level", use: setLevel)
    }

    @Sendable package func show(_ req: Request) async throws -> Response {
        let lang = req.pageLanguage
        let policy = await req.state.policy.current
        let yes = Messages.text("yes", lang), no = Messages.text("no", lang)
        let zoneName = { (id: String?) in id.map { policy.zones[ZoneID(rawValue: $0)]?.name ?? $0 } ?? Messages.text("outside", lang) }
        let zones = try await ZoneModel.query(on: req.db).sort(\.$id).all().map {
            ZoneRow(id: $0.id ?? "", name: $0.name, boundary: $0.workplaceBoundary ? yes : no, myNumberArea: $0.myNumberArea ? yes : no,
                    antiPassback: $0.antiPassback)
        }
        let beats = Dictionary(try await DoorStatusModel.query(on: req.db).all().compactMap { b in b.id.map { ($0, b) } }, uniquingKeysWith: { $1 })
        let now = Date()
        let agent = { (id: String) -> String in
            guard let b = beats[id] else { return Messages.text("doorAgentSilent", lang) }
            return "\(b.mode) · \(Int(now.timeIntervalSince(b.receivedAt)))\(Messages.text("secondsAgo", lang)) · v\(b.snapshotVersion) · \(Messages.text("outbox", lang)) \(b.outboxDepth)"
        }
        let doors = try await DoorModel.query(on: req.db).sort(\.$id).all().map { m in
            let effective = policy.doors[DoorID(rawValue: m.id ?? "")].map { policy.securityLevel(of: $0).rawValue }
            return DoorRow(id: m.id ?? "", name: m.name, from: zoneName(m.fromZone), to: zoneName(m.toZone),
                           configured: Messages.text("level_\(m.securityLevel ?? "default")", lang), configuredRaw: m.securityLevel ?? "",
                           effective: effective.map { Messages.text("level_\($0)", lang) } ?? "", agent: agent(m.id ?? ""))
        }
        let groups = try await AccessGroupModel.query(on: req.db).sort(\.$id).all().map { g in
            let grants = try GrantJSON.decodeList(g.grants, group: g.id ?? "")
            return GroupRow(id: g.id ?? "", name: g.name,
                            grants: grants.map { "\(zoneName($0.zone)) / \(policy.schedules[ScheduleID(rawValue: $0.schedule)]?.name ?? $0.schedule)" }
                                .joined(separator: "、"))
        }
        let order = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        let schedules = try await ScheduleModel.query(on: req.db).sort(\.$id).all().map { s in
            let w = try ScheduleJSON.decodeRaw(s.windows, schedule: s.id ?? "")
            let text = order.compactMap { day in w[day].map { "\(day.prefix(3)) \($0.joined(separator: ","))" } }.joined(separator: "; ")
            return ScheduleRow(id: s.id ?? "", name: s.name, windows: text, holidayRule: s.holidayRule)
        }
        let time = { (d: Date) in PageTime.show(d) }
        let names = { (id: String?) -> String in
            guard let id else { return "" }
            return policy.employees[EmployeeID(rawValue: id)].map { "\($0.name) (\($0.employeeNumber))" } ?? id
        }
        let quarantine = try await DoorSyncController.quarantined(limit: 100, on: req.db).map { q in
            QuarantineRow(received: time(q.receivedAt), door: q.door, eventTime: time(q.eventTime), serial: q.serial, outcome: "\(q.outcome) \(q.doorReason)",
                          claimed: names(q.claimedEmployee), holder: names(q.holder), why: q.reasonText)
        }
        let data = DoorsData(quarantine: quarantine, zones: zones, doors: doors, groups: groups, schedules: schedules, canEdit: try req.user.role == .admin)
        return try await req.renderPage("doors", titleKey: "doorsTitle", data)
    }

    /// Changes a door's configured level; an empty choice returns it to the zone's default (a My Number
    /// handling area defaults to `pin`).
    @Sendable func setLevel(_ req: Request) async throws -> Response {
        let id = try ConfigController.id(req)
        // An unknown door is 404 before the form is read (and again inside the write, which decides).
        guard try await DoorModel.find(id, on: req.db) != nil else { throw Abort(.notFound, reason: "no such door") }
        // An unreadable form is refused, never read as "" — which would return the door to its zone's default level.
        let level = try req.pageForm(LevelForm.self).level ?? ""
        guard level.isEmpty || SecurityLevel(rawValue: level) != nil else { throw Abort(.unprocessableEntity, reason: "securityLevel must be tap, genuine or pin") }
        try await req.building.setDoorLevel(id: id, SecurityLevel(rawValue: level))
        req.flash("levelChanged")
        return req.seeOther("/doors")
    }
}
