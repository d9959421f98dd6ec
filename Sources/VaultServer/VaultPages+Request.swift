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

/// One collection request: documents, reveal.
extension VaultPages {
    struct DiffRow: Encodable, Sendable {
        var field: String
        var card: String
        var record: String
    }

    struct SubjectRow: Encodable, Sendable {
        var id: String
        var name: String
        var role: String
        var purposes: [PageOption]
        var state: String
        var stateCode: String
        var recordId: String?
        var awaiting: Bool
        var given: Bool
        var verification: String?
        var documents: [String]
        var hasDifferences: Bool
        var cardRead: Bool
        var differences: [DiffRow]
    }

    struct RequestData: Encodable, Sendable {
        var id: String
        var employeeId: String
        var employeeNumber: String
        var employeeName: String
        var status: String
        var createdAt: String
        var expiresAt: String
        var acknowledgedAt: String
        var subjects: [SubjectRow]
        var documentTypes: [PageOption]
        var revealed: Revealed?
    }

    struct Revealed: Encodable, Sendable {
        var person: String
        var purpose: String
        var number: String
        var at: String
    }

    static func requestData(_ v: VaultViews.RequestView, lang: PageLanguage) -> RequestData {
        let ja = lang == .ja
        let subjects = v.subjects.map { s in
            SubjectRow(id: s.subjectId.uuidString, name: s.name, role: ja ? s.roleJa : s.roleEn,
                       purposes: zip(s.purposes, ja ? s.purposesJa : s.purposesEn).map { PageOption(value: $0.0, label: $0.1) },
                       state: Messages.text("vaultSubjectState_\(s.state)", lang), stateCode: s.state, recordId: s.recordId?.uuidString,
                       awaiting: s.state == "awaiting_verification", given: s.state == "given",
                       verification: s.verification.map { "\($0.methodJa)（\($0.checkedBy)、\(PageTime.show($0.checkedAt))）" },
                       documents: s.verification?.documents.map { "\($0.typeJa)：\($0.issuer)\($0.validUntil.map { "（\($0)まで）" } ?? "")" } ?? [],
                       hasDifferences: !(s.verification?.cardDifferences.isEmpty ?? true), cardRead: s.verification?.cardReading == "chip_with_pin",
                       differences: (s.verification?.cardDifferences ?? []).map {
                           DiffRow(field: Messages.text("vaultField_\($0.field)", lang), card: $0.card, record: $0.record.isEmpty ? Messages.text("none", lang) : $0.record)
                       })
        }
        return RequestData(id: v.id.uuidString, employeeId: v.employeeId.uuidString, employeeNumber: v.employeeNumber, employeeName: v.employeeName,
                           status: ja ? v.statusJa : v.statusEn, createdAt: PageTime.show(v.createdAt), expiresAt: PageTime.show(v.expiresAt),
                           acknowledgedAt: v.noticeAcknowledgedAt.map(PageTime.show) ?? "—", subjects: subjects,
                           documentTypes: IdentityDocumentType.allCases.filter { $0 != .myNumberCard && $0.role != .notAcceptable }
                               .map { PageOption(value: $0.rawValue, label: ja ? $0.japanese : $0.english) }, revealed: nil)
    }

    func loadRequest(_ req: Request) async throws -> VaultViews.RequestView {
        guard let id = req.parameters.get("id", as: UUID.self), let m = try await VaultRequestModel.find(id, on: req.db) else {
            throw APIError.noSuch("request", ja: "依頼")
        }
        return try await VaultViews.request(m, on: req.db)
    }

    @Sendable func request(_ req: Request) async throws -> Response {
        try await handlerPage(req) { _ in ("vault-request", "vaultRequestTitle", Self.requestData(try await loadRequest(req), lang: req.pageLanguage)) }
    }

    struct DocumentsForm: Content {
        var subjectId: UUID?
        var type1: String?
        var issuer1: String?
        var validUntil1: String?
        var type2: String?
        var issuer2: String?
        var validUntil2: String?
        var type3: String?
        var issuer3: String?
        var validUntil3: String?
        var detailsUnchanged: String?
    }

    @Sendable func recordDocuments(_ req: Request) async throws -> Response {
        let actor = try await req.vaultActor()
        guard actor.isHandler else { return try await handlerPage(req) { _ in ("", "", NoData()) } }
        let view = try await loadRequest(req)
        let f = try req.decodeBody(DocumentsForm.self)
        var docs: [VaultService.DocumentInput] = []
        for (t, i, v) in [(f.type1, f.issuer1, f.validUntil1), (f.type2, f.issuer2, f.validUntil2), (f.type3, f.issuer3, f.validUntil3)] {
            guard let t, !t.isEmpty else { continue }
            docs.append(.init(type: t, issuer: i ?? "", validUntil: v, detailsUnchanged: t == IdentityDocumentType.notificationCard.rawValue ? (f.detailsUnchanged == "on") : nil))
        }
        do {
            try await req.vault.recordDocuments(requestID: view.id, subjectID: f.subjectId, documents: docs, actor: actor)
            req.flash("vaultVerified")
            return req.seeOther("/vault/requests/\(view.id.uuidString)")
        } catch let e as APIError {
            return try await req.renderPage("vault-request", titleKey: "vaultRequestTitle", Self.requestData(view, lang: req.pageLanguage), status: e.status,
                                            error: req.errorText(e), switchPath: "/vault/requests/\(view.id.uuidString)")
        }
    }

    struct RevealForm: Content { var purpose: String? }

    /// Shows one number to a designated handler for a stated purpose, on a page that is never cached.
    @Sendable func reveal(_ req: Request) async throws -> Response {
        let actor = try await req.vaultActor()
        guard actor.isHandler else { return try await handlerPage(req) { _ in ("", "", NoData()) } }
        guard let id = req.parameters.get("id", as: UUID.self) else { throw APIError.bad("id must be a UUID", ja: "IDが正しくありません") }
        let keys = req.application.vaultKeys
        let lang = req.pageLanguage
        do {
            let form = try req.pageForm(RevealForm.self)
            let r = try await req.vault.reveal(recordID: id, purposeCode: form.purpose, actor: actor, sealer: { try keys.sealer() })
            let p = try VaultService.storedPurpose(r.purpose)
            let data = Revealed(person: r.personName, purpose: lang == .ja ? p.japanese : p.english, number: r.number, at: PageTime.show(r.revealedAt))
            return VaultController.noStore(try await req.renderPage("vault-revealed", titleKey: "vaultRevealedTitle", data, switchPath: "/vault/requests"))
        } catch {
            let problem = req.pageProblem(error)
            return try await req.renderPage("done", titleKey: "vaultRevealedTitle", NoData(), status: problem.status, error: problem.text, switchPath: "/vault/requests")
        }
    }
}
