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

/// Retention and disposal runs.
extension VaultPages {
    struct PlanRow: Encodable, Sendable {
        var employeeNumber: String
        var role: String
        var purposes: String
        var status: String
        var retainedThrough: String
    }

    struct DisposalsData: Encodable, Sendable {
        var plans: [PlanRow]
        var records: [VaultViews.DisposalRow]
        var noRecords: Bool
        var result: String?
    }

    func disposalsData(_ req: Request, result: String? = nil) async throws -> DisposalsData {
        let lang = req.pageLanguage
        let date = JapanTime(Date()).date
        var plans: [PlanRow] = []
        for (n, m, p) in try await VaultService.plans(on: date, db: req.db) {
            let e = try await EmployeeModel.find(n.employeeID, on: req.db)
            plans.append(PlanRow(employeeNumber: e?.employeeNumber ?? "", role: lang == .ja ? m.role.japanese : m.role.english,
                                 purposes: m.purposes.sorted().map { lang == .ja ? $0.japanese : $0.english }.joined(separator: "、"),
                                 status: lang == .ja ? p.status(on: date).japanese : p.status(on: date).english, retainedThrough: p.retainedThrough?.description ?? "—"))
        }
        let records = try await VaultViews.disposals(on: req.db).map { r -> VaultViews.DisposalRow in
            var r = r
            if lang == .en { r.methodJa = DisposalMethod(rawValue: r.method)?.english ?? r.method }
            return r
        }
        return DisposalsData(plans: plans, records: records, noRecords: records.isEmpty, result: result)
    }

    @Sendable func disposals(_ req: Request) async throws -> Response {
        try await handlerPage(req) { _ in ("vault-disposals", "vaultDisposalsTitle", try await disposalsData(req)) }
    }

    struct DisposalForm: Content { var dryRun: String? }

    @Sendable func runDisposal(_ req: Request) async throws -> Response {
        let actor = try await req.vaultActor()
        guard actor.isHandler else { return try await handlerPage(req) { _ in ("", "", NoData()) } }
        do {
            // A body that cannot be read is refused (pageForm), never run as "not a dry run".
            let dry = try req.pageForm(DisposalForm.self).dryRun == "on"
            let run = try await req.vault.runDisposal(dryRun: dry, performedBy: actor.username)
            let text = "\(req.text("vaultDisposalDone")): \(run.disposed) / \(run.onHold) / \(run.retained) / \(run.inUse) (disposed / on hold / retained / in use)\(dry ? " — dry run" : "")"
            return try await req.renderPage("vault-disposals", titleKey: "vaultDisposalsTitle", try await disposalsData(req, result: text), message: text, switchPath: "/vault/disposals")
        } catch {
            let problem = req.pageProblem(error)
            return try await req.renderPage("vault-disposals", titleKey: "vaultDisposalsTitle", try await disposalsData(req), status: problem.status,
                                            error: problem.text, switchPath: "/vault/disposals")
        }
    }
}
