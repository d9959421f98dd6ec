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

/// Export of numbers for a stated purpose.
extension VaultPages {
    struct ExportData: Encodable, Sendable { var purposes: [PageOption] }

    @Sendable func exportForm(_ req: Request) async throws -> Response {
        try await handlerPage(req) { _ in ("vault-export", "vaultExportTitle", ExportData(purposes: Self.purposeOptions(req.pageLanguage))) }
    }

    struct ExportForm: Content {
        var purpose: String?
        var encoding: String?
    }

    @Sendable func export(_ req: Request) async throws -> Response {
        let actor = try await req.vaultActor()
        guard actor.isHandler else { return try await handlerPage(req) { _ in ("", "", NoData()) } }
        let keys = req.application.vaultKeys
        do {
            let form = try req.pageForm(ExportForm.self)
            let purpose = form.purpose
            let encoding = form.encoding ?? "utf-8"
            let out = try await req.vault.export(purposeCode: purpose, encoding: encoding, actor: actor, sealer: { try keys.sealer() })
            return VaultController.csv(out.data, encoding: encoding, purpose: purpose ?? "")
        } catch {
            let problem = req.pageProblem(error)
            return try await req.renderPage("vault-export", titleKey: "vaultExportTitle", ExportData(purposes: Self.purposeOptions(req.pageLanguage)),
                                            status: problem.status, error: problem.text, switchPath: "/vault/export")
        }
    }
}
