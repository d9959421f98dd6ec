import Access
import Foundation

/// How a number was made irrecoverable (PPC guideline 事業者編 第4-3-(3)B and 別添 安全管理措置).
public enum DisposalMethod: String, Sendable, Hashable, Codable, CaseIterable, Bilingual {
    /// The data key destroyed and the record erased (what the vault's disposal job does).
    case cryptoErasure = "crypto_erasure"
    /// Deleted from electronic media by a method that cannot be undone without special tools.
    case deletion
    /// Paper shredded so finely that it cannot be restored.
    case shredding
    /// Paper incinerated or dissolved (焼却・溶解).
    case incinerationOrDissolution = "incineration_or_dissolution"
    /// The number masked so it cannot be restored, the rest of the document kept.
    case masking

    public var japanese: String {
        switch self {
        case .cryptoErasure: return "暗号消去（データ鍵の破棄と記録の削除）"
        case .deletion: return "復元不可能な削除"
        case .shredding: return "シュレッダーによる裁断"
        case .incinerationOrDissolution: return "焼却・溶解"
        case .masking: return "復元不可能なマスキング"
        }
    }

    public var english: String {
        switch self {
        case .cryptoErasure: return "Crypto-erasure (data key destroyed, record erased)"
        case .deletion: return "Irrecoverable deletion"
        case .shredding: return "Shredding"
        case .incinerationOrDissolution: return "Incineration or dissolution"
        case .masking: return "Irrecoverable masking"
        }
    }
}

/// The record kept of one disposal: file, responsible person, date and method — and no number
/// (PPC guideline 事業者編 別添 安全管理措置: the record of deletion must not itself hold the number).
public struct DisposalRecord: Sendable, Hashable, Codable, Identifiable {
    public let id: DisposalID
    /// The internal id of the disposed number's record (meaningless once the row is gone).
    public let record: NumberRecordID
    /// The number-holding file (特定個人情報ファイル) it was in, as named in the register.
    public let file: String
    /// Whose number, seen from the employee (the employee themselves or a dependent's relation).
    public let employee: EmployeeID
    public let role: SubjectRole
    /// The 責任者 who answers for the disposal.
    public let responsiblePerson: EmployeeID
    /// Who (or which job) carried it out.
    public let performedBy: String
    public let disposedOn: CivilDate
    public let disposedAt: Date
    public let method: DisposalMethod
    /// The last day of retention that had passed, and the purpose whose rule set it.
    public let retainedThrough: CivilDate?
    public let governingPurpose: Purpose?

    public init(
        id: DisposalID = DisposalID(), record: NumberRecordID, file: String, employee: EmployeeID, role: SubjectRole,
        responsiblePerson: EmployeeID, performedBy: String, disposedAt: Date, method: DisposalMethod,
        retainedThrough: CivilDate? = nil, governingPurpose: Purpose? = nil
    ) {
        self.id = id
        self.record = record
        self.file = file
        self.employee = employee
        self.role = role
        self.responsiblePerson = responsiblePerson
        self.performedBy = performedBy
        self.disposedOn = JapanTime(disposedAt).date
        self.disposedAt = disposedAt
        self.method = method
        self.retainedThrough = retainedThrough
        self.governingPurpose = governingPurpose
    }

    /// A record for a number disposed of by the planner's decision.
    public init(
        plan: DisposalPlan, file: String, employee: EmployeeID, role: SubjectRole, responsiblePerson: EmployeeID,
        performedBy: String, disposedAt: Date, method: DisposalMethod = .cryptoErasure
    ) {
        self.init(
            record: plan.record, file: file, employee: employee, role: role, responsiblePerson: responsiblePerson,
            performedBy: performedBy, disposedAt: disposedAt, method: method, retainedThrough: plan.retainedThrough,
            governingPurpose: plan.governingPurpose)
    }
}
