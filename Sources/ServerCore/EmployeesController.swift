import Audit
import Fluent
import MyNumber
import Store
import Vapor

/// People records. HR and administrators write (only administrators what opens doors: see
/// ``adminOnly``); security reads.
struct EmployeesController {
    struct EmployeeDTO: Content {
        package var id: UUID?
        package var employeeNumber: String
        package var name: String
        package var department: String
        package var site: String?
        package var status: String?
        package var groups: [String]?
        var validFrom: Date?
        package var validUntil: Date?
    }

    package func register(_ routes: any RoutesBuilder) {
        let read = routes.grouped(RoleMiddleware([.admin, .hr, .security]))
        let write = routes.grouped(RoleMiddleware([.admin, .hr]))
        read.get("api", "v1", "employees", use: list)
        read.get("api", "v1", "employees", ":id", use: get)
        write.post("api", "v1", "employees", use: create)
        write.patch("api", "v1", "employees", ":id", use: update)
    }

    package static func dto(_ m: EmployeeModel) -> EmployeeDTO {
        EmployeeDTO(id: m.id, employeeNumber: m.employeeNumber, name: m.name, department: m.department, site: m.site, status: m.status,
                    groups: JSONList.decode(m.groups), validFrom: m.validFrom, validUntil: m.validUntil)
    }

    /// The people search of the `/employees` page (``EmployeeSearch``): `q`, `department`, `site`,
    /// `status`, `card`, `page` and `limit` (the page size; 1000 by default, as before the search).
    @Sendable
    package func list(_ req: Request) async throws -> [EmployeeDTO] {
        try await EmployeeSearch.from(req, defaultPageSize: 1000, maxPageSize: 10_000).rows(on: req.db).map(Self.dto)
    }

    @Sendable
    package func get(_ req: Request) async throws -> EmployeeDTO {
        Self.dto(try await find(req))
    }

