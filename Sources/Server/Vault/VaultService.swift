import Access
import Audit
import Fluent
import Foundation
import MyNumber
import Store
import Vapor
import Vault

/// Appends audit records built in the same transaction as the writes (``EventWriter/appendNow(building:)``
/// in the server, ``AuditStore/append(building:)`` from the command line).
public typealias VaultAppend = @Sendable (@escaping @Sendable (any Database) async throws -> [AuditDraft]) async throws -> Void

/// Who acts on the vault: the account, and the name shown in people's own access view.
public struct VaultActor: Sendable {
    public var userID: UUID?
    public var username: String
    public var employeeID: UUID?
    public var isHandler: Bool
    public var auditName: String { "user:\(username)" }
    /// The id the domain types record (the employee if the account has one, else the account).
    public var domainID: EmployeeID { EmployeeID(rawValue: employeeID?.uuidString ?? "user:\(username)") }

    public init(userID: UUID?, username: String, employeeID: UUID?, isHandler: Bool) {
        self.userID = userID
        self.username = username
        self.employeeID = employeeID
        self.isHandler = isHandler
    }
}

/// The vault's operations, shared by the API, the pages and the command line. Each write and its audit
/// record are one transaction; no function logs, returns or throws a number, except ``reveal`` and
/// ``export``, whose callers are the handler's own response.
public enum VaultService {
    // MARK: Names of things

    /// The number-holding files (特定個人情報ファイル) as the register names them.
    public static let employeeFile = "従業員個人番号ファイル"
    public static let dependentFile = "扶養親族個人番号ファイル"

    static func employeeDomainID(_ id: UUID) -> EmployeeID { EmployeeID(rawValue: id.uuidString) }

    static func roleCode(_ role: SubjectRole) -> String { role.relation?.rawValue ?? "employee" }
    static func role(code: String) -> SubjectRole {
        if let r = DependentRelation(rawValue: code) { return .dependent(r) }
        return .employee
    }

    /// The purposes a number was collected for, as stored. A list that does not read, or a code this
    /// build does not know, is an error: read as fewer purposes, a number's retention plan would come
    /// out shorter than the law asks and the number could be disposed of early.
    static func purposes(_ json: String) throws -> Set<Purpose> {
        Set(try stored([String].self, json, what: "purposes").map(storedPurpose))
    }

