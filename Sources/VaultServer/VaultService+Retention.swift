import Access
import Audit
import Fluent
import Foundation
import MyNumber
import Store
import Vapor
import Vault
import ServerCore

/// The vault's operations (``VaultService``): retention and disposal.
extension VaultService {
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
    public func runDisposal(dryRun: Bool, at now: Date = Date(), performedBy: String) async throws -> DisposalRun {
        let date = JapanTime(now).date
        let all = try await Self.plans(on: date, db: db)
        var run = DisposalRun(dryRun: dryRun, disposed: 0, onHold: 0, retained: 0, inUse: 0, items: [])
        var due: [(VaultNumberModel, StoredNumberMetadata, DisposalPlan)] = []
        for (n, m, p) in all {
            run.items.append(try await Self.planItem(n, m, p, on: date, db: db))
            switch p.status(on: date) {
            case .onHold: run.onHold += 1
            case .retained: run.retained += 1
            case .inUse: run.inUse += 1
            case .due, .overdue: due.append((n, m, p))
            }
        }
        guard !dryRun, !due.isEmpty else { return run }
        guard let responsible = try await Self.responsiblePerson(on: db) else {
            throw APIError(.conflict, code: "no_responsible_person", ja: "責任者が指定されていないため廃棄できません。管理者が事務取扱担当者のうち1人を責任者に指定してください",
                           en: "no responsible person (責任者) is designated; an administrator designates one handler as responsible before disposal")
        }
        let job = VaultActor(userID: nil, username: performedBy, employeeID: nil, isHandler: true)
        for (n, m, p) in due {
            let id = try n.requireID()
            let record = DisposalRecord(plan: p, file: m.role == .employee ? Self.employeeFile : Self.dependentFile, employee: m.employee, role: m.role,
                                        responsiblePerson: EmployeeID(rawValue: responsible), performedBy: performedBy, disposedAt: now)
            try await append { tx in
                guard let row = try await VaultNumberModel.find(id, on: tx) else { return [] }
                // Overwrite first, then delete: a copy taken between the two steps holds nothing either.
                let erased = Self.sealed(row).destroyingDataKey()
                row.keyID = nil
                row.wrappedKey = nil
                row.ciphertext = erased.ciphertext
                try await row.save(on: tx)
                try await row.delete(on: tx)
                let d = VaultDisposalModel()
                d.id = record.id.rawValue; d.recordID = id; d.file = record.file; d.employeeID = row.employeeID; d.role = Self.roleCode(m.role)
                d.responsiblePerson = responsible; d.performedBy = performedBy; d.disposedAt = now; d.disposedOn = record.disposedOn.description
                d.method = record.method.rawValue; d.retainedThrough = record.retainedThrough?.description; d.governingPurpose = record.governingPurpose?.rawValue
                try await d.create(on: tx)
                try await Self.access(record: id, employee: row.employeeID, dependent: row.dependentID, role: m.role, actor: job, action: .dispose, purpose: nil, at: now, on: tx)
                return [AuditDraft(kind: "vault.number.disposed", actor: "user:\(performedBy)", subject: "employee:\(row.employeeID.uuidString)",
                                   details: ["record": id.uuidString, "disposal": record.id.description, "method": record.method.rawValue,
                                             "retainedThrough": record.retainedThrough?.description ?? "", "responsible": responsible])]
            }
            run.disposed += 1
        }
        return run
    }
}
