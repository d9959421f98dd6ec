import Access
import CardApplication
import Fluent
import Foundation
import Store
import Vapor
import ServerCore

/// The clerk's overview of every application (`/card-applications`).
extension CardApplicationPages {
    struct CountsRow: Encodable, Sendable {
        var name: String
        var total: Int
        var enrolled: Int
        var cardNotEnrolled: Int
        var applying: Int
        var none: Int
        var declined: Int
        var enrolledPercent: String
        var reachPercent: String
    }
    struct AppRow: Encodable, Sendable {
        var id: String
        var employeeNumber: String
        var name: String
        var department: String
        var route: String
        var stage: String
        var stageValue: String
        var updated: String
    }
    struct OverviewData: Encodable, Sendable {
        var overall: CountsRow
        var departments: [CountsRow]
        var sites: [CountsRow]
        var applications: [AppRow]
        var reminders: [CardOps.Reminder]
    }

    static func counts(_ name: String, _ c: AdoptionCounts) -> CountsRow {
        func pct(_ r: Double) -> String { String(format: "%.0f%%", r * 100) }
        return CountsRow(name: name, total: c.total, enrolled: c.count(.enrolled), cardNotEnrolled: c.count(.cardNotEnrolled), applying: c.count(.applying),
                         none: c.count(.none), declined: c.count(.declined), enrolledPercent: pct(c.enrolledRatio), reachPercent: pct(c.reachRatio))
    }

    @Sendable func overview(_ req: Request) async throws -> Response {
        let (_, summary) = try await CardApplications.adoption(on: req.db)
        let all = try await CardApplications.loadAll(on: req.db)
        let people = try await CardApplications.employees(Set(all.map(\.model.employeeID)), on: req.db)
        let rows = all.reversed().map { l -> AppRow in
            let e = people[l.model.employeeID]
            return AppRow(id: l.model.id?.uuidString ?? "", employeeNumber: e?.employeeNumber ?? "", name: e?.name ?? "", department: e?.department ?? "",
                          route: Self.routeLabel(l.record.route, req), stage: Self.stageLabel(l.record.stage, req), stageValue: l.record.stage.rawValue,
                          updated: PageTime.show(l.model.updatedAt))
        }
        let reminders = try await CardOps.reminders(afterDays: nil, repeatEvery: nil, lang: Self.lang(req), on: req.db)
        let data = OverviewData(overall: Self.counts("", summary.overall), departments: summary.byDepartment.map { Self.counts($0.name, $0.counts) },
                                sites: summary.bySite.map { Self.counts($0.name, $0.counts) }, applications: rows, reminders: reminders)
        return try await req.renderPage("apply-admin", titleKey: "ca_adminTitle", data)
    }
}
