import Access
import Foundation

/// A handler's request to an employee for their number and/or their dependents' numbers.
///
/// ## States
/// ```
/// open ──acknowledgeNotice──► noticeAcknowledged ──fulfill(each subject)──► fulfilled
///   │                              │
///   ├──────────── cancel ──────────┴──► cancelled
///   └──────────── (time passes expiresAt) ──► expired
/// ```
/// The employee must see and acknowledge the purposes (the notice, 個人情報保護法21条; PPC guideline
/// 事業者編 第4-1-(1)) before any number is given, so ``fulfill(subject:at:verification:)`` refuses
/// while the request is still `open`. Expiry is a function of time: ``status(at:)`` reports it, and every
/// transition refuses an expired request, so no job has to flip a flag for expiry to take effect.
///
/// The value holds no number: fulfilling a subject records *that* and *when* the number was given and
/// which verification record covers it; the number itself goes straight to ``NumberSealer``.
public struct CollectionRequest: Sendable, Hashable, Codable, Identifiable {
    /// Where the request stands, ignoring the clock (see ``status(at:)`` for expiry).
    public enum Phase: String, Sendable, Hashable, Codable {
        case open
        case noticeAcknowledged = "notice_acknowledged"
        case fulfilled
        case cancelled
    }

    /// Where the request stands at a given time.
    public enum Status: String, Sendable, Hashable, Codable, Bilingual {
        case open
        case noticeAcknowledged = "notice_acknowledged"
        case fulfilled
        case expired
        case cancelled

        public var japanese: String {
            switch self {
            case .open: return "依頼中（通知未確認）"
            case .noticeAcknowledged: return "通知確認済み（提供待ち）"
            case .fulfilled: return "提供済み"
            case .expired: return "期限切れ"
            case .cancelled: return "取消し"
            }
        }

        public var english: String {
            switch self {
            case .open: return "Open (notice not yet acknowledged)"
            case .noticeAcknowledged: return "Notice acknowledged (awaiting numbers)"
            case .fulfilled: return "Fulfilled"
            case .expired: return "Expired"
            case .cancelled: return "Cancelled"
            }
        }
    }

    /// What was given for one subject.
    public struct Fulfilment: Sendable, Hashable, Codable {
        public var at: Date
        /// The identity-verification record that covers this number.
        public var verification: VerificationID
    }

    public let id: CollectionRequestID
    /// The employee asked (who sees the notice and gives the numbers).
    public let employee: EmployeeID
    /// The handler (事務取扱担当者) who made the request.
    public let requester: EmployeeID
    public let subjects: [CollectionSubject]
    public let createdAt: Date
    public let expiresAt: Date
    public private(set) var phase: Phase
    public private(set) var noticeAcknowledgedAt: Date?
    public private(set) var fulfilments: [SubjectID: Fulfilment]
    public private(set) var cancelledAt: Date?
    public private(set) var cancelledBy: EmployeeID?

    /// The longest a request may stay open. Not a legal limit: a number asked for long ago is asked for a
    /// purpose the employee may have forgotten, so old requests are made again with a fresh notice.
    public static let maximumLifetime: TimeInterval = 90 * 86_400

    /// Creates an open request.
    ///
    /// - Throws: ``CollectionRequestError`` when there is no subject, a subject has no purpose or one that
    ///   does not apply to them, the employee appears twice, ids repeat, or the expiry is not after
    ///   creation or more than ``maximumLifetime`` away.
    public init(
        id: CollectionRequestID = CollectionRequestID(), employee: EmployeeID, requester: EmployeeID,
        subjects: [CollectionSubject], createdAt: Date, expiresAt: Date
    ) throws(CollectionRequestError) {
        guard !subjects.isEmpty else { throw .noSubjects }
        guard subjects.filter({ $0.role == .employee }).count <= 1 else { throw .employeeListedTwice }
        guard Set(subjects.map(\.id)).count == subjects.count else { throw .duplicateSubject }
        for s in subjects {
            guard !s.purposes.isEmpty else { throw .noPurpose(subject: s.id) }
            for p in s.purposes.sorted() where !p.applies(to: s.role) {
                throw .purposeNotApplicable(p, s.role)
            }
        }
        guard expiresAt > createdAt, expiresAt.timeIntervalSince(createdAt) <= Self.maximumLifetime else {
            throw .invalidExpiry
        }
        self.id = id
        self.employee = employee
        self.requester = requester
        self.subjects = subjects
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        phase = .open
        fulfilments = [:]
    }

    /// All purposes stated in the request, in the fixed order.
    public var purposes: [Purpose] { Set(subjects.flatMap(\.purposes)).sorted() }

    /// The subjects not yet given.
    public var pendingSubjects: [CollectionSubject] { subjects.filter { fulfilments[$0.id] == nil } }

    /// The status at `now`: expired once `now ≥ expiresAt` unless already fulfilled or cancelled.
    public func status(at now: Date) -> Status {
        switch phase {
        case .fulfilled: return .fulfilled
        case .cancelled: return .cancelled
        case .open, .noticeAcknowledged:
            if now >= expiresAt { return .expired }
            return phase == .open ? .open : .noticeAcknowledged
        }
    }

