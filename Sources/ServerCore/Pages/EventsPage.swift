import Access
import Fluent
import Foundation
import Store
import Vapor

/// `/events` (admin, security): the event log with filters, and links to the API's exports with the
/// same filters (CSV in UTF-8 or Shift_JIS, JSON).
struct EventsPage {
    struct DoorOption: Encodable, Sendable {
        package var id: String
        package var name: String
        package var selected: Bool
    }
    struct EventsData: Encodable, Sendable {
        package var employee: String
        package var doors: [DoorOption]
        package var outcome: String
        package var from: String
        package var to: String
        package var events: [EventRow]
        var eventsCaption: String
        package var empty: Bool
        var csvUTF8: String
        var csvSJIS: String
        package var json: String
    }

    package func register(_ routes: any RoutesBuilder) {
        routes.get("events", use: show)
    }

    @Sendable package func show(_ req: Request) async throws -> Response {
        try await req.state.events.flush()
        let policy = await req.state.policy.current
        func param(_ name: String) -> String {
            String((req.query[String.self, at: name] ?? "").trimmingCharacters(in: .whitespaces).prefix(64))
        }
        let employeeNumber = param("employee"), door = param("door"), outcome = param("outcome"), fromText = param("from"), toText = param("to")
        var filter = EventsController.EventFilter()
        var problem: String?
        if !employeeNumber.isEmpty {
            // People search by the number on their badge; the log stores the employee's id.
            if let e = try await EmployeeModel.query(on: req.db).filter(\.$employeeNumber == employeeNumber).first() {
                filter.employee = try e.requireID().uuidString
            } else {
                problem = req.text("unknownEmployee")
            }
        }
        if !door.isEmpty { filter.door = door }
        if outcome == "grant" || outcome == "deny" { filter.outcome = outcome }
        if !fromText.isEmpty { filter.from = PageTime.parseLocal(fromText); if filter.from == nil { problem = req.text("badDate") } }
        if !toText.isEmpty { filter.to = PageTime.parseLocal(toText); if filter.to == nil { problem = req.text("badDate") } }

        let records = problem == nil ? try await EventsController.query(filter, on: req.db).sort(\.$id, .descending).limit(200).all() : []
        var api: [URLQueryItem] = []
        let iso = ISO8601DateFormatter()
        if let e = filter.employee { api.append(.init(name: "employee", value: e)) }
        if let d = filter.door { api.append(.init(name: "door", value: d)) }
        if let o = filter.outcome { api.append(.init(name: "outcome", value: o)) }
        if let f = filter.from { api.append(.init(name: "from", value: iso.string(from: f))) }
        if let t = filter.to { api.append(.init(name: "to", value: iso.string(from: t))) }
        func export(_ extra: [URLQueryItem]) -> String {
            var c = URLComponents()
            c.path = "/api/v1/events/export"
            c.queryItems = extra + api
            return c.string ?? c.path
        }
        let doors = policy.doors.values.sorted { $0.id.rawValue < $1.id.rawValue }.map {
            DoorOption(id: $0.id.rawValue, name: $0.name, selected: $0.id.rawValue == door)
        }
        let rows = try EventRow.rows(records, policy: policy, lang: req.pageLanguage)
        let data = EventsData(employee: employeeNumber, doors: doors, outcome: filter.outcome ?? "", from: fromText, to: toText, events: rows,
                        eventsCaption: req.text("eventsCaption"), empty: rows.isEmpty,
                        csvUTF8: export([.init(name: "format", value: "csv"), .init(name: "encoding", value: "utf-8")]),
                        csvSJIS: export([.init(name: "format", value: "csv"), .init(name: "encoding", value: "shift_jis")]),
                        json: export([.init(name: "format", value: "json")]))
        return try await req.renderPage("events", titleKey: "eventsTitle", data, status: problem == nil ? .ok : .badRequest, error: problem)
    }
}
