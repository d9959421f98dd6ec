import Access
import Audit
import Fluent
import Foundation
import MyNumber
import MynaCard
import Store
import Vapor
import Vault
import ServerCore

/// The vault's operations (``VaultService``): a number given to the vault: typed by its owner or read from the card.
extension VaultService {
    /// How a number reached the vault.
    public enum Source: Sendable {
        /// Read from the card's chip by the server itself after the text PIN (a desk reader the server
        /// drives, such as the demo desk), with the 4 items; `reader` says which reader. Only a reading
        /// the server made is a chip reading: it verifies number and identity alone.
        /// `integrity` is the text application's integrity record's verdict (``CardIntegrity``): `verified`
        /// or `issuer_unknown`; a mismatch never gets here.
        case card(BasicFourItems, reader: String, integrity: String)
        /// Posted by `mynagate vault give` from the employee's own reader. The card's JPKI signature
        /// over the server's challenge proves the enrolled card and its holder were there, but it does
        /// not cover the digits or the 4 items, so the server cannot bind them to that card: recorded
        /// like a typed number, unusable until the handler records the documents checked (issue 14, M2).
        /// `integrity` is what the posted EFs' integrity record said (`verified`, `issuer_unknown`), `nil`
        /// when the client posted none. It is recorded as `client_verified` / `client_issuer_unknown`, never
        /// as a chip reading: the server read no chip. `client_verified` shows the digits and 4 items are
        /// as J-LIS wrote them for *a* card, not a typo — but the text files are static, 照合番号A and B
        /// (printed on the card) open them without the PIN, and nothing ties them to the card that
        /// signed the challenge, so the documents are still needed. `client_issuer_unknown` proves
        /// nothing (anyone can make a key, a certificate and a record). The posted 4 items are compared
        /// with the HR record like a desk reading's, and where they differ the audit record says which
        /// fields (never the values).
        case ownReader(integrity: String?, items: BasicFourItems?)
        /// Typed by the employee.
        case typed
    }

    /// One difference between the card and the HR record (shown to the handler, e.g. a new address).
    public struct Difference: Content, Sendable, Hashable {
        public var field: String
        public var card: String
        public var record: String
    }

    /// Without spaces (U+3000 included), full-width ASCII folded to half-width, and every dash that
    /// people and systems write between the numbers of an address folded to `-`.
    ///
    /// The card writes `１２－７－２０２` with U+FF0D (soltia48/myna-card `src/ap/text.rs` test
    /// `attributes_file`, a real card). An HR record typed on another system may hold the "same" dash as
    /// U+2212 (JIS X 0208 1-61 "－" in the JIS/Mac mappings, where Windows uses U+FF0D), U+2010 (JIS
    /// 1-30 hyphen), U+2015 or U+2014 (JIS 1-29 dash, mapped to either), U+2011–U+2013 or the small forms
    /// U+FE58/U+FE63: none of them tells two addresses apart, so all fold. The prolonged sound mark
    /// ー (U+30FC, half-width U+FF70) is a common typo for a dash, but it is also a letter of katakana
    /// names (センター, ハイツ) that must stay: it folds only right after a digit, where it cannot be a
    /// prolonged sound. The wave dash 〜 (ranges) and the numeral 一 are not dashes and stay.
    static func normalised(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars where !u.properties.isWhitespace {
            let afterDigit = out.last.map { (0x30...0x39).contains($0.value) } ?? false
            switch u.value {
            case 0xFF01...0xFF5E:
                out.append(Unicode.Scalar(u.value - 0xFEE0) ?? u)
            case 0x2010...0x2015, 0x2212, 0xFE58, 0xFE63:
                out.append("-")
            case 0x30FC where afterDigit, 0xFF70 where afterDigit:
                out.append("-")
            default:
                out.append(u)
            }
        }
        return String(out)
    }

    /// Compares the card's 4 items with the employee record (name from the employee table; address,
    /// birth date and sex from the vault profile). Spaces and full-/half-width forms are ignored.
    static func differences(_ card: BasicFourItems, employee: EmployeeModel, profile: VaultProfileModel?) -> [Difference] {
        var out: [Difference] = []
        if normalised(card.name) != normalised(employee.name) { out.append(Difference(field: "name", card: card.name, record: employee.name)) }
        let address = profile?.address ?? ""
        if normalised(card.address) != normalised(address) { out.append(Difference(field: "address", card: card.address, record: address)) }
        let birth = (profile?.birthDate ?? "").replacingOccurrences(of: "-", with: "")
        if card.birthDate != birth { out.append(Difference(field: "birthDate", card: card.birthDate, record: profile?.birthDate ?? "")) }
        if card.sex != (profile?.sex ?? "") { out.append(Difference(field: "sex", card: card.sex, record: profile?.sex ?? "")) }
        return out
    }