    package func find(_ req: Request) async throws -> EmployeeModel {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.badRequest, reason: "id must be a UUID") }
        guard let m = try await EmployeeModel.find(id, on: req.db) else { throw Abort(.notFound, reason: "no such employee") }
        return m
    }

    @Sendable
    package func create(_ req: Request) async throws -> Response {
        let m = try await Self.create(try req.decodeBody(EmployeeDTO.self), on: req)
        return try await Self.dto(m).encodeResponse(status: .created, for: req)
    }

    /// Who may change what: HR keeps the people records (number, name, department, site) and creates
    /// people; only an administrator changes what opens doors — access groups, status and the validity
    /// window (`Role.swift`: admin configures groups). A person HR creates starts with no groups (a
    /// non-empty `groups` from HR is refused, not dropped, so the caller knows) until an administrator
    /// assigns them.
    static let adminOnly = "only an administrator changes access groups, status and validity (validFrom/validUntil); HR creates people without groups and an administrator assigns them"

    /// Validates, refuses a duplicate number, stores, records the event and refreshes the policy: the
    /// API and the new-employee page go through here, so the rules live in one place.
    package static func create(_ dto: EmployeeDTO, on req: Request) async throws -> EmployeeModel {
        try validate(dto)
        let groups = dto.groups ?? []
        if try req.user.role != .admin {
            guard groups.isEmpty, (dto.status ?? "active") == "active", dto.validFrom == nil, dto.validUntil == nil else {
                throw Abort(.forbidden, reason: adminOnly)
            }
        }
        // The checks, the row, its record and the policy version in one transaction: two requests creating
        // the same number cannot both pass the duplicate check.
        return try await req.writeAudited(changesPolicy: true) { tx, actor in
            try await checkGroupsExist(groups, on: tx)
            if try await EmployeeModel.query(on: tx).filter(\.$employeeNumber == dto.employeeNumber).first() != nil {
                throw Abort(.conflict, reason: "employee number already in use")
            }
            let m = EmployeeModel(employeeNumber: dto.employeeNumber, name: dto.name, department: dto.department, site: dto.site ?? "",
                                  status: dto.status ?? "active", groups: groups)
            m.validFrom = dto.validFrom
            m.validUntil = dto.validUntil
            try await m.create(on: tx)
            var details = ["employeeNumber": m.employeeNumber]
            for (k, v) in auditValues(m) where !v.isEmpty { details["\(k).after"] = v }
            return (m, [AuditDraft(kind: "config.employee.created", actor: actor, subject: "employee:\(try m.requireID().uuidString)", details: details)])
        }
    }

    @Sendable
    package func update(_ req: Request) async throws -> EmployeeDTO {
        let id = try await find(req).requireID()
        return Self.dto(try await Self.update(id, with: try req.decodeBody(EmployeeDTO.self), on: req))
    }

    /// Checks the rules (``adminOnly``, ``validate(_:)``, a unique number) and saves the change with its
    /// record: the API and the employee page go through here.
    package static func update(_ id: UUID, with dto: EmployeeDTO, on req: Request) async throws -> EmployeeModel {
        try Self.validate(dto)
        let isAdmin = try req.user.role == .admin
        // The row is read, checked, changed and saved with its record — and, after a rename, the cards
        // whose signing-certificate binding matched the old name are voided — in one transaction: a
        // renamed record never leaves such a card active, and the checks see the row being changed.
        return try await req.writeAudited(changesPolicy: true) { tx, actor in
            guard let m = try await EmployeeModel.find(id, on: tx) else { throw Abort(.notFound, reason: "no such employee") }
            let before = Self.auditValues(m)
            if !isAdmin {
                // HR may send the record back as it read it; a change to what opens doors is refused. An
                // omitted field is left as it is (HR cannot clear a validity window by leaving it out).
                let groupsChange = dto.groups.map { $0 != JSONList.decode(m.groups) } ?? false
                let statusChange = dto.status.map { $0 != m.status } ?? false
                let fromChange = dto.validFrom.map { !Self.sameSecond($0, m.validFrom) } ?? false
                let untilChange = dto.validUntil.map { !Self.sameSecond($0, m.validUntil) } ?? false
                if groupsChange || statusChange || fromChange || untilChange { throw Abort(.forbidden, reason: Self.adminOnly) }
            }
            if dto.employeeNumber != m.employeeNumber,
               try await EmployeeModel.query(on: tx).filter(\.$employeeNumber == dto.employeeNumber).first() != nil {
                throw Abort(.conflict, reason: "employee number already in use")
            }
            m.employeeNumber = dto.employeeNumber
            m.name = dto.name
            m.department = dto.department
            if let site = dto.site { m.site = site }
            if isAdmin {
                if let groups = dto.groups {
                    try await Self.checkGroupsExist(groups, on: tx)
                    m.groups = JSONList.encode(groups)
                }
                if let status = dto.status { m.status = status }
                m.validFrom = dto.validFrom
                m.validUntil = dto.validUntil
            }
            var details: [String: String] = [:]
            for (k, v) in Self.auditValues(m) where before[k] != v {
                details["\(k).before"] = before[k] ?? ""
                details["\(k).after"] = v
            }
            try await m.save(on: tx)
            let voided = before["name"] != m.name ? try await Enrollment.recheckBindings(employeeID: id, actor: actor, on: tx) : []
            return (m, [AuditDraft(kind: "config.employee.updated", actor: actor, subject: "employee:\(id.uuidString)", details: details)] + voided)
        }
    }

    /// The fields an audit record shows before and after a change (no My Number is ever among them:
    /// ``validate(_:)`` refuses one as an employee number and a 12-digit run in the free-text fields).
    static func auditValues(_ m: EmployeeModel) -> [String: String] {
        // The value-type format style: the same text as ISO8601DateFormatter's default, without making a
        // formatter per call (an import writes this for 50,000 people).
        ["employeeNumber": m.employeeNumber, "name": m.name, "department": m.department, "site": m.site, "status": m.status,
         "groups": JSONList.decode(m.groups).joined(separator: ","),
         "validFrom": m.validFrom.map { $0.formatted(.iso8601) } ?? "", "validUntil": m.validUntil.map { $0.formatted(.iso8601) } ?? ""]
    }

    /// Stored dates may carry fractions a client's ISO 8601 text does not: equal to the second is the same.
    static func sameSecond(_ a: Date, _ b: Date?) -> Bool {
        guard let b else { return false }
        return abs(a.timeIntervalSince(b)) < 1
    }

    /// Every group id must name a configured group: an unknown id grants nothing today but would
    /// grant whatever a group created later under that id grants.
    static func checkGroupsExist(_ groups: [String], on db: any Database) async throws {
        let wanted = Set(groups)
        guard !wanted.isEmpty else { return }
        let known = Set(try await AccessGroupModel.query(on: db).filter(\.$id ~~ Array(wanted)).all().compactMap(\.id))
        let unknown = wanted.subtracting(known).sorted()
        // The ids are not repeated: an error text never carries what the client sent (ContractRegressionTests).
        guard unknown.isEmpty else { throw Abort(.unprocessableEntity, reason: "groups names an access group that is not configured") }
    }

    /// Field rules. An employee number that is a valid My Number is refused: the number must never
    /// become an identifier (番号法9条), and a valid check digit on 12 digits is the sign it was pasted.
    package static func validate(_ dto: EmployeeDTO) throws {
        guard (1...32).contains(dto.employeeNumber.schemaLength) else { throw Abort(.unprocessableEntity, reason: "employee number must be 1–32 characters") }
        guard (1...100).contains(dto.name.schemaLength) else { throw Abort(.unprocessableEntity, reason: "name must be 1–100 characters") }
        guard dto.department.schemaLength <= 100, (dto.site ?? "").schemaLength <= 100 else { throw Abort(.unprocessableEntity, reason: "department and site must be at most 100 characters") }
        if let s = dto.status, !["active", "onLeave", "retired"].contains(s) { throw Abort(.unprocessableEntity, reason: "status must be active, onLeave or retired") }
        if case .success = IndividualNumber.check(dto.employeeNumber) {
            throw Abort(.unprocessableEntity, reason: "the employee number must not be a My Number")
        }
        // Nor hold one among other characters (`'123456789018`, `No.123456789018`): no 12-digit run.
        if FreeText.containsNumberRun(dto.employeeNumber) {
            throw Abort(.unprocessableEntity, reason: "the employee number must not contain a 12-digit number")
        }
        // Name, department and site reach the event log with their before and after values, where nothing
        // can be deleted: a 12-digit run (a My Number pasted in the wrong field) is refused, not echoed.
        for (field, text) in [("name", dto.name), ("department", dto.department), ("site", dto.site ?? "")] where FreeText.containsNumberRun(text) {
            throw Abort(.unprocessableEntity, reason: "\(field) must not contain a 12-digit number")
        }
        if (dto.groups ?? []).contains(where: { $0.isEmpty || $0.schemaLength > 64 }) { throw Abort(.unprocessableEntity, reason: "group ids must be 1–64 characters") }
    }
}
