import Access
import Fluent
import Foundation
import Store
import Vapor
import Vault
import ServerCore

/// What the vault's API and pages show: built from the tables, never holding a number.
enum VaultViews {
    struct SubjectView: Content, Sendable {
        var subjectId: UUID
        var role: String
        var roleJa: String
        var roleEn: String
        var name: String
        var purposes: [String]
        var purposesJa: [String]
        var purposesEn: [String]
        /// pending, awaiting_verification, given
        var state: String
        var recordId: UUID?
        var verification: VerificationView?
    }

    struct VerificationView: Content, Sendable {
        var id: UUID
        var method: String
        var methodJa: String
        var documents: [DocumentView]
        var checkedBy: String
        var checkedAt: Date
        var cardReading: String?
        var cardDifferences: [VaultService.Difference]
    }

    struct DocumentView: Content, Sendable {
        var type: String
        var typeJa: String
        var issuer: String
        var validUntil: String?
    }

    struct RequestView: Content, Sendable {
        var id: UUID
        var employeeId: UUID
        var employeeNumber: String
        var employeeName: String
        var status: String
        var statusJa: String
        var statusEn: String
        var requestedBy: String
        var createdAt: Date
        var expiresAt: Date
        var noticeAcknowledgedAt: Date?
        var subjects: [SubjectView]
    }

    struct Given: Content, Sendable {
        var recordId: UUID
        var request: RequestView
    }

    static func requests(_ ms: [VaultRequestModel], on db: any Database) async throws -> [RequestView] {
        var out: [RequestView] = []
        for m in ms { out.append(try await request(m, on: db)) }
        return out
    }

    static func request(_ m: VaultRequestModel, on db: any Database) async throws -> RequestView {
        let r = try VaultService.load(m)
        let e = try await EmployeeModel.find(m.employeeID, on: db)
        let numbers = try await VaultNumberModel.query(on: db).filter(\.$requestID == m.id).all()
        var subjects: [SubjectView] = []
        for s in r.subjects {
            let n = numbers.first { ($0.dependentID ?? $0.employeeID) == s.id.rawValue }
            var state = "pending"
            if r.fulfilments[s.id] != nil { state = "given" } else if n != nil { state = "awaiting_verification" }
            var v: VerificationView?
            if let f = r.fulfilments[s.id], let vm = try await VaultVerificationModel.find(f.verification.rawValue, on: db) { v = try verification(vm) }
            subjects.append(SubjectView(subjectId: s.id.rawValue, role: VaultService.roleCode(s.role), roleJa: s.role.japanese, roleEn: s.role.english,
                                        name: s.displayName, purposes: s.purposes.sorted().map(\.rawValue), purposesJa: s.purposes.sorted().map(\.japanese),
                                        purposesEn: s.purposes.sorted().map(\.english), state: state, recordId: n?.id, verification: v))
        }
        let status = r.status(at: Date())
        return RequestView(id: try m.requireID(), employeeId: m.employeeID, employeeNumber: e?.employeeNumber ?? "", employeeName: e?.name ?? "",
                           status: status.rawValue, statusJa: status.japanese, statusEn: status.english, requestedBy: m.requestedBy,
                           createdAt: r.createdAt, expiresAt: r.expiresAt, noticeAcknowledgedAt: r.noticeAcknowledgedAt, subjects: subjects)
    }

    static func verification(_ vm: VaultVerificationModel) throws -> VerificationView? {
        let v = try VaultService.stored(IdentityVerificationRecord.self, vm.record, what: "identity verification")
        let diffs = try VaultService.stored([VaultService.Difference].self, vm.cardDifferences, what: "card differences")
        return VerificationView(id: try vm.requireID(), method: v.method.rawValue, methodJa: v.method.japanese,
                                documents: v.documents.map { DocumentView(type: $0.type.rawValue, typeJa: $0.type.japanese, issuer: $0.issuer, validUntil: $0.validUntil?.description) },
                                checkedBy: vm.checkedBy, checkedAt: vm.checkedAt, cardReading: v.cardReading?.rawValue, cardDifferences: diffs)
    }

    // MARK: Employee

    struct NumberView: Content, Sendable {
        var recordId: UUID
        var dependentId: UUID?
        var person: String
        var role: String
        var roleJa: String
        var purposes: [String]
        var purposesJa: [String]
        var verified: Bool
        var source: String
        /// For a chip reading, what the card's integrity record said: `verified` (the issuer's data,
        /// signed by a configured card-verifiable CA) or `issuer_unknown`; absent otherwise.
        var chipIntegrity: String?
        var collectedAt: Date
        var keyId: String?
        /// in_use, retained, due, overdue or on_hold (``VaultService/statusCode(_:)``); the date is in `disposalJa`.
        var disposal: String
        var disposalJa: String
    }

