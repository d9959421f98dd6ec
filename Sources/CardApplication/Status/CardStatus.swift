import Access

/// Where an employee stands with the My Number card, as the adoption dashboard counts it.
///
/// Applying for the card is voluntary (the 2016 leaflet: 「個人番号カードの交付は個人の自主的な申請に基づくもの」),
/// so ``declined`` carries no reason: the company has no business asking why.
public enum CardStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Has a card and it is enrolled in MynaGate as the employee card.
    case enrolled
    /// Has a card (said so, or received it through an application) but has not enrolled it.
    case cardNotEnrolled
    /// An application is open and the card has not been received yet.
    case applying
    /// No card and no open application.
    case none
    /// Said they do not want to apply. No reason is recorded, on purpose.
    case declined

    /// Works out the status from what MynaGate knows about one person.
    ///
    /// The order matters: an enrolled credential is the only proof that wins over what people said;
    /// an open application beats an earlier "declined" (people change their minds).
    /// - Parameters:
    ///   - hasEnrolledCard: a My Number card credential of this person is enrolled (from Access/Store).
    ///   - saysHasCard: the person said they already have a card.
    ///   - declined: the person said they do not want to apply.
    ///   - applications: this person's applications, any stage.
    public static func of(
        hasEnrolledCard: Bool, saysHasCard: Bool = false, declined: Bool = false,
        applications: [ApplicationRecord] = []
    ) -> CardStatus {
        if hasEnrolledCard { return .enrolled }
        if applications.contains(where: { $0.stage == .cardReceived || $0.stage == .cardMailed }) { return .cardNotEnrolled }
        // An application closed by enrollment means the card exists even if the credential was later retired.
        if applications.contains(where: { $0.stage == .enrolled }) { return .cardNotEnrolled }
        if saysHasCard { return .cardNotEnrolled }
        if applications.contains(where: { $0.isOpen }) { return .applying }
        if declined { return .declined }
        return .none
    }

    /// A short label for dashboards.
    public var japaneseLabel: String {
        switch self {
        case .enrolled: return "カード登録済み"
        case .cardNotEnrolled: return "カードあり・未登録"
        case .applying: return "申請中"
        case .none: return "カードなし"
        case .declined: return "申請しない"
        }
    }

    /// A short label for dashboards.
    public var englishLabel: String {
        switch self {
        case .enrolled: return "Card enrolled"
        case .cardNotEnrolled: return "Has card, not enrolled"
        case .applying: return "Applying"
        case .none: return "No card"
        case .declined: return "Declined"
        }
    }
}

/// One row of the dashboard's input: a person, where they work, and their ``CardStatus``.
/// The site is a free text (an office, a plant) because Access has no notion of sites yet.
public struct EmployeeCardStatus: Sendable, Hashable, Codable {
    public var employee: EmployeeID
    public var department: String
    public var site: String
    public var status: CardStatus

    public init(employee: EmployeeID, department: String, site: String, status: CardStatus) {
        self.employee = employee
        self.department = department
        self.site = site
        self.status = status
    }
}
