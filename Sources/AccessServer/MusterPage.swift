import Access
import Foundation
import ServerCore
import Store
import Vapor

/// `/muster`: the roll call on a phone. During an evacuation, its roll by assembly point with the people
/// not yet accounted for first and a button per person for the warden; otherwise who is inside which
/// zone now, and (for officers) the form that starts an evacuation or a drill. `/muster/print` is the
/// same list on paper, for when the network is down — printed before, or from the last page loaded.
/// Every showing is recorded (``MusterService``).
struct MusterPage {
    struct PersonRow: Encodable, Sendable {
        var employee: String
        var name: String
        var number: String
        var zone: String
        var since: String
        var accounted: Bool
        var accountedText: String
        var left: String
    }
    struct GroupRow: Encodable, Sendable {
        var title: String
        var unaccounted: Int
        var total: Int
        var people: [PersonRow]
    }
    struct PointLink: Encodable, Sendable {
        var id: String
        var name: String
        var current: Bool
    }
    struct EvacuationRow: Encodable, Sendable {
        var id: String
        var drill: Bool
        var started: String
        var startedBy: String
        var note: String
    }
    struct PageData: Encodable, Sendable {
        var evacuation: EvacuationRow?
        var officer: Bool
        var groups: [GroupRow]
        var total: Int
        var unaccounted: Int
        var points: [PointLink]
        var point: String
        var printedAt: String
    }
    struct StartForm: Content {
        var drill: String?
        var note: String?
    }
    struct AccountForm: Content {
        var accounted: String
        var point: String?
    }

    func register(_ app: Application) {
        let signedIn = app.grouped(PageRoleMiddleware(Set(Role.allCases)))
        let officers = app.grouped(PageRoleMiddleware([.admin, .security]))
        signedIn.get("muster", use: show)
        signedIn.get("muster", "print", use: print)
        officers.post("muster", "start", use: start)
        officers.post("muster", ":id", "end", use: end)
        signedIn.post("muster", ":id", "account", ":employee", use: account)
    }

    @Sendable func show(_ req: Request) async throws -> Response {
        try await render(req, template: "muster")
    }

    @Sendable func print(_ req: Request) async throws -> Response {
        try await render(req, template: "muster-print")
    }

    func render(_ req: Request, template: String) async throws -> Response {
        let user = try req.user
        let muster = req.muster
        let evacuation = try await muster.active()
        guard try await muster.mayView(user, evacuation: evacuation) else {
            return try await req.renderPage("forbidden", titleKey: "forbiddenTitle", NoData(), status: .forbidden)
        }
        let lang = req.pageLanguage
        let policy = await req.state.policy.current
        let groups: [MusterRoll.Group]
        if let evacuation { groups = try await muster.roll(evacuation.id).1 } else { groups = try await muster.now() }
        let point = try req.queryText("point") ?? ""
        let shown = point.isEmpty ? groups : groups.filter { $0.point?.id == point }
        let time = { (d: Date) in PageTime.show(d) }
        let rows = shown.map { g in
            GroupRow(title: g.point?.name ?? Messages.text("musterNoPoint", lang), unaccounted: g.unaccounted, total: g.entries.count, people: g.entries.map { e in
                let person = policy.employees[e.employee]
                return PersonRow(employee: e.employee.rawValue, name: person?.name ?? e.employee.rawValue, number: person?.employeeNumber ?? "",
                                 zone: policy.zones[e.zone]?.name ?? e.zone.rawValue, since: time(e.since), accounted: e.isAccounted,
                                 accountedText: e.accountedAt.map { "\(time($0)) \(e.accountedBy ?? "")" } ?? "",
                                 left: e.leftAt.map { "\(Messages.text("musterLeft", lang)) \(time($0))" } ?? "")
            })
        }
        let points = groups.compactMap(\.point).map { PointLink(id: $0.id, name: $0.name, current: $0.id == point) }
        let data = PageData(
            evacuation: evacuation.map { EvacuationRow(id: $0.id.uuidString.lowercased(), drill: $0.drill, started: time($0.startedAt), startedBy: $0.startedBy, note: $0.note) },
            officer: user.role == .admin || user.role == .security, groups: rows,
            total: rows.reduce(0) { $0 + $1.total }, unaccounted: rows.reduce(0) { $0 + $1.unaccounted },
            points: points, point: point, printedAt: time(Date()))
        return try await req.renderPage(template, titleKey: "musterTitle", data)
    }

    @Sendable func start(_ req: Request) async throws -> Response {
        let form = try req.pageForm(StartForm.self)
        _ = try await req.muster.start(drill: form.drill != nil, note: form.note ?? "")
        req.flash("musterStarted")
        return req.seeOther("/muster")
    }

    @Sendable func end(_ req: Request) async throws -> Response {
        _ = try await req.muster.end(try MusterController.evacuationID(req))
        req.flash("musterEnded")
        return req.seeOther("/muster")
    }

    /// Ticks a person off (or back); the warden stays on the assembly point they were looking at.
    @Sendable func account(_ req: Request) async throws -> Response {
        let muster = req.muster
        let user = try req.user
        let officer = user.role == .admin || user.role == .security
        var evacuation: MusterService.Evacuation?
        if !officer, let id = req.parameters.get("id", as: UUID.self), let m = try await EvacuationModel.find(id, on: req.db) {
            evacuation = try MusterService.Evacuation(m)
        }
        let allowed = try await muster.mayView(user, evacuation: evacuation)
        guard allowed else {
            return try await req.renderPage("forbidden", titleKey: "forbiddenTitle", NoData(), status: .forbidden)
        }
        let id = try MusterController.evacuationID(req)
        guard let employee = req.parameters.get("employee", as: UUID.self) else { throw Abort(.badRequest, reason: "the employee is a UUID") }
        let form = try req.pageForm(AccountForm.self)
        // Only "1" (safe) or "0" (take the tick back): anything else is a broken form, never "unaccounted".
        guard form.accounted == "1" || form.accounted == "0" else { throw Abort(.badRequest, reason: "accounted is 1 or 0") }
        try await muster.account(id, employee: employee, form.accounted == "1")
        let point = form.point.flatMap { BuildingService.isValidID($0) ? $0 : nil }
        return req.seeOther(point.map { "/muster?point=\($0)" } ?? "/muster")
    }
}
