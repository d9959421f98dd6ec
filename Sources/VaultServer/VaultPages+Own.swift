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

/// The employee's own vault pages: requests to acknowledge, giving a number, who used it.
extension VaultPages {
    struct MySubject: Encodable, Sendable {
        var id: String
        var name: String
        var role: String
        var isEmployee: Bool
        var purposes: [String]
        var state: String
        var pending: Bool
    }

    struct MyRequest: Encodable, Sendable {
        var id: String
        var status: String
        var expiresAt: String
        var needsAcknowledgement: Bool
        var canGive: Bool
        var subjects: [MySubject]
        var ownPending: Bool
    }

    struct MyData: Encodable, Sendable {
        var requests: [MyRequest]
        var empty: Bool
        var demo: Bool
        var demoCardFound: Bool
        var triesLeft: Int
        var lastTry: Bool
        var blocked: Bool
    }

    func myData(_ req: Request) async throws -> MyData {
        let lang = req.pageLanguage
        var out: [MyRequest] = []
        var tries = 0
        var found = false
        let demo = req.application.deskCards != nil
        if let e = try req.user.employeeID {
            let views = try await VaultViews.requests(try await VaultRequestModel.query(on: req.db).filter(\.$employeeID == e).sort(\.$createdAt, .descending).all(), on: req.db)
            for v in views {
                let subjects = v.subjects.map { s in
                    MySubject(id: s.subjectId.uuidString, name: s.name, role: lang == .ja ? s.roleJa : s.roleEn, isEmployee: s.role == "employee",
                              purposes: lang == .ja ? s.purposesJa : s.purposesEn, state: Messages.text("vaultSubjectState_\(s.state)", lang), pending: s.state == "pending")
                }
                out.append(MyRequest(id: v.id.uuidString, status: lang == .ja ? v.statusJa : v.statusEn, expiresAt: PageTime.show(v.expiresAt),
                                     needsAcknowledgement: v.status == "open", canGive: v.status == "notice_acknowledged", subjects: subjects,
                                     ownPending: subjects.contains { $0.isEmployee && $0.pending }))
            }
            if demo, let card = try await VaultDemoDesk.card(for: e, req: req) {
                found = true
                // Reading the tries left spends no try. A count that cannot be read is an error, not 0 (which
                // would tell the person their card is blocked).
                tries = try await card.text.triesLeft().value
            }
        }
        return MyData(requests: out, empty: out.isEmpty, demo: demo, demoCardFound: found, triesLeft: tries, lastTry: tries == 1, blocked: found && tries == 0)
    }

    @Sendable func my(_ req: Request) async throws -> Response {
        try await req.renderPage("vault-my", titleKey: "vaultMyTitle", try await myData(req))
    }

    func myAction(_ req: Request, flash: String, _ body: (VaultActor, UUID) async throws -> Void) async throws -> Response {
        let actor = try await req.vaultActor()
        guard let id = req.parameters.get("id", as: UUID.self) else { throw APIError.bad("id must be a UUID", ja: "IDが正しくありません") }
        do {
            try await body(actor, id)
            req.flash(flash)
            return req.seeOther("/vault/my")
        } catch let e as MynaCardError {
            let text = "\(req.text("errorPrefix")): " + (req.pageLanguage == .ja ? e.japaneseMessage : e.englishMessage)
            return try await req.renderPage("vault-my", titleKey: "vaultMyTitle", try await myData(req), status: .unprocessableEntity, error: text, switchPath: "/vault/my")
        } catch {
            let problem = req.pageProblem(error)
            return try await req.renderPage("vault-my", titleKey: "vaultMyTitle", try await myData(req), status: problem.status, error: problem.text, switchPath: "/vault/my")
        }
    }

    @Sendable func acknowledge(_ req: Request) async throws -> Response {
        try await myAction(req, flash: "vaultAcknowledged") { actor, id in
            try await req.vault.acknowledge(requestID: id, actor: actor)
        }
    }

    /// The number typed by its owner. `subjectId` is a UUID or absent (the employee's own number): a
    /// value that is neither is refused, not read as "own".
    struct GiveForm: Content {
        var subjectId: UUID?
        var number: String?
    }

    @Sendable func giveTyped(_ req: Request) async throws -> Response {
        try await myAction(req, flash: "vaultGiven") { actor, id in
            let form = try req.pageForm(GiveForm.self)
            let number = try VaultController.parseNumber(form.number ?? "")
            let subject = form.subjectId
            _ = try await req.vault.give(requestID: id, subjectID: subject, number: number, source: .typed, actor: actor,
                                            sealer: try req.application.vaultKeys.sealer())
        }
    }

    struct CardForm: Content {
        var pin: String?
        var confirmLastTry: String?
    }

    @Sendable func giveCard(_ req: Request) async throws -> Response {
        try await myAction(req, flash: "vaultGiven") { actor, id in
            guard req.application.deskCards != nil else { throw APIError(.notFound, code: "not_demo", ja: "デモサーバーではありません", en: "not a demo server") }
            guard let e = actor.employeeID else { throw APIError.noEmployee }
            let form = try req.pageForm(CardForm.self)
            let pin = form.pin ?? ""
            let confirm = form.confirmLastTry == "on"
            let sealer = try req.application.vaultKeys.sealer()
            let read = try await VaultDemoDesk.read(employee: e, pin: pin, confirmLastTry: confirm, req: req)
            let integrity = try await CardIntegrity.accepted(read.integrity, request: id, req: req)
            _ = try await req.vault.give(requestID: id, subjectID: nil, number: read.number,
                                            source: .card(read.items, reader: "受付の仮想カードリーダー（デモ）", integrity: integrity),
                                            actor: actor, sealer: sealer)
        }
    }

    struct AccessData: Encodable, Sendable {
        struct Row: Encodable, Sendable {
            var at: String
            var who: String
            var action: String
            var purpose: String
            var person: String
        }
        var rows: [Row]
        var empty: Bool
    }

    @Sendable func myAccess(_ req: Request) async throws -> Response {
        let lang = req.pageLanguage
        var rows: [AccessData.Row] = []
        if let e = try req.user.employeeID {
            rows = try await VaultViews.access(employee: e, on: req.db).map { a in
                AccessData.Row(at: PageTime.show(a.at), who: a.actor, action: lang == .ja ? a.actionJa : a.actionEn,
                               purpose: (lang == .ja ? a.purposeJa : a.purposeEn) ?? "—",
                               person: "\(a.person)（\(lang == .ja ? a.roleJa : VaultService.role(code: a.role).english)）")
            }
        }
        return try await req.renderPage("vault-my-access", titleKey: "vaultMyAccessTitle", AccessData(rows: rows, empty: rows.isEmpty))
    }
}