    struct DependentView: Content, Sendable {
        var id: UUID
        var name: String
        var relation: String
        var relationJa: String
    }

    struct HoldView: Content, Sendable {
        var id: UUID
        var reason: String
        var placedBy: String
        var placedAt: Date
        var releasedAt: Date?
    }

    struct EmployeeView: Content, Sendable {
        var id: UUID
        var employeeNumber: String
        var name: String
        var address: String
        var birthDate: String
        var sex: String
        var leavingDate: String?
        var dependents: [DependentView]
        var numbers: [NumberView]
        var holds: [HoldView]
    }

    static func employee(_ e: EmployeeModel, on db: any Database) async throws -> EmployeeView {
        let id = try e.requireID()
        let p = try await VaultProfileModel.find(id, on: db)
        let deps = try await VaultDependentModel.query(on: db).filter(\.$employeeID == id).sort(\.$createdAt).all()
        let date = JapanTime(Date()).date
        var numbers: [NumberView] = []
        for n in try await VaultNumberModel.query(on: db).filter(\.$employeeID == id).sort(\.$collectedAt).all() {
            let m = try await VaultService.metadata(n, on: db)
            let plan = RetentionPlanner().plan(for: m)
            let st = plan.status(on: date)
            let name = n.dependentID.flatMap { d in deps.first { $0.id == d }?.name } ?? e.name
            let ps = m.purposes.sorted()
            numbers.append(NumberView(recordId: try n.requireID(), dependentId: n.dependentID, person: name, role: VaultService.roleCode(m.role), roleJa: m.role.japanese,
                                      purposes: ps.map(\.rawValue), purposesJa: ps.map(\.japanese), verified: n.verificationID != nil, source: n.source, chipIntegrity: n.chipIntegrity,
                                      collectedAt: n.collectedAt, keyId: n.keyID, disposal: VaultService.statusCode(st), disposalJa: st.japanese))
        }
        let holds = try await VaultLegalHoldModel.query(on: db).filter(\.$employeeID == id).sort(\.$placedAt, .descending).all()
        return EmployeeView(id: id, employeeNumber: e.employeeNumber, name: e.name, address: p?.address ?? "", birthDate: p?.birthDate ?? "", sex: p?.sex ?? "",
                            leavingDate: p?.leavingDate,
                            dependents: try deps.map { DependentView(id: try $0.requireID(), name: $0.name, relation: $0.relation, relationJa: DependentRelation(rawValue: $0.relation)?.japanese ?? $0.relation) },
                            numbers: numbers,
                            holds: try holds.map { HoldView(id: try $0.requireID(), reason: $0.reason, placedBy: $0.placedBy, placedAt: $0.placedAt, releasedAt: $0.releasedAt) })
    }

    // MARK: Disposal register

    struct DisposalRow: Content, Sendable {
        var id: UUID
        var file: String
        var employeeNumber: String
        var role: String
        var responsiblePerson: String
        var performedBy: String
        var disposedOn: String
        var method: String
        var methodJa: String
        var retainedThrough: String?
        var governingPurpose: String?
    }

    static func disposals(on db: any Database) async throws -> [DisposalRow] {
        var out: [DisposalRow] = []
        for d in try await VaultDisposalModel.query(on: db).sort(\.$disposedAt, .descending).limit(5000).all() {
            let e = try await EmployeeModel.find(d.employeeID, on: db)
            let method = DisposalMethod(rawValue: d.method)
            out.append(DisposalRow(id: try d.requireID(), file: d.file, employeeNumber: e?.employeeNumber ?? "", role: d.role, responsiblePerson: d.responsiblePerson,
                                   performedBy: d.performedBy, disposedOn: d.disposedOn, method: d.method, methodJa: method?.japanese ?? d.method,
                                   retainedThrough: d.retainedThrough, governingPurpose: d.governingPurpose))
        }
        return out
    }

    // MARK: Access history

    struct AccessRow: Content, Sendable {
        var at: Date
        var actor: String
        var action: String
        var actionJa: String
        var actionEn: String
        var purpose: String?
        var purposeJa: String?
        var purposeEn: String?
        var person: String
        var role: String
        var roleJa: String
        var batchSize: Int?
    }