    /// The employee acknowledges the notice (has seen every subject's purposes).
    public mutating func acknowledgeNotice(by person: EmployeeID, at now: Date) throws(CollectionRequestError) {
        guard person == employee else { throw .notTheEmployee }
        switch status(at: now) {
        case .open: break
        case .noticeAcknowledged: throw .noticeAlreadyAcknowledged
        case .expired: throw .expired
        case .cancelled: throw .cancelled
        case .fulfilled: throw .alreadyFulfilled
        }
        phase = .noticeAcknowledged
        noticeAcknowledgedAt = now
    }

    /// Records that one subject's number was given, covered by a verification record.
    /// The request becomes `fulfilled` when every subject is.
    public mutating func fulfill(subject: SubjectID, at now: Date, verification: VerificationID) throws(CollectionRequestError) {
        switch status(at: now) {
        case .open: throw .noticeNotAcknowledged
        case .noticeAcknowledged: break
        case .expired: throw .expired
        case .cancelled: throw .cancelled
        case .fulfilled: throw .alreadyFulfilled
        }
        guard subjects.contains(where: { $0.id == subject }) else { throw .unknownSubject }
        guard fulfilments[subject] == nil else { throw .subjectAlreadyFulfilled }
        fulfilments[subject] = Fulfilment(at: now, verification: verification)
        if fulfilments.count == subjects.count { phase = .fulfilled }
    }

    /// Cancels an open or acknowledged request (by the handler, or by the employee declining).
    /// Numbers already given for some subjects stay given; the rest are no longer asked for.
    public mutating func cancel(by person: EmployeeID, at now: Date) throws(CollectionRequestError) {
        switch status(at: now) {
        case .open, .noticeAcknowledged: break
        case .expired: throw .expired
        case .cancelled: throw .cancelled
        case .fulfilled: throw .alreadyFulfilled
        }
        phase = .cancelled
        cancelledAt = now
        cancelledBy = person
    }
}

/// Why a collection request refused to be made or to change. No case carries a number.
public enum CollectionRequestError: Error, Sendable, Hashable, Bilingual, CustomStringConvertible {
    case noSubjects
    case employeeListedTwice
    case duplicateSubject
    case noPurpose(subject: SubjectID)
    case purposeNotApplicable(Purpose, SubjectRole)
    case invalidExpiry
    case notTheEmployee
    case noticeAlreadyAcknowledged
    case noticeNotAcknowledged
    case expired
    case cancelled
    case alreadyFulfilled
    case unknownSubject
    case subjectAlreadyFulfilled

    /// A stable code for APIs.
    public var code: String {
        switch self {
        case .noSubjects: return "no_subjects"
        case .employeeListedTwice: return "employee_listed_twice"
        case .duplicateSubject: return "duplicate_subject"
        case .noPurpose: return "no_purpose"
        case .purposeNotApplicable: return "purpose_not_applicable"
        case .invalidExpiry: return "invalid_expiry"
        case .notTheEmployee: return "not_the_employee"
        case .noticeAlreadyAcknowledged: return "notice_already_acknowledged"
        case .noticeNotAcknowledged: return "notice_not_acknowledged"
        case .expired: return "expired"
        case .cancelled: return "cancelled"
        case .alreadyFulfilled: return "already_fulfilled"
        case .unknownSubject: return "unknown_subject"
        case .subjectAlreadyFulfilled: return "subject_already_fulfilled"
        }
    }

    public var japanese: String {
        switch self {
        case .noSubjects: return "番号を求める対象者がいません"
        case .employeeListedTwice: return "本人が二度指定されています"
        case .duplicateSubject: return "同じ対象者が重複しています"
        case .noPurpose: return "利用目的が指定されていない対象者がいます"
        case .purposeNotApplicable(let p, let r): return "「\(p.japanese)」は\(r.japanese)の番号の利用目的になりません"
        case .invalidExpiry: return "有効期限は作成時より後、90日以内にしてください"
        case .notTheEmployee: return "通知を確認できるのは依頼を受けた本人だけです"
        case .noticeAlreadyAcknowledged: return "利用目的の通知は確認済みです"
        case .noticeNotAcknowledged: return "利用目的の通知を確認する前に番号は提供できません"
        case .expired: return "依頼の有効期限が切れています"
        case .cancelled: return "依頼は取り消されています"
        case .alreadyFulfilled: return "依頼はすでに完了しています"
        case .unknownSubject: return "この依頼の対象者ではありません"
        case .subjectAlreadyFulfilled: return "この対象者の番号は提供済みです"
        }
    }

    public var english: String {
        switch self {
        case .noSubjects: return "the request names nobody"
        case .employeeListedTwice: return "the employee is listed twice"
        case .duplicateSubject: return "a subject is listed twice"
        case .noPurpose: return "a subject has no purpose"
        case .purposeNotApplicable(let p, let r): return "\"\(p.english)\" is not a purpose for the number of: \(r.english.lowercased())"
        case .invalidExpiry: return "the expiry must be after creation and within 90 days"
        case .notTheEmployee: return "only the employee asked can acknowledge the notice"
        case .noticeAlreadyAcknowledged: return "the notice has already been acknowledged"
        case .noticeNotAcknowledged: return "no number can be given before the notice of purposes is acknowledged"
        case .expired: return "the request has expired"
        case .cancelled: return "the request has been cancelled"
        case .alreadyFulfilled: return "the request is already fulfilled"
        case .unknownSubject: return "not a subject of this request"
        case .subjectAlreadyFulfilled: return "this subject's number has already been given"
        }
    }

    public var description: String { "\(code): \(english)" }
}
