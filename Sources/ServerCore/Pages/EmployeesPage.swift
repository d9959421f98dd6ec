import Fluent
import Foundation
import Access
import Store
import Vapor

/// `/employees` (admin, hr, security) and `/employees/new` (admin, hr). The form goes through
/// ``EmployeesController/create(_:on:)``, the API's own rules (including "never a My Number").
struct EmployeesPage {
    package struct Row: Encodable, Sendable {
        package var employeeNumber: String
        package var name: String
        package var department: String
        package var site: String
        package var status: String
        package var groups: String
    }
    struct ListData: Encodable, Sendable {
        package var employees: [Row]
        var canAdd: Bool
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

    package func register(read: any RoutesBuilder, write: any RoutesBuilder) {
        read.get("employees", use: list)
        write.get("employees", "new", use: newForm)
        write.post("employees", "new", use: create)
    }

    @Sendable package func list(_ req: Request) async throws -> Response {
        let lang = req.pageLanguage
        let rows = try await EmployeeModel.query(on: req.db).sort(\.$employeeNumber).limit(10_000).all().map {
            Row(employeeNumber: $0.employeeNumber, name: $0.name, department: $0.department, site: $0.site,
                status: Messages.text("status_\($0.status)", lang), groups: JSONList.decode($0.groups).joined(separator: ", "))
        }
        let canAdd = try Pages.peopleWriters.contains(req.user.role)
        return try await req.renderPage("employees", titleKey: "employeesTitle", ListData(employees: rows, canAdd: canAdd))
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
