/// The two ways the 2016 bulk-application leaflet (別添3, seed section (4)) lets a company apply for
/// its employees.
public enum ApplicationRoute: String, Sendable, Hashable, Codable, CaseIterable {
    /// Case 1: the company's clerk gathers the forms and sends them together to the
    /// application-receiving contractor (申請受付事業者); the card is handed over at the city office
    /// after the 交付通知書 arrives.
    case contractorBatch
    /// Case 2: after consulting the city, the city's staff come to the company, check each person's
    /// identity and accept the applications; the card comes by 本人限定受取郵便, so nobody visits the
    /// city office.
    case onSiteSession
}

/// Where an application is, from opting in to the card being enrolled in MynaGate.
///
/// ```
/// optedIn → dataEntered → reviewed ─┬─ (case 1) batched → sentToContractor → noticeReceived → cardReceived ─┐
///                                   └─ (case 2) appliedAtSession ─(noticeReceived)─→ cardMailed ─────────────┴→ enrolled
/// withdrawn: from any stage before the application leaves the company (sentToContractor / appliedAtSession)
/// enrolled: also directly from any open stage, because enrolling a card closes the application itself
/// ```
public enum ApplicationStage: String, Sendable, Hashable, Codable, CaseIterable {
    case optedIn
    case dataEntered
    case reviewed
    case batched
    case sentToContractor
    case appliedAtSession
    case noticeReceived
    case cardReceived
    case cardMailed
    case enrolled
    case withdrawn

    /// The application is finished (card enrolled, or withdrawn).
    public var isClosed: Bool { self == .enrolled || self == .withdrawn }

    /// The application has left the company: from here it can no longer be withdrawn by us.
    public var hasApplied: Bool {
        switch self {
        case .sentToContractor, .appliedAtSession, .noticeReceived, .cardReceived, .cardMailed, .enrolled: return true
        case .optedIn, .dataEntered, .reviewed, .batched, .withdrawn: return false
        }
    }

    public var japaneseLabel: String {
        switch self {
        case .optedIn: return "申請希望"
        case .dataEntered: return "申請情報入力済み"
        case .reviewed: return "担当者確認済み"
        case .batched: return "一括申請データ作成済み"
        case .sentToContractor: return "申請受付事業者へ送付済み"
        case .appliedAtSession: return "出張申請受付で申請済み"
        case .noticeReceived: return "交付通知書受領"
        case .cardReceived: return "カード受取済み（市区町村窓口）"
        case .cardMailed: return "カード受取済み（本人限定受取郵便）"
        case .enrolled: return "MynaGateに登録済み（完了）"
        case .withdrawn: return "取下げ"
        }
    }

    public var englishLabel: String {
        switch self {
        case .optedIn: return "Opted in"
        case .dataEntered: return "Data entered"
        case .reviewed: return "Reviewed by clerk"
        case .batched: return "In a batch"
        case .sentToContractor: return "Sent to the contractor"
        case .appliedAtSession: return "Applied at the on-site session"
        case .noticeReceived: return "Notice (交付通知書) received"
        case .cardReceived: return "Card received at the city office"
        case .cardMailed: return "Card received by registered post"
        case .enrolled: return "Enrolled in MynaGate (closed)"
        case .withdrawn: return "Withdrawn"
        }
    }
}
