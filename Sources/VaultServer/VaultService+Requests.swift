import Access
import Audit
import Fluent
import Foundation
import MyNumber
import Store
import Vapor
import Vault
import ServerCore

/// The vault's operations (``VaultService``): collection requests: creating, acknowledging, documents, cancelling.
extension VaultService {
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

    public func createRequest(employeeID: UUID, subjects: [SubjectInput], expiresInDays: Int, actor: VaultActor) async throws -> VaultRequestModel {
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
            for code in s.purposes { ps.insert(try Self.parsePurpose(code)) }
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
            request = try CollectionRequest(employee: Self.employeeDomainID(employeeID), requester: actor.domainID, subjects: domainSubjects,
                                            createdAt: now, expiresAt: now.addingTimeInterval(TimeInterval(expiresInDays) * 86_400))
        } catch { throw APIError.vault(error) }
        let m = VaultRequestModel()
        m.id = request.id.rawValue
        m.employeeID = employeeID
        m.requestedBy = actor.auditName
        m.createdAt = now
        try Self.store(request, into: m)
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

    public func acknowledge(requestID: UUID, actor: VaultActor) async throws {
        let (m, _) = try await Self.ownRequest(requestID, actor: actor, on: db)
        try await append { tx in
            guard let row = try await VaultRequestModel.find(m.id, on: tx) else { throw APIError.noSuch("request", ja: "依頼") }
            var r = try Self.load(row)
            do { try r.acknowledgeNotice(by: Self.employeeDomainID(row.employeeID), at: Date()) } catch { throw APIError.vault(error) }
            try Self.store(r, into: row)
            try await row.save(on: tx)
            return [AuditDraft(kind: "vault.request.acknowledged", actor: actor.auditName, subject: "employee:\(row.employeeID.uuidString)",
                               details: ["request": r.id.description])]
        }
    }

    public func cancel(requestID: UUID, actor: VaultActor) async throws {
        guard try await VaultRequestModel.find(requestID, on: db) != nil else { throw APIError.noSuch("request", ja: "依頼") }
        try await append { tx in
            guard let row = try await VaultRequestModel.find(requestID, on: tx) else { throw APIError.noSuch("request", ja: "依頼") }
            var r = try Self.load(row)
            do { try r.cancel(by: actor.domainID, at: Date()) } catch { throw APIError.vault(error) }
            try Self.store(r, into: row)
            try await row.save(on: tx)
            return [AuditDraft(kind: "vault.request.cancelled", actor: actor.auditName, subject: "employee:\(row.employeeID.uuidString)",
                               details: ["request": r.id.description])]
        }
    }
}
