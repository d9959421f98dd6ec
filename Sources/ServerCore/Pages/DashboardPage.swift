import Access
import Fluent
import Foundation
import Store
import Vapor

/// `/dashboard` (admin, security): who is in which zone now, alerts, and the latest events.
struct DashboardPage {
    struct ZoneRow: Encodable, Sendable {
        package var zone: String
        package var count: Int
        package var people: String
    }
    struct DashboardData: Encodable, Sendable {
        package var presence: [ZoneRow]
        var nobodyIn: Bool
        var denialsLastHour: Int
        var suspendedCards: Int
        /// Active credentials enrolled without the card key (`genuine` doors, issue 18).
        var cardsWithoutCardKey: Int
        var lockdown: Bool
        var unlockedDoors: String
        package var events: [EventRow]
        var eventsCaption: String
        /// How long ago the policy was last confirmed current (see ``PolicyCache/age(at:)``).
        var policyAge: String
        var policyStale: Bool
        var policyStaleNote: String
        /// What `/health` shows now (codes and safe messages only).
        package var problems: [HealthRegistry.Problem]
        /// The figures of the two charts, shown as tables beside them (``DashboardCharts``).
        var presenceByHour: [DashboardCharts.HourCount]
        var adoption: [DashboardCharts.Adoption]
    }

    package func register(_ routes: any RoutesBuilder) {
        routes.get("dashboard", use: show)
        routes.get("dashboard", "presence.svg", use: presenceChart)
        routes.get("dashboard", "cards.svg", use: adoptionChart)
    }

    @Sendable func presenceChart(_ req: Request) async throws -> Response {
        let counts = try await DashboardCharts.presenceByHour(on: req.db, doors: await req.state.policy.current.doors)
        return SVGResponse.make(DashboardCharts.presenceSVG(counts, title: req.text("presenceByHourTitle")))
    }

    @Sendable func adoptionChart(_ req: Request) async throws -> Response {
        let rows = try await DashboardCharts.cardAdoption(on: req.db)
        return SVGResponse.make(DashboardCharts.adoptionSVG(rows, title: req.text("cardAdoptionTitle"),
                                                            labels: (req.text("card_active"), req.text("card_pending"), req.text("card_none"))))
    }

    @Sendable package func show(_ req: Request) async throws -> Response {
        do {
            try await req.state.events.flush()
        } catch {
            // The page still shows (with the problem below); the writer keeps the queue and retries.
            req.logger.error("dashboard: queued events could not be written: \(HealthRegistry.describe(error))")
        }
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
        // Active cards enrolled without the card's own key: `genuine` doors refuse them (or admit them with a
        // warning until a date), so their holders should come back to the desk.
        let keyless = try await CredentialModel.query(on: req.db).filter(\.$state == "active").filter(\.$cardKey == nil).count()
        let recent = try await AuditRecordModel.query(on: req.db).sort(\.$id, .descending).limit(20).all()
        let unlocked = policy.emergencyUnlocked.map { policy.doors[$0]?.name ?? $0.rawValue }.sorted()
        let age = req.state.policy.age()
        let ageText = age.isFinite ? req.text("policyAgeValue").replacingOccurrences(of: "%d", with: String(Int(age))) : req.text("policyNeverConfirmed")
        let stale = req.state.policyIsStale()
        let data = DashboardData(presence: rows, nobodyIn: rows.isEmpty, denialsLastHour: denials, suspendedCards: suspended, cardsWithoutCardKey: keyless, lockdown: policy.lockdown,
                        unlockedDoors: unlocked.isEmpty ? req.text("none") : unlocked.joined(separator: "、"),
                        events: try EventRow.rows(recent, policy: policy, lang: req.pageLanguage), eventsCaption: req.text("recentCaption"),
                        policyAge: ageText, policyStale: stale,
                        policyStaleNote: req.text(req.state.config.policyStaleMode == .failSecure ? "policyStaleSecure" : "policyStaleSafe"),
                        problems: req.state.health.problems,
                        presenceByHour: try await DashboardCharts.presenceByHour(on: req.db, doors: policy.doors),
                        adoption: try await DashboardCharts.cardAdoption(on: req.db))
        return try await req.renderPage("dashboard", titleKey: "dashboardTitle", data)
    }
}
