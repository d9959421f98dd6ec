import Access
import Audit
import Fluent
import Foundation
import MyNumber
import Store
import Vapor
import Vault
import ServerCore

/// The vault's operations (``VaultService``): the HR profile beside the number, and legal holds.
extension VaultService {
    public struct ProfileInput: Content, Sendable {
        public var address: String?
        public var birthDate: String?
        public var sex: String?
        public var leavingDate: String?
        public init(address: String? = nil, birthDate: String? = nil, sex: String? = nil, leavingDate: String? = nil) {
            self.address = address
            self.birthDate = birthDate
            self.sex = sex
            self.leavingDate = leavingDate
        }
    }

    /// Replaces the profile: a field left out, null or empty is cleared (`PUT`).
    public func setProfile(employeeID: UUID, _ p: ProfileInput, actor: VaultActor) async throws {
        try await writeProfile(employeeID: employeeID, actor: actor) { _ in p }
    }

    /// Changes only the fields the patch names (`PATCH`, RFC 7396 merge-patch semantics): a field left
    /// out keeps its value, so changing a leaving date cannot erase an address.
    public func patchProfile(employeeID: UUID, _ patch: ProfilePatch, actor: VaultActor) async throws {
        try await writeProfile(employeeID: employeeID, actor: actor) { existing in patch.applied(to: existing) }
    }

    /// The one write of a profile. `input` is built from the stored row inside the transaction that
    /// saves it, so a patch merges onto what is there at that moment, not onto an earlier read.
    func writeProfile(employeeID: UUID, actor: VaultActor, input: @escaping @Sendable (VaultProfileModel?) -> ProfileInput) async throws {
        guard try await EmployeeModel.find(employeeID, on: db) != nil else { throw APIError.noSuch("employee", ja: "従業員") }
        try await append { tx in
            let existing = try await VaultProfileModel.find(employeeID, on: tx)
            let v = try Self.checked(input(existing))
            let m = existing ?? VaultProfileModel()
            let leavingChanged = m.leavingDate != v.leaving
            let birthBefore = existing?.birthDate ?? ""
            // What changed is recorded, never the values (security reads this log; they are the vault's).
            let addressChanged = (existing?.address ?? "") != v.address, sexChanged = (existing?.sex ?? "") != v.sex
            m.id = employeeID; m.address = v.address; m.birthDate = v.birth; m.sex = v.sex; m.leavingDate = v.leaving
            if existing == nil { try await m.create(on: tx) } else { try await m.save(on: tx) }
            var details: [String: String] = [:]
            if leavingChanged { details["leavingDate"] = v.leaving ?? "" }
            if addressChanged { details["address"] = "changed" }
            if sexChanged { details["sex"] = "changed" }
            var drafts: [AuditDraft] = []
            if birthBefore != v.birth {
                // The birth date is what a signing certificate was matched with at enrollment: its change is
                // recorded (not its values: security reads this log, and the birth date is the vault's), and
                // cards bound by the old value wait for their holder again.
                details["birthDate"] = "changed"
                drafts = try await Enrollment.recheckBindings(employeeID: employeeID, actor: actor.auditName, on: tx)
            }
            return [AuditDraft(kind: "vault.profile.updated", actor: actor.auditName, subject: "employee:\(employeeID.uuidString)", details: details)] + drafts
        }
    }

    /// A profile's fields as stored, after the field rules.
    struct CheckedProfile { var address: String; var birth: String; var sex: String; var leaving: String? }

    static func checked(_ p: ProfileInput) throws -> CheckedProfile {
        let address = (p.address ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        // Checked as sent (FreeText bounds the text before trimming, as the document's maxLength does).
        if !address.isEmpty { _ = try FreeText.check(p.address ?? "", field: "address", max: 200) }
        let birth = p.birthDate ?? ""
        if !birth.isEmpty, StrictDate.day(birth) == nil { throw APIError.bad("birthDate: \(StrictDate.dayRule)", ja: "生年月日はYYYY-MM-DD（1900〜2100年の実在する日付）で入力してください") }
        let sex = p.sex ?? ""
        guard ["", "1", "2", "9"].contains(sex) else { throw APIError.bad("sex must be 1, 2 or 9", ja: "性別は1（男）、2（女）、9（適用不能）です") }
        var leaving: String?
        if let l = p.leavingDate, !l.isEmpty {
            guard let c = StrictDate.day(l) else { throw APIError.bad("leavingDate: \(StrictDate.dayRule)", ja: "退職日はYYYY-MM-DD（1900〜2100年の実在する日付）で入力してください") }
            leaving = c.description
        }
        return CheckedProfile(address: address, birth: birth, sex: sex, leaving: leaving)
    }

    public func placeHold(employeeID: UUID, reason: String, actor: VaultActor) async throws -> UUID {
        guard try await EmployeeModel.find(employeeID, on: db) != nil else { throw APIError.noSuch("employee", ja: "従業員") }
        let text = try FreeText.check(reason, field: "reason", max: 500)
        let id = UUID()
        try await append { tx in
            let h = VaultLegalHoldModel()
            h.id = id; h.employeeID = employeeID; h.reason = text; h.placedBy = actor.auditName; h.placedAt = Date()
            try await h.create(on: tx)
            return [AuditDraft(kind: "vault.hold.placed", actor: actor.auditName, subject: "employee:\(employeeID.uuidString)", details: ["hold": id.uuidString])]
        }
        return id
    }

    public func releaseHold(holdID: UUID, actor: VaultActor) async throws {
        guard let h = try await VaultLegalHoldModel.find(holdID, on: db), h.releasedAt == nil else { throw APIError.noSuch("active legal hold", ja: "有効な法的保全") }
        try await append { tx in
            guard let row = try await VaultLegalHoldModel.find(holdID, on: tx) else { throw APIError.noSuch("legal hold", ja: "法的保全") }
            row.releasedAt = Date(); row.releasedBy = actor.auditName
            try await row.save(on: tx)
            return [AuditDraft(kind: "vault.hold.released", actor: actor.auditName, subject: "employee:\(row.employeeID.uuidString)", details: ["hold": holdID.uuidString])]
        }
    }
}

extension VaultService.ProfileInput: NullableRequestFields { package static var nullableFields: Set<String> { ["address", "birthDate", "sex", "leavingDate"] } }
