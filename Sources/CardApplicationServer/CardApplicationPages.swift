import Access
import CardApplication
import Fluent
import Foundation
import Store
import Vapor
import ServerCore

/// The card application pages (issue 9): `/my/card` and `/card-campaign` for everyone, the clerk's
/// `/card-applications`, `/card-batches`, `/card-sessions` and `/card-templates` for HR handlers and
/// administrators. They call ``CardOps`` (as the API does) and show refusals in the page's language.
struct CardApplicationPages {
    func register(_ routes: any RoutesBuilder) {
        let everyone = routes.grouped(PageRoleMiddleware(Set(Role.allCases)))
        everyone.get("my", "card", use: my)
        everyone.post("my", "card", "statement", use: statement)
        everyone.post("my", "card", "apply", use: apply)
        everyone.post("my", "card", "data", use: data)
        everyone.on(.POST, "my", "card", "photo", body: .collect(maxSize: CardApplicationController.photoBodyLimit), use: photo)
        everyone.get("my", "card", "photo", use: myPhoto)
        everyone.post("my", "card", "event", use: myEvent)
        everyone.get("card-campaign", use: campaign)

        let clerk = routes.grouped(PageRoleMiddleware(CardApplicationController.clerks))
        clerk.get("card-applications", use: overview)
        clerk.get("card-applications", ":id", use: detail)
        clerk.get("card-applications", ":id", "photo", use: applicationPhoto)
        clerk.post("card-applications", ":id", "review", use: review)
        clerk.post("card-applications", ":id", "event", use: clerkEvent)
        clerk.get("card-batches", use: batches)
        clerk.post("card-batches", use: build)
        clerk.post("card-batches", ":id", "sent", use: sent)
        clerk.get("card-batches", ":id", "package", use: package)
        clerk.get("card-sessions", use: sessions)
        clerk.post("card-sessions", use: createSession)
        clerk.get("card-sessions", ":id", use: session)
        clerk.post("card-sessions", ":id", "agreement", use: agree)
        clerk.post("card-sessions", ":id", "attendance", use: attendance)
        clerk.get("card-sessions", ":id", "roster", use: roster)
        clerk.get("card-templates", use: templates)
        clerk.post("card-templates", ":id", use: saveTemplate)
        clerk.post("card-templates", ":id", "reset", use: resetTemplate)
        clerk.post("card-campaign", use: saveCampaign)
    }

    static func lang(_ req: Request) -> MessageLanguage { req.pageLanguage == .ja ? .japanese : .english }
    static func stageLabel(_ s: ApplicationStage, _ req: Request) -> String { req.pageLanguage == .ja ? s.japaneseLabel : s.englishLabel }
    static func statusLabel(_ s: CardStatus, _ req: Request) -> String { req.text("ca_status_\(s.rawValue)") }
    static func routeLabel(_ r: ApplicationRoute?, _ req: Request) -> String { req.text("ca_route_\(r?.rawValue ?? "none")") }
}
