import Access
import Fluent
import Foundation
import MynaCard
import MyNumber
import SmartCard
import Store
import Vapor
import Vault
import ServerCore

/// One employee's vault file: numbers, profile, legal holds.
extension VaultPages {
    struct NumberRow: Encodable, Sendable {
        var recordId: String
        var person: String
        var role: String
        var purposes: [PageOption]
        var verified: Bool
        /// Whether the number came from a chip whose integrity record was checked, and how far.
        var fromChip: Bool
        var chip: String
        var collectedAt: String
        var disposal: String
    }

    struct HoldRow: Encodable, Sendable {
        var id: String
        var reason: String
        var placedBy: String
        var placedAt: String
        var active: Bool
    }

    struct EmployeeData: Encodable, Sendable {
        var query: String
        var found: Bool
        var id: String
        var employeeNumber: String
        var name: String
        var address: String
        var birthDate: String
        var sex: String
        var leavingDate: String
        var numbers: [NumberRow]
        var noNumbers: Bool
        var holds: [HoldRow]
        var requests: [RequestRow]
    }

    func employeeData(_ req: Request, _ e: EmployeeModel?, query: String) async throws -> EmployeeData {
        let lang = req.pageLanguage
        guard let e else {
            return EmployeeData(query: query, found: false, id: "", employeeNumber: "", name: "", address: "", birthDate: "", sex: "", leavingDate: "",
                                numbers: [], noNumbers: true, holds: [], requests: [])
        }
        let v = try await VaultViews.employee(e, on: req.db)
        let numbers = try v.numbers.map { n in
            NumberRow(recordId: n.recordId.uuidString, person: n.person, role: lang == .ja ? n.roleJa : VaultService.role(code: n.role).english,
                      purposes: try zip(n.purposes, n.purposesJa).map { PageOption(value: $0.0, label: lang == .ja ? $0.1 : try VaultService.storedPurpose($0.0).english) },
                      verified: n.verified, fromChip: n.chipIntegrity != nil,
                      chip: n.chipIntegrity.map { Messages.text("vaultChip_\($0)", lang) } ?? "",
                      collectedAt: PageTime.show(n.collectedAt), disposal: n.disposalJa)
        }
        let reqs = try await VaultViews.requests(try await VaultRequestModel.query(on: req.db).filter(\.$employeeID == v.id).sort(\.$createdAt, .descending).all(), on: req.db)
        return EmployeeData(query: query, found: true, id: v.id.uuidString, employeeNumber: v.employeeNumber, name: v.name, address: v.address,
                            birthDate: v.birthDate, sex: v.sex, leavingDate: v.leavingDate ?? "", numbers: numbers, noNumbers: numbers.isEmpty,
                            holds: v.holds.map { HoldRow(id: $0.id.uuidString, reason: $0.reason, placedBy: $0.placedBy, placedAt: PageTime.show($0.placedAt), active: $0.releasedAt == nil) },
                            requests: Self.rows(reqs, lang: lang))
    }

    @Sendable func employee(_ req: Request) async throws -> Response {
        try await handlerPage(req) { _ in
            let q = String((req.query[String.self, at: "employee"] ?? "").trimmingCharacters(in: .whitespaces).prefix(32))
            let e = q.isEmpty ? nil : try await EmployeeModel.query(on: req.db).filter(\.$employeeNumber == q).first()
            return ("vault-employee", "vaultEmployeeTitle", try await employeeData(req, e, query: q))
        }
    }

    func employeeAction(_ req: Request, flash: String, _ body: (VaultActor, EmployeeModel) async throws -> Void) async throws -> Response {
        let actor = try await req.vaultActor()
        guard actor.isHandler else { return try await handlerPage(req) { _ in ("", "", NoData()) } }
        guard let id = req.parameters.get("id", as: UUID.self), let e = try await EmployeeModel.find(id, on: req.db) else {
            throw APIError.noSuch("employee", ja: "従業員")
        }
        do {
            try await body(actor, e)
            req.flash(flash)
            return req.seeOther("/vault/employees?employee=\(e.employeeNumber.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
        } catch {
            let problem = req.pageProblem(error)
            return try await req.renderPage("vault-employee", titleKey: "vaultEmployeeTitle", try await employeeData(req, e, query: e.employeeNumber),
                                            status: problem.status, error: problem.text, switchPath: "/vault/employees")
        }
    }

    @Sendable func saveProfile(_ req: Request) async throws -> Response {
        try await employeeAction(req, flash: "vaultProfileSaved") { actor, e in
            try await req.vault.setProfile(employeeID: try e.requireID(), try req.pageForm(VaultService.ProfileInput.self), actor: actor)
        }
    }

    struct HoldForm: Content { var reason: String? }

    @Sendable func placeHold(_ req: Request) async throws -> Response {
        try await employeeAction(req, flash: "vaultHoldPlaced") { actor, e in
            let reason = try req.pageForm(HoldForm.self).reason ?? ""
            _ = try await req.vault.placeHold(employeeID: try e.requireID(), reason: reason, actor: actor)
        }
    }

    @Sendable func releaseHold(_ req: Request) async throws -> Response {
        let actor = try await req.vaultActor()
        guard actor.isHandler else { return try await handlerPage(req) { _ in ("", "", NoData()) } }
        guard let id = req.parameters.get("id", as: UUID.self), let h = try await VaultLegalHoldModel.find(id, on: req.db),
              let e = try await EmployeeModel.find(h.employeeID, on: req.db) else { throw APIError.noSuch("legal hold", ja: "法的保全") }
        try await req.vault.releaseHold(holdID: id, actor: actor)
        req.flash("vaultHoldReleased")
        return req.seeOther("/vault/employees?employee=\(e.employeeNumber.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
    }
}
