import Access
import Audit
import Fluent
import Foundation
import MynaCard
import MyNumber
import Store
import Vapor
import Vault
import ServerCore

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
///
/// A value holding what the operations work with: the database and where their records go (``append``:
/// the server's event writer). A request gets one as `req.vault`; the demo's seeding makes one over its
/// database. Helpers that only read are static, and so is the command line's key rotation (``rotate``),
/// which re-wraps keys and writes no audit record of its own.
public struct VaultService: Sendable {
    /// Where the vault is read and written.
    public let db: any Database
    /// Appends the operations' records in the same transaction as their writes.
    public let append: VaultAppend

    public init(db: any Database, append: @escaping VaultAppend) {
        self.db = db
        self.append = append
    }

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
}

/// The card's 4 items (基本4情報) as `MynaCard` reads them from the chip are the vault's own type too:
/// one set of fields, sent and received as JSON (`VaultFourItems` in the OpenAPI document).
extension BasicFourItems: Content {}
