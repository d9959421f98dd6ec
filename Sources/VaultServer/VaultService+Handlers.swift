import Access
import Audit
import Fluent
import Foundation
import MyNumber
import Store
import Vapor
import Vault
import ServerCore

/// The vault's operations (``VaultService``): the designated handlers (事務取扱担当者) and the responsible person.
extension VaultService {
    /// Whether this account is a designated handler (and has the hr role).
    public static func isHandler(userID: UUID, role: Role, on db: any Database) async throws -> Bool {
        guard role == .hr else { return false }
        return try await VaultHandlerModel.find(userID, on: db) != nil
    }

    /// The responsible person (責任者), by username.
    static func responsiblePerson(on db: any Database) async throws -> String? {
        guard let h = try await VaultHandlerModel.query(on: db).filter(\.$responsible == true).first(), let id = h.id,
              let u = try await UserModel.find(id, on: db) else { return nil }
        return u.username
    }

    public func designate(username: String, responsible: Bool, by actor: String) async throws -> VaultHandlerModel {
        // Accounts are made with 1–64 characters (Bootstrap); anything else names no account and is refused as such.
        guard (1...64).contains(username.schemaLength) else { throw APIError.bad("username must be 1–64 characters", ja: "ユーザー名は1〜64文字です") }
        guard let u = try await UserModel.query(on: db).filter(\.$username == username).first(), let uid = u.id else {
            throw APIError.noSuch("account", ja: "アカウント")
        }
        guard u.role == Role.hr.rawValue else {
            throw APIError.invalid("only accounts with the hr role can be designated handlers", ja: "事務取扱担当者に指定できるのは人事（hr）ロールのアカウントだけです")
        }
        let m = VaultHandlerModel()
        try await append { tx in
            if responsible {
                for other in try await VaultHandlerModel.query(on: tx).filter(\.$responsible == true).all() where other.id != uid {
                    other.responsible = false
                    try await other.save(on: tx)
                }
            }
            let existing = try await VaultHandlerModel.find(uid, on: tx)
            let row = existing ?? VaultHandlerModel()
            row.id = uid
            row.responsible = responsible
            row.designatedBy = actor
            row.designatedAt = Date()
            if existing == nil { try await row.create(on: tx) } else { try await row.save(on: tx) }
            m.id = row.id; m.responsible = row.responsible; m.designatedBy = row.designatedBy; m.designatedAt = row.designatedAt
            return [AuditDraft(kind: "vault.handler.designated", actor: actor, subject: "user:\(username)", details: ["responsible": String(responsible)])]
        }
        return m
    }

    public func undesignate(userID: UUID, by actor: String) async throws {
        guard try await VaultHandlerModel.find(userID, on: db) != nil, let u = try await UserModel.find(userID, on: db) else {
            throw APIError.noSuch("designated handler", ja: "事務取扱担当者")
        }
        try await append { tx in
            try await VaultHandlerModel.query(on: tx).filter(\.$id == userID).delete()
            return [AuditDraft(kind: "vault.handler.undesignated", actor: actor, subject: "user:\(u.username)")]
        }
    }
}
