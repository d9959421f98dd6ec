import Access
import Audit
import Fluent
import Foundation
import MyNumber
import Store
import Vapor
import Vault
import ServerCore

/// The vault's operations (``VaultService``): each use of a number entered in the access log its owner sees, and the uses themselves — reveal and export.
extension VaultService {
    static func access(record: UUID, employee: UUID, dependent: UUID?, role: SubjectRole, actor: VaultActor, action: NumberAccessAction,
                       purpose: Purpose?, batch: Int? = nil, at: Date, on tx: any Database) async throws {
        let a = VaultAccessModel()
        a.id = UUID(); a.recordID = record; a.employeeID = employee; a.dependentID = dependent; a.role = roleCode(role)
        a.actor = actor.auditName; a.actorName = actor.username; a.at = at; a.action = action.rawValue; a.purpose = purpose?.rawValue
        a.batchSize = batch
        try await a.create(on: tx)
    }

    // MARK: Use

    public struct Revealed: Content, Sendable {
        public var recordId: UUID
        public var employeeId: UUID
        public var dependentId: UUID?
        public var personName: String
        public var purpose: String
        /// The 12 digits: the only place they appear.
        public var number: String
        public var revealedAt: Date
    }

    static func person(_ n: VaultNumberModel, on db: any Database) async throws -> (name: String, role: SubjectRole, employeeNumber: String) {
        let e = try await EmployeeModel.find(n.employeeID, on: db)
        if let did = n.dependentID, let d = try await VaultDependentModel.find(did, on: db) {
            return (d.name, role(code: d.relation), e?.employeeNumber ?? "")
        }
        return (e?.name ?? "", .employee, e?.employeeNumber ?? "")
    }

    /// A designated handler reveals one number for a stated purpose it was collected for. The access is
    /// recorded (audit chain and the person's view) before the digits leave this function.
    public func reveal(recordID: UUID, purposeCode: String?, actor: VaultActor, sealer: () throws -> NumberSealer) async throws -> Revealed {
        guard actor.isHandler else { throw APIError.notHandler }
        let purpose = try Self.parsePurpose(purposeCode)
        guard let n = try await VaultNumberModel.find(recordID, on: db) else { throw APIError.noSuch("number record", ja: "番号の記録") }
        do {
            try NumberUsePolicy.authorize(action: .reveal, actorIsDesignatedHandler: true, statedPurpose: purpose, collectedPurposes: try Self.purposes(n.purposes))
        } catch { throw APIError.vault(error) }
        guard n.verificationID != nil else {
            throw APIError(.conflict, code: "not_verified", ja: "本人確認が記録されていない番号は表示できません", en: "the number's identity verification is not recorded yet")
        }
        let number = try await Self.openNumber(sealer(), n, id: recordID)
        let who = try await Self.person(n, on: db)
        let now = Date()
        try await append { tx in
            try await Self.access(record: recordID, employee: n.employeeID, dependent: n.dependentID, role: who.role, actor: actor, action: .reveal,
                             purpose: purpose, at: now, on: tx)
            return [AuditDraft(kind: "vault.number.revealed", actor: actor.auditName, subject: "employee:\(n.employeeID.uuidString)",
                               details: ["record": recordID.uuidString, "purpose": purpose.rawValue, "role": Self.roleCode(who.role)])]
        }
        return Revealed(recordId: recordID, employeeId: n.employeeID, dependentId: n.dependentID, personName: who.name, purpose: purpose.rawValue,
                        number: number.revealDigits(), revealedAt: now)
    }

    /// Opens one stored number, turning the sealer's typed error into the vault's HTTP error. A function of
    /// its own because `catch let e as VaultCryptoError` inline crashes the Swift 6.3.1 compiler (SILGen).
    static func openNumber(_ s: NumberSealer, _ n: VaultNumberModel, id: UUID) async throws -> IndividualNumber {
        do { return try await s.open(sealed(n), for: NumberRecordID(rawValue: id)) } catch { throw APIError.vault(error) }
    }

    static func sealed(_ n: VaultNumberModel) -> SealedNumber {
        var wrapped: WrappedDataKey?
        if let k = n.keyID.flatMap(KeyID.init(rawValue:)), let w = n.wrappedKey { wrapped = WrappedDataKey(keyID: k, sealed: w) }
        return SealedNumber(format: n.format, wrappedKey: wrapped, ciphertext: n.ciphertext)
    }

    /// A purpose-bound export for payroll software: CSV with the purpose in its header lines, one row per
    /// person whose number was collected for the purpose (employee number, name, relation, number).
    public func export(purposeCode: String?, encoding: String, actor: VaultActor, sealer: () throws -> NumberSealer) async throws -> (data: Data, count: Int) {
        guard actor.isHandler else { throw APIError.notHandler }
        let purpose = try Self.parsePurpose(purposeCode)
        guard encoding == "utf-8" || encoding == "shift_jis" else { throw APIError.bad("encoding must be utf-8 or shift_jis", ja: "文字コードはUTF-8かShift_JISです") }
        let s = try sealer()
        let rows = try await VaultNumberModel.query(on: db).filter(\.$verificationID != nil).all()
            .filter { try Self.purposes($0.purposes).contains(purpose) && $0.wrappedKey != nil }
        var lines: [(employeeNumber: String, name: String, relation: String, digits: String, row: VaultNumberModel, role: SubjectRole)] = []
        for n in rows {
            let who = try await Self.person(n, on: db)
            let number = try await Self.openNumber(s, n, id: try n.requireID())
            lines.append((who.employeeNumber, who.name, who.role.relation?.japanese ?? "本人", number.revealDigits(), n, who.role))
        }
        lines.sort { ($0.employeeNumber, $0.relation == "本人" ? 0 : 1, $0.name) < ($1.employeeNumber, $1.relation == "本人" ? 0 : 1, $1.name) }
        let now = Date()
        // Every cell through the one CSV rule, the header's too: a username is chosen by whoever created the account.
        var text = CSVField.line(["# 利用目的", purpose.japanese, purpose.rawValue]) + "\r\n"
        text += CSVField.line(["# 出力者", actor.username]) + "\r\n"
        text += CSVField.line(["# 出力日時", PageTime.show(now)]) + "\r\n"
        text += CSVField.line(["# 件数", String(lines.count)]) + "\r\n"
        text += CSVField.line(["社員番号", "氏名", "続柄", "個人番号"]) + "\r\n"
        for l in lines {
            text += CSVField.line([l.employeeNumber, l.name, l.relation, l.digits]) + "\r\n"
        }
        let count = lines.count
        let entries = try lines.map { (id: try $0.row.requireID(), employee: $0.row.employeeID, dependent: $0.row.dependentID, role: $0.role) }
        try await append { tx in
            for e in entries {
                try await Self.access(record: e.id, employee: e.employee, dependent: e.dependent, role: e.role, actor: actor, action: .export,
                                 purpose: purpose, batch: count, at: now, on: tx)
            }
            return [AuditDraft(kind: "vault.numbers.exported", actor: actor.auditName, subject: "vault",
                               details: ["purpose": purpose.rawValue, "count": String(count), "encoding": encoding])]
        }
        if encoding == "utf-8" { return (Data([0xEF, 0xBB, 0xBF]) + Data(text.utf8), count) }
        guard let d = ShiftJIS.encode(text, lossy: true) else {
            throw APIError(.internalServerError, code: "encoding_failed", ja: "Shift_JISに変換できません", en: "Shift_JIS conversion failed")
        }
        return (d, count)
    }
}
