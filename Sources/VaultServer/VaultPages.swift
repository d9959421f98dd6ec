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

/// The vault's web pages (`/vault/...`), Japanese by default. They call ``VaultService`` like the API.
/// Handler pages need the hr role (route) and a designation (checked here, a 403 page otherwise).
struct VaultPages {
    func register(_ routes: any RoutesBuilder) {
        let hr = routes.grouped(PageRoleMiddleware(VaultController.handlerRoles))
        hr.get("vault", "requests", use: requests)
        hr.post("vault", "requests", use: createRequest)
        hr.get("vault", "requests", ":id", use: request)
        hr.post("vault", "requests", ":id", "documents", use: recordDocuments)
        hr.post("vault", "numbers", ":id", "reveal", use: reveal)
        hr.get("vault", "employees", use: employee)
        hr.post("vault", "employees", ":id", "profile", use: saveProfile)
        hr.post("vault", "employees", ":id", "holds", use: placeHold)
        hr.post("vault", "holds", ":id", "release", use: releaseHold)
        hr.get("vault", "export", use: exportForm)
        hr.post("vault", "export", use: export)
        hr.get("vault", "disposals", use: disposals)
        hr.post("vault", "disposals", "run", use: runDisposal)
        routes.grouped(PageRoleMiddleware(VaultController.registerRoles)).get("vault", "register", use: registerPage)
        let admin = routes.grouped(PageRoleMiddleware([.admin]))
        admin.get("vault", "handlers", use: handlers)
        admin.post("vault", "handlers", use: designate)
        admin.post("vault", "handlers", ":id", "remove", use: undesignate)
        let everyone = routes.grouped(PageRoleMiddleware(Set(Role.allCases)))
        everyone.get("vault", "my", use: my)
        everyone.post("vault", "my", "requests", ":id", "acknowledge", use: acknowledge)
        everyone.post("vault", "my", "requests", ":id", "give", use: giveTyped)
        everyone.post("vault", "my", "requests", ":id", "card", use: giveCard)
        everyone.get("vault", "my-access", use: myAccess)
    }

    static func purposeOptions(_ lang: PageLanguage) -> [PageOption] {
        Purpose.allCases.map { PageOption(value: $0.rawValue, label: lang == .ja ? $0.japanese : $0.english) }
    }

    /// Renders a handler page, or the 403 page for an hr account that is not designated.
    func handlerPage<Body: Encodable & Sendable>(_ req: Request, _ body: (VaultActor) async throws -> (String, String, Body),
                                                 message: String? = nil) async throws -> Response {
        let actor = try await req.vaultActor()
        guard actor.isHandler else {
            return try await req.renderPage("forbidden", titleKey: "forbiddenTitle", NoData(), status: .forbidden, error: req.errorText(APIError.notHandler))
        }
        let (template, title, data) = try await body(actor)
        return try await req.renderPage(template, titleKey: title, data, message: message)
    }
}