    /// A JSON value this server stored, read back; one that does not decode (a damaged or hand-edited
    /// row) is an error naming what it is, never a default.
    static func stored<T: Decodable>(_ type: T.Type, _ json: String, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(json.utf8))
        } catch {
            throw APIError(.internalServerError, code: "unreadable_stored_record", ja: "保存されている\(what)を読めません（データが壊れています）",
                           en: "the stored \(what) cannot be read (the data is damaged)")
        }
    }
    static func purposesJSON(_ p: Set<Purpose>) -> String { JSONList.encode(p.sorted().map(\.rawValue)) }

    /// A purpose code read back from the database or from this server's own answer. A code this build
    /// does not know (a downgrade, a manual edit) is an error naming the code, never a crash.
    static func storedPurpose(_ code: String) throws -> Purpose {
        guard let p = Purpose(rawValue: code) else {
            throw APIError(.internalServerError, code: "unknown_stored_purpose", ja: "保存されている利用目的「\(code)」をこの版は知りません",
                           en: "the stored purpose code \"\(code)\" is unknown to this version")
        }
        return p
    }

    static func parsePurpose(_ code: String?) throws -> Purpose {
        guard let code, !code.isEmpty else { throw APIError.vault(NumberUseError.purposeRequired) }
        guard let p = Purpose(rawValue: code) else {
            throw APIError.bad("unknown purpose; use one of \(Purpose.allCases.map(\.rawValue).joined(separator: ", "))",
                                 ja: "利用目的が正しくありません")
        }
        return p
    }

    // MARK: Handlers

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

    public static func designate(username: String, responsible: Bool, by actor: String, on db: any Database, append: VaultAppend) async throws -> VaultHandlerModel {
        // Accounts are made with 1–64 characters (Bootstrap); anything else names no account and is refused as such.
        guard (1...64).contains(username.count) else { throw APIError.bad("username must be 1–64 characters", ja: "ユーザー名は1〜64文字です") }
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

    public static func undesignate(userID: UUID, by actor: String, on db: any Database, append: VaultAppend) async throws {
        guard try await VaultHandlerModel.find(userID, on: db) != nil, let u = try await UserModel.find(userID, on: db) else {
            throw APIError.noSuch("designated handler", ja: "事務取扱担当者")
        }
        try await append { tx in
            try await VaultHandlerModel.query(on: tx).filter(\.$id == userID).delete()
            return [AuditDraft(kind: "vault.handler.undesignated", actor: actor, subject: "user:\(u.username)")]
        }
    }

    // MARK: Requests

    public struct SubjectInput: Content, Sendable {
        /// `employee` or `dependent`.
        public var kind: String
        public var dependentId: UUID?
        /// A new dependent: name and relation.
        public var name: String?
        public var relation: String?
        public var purposes: [String]
        public init(kind: String, dependentId: UUID? = nil, name: String? = nil, relation: String? = nil, purposes: [String]) {
            self.kind = kind
            self.dependentId = dependentId
            self.name = name
            self.relation = relation
            self.purposes = purposes
        }
    }

    static func load(_ m: VaultRequestModel) throws -> CollectionRequest {
        do { return try JSONDecoder().decode(CollectionRequest.self, from: Data(m.state.utf8)) } catch {
            throw APIError(.internalServerError, code: "corrupt_request", ja: "依頼の記録が読み取れません", en: "the request record cannot be read")
        }
    }

    static func store(_ r: CollectionRequest, into m: VaultRequestModel) throws {
        m.state = String(decoding: try JSONEncoder().encode(r), as: UTF8.self)
        m.expiresAt = r.expiresAt
    }

    public static func createRequest(employeeID: UUID, subjects: [SubjectInput], expiresInDays: Int, actor: VaultActor,
                                     on db: any Database, append: VaultAppend) async throws -> VaultRequestModel {
        guard let employee = try await EmployeeModel.find(employeeID, on: db) else { throw APIError.noSuch("employee", ja: "従業員") }
        guard (1...90).contains(expiresInDays) else { throw APIError.invalid("expiresInDays must be 1–90", ja: "有効期限は1〜90日で指定してください") }
        guard !subjects.isEmpty, subjects.count <= 20 else { throw APIError.vault(CollectionRequestError.noSubjects) }
        var domainSubjects: [CollectionSubject] = []
        var newDependents: [VaultDependentModel] = []
        for s in subjects {
            // Five purposes exist; a longer list is not a request anyone means (the document's maxItems).
            guard s.purposes.count <= Purpose.allCases.count else {
                throw APIError.bad("a subject has at most \(Purpose.allCases.count) purposes", ja: "利用目的は対象者ごとに\(Purpose.allCases.count)件までです")
            }
            var ps = Set<Purpose>()
            for code in s.purposes { ps.insert(try parsePurpose(code)) }
            switch s.kind {
            case "employee":
                domainSubjects.append(CollectionSubject(id: SubjectID(rawValue: employeeID), role: .employee, displayName: employee.name, purposes: ps))
            case "dependent":
                if let did = s.dependentId {
                    guard let d = try await VaultDependentModel.find(did, on: db), d.employeeID == employeeID,
                          let rel = DependentRelation(rawValue: d.relation) else { throw APIError.noSuch("dependent of this employee", ja: "この従業員の扶養親族") }
                    domainSubjects.append(CollectionSubject(id: SubjectID(rawValue: did), role: .dependent(rel), displayName: d.name, purposes: ps))
                } else {
                    let name = try FreeText.check(s.name ?? "", field: "name", max: 100)
                    guard let rel = DependentRelation(rawValue: s.relation ?? "") else {
                        throw APIError.bad("relation must be one of \(DependentRelation.allCases.map(\.rawValue).joined(separator: ", "))", ja: "続柄が正しくありません")
                    }
                    let d = VaultDependentModel()
                    d.id = UUID(); d.employeeID = employeeID; d.name = name; d.relation = rel.rawValue; d.createdAt = Date()
                    newDependents.append(d)
                    domainSubjects.append(CollectionSubject(id: SubjectID(rawValue: (try d.requireID())), role: .dependent(rel), displayName: name, purposes: ps))
                }
            default:
                throw APIError.bad("subject kind must be employee or dependent", ja: "対象者の種類は本人または扶養親族です")
            }
        }
        let now = Date()
        let request: CollectionRequest
        do {
            request = try CollectionRequest(employee: employeeDomainID(employeeID), requester: actor.domainID, subjects: domainSubjects,
                                            createdAt: now, expiresAt: now.addingTimeInterval(TimeInterval(expiresInDays) * 86_400))
        } catch { throw APIError.vault(error) }
        let m = VaultRequestModel()
        m.id = request.id.rawValue
        m.employeeID = employeeID
        m.requestedBy = actor.auditName
        m.createdAt = now
        try store(request, into: m)
        let deps = newDependents
        let subjectCount = domainSubjects.count
        try await append { tx in
            for d in deps {
                let copy = VaultDependentModel()
                copy.id = d.id; copy.employeeID = d.employeeID; copy.name = d.name; copy.relation = d.relation; copy.createdAt = d.createdAt
                try await copy.create(on: tx)
            }
            let row = VaultRequestModel()
            row.id = m.id; row.employeeID = m.employeeID; row.requestedBy = m.requestedBy; row.createdAt = m.createdAt
            row.expiresAt = m.expiresAt; row.state = m.state
            try await row.create(on: tx)
            return [AuditDraft(kind: "vault.request.created", actor: actor.auditName, subject: "employee:\(employeeID.uuidString)",
                               details: ["request": request.id.description, "purposes": request.purposes.map(\.rawValue).joined(separator: " "),
                                         "subjects": String(subjectCount)])]
        }
        return m
    }

    /// Loads a request and checks that `actor` is its employee.
    static func ownRequest(_ id: UUID, actor: VaultActor, on db: any Database) async throws -> (VaultRequestModel, CollectionRequest) {
        guard let e = actor.employeeID else { throw APIError.noEmployee }
        guard let m = try await VaultRequestModel.find(id, on: db), m.employeeID == e else { throw APIError.noSuch("request", ja: "依頼") }
        return (m, try load(m))
    }

    public static func acknowledge(requestID: UUID, actor: VaultActor, on db: any Database, append: VaultAppend) async throws {
        let (m, _) = try await ownRequest(requestID, actor: actor, on: db)
        try await append { tx in
            guard let row = try await VaultRequestModel.find(m.id, on: tx) else { throw APIError.noSuch("request", ja: "依頼") }
            var r = try load(row)
            do { try r.acknowledgeNotice(by: employeeDomainID(row.employeeID), at: Date()) } catch { throw APIError.vault(error) }
            try store(r, into: row)
            try await row.save(on: tx)
            return [AuditDraft(kind: "vault.request.acknowledged", actor: actor.auditName, subject: "employee:\(row.employeeID.uuidString)",
                               details: ["request": r.id.description])]
        }
    }

    public static func cancel(requestID: UUID, actor: VaultActor, on db: any Database, append: VaultAppend) async throws {
        guard try await VaultRequestModel.find(requestID, on: db) != nil else { throw APIError.noSuch("request", ja: "依頼") }
        try await append { tx in
            guard let row = try await VaultRequestModel.find(requestID, on: tx) else { throw APIError.noSuch("request", ja: "依頼") }
            var r = try load(row)
            do { try r.cancel(by: actor.domainID, at: Date()) } catch { throw APIError.vault(error) }
            try store(r, into: row)
            try await row.save(on: tx)
            return [AuditDraft(kind: "vault.request.cancelled", actor: actor.auditName, subject: "employee:\(row.employeeID.uuidString)",
                               details: ["request": r.id.description])]
        }
    }

    // MARK: Giving a number

    /// How a number reached the vault.
    public enum Source: Sendable {
        /// Read from the card's chip by the server itself after the text PIN (a desk reader the server
        /// drives, such as the demo desk), with the 4 items; `reader` says which reader. Only a reading
        /// the server made is a chip reading: it verifies number and identity alone.
        /// `integrity` is the text application's integrity record's verdict (``CardIntegrity``): `verified`
        /// or `issuer_unknown`; a mismatch never gets here.
        case card(FourItems, reader: String, integrity: String)
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
        case ownReader(integrity: String?, items: FourItems?)
        /// Typed by the employee.
        case typed
    }

    /// The card's 4 items (基本4情報) as read from the chip.
    public struct FourItems: Content, Sendable {
        public var name: String
        public var address: String
        /// YYYYMMDD as on the chip.
        public var birthDate: String
        /// 1, 2 or 9.
        public var sex: String
        public init(name: String, address: String, birthDate: String, sex: String) {
            self.name = name
            self.address = address
            self.birthDate = birthDate
            self.sex = sex
        }
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
    static func differences(_ card: FourItems, employee: EmployeeModel, profile: VaultProfileModel?) -> [Difference] {
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
    public static func give(requestID: UUID, subjectID: UUID?, number: IndividualNumber, source: Source, actor: VaultActor, sealer: NumberSealer,
                            on db: any Database, append: VaultAppend) async throws -> UUID {
        let (m, r) = try await ownRequest(requestID, actor: actor, on: db)
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
                    documents: [PresentedDocument(type: .myNumberCard, issuer: chipIssuer(reader))], checkedBy: actor.domainID, checkedAt: now,
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
                verification = try? IdentityVerificationRecord(
                    subject: subject.id, role: subject.role, purposes: subject.purposes, method: .dependentByEmployee, documents: [],
                    checkedBy: actor.domainID, checkedAt: now, request: r.id)
            }
        }
        // Replace an earlier number of the same person (a new collection with a new notice), else a new row.
        var existingQuery = VaultNumberModel.query(on: db).filter(\.$employeeID == m.employeeID)
        existingQuery = dependentID.map { existingQuery.filter(\.$dependentID == $0) } ?? existingQuery.filter(\.$dependentID == nil)
        let existing = try await existingQuery.first()
        let recordID = existing?.id ?? UUID()
        let sealed: SealedNumber
        do { sealed = try await sealer.seal(number, for: NumberRecordID(rawValue: recordID)) } catch { throw APIError.vault(error) }
        let allPurposes = subject.purposes.union(try existing.map { try purposes($0.purposes) } ?? [])
        let v = verification
        let diffs = differences
        let src = sourceCode
        let integrity = chipIntegrity
        try await append { tx in
            guard let row = try await VaultRequestModel.find(requestID, on: tx) else { throw APIError.noSuch("request", ja: "依頼") }
            var req = try load(row)
            if let v {
                do { try req.fulfill(subject: subject.id, at: now, verification: v.id) } catch { throw APIError.vault(error) }
                try store(req, into: row)
                try await row.save(on: tx)
                let vm = VaultVerificationModel()
                vm.id = v.id.rawValue; vm.employeeID = row.employeeID; vm.dependentID = dependentID; vm.requestID = requestID
                vm.checkedBy = actor.auditName; vm.checkedAt = now
                vm.record = String(decoding: try JSONEncoder().encode(v), as: UTF8.self)
                vm.cardDifferences = String(decoding: try JSONEncoder().encode(diffs), as: UTF8.self)
                try await vm.create(on: tx)
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
            n.purposes = purposesJSON(allPurposes)
            n.collectedAt = now
            n.verificationID = v?.id.rawValue
            n.requestID = requestID
            n.source = src
            n.chipIntegrity = integrity
            if isNew { try await n.create(on: tx) } else { try await n.save(on: tx) }
            try await access(record: recordID, employee: row.employeeID, dependent: dependentID, role: subject.role, actor: actor, action: .collect,
                             purpose: nil, at: now, on: tx)
            var details = ["request": requestID.uuidString, "record": recordID.uuidString, "role": roleCode(subject.role), "source": src,
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
    public static func recordDocuments(requestID: UUID, subjectID: UUID?, documents input: [DocumentInput], actor: VaultActor,
                                       on db: any Database, append: VaultAppend) async throws {
        guard let m = try await VaultRequestModel.find(requestID, on: db) else { throw APIError.noSuch("request", ja: "依頼") }
        let r = try load(m)
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
            var req = try load(row)
            do { try req.fulfill(subject: subject.id, at: now, verification: v.id) } catch { throw APIError.vault(error) }
            try store(req, into: row)
            try await row.save(on: tx)
            let vm = VaultVerificationModel()
            vm.id = v.id.rawValue; vm.employeeID = row.employeeID; vm.dependentID = dependentID; vm.requestID = requestID
            vm.checkedBy = actor.auditName; vm.checkedAt = now
            vm.record = String(decoding: try JSONEncoder().encode(v), as: UTF8.self)
            vm.cardDifferences = "[]"
            try await vm.create(on: tx)
            n.verificationID = v.id.rawValue
            try await n.save(on: tx)
            return [AuditDraft(kind: "vault.identity.verified", actor: actor.auditName, subject: "employee:\(row.employeeID.uuidString)",
                               details: ["request": requestID.uuidString, "record": numberID.uuidString, "documents": documentCodes])]
        }
    }

    // MARK: Access entries

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
    public static func reveal(recordID: UUID, purposeCode: String?, actor: VaultActor, sealer: () throws -> NumberSealer,
                              on db: any Database, append: VaultAppend) async throws -> Revealed {
        guard actor.isHandler else { throw APIError.notHandler }
        let purpose = try parsePurpose(purposeCode)
        guard let n = try await VaultNumberModel.find(recordID, on: db) else { throw APIError.noSuch("number record", ja: "番号の記録") }
        do {
            try NumberUsePolicy.authorize(action: .reveal, actorIsDesignatedHandler: true, statedPurpose: purpose, collectedPurposes: try purposes(n.purposes))
        } catch { throw APIError.vault(error) }
        guard n.verificationID != nil else {
            throw APIError(.conflict, code: "not_verified", ja: "本人確認が記録されていない番号は表示できません", en: "the number's identity verification is not recorded yet")
        }
        let number = try await openNumber(sealer(), n, id: recordID)
        let who = try await person(n, on: db)
        let now = Date()
        try await append { tx in
            try await access(record: recordID, employee: n.employeeID, dependent: n.dependentID, role: who.role, actor: actor, action: .reveal,
                             purpose: purpose, at: now, on: tx)
            return [AuditDraft(kind: "vault.number.revealed", actor: actor.auditName, subject: "employee:\(n.employeeID.uuidString)",
                               details: ["record": recordID.uuidString, "purpose": purpose.rawValue, "role": roleCode(who.role)])]
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
    public static func export(purposeCode: String?, encoding: String, actor: VaultActor, sealer: () throws -> NumberSealer,
                              on db: any Database, append: VaultAppend) async throws -> (data: Data, count: Int) {
        guard actor.isHandler else { throw APIError.notHandler }
        let purpose = try parsePurpose(purposeCode)
        guard encoding == "utf-8" || encoding == "shift_jis" else { throw APIError.bad("encoding must be utf-8 or shift_jis", ja: "文字コードはUTF-8かShift_JISです") }
        let s = try sealer()
        let rows = try await VaultNumberModel.query(on: db).filter(\.$verificationID != nil).all()
            .filter { try purposes($0.purposes).contains(purpose) && $0.wrappedKey != nil }
        var lines: [(employeeNumber: String, name: String, relation: String, digits: String, row: VaultNumberModel, role: SubjectRole)] = []
        for n in rows {
            let who = try await person(n, on: db)
            let number = try await openNumber(s, n, id: try n.requireID())
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
                try await access(record: e.id, employee: e.employee, dependent: e.dependent, role: e.role, actor: actor, action: .export,
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

    // MARK: Profile, holds

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

    public static func setProfile(employeeID: UUID, _ p: ProfileInput, actor: VaultActor, on db: any Database, append: VaultAppend) async throws {
        guard try await EmployeeModel.find(employeeID, on: db) != nil else { throw APIError.noSuch("employee", ja: "従業員") }
        let address = (p.address ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if !address.isEmpty { _ = try FreeText.check(address, field: "address", max: 200) }
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

    public static func placeHold(employeeID: UUID, reason: String, actor: VaultActor, on db: any Database, append: VaultAppend) async throws -> UUID {
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

    public static func releaseHold(holdID: UUID, actor: VaultActor, on db: any Database, append: VaultAppend) async throws {
        guard let h = try await VaultLegalHoldModel.find(holdID, on: db), h.releasedAt == nil else { throw APIError.noSuch("active legal hold", ja: "有効な法的保全") }
        try await append { tx in
            guard let row = try await VaultLegalHoldModel.find(holdID, on: tx) else { throw APIError.noSuch("legal hold", ja: "法的保全") }
            row.releasedAt = Date(); row.releasedBy = actor.auditName
            try await row.save(on: tx)
            return [AuditDraft(kind: "vault.hold.released", actor: actor.auditName, subject: "employee:\(row.employeeID.uuidString)", details: ["hold": holdID.uuidString])]
        }
    }

    // MARK: Retention and disposal

    public struct PlanItem: Content, Sendable {
        public var recordId: UUID
        public var employeeId: UUID
        public var employeeNumber: String
        public var role: String
        public var purposes: [String]
        public var status: String
        public var statusJa: String
        public var retainedThrough: String?
        public var mayDisposeFrom: String?
        public var governingPurpose: String?
    }

    public struct DisposalRun: Content, Sendable {
        public var dryRun: Bool
        public var disposed: Int
        public var onHold: Int
        public var retained: Int
        public var inUse: Int
        public var items: [PlanItem]
    }

    static func metadata(_ n: VaultNumberModel, on db: any Database) async throws -> StoredNumberMetadata {
        let profile = try await VaultProfileModel.find(n.employeeID, on: db)
        var role = SubjectRole.employee
        var dependencyEnd: CivilDate?
        if let did = n.dependentID, let d = try await VaultDependentModel.find(did, on: db) {
            role = self.role(code: d.relation)
            dependencyEnd = d.dependencyEnd.flatMap { CivilDate($0) }
        }
        let hold = try await VaultLegalHoldModel.query(on: db).filter(\.$employeeID == n.employeeID).filter(\.$releasedAt == nil).first()
        return StoredNumberMetadata(
            record: NumberRecordID(rawValue: (try n.requireID())), employee: employeeDomainID(n.employeeID), role: role, purposes: try purposes(n.purposes),
            employmentEnd: profile?.leavingDate.flatMap { CivilDate($0) }, dependencyEnd: dependencyEnd,
            legalHold: try hold.map { LegalHold(id: LegalHoldID(rawValue: try $0.requireID()), reason: $0.reason, placedBy: EmployeeID(rawValue: $0.placedBy), placedAt: $0.placedAt) })
    }

    /// Every stored number's plan on `date`.
    public static func plans(on date: CivilDate, db: any Database) async throws -> [(VaultNumberModel, StoredNumberMetadata, DisposalPlan)] {
        let planner = RetentionPlanner()
        var out: [(VaultNumberModel, StoredNumberMetadata, DisposalPlan)] = []
        for n in try await VaultNumberModel.query(on: db).all() {
            let m = try await metadata(n, on: db)
            out.append((n, m, planner.plan(for: m)))
        }
        return out
    }

    /// A disposal status as the API's stable code (the date is in the plan's own fields).
    static func statusCode(_ status: DisposalStatus) -> String {
        switch status {
        case .inUse: return "in_use"
        case .retained: return "retained"
        case .due: return "due"
        case .overdue: return "overdue"
        case .onHold: return "on_hold"
        }
    }

    static func planItem(_ n: VaultNumberModel, _ m: StoredNumberMetadata, _ p: DisposalPlan, on date: CivilDate, db: any Database) async throws -> PlanItem {
        let status = p.status(on: date)
        let code = statusCode(status)
        let e = try await EmployeeModel.find(n.employeeID, on: db)
        return PlanItem(recordId: try n.requireID(), employeeId: n.employeeID, employeeNumber: e?.employeeNumber ?? "", role: roleCode(m.role),
                        purposes: m.purposes.sorted().map(\.rawValue), status: code, statusJa: status.japanese,
                        retainedThrough: p.retainedThrough?.description, mayDisposeFrom: p.mayDisposeFrom?.description,
                        governingPurpose: p.governingPurpose?.rawValue)
    }

    /// The disposal job: every number whose retention has ended and that has no legal hold is
    /// crypto-erased (wrapped data key and ciphertext overwritten, then the row deleted), each in its
    /// own transaction with its disposal record, the person's access entry and an audit record.
    public static func runDisposal(dryRun: Bool, at now: Date = Date(), performedBy: String, on db: any Database, append: VaultAppend) async throws -> DisposalRun {
        let date = JapanTime(now).date
        let all = try await plans(on: date, db: db)
        var run = DisposalRun(dryRun: dryRun, disposed: 0, onHold: 0, retained: 0, inUse: 0, items: [])
        var due: [(VaultNumberModel, StoredNumberMetadata, DisposalPlan)] = []
        for (n, m, p) in all {
            run.items.append(try await planItem(n, m, p, on: date, db: db))
            switch p.status(on: date) {
            case .onHold: run.onHold += 1
            case .retained: run.retained += 1
            case .inUse: run.inUse += 1
            case .due, .overdue: due.append((n, m, p))
            }
        }
        guard !dryRun, !due.isEmpty else { return run }
        guard let responsible = try await responsiblePerson(on: db) else {
            throw APIError(.conflict, code: "no_responsible_person", ja: "責任者が指定されていないため廃棄できません。管理者が事務取扱担当者のうち1人を責任者に指定してください",
                           en: "no responsible person (責任者) is designated; an administrator designates one handler as responsible before disposal")
        }
        let job = VaultActor(userID: nil, username: performedBy, employeeID: nil, isHandler: true)
        for (n, m, p) in due {
            let id = try n.requireID()
            let record = DisposalRecord(plan: p, file: m.role == .employee ? employeeFile : dependentFile, employee: m.employee, role: m.role,
                                        responsiblePerson: EmployeeID(rawValue: responsible), performedBy: performedBy, disposedAt: now)
            try await append { tx in
                guard let row = try await VaultNumberModel.find(id, on: tx) else { return [] }
                // Overwrite first, then delete: a copy taken between the two steps holds nothing either.
                let erased = sealed(row).destroyingDataKey()
                row.keyID = nil
                row.wrappedKey = nil
                row.ciphertext = erased.ciphertext
                try await row.save(on: tx)
                try await row.delete(on: tx)
                let d = VaultDisposalModel()
                d.id = record.id.rawValue; d.recordID = id; d.file = record.file; d.employeeID = row.employeeID; d.role = roleCode(m.role)
                d.responsiblePerson = responsible; d.performedBy = performedBy; d.disposedAt = now; d.disposedOn = record.disposedOn.description
                d.method = record.method.rawValue; d.retainedThrough = record.retainedThrough?.description; d.governingPurpose = record.governingPurpose?.rawValue
                try await d.create(on: tx)
                try await access(record: id, employee: row.employeeID, dependent: row.dependentID, role: m.role, actor: job, action: .dispose, purpose: nil, at: now, on: tx)
                return [AuditDraft(kind: "vault.number.disposed", actor: "user:\(performedBy)", subject: "employee:\(row.employeeID.uuidString)",
                                   details: ["record": id.uuidString, "disposal": record.id.description, "method": record.method.rawValue,
                                             "retainedThrough": record.retainedThrough?.description ?? "", "responsible": responsible])]
            }
            run.disposed += 1
        }
        return run
    }

    // MARK: Key rotation

    public struct RotationReport: Sendable, Codable {
        public var newKeyID: String
        public var total: Int
        public var rewrapped: Int
        public var alreadyCurrent: Int
        public var erased: Int
    }

    /// Re-wraps every data key under `provider`'s current key, row by row, each in its own transaction
    /// (a running server keeps serving: a row is never left half-written). The first failure stops the
    /// run with the error (a wrong key), leaving every row readable under the keys it had.
    public static func rotate(provider: Keyring, on db: any Database, progress: @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> RotationReport {
        let sealer = NumberSealer(provider: provider)
        let ids = try await VaultNumberModel.query(on: db).all(\.$id)
        var report = RotationReport(newKeyID: provider.currentKeyID.rawValue, total: ids.count, rewrapped: 0, alreadyCurrent: 0, erased: 0)
        for (i, id) in ids.enumerated() {
            progress(i, ids.count)
            let outcome: Int = try await db.transaction { tx in
                guard let n = try await VaultNumberModel.find(id, on: tx) else { return 0 }
                let s = sealed(n)
                if s.isErased { return 2 }
                guard sealer.needsRewrap(s) else { return 1 }
                let r = try await sealer.rewrap(s, for: NumberRecordID(rawValue: id))
                // Prove the new wrapping opens before it replaces the old one.
                _ = try await sealer.open(r, for: NumberRecordID(rawValue: id))
                n.keyID = r.wrappedKey?.keyID.rawValue
                n.wrappedKey = r.wrappedKey?.sealed
                try await n.save(on: tx)
                return 3
            }
            switch outcome {
            case 1: report.alreadyCurrent += 1
            case 2: report.erased += 1
            case 3: report.rewrapped += 1
            default: break
            }
        }
        progress(ids.count, ids.count)
        return report
    }

    /// How many numbers are wrapped under each key id (the register; `rotate-key`'s final check).
    public static func countsByKey(on db: any Database) async throws -> [String: Int] {
        var out: [String: Int] = [:]
        for k in try await VaultNumberModel.query(on: db).all(\.$keyID) { out[k ?? "(erased)", default: 0] += 1 }
        return out
    }
}