    /// The issuer recorded for a card read at a reader: the chip does not hold the 市区町村長 printed on
    /// the front, so the record names the reading instead (the card's validity is the chip's own check).
    static func chipIssuer(_ reader: String) -> String { "個人番号カード ICチップ（\(reader)）" }

    /// The employee gives one subject's number for a request (the notice must be acknowledged).
    ///
    /// - card: read by the server from the chip; number and identity confirmed by the card alone; the
    ///   request's subject is fulfilled.
    /// - own reader: as posted from the employee's reader; like a typed number of their own, it awaits
    ///   the handler's record of documents.
    /// - typed, the employee's own: stored, and awaits the handler's record of documents
    ///   (``recordDocuments``); it cannot be revealed before.
    /// - typed, a dependent's: the employee's verification with the relation (``VerificationMethod/dependentByEmployee``);
    ///   for 国民年金第3号被保険者 the company must verify, so it awaits documents like the employee's own.
    public func give(requestID: UUID, subjectID: UUID?, number: IndividualNumber, source: Source, actor: VaultActor, sealer: NumberSealer) async throws -> UUID {
        let (m, r) = try await Self.ownRequest(requestID, actor: actor, on: db)
        switch r.status(at: Date()) {
        case .open: throw APIError.vault(CollectionRequestError.noticeNotAcknowledged)
        case .noticeAcknowledged: break
        case .expired: throw APIError.vault(CollectionRequestError.expired)
        case .cancelled: throw APIError.vault(CollectionRequestError.cancelled)
        case .fulfilled: throw APIError.vault(CollectionRequestError.alreadyFulfilled)
        }
        let sid = subjectID ?? m.employeeID
        guard let subject = r.subjects.first(where: { $0.id.rawValue == sid }) else { throw APIError.vault(CollectionRequestError.unknownSubject) }
        guard r.fulfilments[subject.id] == nil else { throw APIError.vault(CollectionRequestError.subjectAlreadyFulfilled) }
        if try await VaultNumberModel.query(on: db).filter(\.$requestID == requestID).all()
            .contains(where: { ($0.dependentID ?? $0.employeeID) == sid }) {
            throw APIError.vault(CollectionRequestError.subjectAlreadyFulfilled)
        }
        let dependentID: UUID? = subject.role == .employee ? nil : sid
        guard let employee = try await EmployeeModel.find(m.employeeID, on: db) else { throw APIError.noSuch("employee", ja: "従業員") }
        let now = Date()

        var verification: IdentityVerificationRecord?
        var differences: [Difference] = []
        var sourceCode = "typed"
        var chipIntegrity: String?
        switch source {
        case .card(let items, let reader, let integrity):
            chipIntegrity = integrity
            guard subject.role == .employee else {
                throw APIError.invalid("a card gives only its holder's own number; give a dependent's number typed", ja: "カードで提供できるのは本人の番号だけです。扶養親族の番号は入力してください")
            }
            sourceCode = "card"
            differences = Self.differences(items, employee: employee, profile: try await VaultProfileModel.find(m.employeeID, on: db))
            do {
                verification = try IdentityVerificationRecord(
                    subject: subject.id, role: subject.role, purposes: subject.purposes, method: .myNumberCard,
                    documents: [PresentedDocument(type: .myNumberCard, issuer: Self.chipIssuer(reader))], checkedBy: actor.domainID, checkedAt: now,
                    cardReading: .chipWithPIN, request: r.id)
            } catch { throw APIError.vault(error) }
        case .ownReader(let integrity, let items):
            // The server read no chip: what the client's files said is recorded as the client's claim.
            chipIntegrity = integrity.map { "client_\($0)" }
            guard subject.role == .employee else {
                throw APIError.invalid("a card gives only its holder's own number; give a dependent's number typed", ja: "カードで提供できるのは本人の番号だけです。扶養親族の番号は入力してください")
            }
            sourceCode = "own_reader"
            // Posted 4 items that differ from the HR record (someone else's card files, say) are named
            // to the handler in the audit trail, as a desk reading's differences are.
            if let items {
                differences = Self.differences(items, employee: employee, profile: try await VaultProfileModel.find(m.employeeID, on: db))
            }
        case .typed:
            if case .dependent = subject.role {
                sourceCode = "dependent"
                // The employee's word verifies a dependent, except for a purpose where the company must
                // verify the person itself (国民年金第3号被保険者: `companyMustVerify`). Then the number is
                // kept unverified and the request waits for the handler's documents (`recordDocuments`),
                // as an employee's own typed number does. Any other refusal is an error.
                do {
                    verification = try IdentityVerificationRecord(
                        subject: subject.id, role: subject.role, purposes: subject.purposes, method: .dependentByEmployee, documents: [],
                        checkedBy: actor.domainID, checkedAt: now, request: r.id)
                } catch {
                    let companyMustVerify = !error.refusals.isEmpty && error.refusals.allSatisfy {
                        if case .companyMustVerify = $0 { return true } else { return false }
                    }
                    guard companyMustVerify else { throw APIError.vault(error) }
                }
            }
        }
        // Replace an earlier number of the same person (a new collection with a new notice), else a new row.
        var existingQuery = VaultNumberModel.query(on: db).filter(\.$employeeID == m.employeeID)
        existingQuery = dependentID.map { existingQuery.filter(\.$dependentID == $0) } ?? existingQuery.filter(\.$dependentID == nil)
        let existing = try await existingQuery.first()
        let recordID = existing?.id ?? UUID()
        let sealed: SealedNumber
        do { sealed = try await sealer.seal(number, for: NumberRecordID(rawValue: recordID)) } catch { throw APIError.vault(error) }
        let allPurposes = subject.purposes.union(try existing.map { try Self.purposes($0.purposes) } ?? [])
        let v = verification
        let diffs = differences
        let src = sourceCode
        let integrity = chipIntegrity
        try await append { tx in
            guard let row = try await VaultRequestModel.find(requestID, on: tx) else { throw APIError.noSuch("request", ja: "依頼") }
            var req = try Self.load(row)
            if let v {
                do { try req.fulfill(subject: subject.id, at: now, verification: v.id) } catch { throw APIError.vault(error) }
                try Self.store(req, into: row)
                try await row.save(on: tx)
                try await Self.verificationRow(v, employee: row.employeeID, dependent: dependentID, request: requestID, by: actor,
                                          differences: diffs).create(on: tx)
            }
            let n = try await VaultNumberModel.find(recordID, on: tx) ?? VaultNumberModel()
            let isNew = n.id == nil
            n.id = recordID
            n.employeeID = row.employeeID
            n.dependentID = dependentID
            n.format = sealed.format
            n.keyID = sealed.wrappedKey?.keyID.rawValue
            n.wrappedKey = sealed.wrappedKey?.sealed
            n.ciphertext = sealed.ciphertext
            n.purposes = Self.purposesJSON(allPurposes)
            n.collectedAt = now
            n.verificationID = v?.id.rawValue
            n.requestID = requestID
            n.source = src
            n.chipIntegrity = integrity
            if isNew { try await n.create(on: tx) } else { try await n.save(on: tx) }
            try await Self.access(record: recordID, employee: row.employeeID, dependent: dependentID, role: subject.role, actor: actor, action: .collect,
                             purpose: nil, at: now, on: tx)
            var details = ["request": requestID.uuidString, "record": recordID.uuidString, "role": Self.roleCode(subject.role), "source": src,
                           "verified": String(v != nil)]
            if !diffs.isEmpty { details["cardDifferences"] = diffs.map(\.field).joined(separator: " ") }
            if let integrity { details["chipIntegrity"] = integrity }
            return [AuditDraft(kind: "vault.number.collected", actor: actor.auditName, subject: "employee:\(row.employeeID.uuidString)", details: details)]
        }
        return recordID
    }

