import Access
import Fluent
import Foundation
import Store
import Vapor

/// `/dashboard` (admin, security): who is in which zone now, alerts, and the latest events.
struct DashboardPage {
    struct ZoneRow: Encodable, Sendable {
        var zone: String
        var count: Int
        var people: String
    }
    struct Data: Encodable, Sendable {
        var presence: [ZoneRow]
        var nobodyIn: Bool
        var denialsLastHour: Int
        var suspendedCards: Int
        var lockdown: Bool
        var unlockedDoors: String
        var events: [EventRow]
        var eventsCaption: String
    }

    func register(_ routes: any RoutesBuilder) {
        routes.get("dashboard", use: show)
    }

    @Sendable func show(_ req: Request) async throws -> Response {
        try await req.state.events.flush()
        let policy = await req.state.policy.current
        let presence = await req.state.presence.state
        var byZone: [ZoneID: [String]] = [:]
        for (employee, zone) in presence.zoneOf {
            let e = policy.employees[employee]
            byZone[zone, default: []].append(e.map { "\($0.employeeNumber) \($0.name)" } ?? employee.rawValue)
        }
        let rows = byZone.sorted { $0.key.rawValue < $1.key.rawValue }.map { zone, people in
            ZoneRow(zone: policy.zones[zone]?.name ?? zone.rawValue, count: people.count, people: people.sorted().joined(separator: "、"))
        }
        let hourAgo = Int64((Date().timeIntervalSince1970 - 3600) * 1000)
        let denials = try await AuditRecordModel.query(on: req.db).filter(\.$kind == "door.decision").filter(\.$timeMillis >= hourAgo)
            .filter(\.$details, .custom("LIKE"), "%\"outcome\":\"deny\"%").count()
        let suspended = try await CredentialModel.query(on: req.db).filter(\.$state == "suspended").count()
        let recent = try await AuditRecordModel.query(on: req.db).sort(\.$id, .descending).limit(20).all()
        let unlocked = policy.emergencyUnlocked.map { policy.doors[$0]?.name ?? $0.rawValue }.sorted()
        let data = Data(presence: rows, nobodyIn: rows.isEmpty, denialsLastHour: denials, suspendedCards: suspended, lockdown: policy.lockdown,
                        unlockedDoors: unlocked.isEmpty ? req.text("none") : unlocked.joined(separator: "、"),
                        events: try EventRow.rows(recent, policy: policy, lang: req.pageLanguage), eventsCaption: req.text("recentCaption"))
        return try await req.renderPage("dashboard", titleKey: "dashboardTitle", data)
    }
}
