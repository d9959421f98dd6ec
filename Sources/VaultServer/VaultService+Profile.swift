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

    public func setProfile(employeeID: UUID, _ p: ProfileInput, actor: VaultActor) async throws {
        guard try await EmployeeModel.find(employeeID, on: db) != nil else { throw APIError.noSuch("employee", ja: "従業員") }
        let address = (p.address ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        // Checked as sent (FreeText bounds the text before trimming, as the document's maxLength does).
        if !address.isEmpty { _ = try FreeText.check(p.address ?? "", field: "address", max: 200) }
        let birth = p.birthDate ?? ""
        if !birth.isEmpty, StrictDate.day(birth) == nil { throw APIError.bad("birthDate: \(StrictDate.dayRule)", ja: "生年月日はYYYY-MM-DD（1900〜2100年の実在する日付）で入力してください") }
        let sex = p.sex ?? ""
        guard ["", "1", "2", "9"].contains(sex) else { throw APIError.bad("sex must be 1, 2 or 9", ja: "性別は1（男）、2（女）、9（適用不能）です") }
        var leavingText: String?
        if let l = p.leavingDate, !l.isEmpty {
            guard let c = StrictDate.day(l) else { throw APIError.bad("leavingDate: \(StrictDate.dayRule)", ja: "退職日はYYYY-MM-DD（1900〜2100年の実在する日付）で入力してください") }
            leavingText = c.description
        }
        let leaving = leavingText
        try await append { tx in
            let existing = try await VaultProfileModel.find(employeeID, on: tx)
            let m = existing ?? VaultProfileModel()
            let leavingChanged = m.leavingDate != leaving
            let birthBefore = existing?.birthDate ?? ""
            m.id = employeeID; m.address = address; m.birthDate = birth; m.sex = sex; m.leavingDate = leaving
            if existing == nil { try await m.create(on: tx) } else { try await m.save(on: tx) }
            var details: [String: String] = [:]
            if leavingChanged { details["leavingDate"] = leaving ?? "" }
            var drafts: [AuditDraft] = []
            if birthBefore != birth {
                // The birth date is what a signing certificate was matched with at enrollment: its change is
                // recorded (not its values: security reads this log, and the birth date is the vault's), and
                // cards bound by the old value wait for their holder again.
                details["birthDate"] = "changed"
                drafts = try await Enrollment.recheckBindings(employeeID: employeeID, actor: actor.auditName, on: tx)
            }
            return [AuditDraft(kind: "vault.profile.updated", actor: actor.auditName, subject: "employee:\(employeeID.uuidString)", details: details)] + drafts
        }
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