    public struct DocumentInput: Content, Sendable {
        public var type: String
        public var issuer: String
        /// YYYY-MM-DD.
        public var validUntil: String?
        public var detailsUnchanged: Bool?
    }

    /// The handler records the documents checked for a typed number (番号確認 + 身元確認); the rule of
    /// 施行規則 decides, and the request's subject is fulfilled.
    public func recordDocuments(requestID: UUID, subjectID: UUID?, documents input: [DocumentInput], actor: VaultActor) async throws {
        guard let m = try await VaultRequestModel.find(requestID, on: db) else { throw APIError.noSuch("request", ja: "依頼") }
        let r = try Self.load(m)
        let sid = subjectID ?? m.employeeID
        guard let subject = r.subjects.first(where: { $0.id.rawValue == sid }) else { throw APIError.vault(CollectionRequestError.unknownSubject) }
        guard let number = try await VaultNumberModel.query(on: db).filter(\.$requestID == requestID).all()
            .first(where: { ($0.dependentID ?? $0.employeeID) == sid && $0.verificationID == nil }) else {
            throw APIError(.conflict, code: "no_number_awaiting_verification", ja: "本人確認待ちの番号がありません（番号が未提供か、確認済みです）",
                           en: "no number of this subject awaits verification (not given yet, or already verified)")
        }
        guard !input.isEmpty, input.count <= 5 else { throw APIError.vault(IdentityVerificationError(refusals: [.noDocuments])) }
        var docs: [PresentedDocument] = []
        for d in input {
            guard let type = IdentityDocumentType(rawValue: d.type) else {
                throw APIError.bad("unknown document type; use one of \(IdentityDocumentType.allCases.map(\.rawValue).joined(separator: ", "))", ja: "書類の種類が正しくありません")
            }
            let issuer = d.issuer.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? "" : try FreeText.check(d.issuer, field: "issuer", max: 100)
            var until: CivilDate?
            if let text = d.validUntil, !text.isEmpty {
                guard let c = StrictDate.day(text) else { throw APIError.bad("validUntil: \(StrictDate.dayRule)", ja: "有効期限はYYYY-MM-DD（1900〜2100年の実在する日付）で入力してください") }
                until = c
            }
            docs.append(PresentedDocument(type: type, issuer: issuer, validUntil: until, detailsUnchanged: type == .notificationCard ? (d.detailsUnchanged ?? nil) : nil))
        }
        let now = Date()
        let v: IdentityVerificationRecord
        do {
            v = try IdentityVerificationRecord(subject: subject.id, role: subject.role, purposes: subject.purposes, method: .documents, documents: docs,
                                               checkedBy: actor.domainID, checkedAt: now, request: r.id)
        } catch { throw APIError.vault(error) }
        let numberID = try number.requireID()
        let dependentID = number.dependentID
        let documentCodes = docs.map(\.type.rawValue).joined(separator: " ")
        try await append { tx in
            guard let row = try await VaultRequestModel.find(requestID, on: tx), let n = try await VaultNumberModel.find(numberID, on: tx) else {
                throw APIError.noSuch("request", ja: "依頼")
            }
            var req = try Self.load(row)
            do { try req.fulfill(subject: subject.id, at: now, verification: v.id) } catch { throw APIError.vault(error) }
            try Self.store(req, into: row)
            try await row.save(on: tx)
            try await Self.verificationRow(v, employee: row.employeeID, dependent: dependentID, request: requestID, by: actor,
                                      differences: []).create(on: tx)
            n.verificationID = v.id.rawValue
            try await n.save(on: tx)
            return [AuditDraft(kind: "vault.identity.verified", actor: actor.auditName, subject: "employee:\(row.employeeID.uuidString)",
                               details: ["request": requestID.uuidString, "record": numberID.uuidString, "documents": documentCodes])]
        }
    }

    /// The stored row of an identity verification (the desk's, the documents', a dependent's), with the
    /// differences a reading showed from the HR record (empty when nothing was read). Made inside the
    /// write that creates it, so a retried write makes a fresh one.
    static func verificationRow(_ v: IdentityVerificationRecord, employee: UUID, dependent: UUID?, request: UUID, by actor: VaultActor,
                                differences: [Difference]) throws -> VaultVerificationModel {
        let vm = VaultVerificationModel()
        vm.id = v.id.rawValue
        vm.employeeID = employee
        vm.dependentID = dependent
        vm.requestID = request
        vm.checkedBy = actor.auditName
        vm.checkedAt = v.checkedAt
        vm.record = String(decoding: try JSONEncoder().encode(v), as: UTF8.self)
        vm.cardDifferences = String(decoding: try JSONEncoder().encode(differences), as: UTF8.self)
        return vm
    }
}
