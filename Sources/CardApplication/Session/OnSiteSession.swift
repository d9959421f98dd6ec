import Access
import Foundation

/// The city's contact person for a session.
public struct CityContact: Sendable, Hashable, Codable {
    public var name: String
    /// The section, e.g. 市民課 マイナンバーカード担当.
    public var section: String
    public var phone: String
    public var email: String

    public init(name: String, section: String = "", phone: String = "", email: String = "") {
        self.name = name
        self.section = section
        self.phone = phone
        self.email = email
    }
}

/// What happened to one person on the day.
public struct SessionAttendance: Sendable, Hashable, Codable {
    /// Documents shown, once checked.
    public var identityDocuments: [IdentityDocumentKind] = []
    public var identityCheckedAt: Date?
    public var appliedAt: Date?

    public var identityChecked: Bool { identityCheckedAt != nil }
    public var applied: Bool { appliedAt != nil }
}

/// How cards from an on-site session reach people.
public enum CardDelivery: String, Sendable, Hashable, Codable {
    /// 本人限定受取郵便: registered post handed only to the addressee after an ID check. The leaflet's
    /// case 2: 「住所地の市区町村から本人限定受取郵便等でカードを交付」.
    case registeredPostToPerson

    public var japaneseLabel: String { "本人限定受取郵便" }
    public var englishLabel: String { "Registered post to the addressee in person (本人限定受取郵便)" }
}

/// Why a session operation was refused.
public enum SessionError: Error, Sendable, Hashable, BilingualMessage {
    case notAgreed
    case cancelled
    case notOnRoster(ApplicationID)
    case wrongCity(ApplicationID)
    case identityInsufficient(ApplicationID)
    case identityNotChecked(ApplicationID)
    case alreadyApplied(ApplicationID)
    case placeMissing

    public var code: String {
        switch self {
        case .notAgreed: return "session_not_agreed"
        case .cancelled: return "session_cancelled"
        case .notOnRoster: return "session_not_on_roster"
        case .wrongCity: return "session_wrong_city"
        case .identityInsufficient: return "identity_insufficient"
        case .identityNotChecked: return "identity_not_checked"
        case .alreadyApplied: return "session_already_applied"
        case .placeMissing: return "session_place_missing"
        }
    }

    public var japaneseMessage: String {
        switch self {
        case .notAgreed: return "市区町村と日時・場所が決まっていません。"
        case .cancelled: return "この申請受付は中止されています。"
        case .notOnRoster(let a): return "申請 \(a) はこの申請受付の名簿にありません。"
        case .wrongCity(let a): return "申請 \(a) の住所はこの市区町村ではありません（市区町村は住民の申請だけを受け付けます）。"
        case .identityInsufficient(let a): return "申請 \(a): 本人確認書類が足りません（顔写真付き1点か、顔写真なし2点）。"
        case .identityNotChecked(let a): return "申請 \(a): 本人確認が済んでいません。"
        case .alreadyApplied(let a): return "申請 \(a) は既に申請済みです。"
        case .placeMissing: return "場所を入力してください。"
        }
    }

    public var englishMessage: String {
        switch self {
        case .notAgreed: return "No date and place have been agreed with the city."
        case .cancelled: return "This session has been cancelled."
        case .notOnRoster(let a): return "Application \(a) is not on this session's roster."
        case .wrongCity(let a): return "Application \(a) is not from a resident of this city (a city accepts only its residents)."
        case .identityInsufficient(let a): return "Application \(a): not enough identity documents (one with a photo, or two without)."
        case .identityNotChecked(let a): return "Application \(a): identity has not been checked."
        case .alreadyApplied(let a): return "Application \(a) has already applied."
        case .placeMissing: return "Please enter the place."
        }
    }
}

/// A session at which a city's staff accept applications at the company (case 2).
public struct OnSiteSession: Sendable, Hashable, Codable, Identifiable {
    public enum Status: String, Sendable, Hashable, Codable { case proposed, agreed, held, cancelled }

    public let id: SessionID
    public let municipality: Municipality
    public private(set) var roster: [ApplicationID]
    public private(set) var status: Status = .proposed
    public private(set) var date: CivilDate?
    /// Minutes after midnight (Japan) the session starts.
    public private(set) var startMinute: Int?
    public private(set) var place: String?
    public private(set) var cityContact: CityContact?
    public private(set) var attendance: [ApplicationID: SessionAttendance] = [:]
    /// Always registered post to the person for case 2.
    public var cardDelivery: CardDelivery { .registeredPostToPerson }

    public init(id: SessionID, municipality: Municipality, roster: [ApplicationID]) {
        self.id = id
        self.municipality = municipality
        self.roster = roster
    }

    /// Starts a session from a planner proposal.
    public init(id: SessionID, proposal: SessionProposal) {
        self.init(id: id, municipality: proposal.municipality, roster: proposal.applications)
    }

    /// Records what was agreed with the city. May be called again to move the session.
    public mutating func agree(date: CivilDate, startMinute: Int? = nil, place: String, contact: CityContact) throws(SessionError) {
        guard status != .cancelled else { throw .cancelled }
        guard !place.trimmingWhitespace().isEmpty else { throw .placeMissing }
        self.date = date
        self.startMinute = startMinute
        self.place = place
        cityContact = contact
        if status == .proposed { status = .agreed }
    }

    /// Adds an applicant of the same city (before the day).
    public mutating func add(_ application: ApplicationRecord) throws(SessionError) {
        guard status != .cancelled else { throw .cancelled }
        guard application.data?.municipality == municipality else { throw .wrongCity(application.id) }
        if !roster.contains(application.id) { roster.append(application.id) }
    }

    /// Takes an applicant off the roster (withdrawn, moved, changed route).
    public mutating func remove(_ application: ApplicationID) {
        roster.removeAll { $0 == application }
        attendance[application] = nil
    }

    public mutating func cancel() { status = .cancelled }

    /// Records, on the day, the documents the city's staff checked for one person.
    @discardableResult
    public mutating func recordIdentityCheck(_ application: ApplicationID, documents: [IdentityDocumentKind], at time: Date) throws(SessionError) -> IdentityCheckResult {
        try onTheDay(application)
        let result = IdentityCheckResult(documents)
        guard result.isSufficient else { throw .identityInsufficient(application) }
        var a = attendance[application] ?? SessionAttendance()
        a.identityDocuments = documents
        a.identityCheckedAt = time
        attendance[application] = a
        return result
    }

    /// Records that the city accepted the person's application. Also apply
    /// ``ApplicationEvent/appliedAtSession(_:)`` to the application record.
    public mutating func recordApplied(_ application: ApplicationID, at time: Date) throws(SessionError) {
        try onTheDay(application)
        guard var a = attendance[application], a.identityChecked else { throw .identityNotChecked(application) }
        guard !a.applied else { throw .alreadyApplied(application) }
        a.appliedAt = time
        attendance[application] = a
        status = .held
    }

    /// The applications accepted on the day.
    public var applied: [ApplicationID] { roster.filter { attendance[$0]?.applied == true } }
    /// Those on the roster who did not apply (absent, or not enough documents).
    public var notApplied: [ApplicationID] { roster.filter { attendance[$0]?.applied != true } }

    private func onTheDay(_ application: ApplicationID) throws(SessionError) {
        guard status != .cancelled else { throw .cancelled }
        guard status == .agreed || status == .held else { throw .notAgreed }
        guard roster.contains(application) else { throw .notOnRoster(application) }
    }
}
