import Fluent
import Foundation
import Access
import Store
import Vapor

/// `/employees` (admin, hr, security) and `/employees/new` (admin, hr). The form goes through
/// ``EmployeesController/create(_:on:)``, the API's own rules (including "never a My Number").
/// The list is the people search (``EmployeeSearch``), a page of 50 at a time, the same query the API runs.
struct EmployeesPage {
    package struct Row: Encodable, Sendable {
        package var id: String
        package var employeeNumber: String
        package var name: String
        package var department: String
        package var site: String
        package var status: String
        package var card: String
        package var groups: String
    }
    struct ListData: Encodable, Sendable {
        package var employees: [Row]
        var canAdd: Bool
        var q: String
        var departments: [PageOption]
        var sites: [PageOption]
        var statuses: [PageOption]
        var cards: [PageOption]
        /// "1–50 of 50,000" in the page's language; empty when nothing matched.
        var summary: String
        var previous: String?
        var next: String?
    }
    struct Form: Content {
        package var employeeNumber: String?
        package var name: String?
        package var department: String?
        package var site: String?
        package var groups: String?
        /// `YYYY-MM-DD`: the HR record's birth date, which enrollment matches with the card's signing certificate.
        package var birthDate: String?
    }
    struct FormData: Encodable, Sendable {
        package var employeeNumber: String
        package var name: String
        package var department: String
        package var site: String
        package var groups: String
        /// Only an administrator assigns access groups (``EmployeesController/adminOnly``); HR's form has no groups field.
        var canAssignGroups: Bool
        package var birthDate: String = ""
    }

    static let pageSize = 50

    package func register(read: any RoutesBuilder, write: any RoutesBuilder, act: any RoutesBuilder, admin: any RoutesBuilder) {
        read.get("employees", use: list)
        write.get("employees", "new", use: newForm)
        write.post("employees", "new", use: create)
        EmployeePage().register(read: read, write: write, act: act, admin: admin)
    }

    @Sendable package func list(_ req: Request) async throws -> Response {
        let lang = req.pageLanguage
        let canAdd = try Pages.peopleWriters.contains(req.user.role)
        let search: EmployeeSearch
        var problem: PageProblem?
        do { search = try EmployeeSearch.from(req, defaultPageSize: Self.pageSize, maxPageSize: 200, blankIsAll: true) } catch {
            problem = req.pageProblem(error)
            search = EmployeeSearch(pageSize: Self.pageSize)
        }
        let found = try await (problem == nil ? search : EmployeeSearch(pageSize: 0)).results(on: req.db)
        let rows = try found.people.map {
            Row(id: try $0.requireID().uuidString, employeeNumber: $0.employeeNumber, name: $0.name, department: $0.department, site: $0.site,
                status: Messages.text("status_\($0.status)", lang), card: Messages.text("card_\((found.cards[try $0.requireID()] ?? .noCard).rawValue)", lang),
                groups: JSONList.decode($0.groups).joined(separator: ", "))
        }
        let (departments, sites, total) = (found.departments, found.sites, found.total)
        let first = (search.page - 1) * search.pageSize
        let summary = rows.isEmpty ? "" : String(format: Messages.text("employeesShown", lang), first + 1, first + rows.count, total) as String
        let data = ListData(
            employees: rows, canAdd: canAdd, q: search.text ?? "",
            departments: departments.map { PageOption(value: $0, label: $0, checked: $0 == search.department) },
            sites: sites.map { PageOption(value: $0, label: $0, checked: $0 == search.site) },
            statuses: EmployeeSearch.statuses.map { PageOption(value: $0, label: Messages.text("status_\($0)", lang), checked: $0 == search.status) },
            cards: EmployeeSearch.CardState.allCases.map { PageOption(value: $0.rawValue, label: Messages.text("card_\($0.rawValue)", lang), checked: $0 == search.card) },
            summary: summary,
            previous: search.page > 1 ? Self.link(search, page: search.page - 1) : nil,
            next: problem == nil && first + rows.count < total ? Self.link(search, page: search.page + 1) : nil)
        // A refused query is not carried into the language link: it may hold a My Number.
        return try await req.renderPage("employees", titleKey: "employeesTitle", data, status: problem?.status ?? .ok, error: problem?.text,
                                        switchPath: problem == nil ? nil : "/employees")
    }

    /// The list with the same filters on another page.
    static func link(_ s: EmployeeSearch, page: Int) -> String {
        var c = URLComponents()
        c.path = "/employees"
        let items: [(String, String?)] = [("q", s.text), ("department", s.department), ("site", s.site), ("status", s.status),
                                          ("card", s.card?.rawValue), ("page", String(page))]
        c.queryItems = items.compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
        // `+` is a space in a query; URLComponents leaves it as it is.
        return (c.string ?? "/employees").replacingOccurrences(of: "+", with: "%2B")
    }

    @Sendable func newForm(_ req: Request) async throws -> Response {
        try await req.renderPage("employee-new", titleKey: "newEmployeeTitle", FormData(employeeNumber: "", name: "", department: "", site: "", groups: try req.user.role == .admin ? "staff" : "",
                                                                                             canAssignGroups: try req.user.role == .admin))
    }

    @Sendable package func create(_ req: Request) async throws -> Response {
        let f: Form
        do { f = try req.pageForm(Form.self) } catch {
            let problem = req.pageProblem(error)
            let data = FormData(employeeNumber: "", name: "", department: "", site: "", groups: "", canAssignGroups: try req.user.role == .admin)
            return try await req.renderPage("employee-new", titleKey: "newEmployeeTitle", data, status: problem.status, error: problem.text)
        }
        let trimmed = { (s: String?) in (s ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        let groups = trimmed(f.groups).split(whereSeparator: { $0 == "," || $0 == "、" }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let dto = EmployeesController.EmployeeDTO(employeeNumber: trimmed(f.employeeNumber), name: trimmed(f.name), department: trimmed(f.department),
                                                  site: trimmed(f.site), status: "active", groups: groups)
        let birth = trimmed(f.birthDate)
        do {
            if !birth.isEmpty, StrictDate.day(birth) == nil { throw Abort(.unprocessableEntity, reason: "birthDate must be a real day YYYY-MM-DD in 1900–2100") }
            let store = req.application.birthDateStore
            if !birth.isEmpty, store == nil { throw Abort(.unprocessableEntity, reason: "this server keeps no birth dates (it has no vault)") }
            let m = try await EmployeesController.create(dto, on: req)
            if !birth.isEmpty, let store {
                // The HR record beyond the employee table lives in the vault profile (no number in it).
                try await store.store(birth, try m.requireID(), req)
            }
        } catch let abort as any AbortError {
            // The refused number is not echoed back: it may be a My Number typed by mistake.
            let refusedNumber = abort.reason.contains("My Number")
            let data = FormData(employeeNumber: refusedNumber ? "" : dto.employeeNumber, name: dto.name, department: dto.department,
                                site: dto.site ?? "", groups: groups.joined(separator: ","), canAssignGroups: try req.user.role == .admin, birthDate: birth)
            let message = abort.status == .conflict ? req.text("duplicateNumber") : req.errorText(abort)
            return try await req.renderPage("employee-new", titleKey: "newEmployeeTitle", data, status: abort.status, error: message)
        }
        req.flash("employeeCreated")
        return req.seeOther("/employees")
    }
}
