import Fluent
import MyNumber
import Store
import Vapor

/// People records. HR and administrators write; security reads.
struct EmployeesController {
    struct EmployeeDTO: Content {
        var id: UUID?
        var employeeNumber: String
        var name: String
        var department: String
        var site: String?
        var status: String?
        var groups: [String]?
        var validFrom: Date?
        var validUntil: Date?
    }

    func register(_ routes: any RoutesBuilder) {
        let read = routes.grouped(RoleMiddleware([.admin, .hr, .security]))
        let write = routes.grouped(RoleMiddleware([.admin, .hr]))
        read.get("api", "v1", "employees", use: list)
        read.get("api", "v1", "employees", ":id", use: get)
        write.post("api", "v1", "employees", use: create)
        write.patch("api", "v1", "employees", ":id", use: update)
    }

    static func dto(_ m: EmployeeModel) -> EmployeeDTO {
        EmployeeDTO(id: m.id, employeeNumber: m.employeeNumber, name: m.name, department: m.department, site: m.site, status: m.status,
                    groups: JSONList.decode(m.groups), validFrom: m.validFrom, validUntil: m.validUntil)
    }

    @Sendable
    func list(_ req: Request) async throws -> [EmployeeDTO] {
        var q = EmployeeModel.query(on: req.db).sort(\.$employeeNumber)
        if let dept = req.query[String.self, at: "department"] { q = q.filter(\.$department == dept) }
        return try await q.limit(min(req.query[Int.self, at: "limit"] ?? 1000, 10_000)).all().map(Self.dto)
    }

    @Sendable
    func get(_ req: Request) async throws -> EmployeeDTO {
        Self.dto(try await find(req))
    }

    func find(_ req: Request) async throws -> EmployeeModel {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.badRequest, reason: "id must be a UUID") }
        guard let m = try await EmployeeModel.find(id, on: req.db) else { throw Abort(.notFound, reason: "no such employee") }
        return m
    }

    @Sendable
    func create(_ req: Request) async throws -> Response {
        let m = try await Self.create(try req.content.decode(EmployeeDTO.self), on: req)
        return try await Self.dto(m).encodeResponse(status: .created, for: req)
    }

    /// Validates, refuses a duplicate number, stores, records the event and refreshes the policy: the
    /// API and the new-employee page go through here, so the rules live in one place.
    static func create(_ dto: EmployeeDTO, on req: Request) async throws -> EmployeeModel {
        try validate(dto)
        if try await EmployeeModel.query(on: req.db).filter(\.$employeeNumber == dto.employeeNumber).first() != nil {
            throw Abort(.conflict, reason: "employee number already in use")
        }
        let m = EmployeeModel(employeeNumber: dto.employeeNumber, name: dto.name, department: dto.department, site: dto.site ?? "",
                              status: dto.status ?? "active", groups: dto.groups ?? [])
        m.validFrom = dto.validFrom
        m.validUntil = dto.validUntil
        try await m.create(on: req.db)
        try await req.audit(kind: "config.employee.created", subject: "employee:\(m.id!.uuidString)", details: ["employeeNumber": m.employeeNumber])
        try await req.state.policy.changed()
        return m
    }

    @Sendable
    func update(_ req: Request) async throws -> EmployeeDTO {
        let m = try await find(req)
        let dto = try req.content.decode(EmployeeDTO.self)
        try Self.validate(dto)
        m.employeeNumber = dto.employeeNumber
        m.name = dto.name
        m.department = dto.department
        if let site = dto.site { m.site = site }
        if let status = dto.status { m.status = status }
        if let groups = dto.groups { m.groups = JSONList.encode(groups) }
        m.validFrom = dto.validFrom
        m.validUntil = dto.validUntil
        try await m.save(on: req.db)
        try await req.audit(kind: "config.employee.updated", subject: "employee:\(m.id!.uuidString)")
        try await req.state.policy.changed()
        return Self.dto(m)
    }

    /// Field rules. An employee number that is a valid My Number is refused: the number must never
    /// become an identifier (番号法9条), and a valid check digit on 12 digits is the sign it was pasted.
    static func validate(_ dto: EmployeeDTO) throws {
        guard (1...32).contains(dto.employeeNumber.count) else { throw Abort(.unprocessableEntity, reason: "employee number must be 1–32 characters") }
        guard (1...100).contains(dto.name.count) else { throw Abort(.unprocessableEntity, reason: "name must be 1–100 characters") }
        guard dto.department.count <= 100, (dto.site ?? "").count <= 100 else { throw Abort(.unprocessableEntity, reason: "department and site must be at most 100 characters") }
        if let s = dto.status, !["active", "onLeave", "retired"].contains(s) { throw Abort(.unprocessableEntity, reason: "status must be active, onLeave or retired") }
        if case .success = IndividualNumber.check(dto.employeeNumber) {
            throw Abort(.unprocessableEntity, reason: "the employee number must not be a My Number")
        }
        if (dto.groups ?? []).contains(where: { $0.isEmpty || $0.count > 64 }) { throw Abort(.unprocessableEntity, reason: "group ids must be 1–64 characters") }
    }
}
