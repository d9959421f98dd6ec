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

/// Collection requests, for the designated handler (`/vault/requests`).
extension VaultPages {
    struct RequestRow: Encodable, Sendable {
        var id: String
        var employeeNumber: String
        var employeeName: String
        var status: String
        var purposes: String
        var subjects: String
        var createdAt: String
        var expiresAt: String
    }

    struct RequestsData: Encodable, Sendable {
        var requests: [RequestRow]
        var empty: Bool
        var purposes: [PageOption]
        var relations: [PageOption]
    }

    static func rows(_ views: [VaultViews.RequestView], lang: PageLanguage) -> [RequestRow] {
        views.map { v in
            RequestRow(id: v.id.uuidString, employeeNumber: v.employeeNumber, employeeName: v.employeeName, status: lang == .ja ? v.statusJa : v.statusEn,
                       purposes: Array(Set(v.subjects.flatMap { lang == .ja ? $0.purposesJa : $0.purposesEn })).sorted().joined(separator: "、"),
                       subjects: v.subjects.map { "\($0.name)（\(lang == .ja ? $0.roleJa : $0.roleEn)）" }.joined(separator: "、"),
                       createdAt: PageTime.show(v.createdAt), expiresAt: PageTime.show(v.expiresAt))
        }
    }

    func requestsData(_ req: Request) async throws -> RequestsData {
        let lang = req.pageLanguage
        let views = try await VaultViews.requests(try await VaultRequestModel.query(on: req.db).sort(\.$createdAt, .descending).limit(200).all(), on: req.db)
        return RequestsData(requests: Self.rows(views, lang: lang), empty: views.isEmpty, purposes: Self.purposeOptions(lang),
                            relations: DependentRelation.allCases.map { PageOption(value: $0.rawValue, label: lang == .ja ? $0.japanese : $0.english) })
    }

    @Sendable func requests(_ req: Request) async throws -> Response {
        try await handlerPage(req) { _ in ("vault-requests", "vaultRequestsTitle", try await requestsData(req)) }
    }

    struct RequestForm: Content {
        var employeeNumber: String?
        var employeePurposes: [String]?
        var dependentName: String?
        var relation: String?
        var dependentPurposes: [String]?
        var expiresInDays: String?
    }

    @Sendable func createRequest(_ req: Request) async throws -> Response {
        let actor = try await req.vaultActor()
        guard actor.isHandler else { return try await handlerPage(req) { _ in ("", "", NoData()) } }
        func one(_ k: String?) -> String { (k ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        do {
            let form = try req.pageForm(RequestForm.self)
            let number = one(form.employeeNumber)
            guard let e = try await EmployeeModel.query(on: req.db).filter(\.$employeeNumber == number).first() else {
                throw APIError.noSuch("employee", ja: "従業員")
            }
            var subjects: [VaultService.SubjectInput] = []
            let own = form.employeePurposes ?? []
            if !own.isEmpty { subjects.append(.init(kind: "employee", purposes: own)) }
            if !one(form.dependentName).isEmpty {
                subjects.append(.init(kind: "dependent", name: one(form.dependentName), relation: one(form.relation), purposes: form.dependentPurposes ?? []))
            }
            let m = try await req.vault.createRequest(employeeID: try e.requireID(), subjects: subjects, expiresInDays: Int(one(form.expiresInDays)) ?? 14,
                                                         actor: actor)
            req.flash("vaultRequestCreated")
            return req.seeOther("/vault/requests/\((try m.requireID()).uuidString)")
        } catch {
            let problem = req.pageProblem(error)
            return try await req.renderPage("vault-requests", titleKey: "vaultRequestsTitle", try await requestsData(req), status: problem.status,
                                            error: problem.text, switchPath: "/vault/requests")
        }
    }
}
