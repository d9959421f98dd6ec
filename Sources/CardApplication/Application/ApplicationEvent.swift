/// Something that happens to an application. ``ApplicationRecord/apply(_:at:by:)`` accepts it or
/// refuses it with an ``ApplicationTransitionError``.
public enum ApplicationEvent: Sendable, Hashable, Codable {
    /// Choose or change the route before the application leaves the company.
    case chooseRoute(ApplicationRoute)
    /// The employee enters (or corrects) the validated application data. Editing reviewed data sends
    /// it back to ``ApplicationStage/dataEntered``: the clerk must look again.
    case enterData(ApplicationData)
    /// The employee attaches a photo that was checked (``PhotoValidator``); the bytes live in storage.
    case attachPhoto(PhotoAttachment)
    /// The clerk sends the application back to the employee with a note (e.g. "retake the photo").
    case returnToEmployee(note: String)
    /// The clerk has checked the data (and, for case 1, the photo).
    case review
    /// Case 1: put into a contractor batch.
    case addToBatch(BatchID)
    /// Case 1: taken out of a batch not yet sent (the batch must be rebuilt).
    case removeFromBatch
    /// Case 1: the batch holding this application was sent to the contractor.
    case sentToContractor(BatchID)
    /// Case 2: planned for an on-site session (no change of stage).
    case assignSession(SessionID)
    /// Case 2: taken off a session's list (no change of stage).
    case unassignSession
    /// Case 2: the city's staff checked the person's identity and accepted the application.
    case appliedAtSession(SessionID)
    /// The 交付通知書 (or, case 2, the post office's arrival notice) reached the employee.
    case noticeReceived
    /// Case 1: the employee picked the card up at the city office.
    case cardReceived
    /// Case 2: the card was delivered by 本人限定受取郵便.
    case cardMailed
    /// A pick-up reminder was sent (no change of stage).
    case reminderSent
    /// The card was enrolled in MynaGate: the application closes itself, from any open stage.
    case cardEnrolled
    /// The employee withdrew (voluntary: no reason recorded).
    case withdraw

    /// A stable name for logs and error messages.
    public var name: String {
        switch self {
        case .chooseRoute: return "choose_route"
        case .enterData: return "enter_data"
        case .attachPhoto: return "attach_photo"
        case .returnToEmployee: return "return_to_employee"
        case .review: return "review"
        case .addToBatch: return "add_to_batch"
        case .removeFromBatch: return "remove_from_batch"
        case .sentToContractor: return "sent_to_contractor"
        case .assignSession: return "assign_session"
        case .unassignSession: return "unassign_session"
        case .appliedAtSession: return "applied_at_session"
        case .noticeReceived: return "notice_received"
        case .cardReceived: return "card_received"
        case .cardMailed: return "card_mailed"
        case .reminderSent: return "reminder_sent"
        case .cardEnrolled: return "card_enrolled"
        case .withdraw: return "withdraw"
        }
    }
}

/// A checked photo kept in storage: the domain keeps only a reference and the check's outcome, so a
/// record stays small and never holds image bytes.
public struct PhotoAttachment: Sendable, Hashable, Codable {
    /// Where the server keeps the bytes (a file name, a blob key).
    public var storageKey: String
    public var byteCount: Int
    /// The codes of the problems found (empty when the photo passed).
    public var issueCodes: [String]

    public init(storageKey: String, byteCount: Int, issueCodes: [String]) {
        self.storageKey = storageKey
        self.byteCount = byteCount
        self.issueCodes = issueCodes
    }

    /// Builds the attachment from a validation report.
    public init(storageKey: String, report: PhotoReport) {
        self.init(storageKey: storageKey, byteCount: report.byteCount, issueCodes: report.errors.map(\.code))
    }

    /// The photo passed every machine check.
    public var isAcceptable: Bool { issueCodes.isEmpty }
}
