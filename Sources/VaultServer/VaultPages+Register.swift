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

/// The register of number-holding files, and the designated handlers.
extension VaultPages {
    struct RegisterData: Encodable, Sendable {
        var files: [VaultViews.FileRow]
        var handlers: [VaultViews.HandlerRow]
        var retention: [VaultViews.RetentionRow]
        var rooms: [VaultViews.RoomRow]
        var noRoom: Bool
        var currentKeyId: String?
        var keys: [PageOption]
    }

    @Sendable func registerPage(_ req: Request) async throws -> Response {
        let r = try await VaultViews.register(on: req.db, keys: req.application.vaultKeys, policy: req.state.policy.current)
        let lang = req.pageLanguage
        let rooms = r.rooms.map { room in
            var room = room
            room.levels = room.levels.map { Messages.text("level_\($0)", lang) }
            return room
        }
        let data = RegisterData(files: r.files, handlers: r.handlers, retention: r.retention, rooms: rooms, noRoom: rooms.isEmpty,
                                currentKeyId: r.currentKeyId, keys: r.recordsByKey.sorted { $0.key < $1.key }.map { PageOption(value: $0.key, label: String($0.value)) })
        return try await req.renderPage("vault-register", titleKey: "vaultRegisterTitle", data)
    }

    struct HandlersData: Encodable, Sendable {
        var handlers: [VaultViews.HandlerRow]
        var empty: Bool
    }

    @Sendable func handlers(_ req: Request) async throws -> Response {
        let h = try await VaultViews.handlers(on: req.db)
        return try await req.renderPage("vault-handlers", titleKey: "vaultHandlersTitle", HandlersData(handlers: h, empty: h.isEmpty))
    }

    struct DesignateForm: Content {
        var username: String?
        var responsible: String?
    }

    @Sendable func designate(_ req: Request) async throws -> Response {
        try await req.submitForm(DesignateForm.self, flash: "vaultHandlerSaved", redirect: "/vault/handlers") { form in
            _ = try await req.vault.designate(username: form.username ?? "", responsible: form.responsible == "on", by: "user:\(try req.user.username)")
            return nil
        } page: { _, problem in
            let h = try await VaultViews.handlers(on: req.db)
            return try await req.renderPage("vault-handlers", titleKey: "vaultHandlersTitle", HandlersData(handlers: h, empty: h.isEmpty), status: problem.status,
                                            error: problem.text, switchPath: "/vault/handlers")
        }
    }

    @Sendable func undesignate(_ req: Request) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw APIError.bad("id must be a UUID", ja: "IDが正しくありません") }
        try await req.vault.undesignate(userID: id, by: "user:\(try req.user.username)")
        req.flash("vaultHandlerSaved")
        return req.seeOther("/vault/handlers")
    }
}
