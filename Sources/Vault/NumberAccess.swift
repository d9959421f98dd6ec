import Access
import Foundation

/// What was done with a number (each person's view lists these, like マイナポータル's やりとり履歴).
public enum NumberAccessAction: String, Sendable, Hashable, Codable, CaseIterable, Bilingual {
    case collect
    case reveal
    case export
    case dispose

    /// Whether the action discloses the number and so needs a stated purpose and a designated handler.
    public var disclosesNumber: Bool { self == .reveal || self == .export }

    public var japanese: String {
        switch self {
        case .collect: return "取得"
        case .reveal: return "表示"
        case .export: return "出力"
        case .dispose: return "廃棄"
        }
    }

    public var english: String {
        switch self {
        case .collect: return "Collected"
        case .reveal: return "Revealed"
        case .export: return "Exported"
        case .dispose: return "Disposed of"
        }
    }
}

/// One access to a number, for the audit chain and for the person's own view: who, when, for which
/// purpose, what — never the number.
public struct NumberAccessEntry: Sendable, Hashable, Codable, Identifiable {
    public let id: AccessEntryID
    public let record: NumberRecordID
    /// The employee in whose view this appears (the owner, or the employee who gave a dependent's).
    public let employee: EmployeeID
    public let role: SubjectRole
    /// Who acted (a handler, the employee giving their number, or a job's service account).
    public let actor: EmployeeID
    public let at: Date
    public let action: NumberAccessAction
    /// The stated purpose; always present for reveal and export.
    public let purpose: Purpose?
    /// For an export: how many numbers it held (the entry is written once per number).
    public let batchSize: Int?

    /// - Throws: ``NumberUseError/purposeRequired`` for a reveal or export without a purpose.
    public init(
        id: AccessEntryID = AccessEntryID(), record: NumberRecordID, employee: EmployeeID, role: SubjectRole,
        actor: EmployeeID, at: Date, action: NumberAccessAction, purpose: Purpose?, batchSize: Int? = nil
    ) throws(NumberUseError) {
        if action.disclosesNumber, purpose == nil { throw .purposeRequired }
        self.id = id
        self.record = record
        self.employee = employee
        self.role = role
        self.actor = actor
        self.at = at
        self.action = action
        self.purpose = purpose
        self.batchSize = batchSize
    }

    /// One line for the person's view, e.g. 「2025-01-20 09:30 山田（担当者）が扶養控除等申告書のために表示」.
    public func japaneseLine(actorName: String) -> String {
        let t = JapanTime(at)
        let time = "\(t.date) " + String(format: "%02d:%02d", t.minuteOfDay / 60, t.minuteOfDay % 60)
        let why = purpose.map { "「\($0.japanese)」のために" } ?? ""
        return "\(time) \(actorName)が\(role.japanese)の個人番号を\(why)\(action.japanese)"
    }
}

/// Who may disclose a number and why (番号法9条・19条・20条; PPC guideline 事業者編 第4-1・安全管理措置).
public enum NumberUsePolicy {
    /// Checks a reveal or an export before any decryption: only a designated handler (事務取扱担当者),
    /// only for a purpose the number was collected for (a purpose cannot be widened after the notice).
    public static func authorize(
        action: NumberAccessAction, actorIsDesignatedHandler: Bool, statedPurpose: Purpose?,
        collectedPurposes: Set<Purpose>
    ) throws(NumberUseError) {
        guard action.disclosesNumber else { return }
        guard actorIsDesignatedHandler else { throw .notADesignatedHandler }
        guard let p = statedPurpose else { throw .purposeRequired }
        guard collectedPurposes.contains(p) else { throw .purposeNotCollected(p) }
    }
}

/// Why a use of a number was refused. No number in any case.
public enum NumberUseError: Error, Sendable, Hashable, Bilingual, CustomStringConvertible {
    case notADesignatedHandler
    case purposeRequired
    case purposeNotCollected(Purpose)

    public var code: String {
        switch self {
        case .notADesignatedHandler: return "not_a_designated_handler"
        case .purposeRequired: return "purpose_required"
        case .purposeNotCollected: return "purpose_not_collected"
        }
    }

    public var japanese: String {
        switch self {
        case .notADesignatedHandler: return "個人番号を扱えるのは事務取扱担当者だけです"
        case .purposeRequired: return "利用目的を指定してください"
        case .purposeNotCollected(let p): return "「\(p.japanese)」はこの番号の取得時に通知した利用目的ではありません"
        }
    }

    public var english: String {
        switch self {
        case .notADesignatedHandler: return "only designated handlers may use a number"
        case .purposeRequired: return "a purpose must be stated"
        case .purposeNotCollected(let p): return "\"\(p.english)\" is not a purpose this number was collected for"
        }
    }

    public var description: String { "\(code): \(english)" }
}