    static func access(employee: UUID, on db: any Database) async throws -> [AccessRow] {
        let e = try await EmployeeModel.find(employee, on: db)
        let deps = try await VaultDependentModel.query(on: db).filter(\.$employeeID == employee).all()
        return try await VaultAccessModel.query(on: db).filter(\.$employeeID == employee).sort(\.$at, .descending).limit(1000).all().map { a in
            let action = NumberAccessAction(rawValue: a.action)
            let purpose = a.purpose.flatMap(Purpose.init(rawValue:))
            let role = VaultService.role(code: a.role)
            let person = a.dependentID.flatMap { d in deps.first { $0.id == d }?.name } ?? e?.name ?? ""
            return AccessRow(at: a.at, actor: a.actorName, action: a.action, actionJa: action?.japanese ?? a.action, actionEn: action?.english ?? a.action,
                             purpose: a.purpose, purposeJa: purpose?.japanese, purposeEn: purpose?.english, person: person, role: a.role,
                             roleJa: role.japanese, batchSize: a.batchSize)
        }
    }

    // MARK: Register (特定個人情報ファイル管理台帳)

    struct HandlerRow: Content, Sendable {
        var userId: UUID
        var username: String
        var designated: Bool
        var responsible: Bool
        var designatedBy: String?
        var designatedAt: Date?
    }

    static func handlers(on db: any Database) async throws -> [HandlerRow] {
        let designated = Dictionary(uniqueKeysWithValues: try await VaultHandlerModel.query(on: db).all().map { ((try $0.requireID()), $0) })
        return try await UserModel.query(on: db).filter(\.$role == Role.hr.rawValue).sort(\.$username).all().map { u in
            let h = designated[(try u.requireID())]
            return HandlerRow(userId: try u.requireID(), username: u.username, designated: h != nil, responsible: h?.responsible ?? false,
                              designatedBy: h?.designatedBy, designatedAt: h?.designatedAt)
        }
    }

    struct FileRow: Content, Sendable {
        var name: String
        var contents: String
        var records: Int
        var purposes: [String]
        var storage: String
        var disposalMethod: String
    }

    struct RetentionRow: Content, Sendable {
        var purpose: String
        var purposeJa: String
        var rule: String
    }

    struct RoomRow: Content, Sendable {
        var zone: String
        var name: String
        var doors: [String]
        var levels: [String]
    }

    struct Register: Content, Sendable {
        var files: [FileRow]
        var handlers: [HandlerRow]
        var retention: [RetentionRow]
        var rooms: [RoomRow]
        var currentKeyId: String?
        var recordsByKey: [String: Int]
    }

    static func retentionText(_ r: RetentionRule) -> String {
        switch r {
        case .throughFilingDeadline: return "提出期限まで（提出後は保存しない）"
        case .yearsFromJanuary11AfterDeadlineYear(let n): return "提出期限の属する年の翌年1月11日から\(n)年"
        case .yearsAfterCompletion(let n): return "完結の日の翌日から\(n)年"
        }
    }

    static func register(on db: any Database, keys: VaultKeys, policy: AccessPolicy) async throws -> Register {
        let numbers = try await VaultNumberModel.query(on: db).all()
        func file(_ name: String, _ contents: String, _ rows: [VaultNumberModel]) throws -> FileRow {
            let ps = Set(try rows.flatMap { try VaultService.purposes($0.purposes) }).sorted().map(\.japanese)
            return FileRow(name: name, contents: contents, records: rows.count, purposes: ps,
                           storage: "データベース表 vault_numbers（番号ごとのデータ鍵でAES-256-GCM暗号化、データ鍵は鍵暗号化鍵で保護）",
                           disposalMethod: DisposalMethod.cryptoErasure.japanese)
        }
        let files = [
            try file(VaultService.employeeFile, "従業員本人の個人番号", numbers.filter { $0.dependentID == nil }),
            try file(VaultService.dependentFile, "扶養親族の個人番号（続柄とともに）", numbers.filter { $0.dependentID != nil }),
        ]
        let retention = Purpose.allCases.map { p in
            RetentionRow(purpose: p.rawValue, purposeJa: p.japanese, rule: retentionText(RetentionPolicy.statutory.rules[p]!))
        }
        var rooms: [RoomRow] = []
        for (zid, z) in policy.zones.sorted(by: { $0.key.rawValue < $1.key.rawValue }) where z.isMyNumberHandlingArea {
            let doors = policy.doors.values.filter { $0.to == zid }.sorted { $0.id.rawValue < $1.id.rawValue }
            rooms.append(RoomRow(zone: zid.rawValue, name: z.name, doors: doors.map(\.name), levels: doors.map { policy.securityLevel(of: $0).rawValue }))
        }
        return Register(files: files, handlers: try await handlers(on: db).filter(\.designated), retention: retention, rooms: rooms,
                        currentKeyId: keys.currentKeyID, recordsByKey: try await VaultService.countsByKey(on: db))
    }
}
