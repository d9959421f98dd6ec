/// A document a person shows to prove who they are when the city's staff accept the application.
public struct IdentityDocumentKind: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var japaneseName: String
    public var englishName: String
    /// Carries the holder's photo (顔写真付き).
    public var hasPhoto: Bool

    public init(id: String, japaneseName: String, englishName: String, hasPhoto: Bool) {
        self.id = id
        self.japaneseName = japaneseName
        self.englishName = englishName
        self.hasPhoto = hasPhoto
    }

    /// The usual lists (domain brief section 2, from 番号法施行規則: one photo ID such as 運転免許証,
    /// 旅券, 在留カード, 身体障害者手帳 — or two documents without a photo). Cities publish their own
    /// lists, so a session may use another catalogue.
    public static let standardCatalogue: [IdentityDocumentKind] = [
        .init(id: "drivers_license", japaneseName: "運転免許証", englishName: "Driver's licence", hasPhoto: true),
        .init(id: "passport", japaneseName: "旅券（パスポート）", englishName: "Passport", hasPhoto: true),
        .init(id: "residence_card", japaneseName: "在留カード", englishName: "Residence card", hasPhoto: true),
        .init(id: "special_permanent_resident", japaneseName: "特別永住者証明書", englishName: "Special permanent resident certificate", hasPhoto: true),
        .init(id: "disability_certificate", japaneseName: "身体障害者手帳", englishName: "Physical disability certificate", hasPhoto: true),
        .init(id: "driving_history", japaneseName: "運転経歴証明書", englishName: "Certificate of driving history", hasPhoto: true),
        .init(id: "health_insurance", japaneseName: "健康保険の資格確認書・被保険者証", englishName: "Health insurance certificate", hasPhoto: false),
        .init(id: "pension", japaneseName: "年金手帳・基礎年金番号通知書", englishName: "Pension book / basic pension number notice", hasPhoto: false),
        .init(id: "pension_certificate", japaneseName: "年金証書", englishName: "Pension certificate", hasPhoto: false),
        .init(id: "long_term_care", japaneseName: "介護保険被保険者証", englishName: "Long-term care insurance certificate", hasPhoto: false),
    ]
}

/// Whether the documents shown are enough: one with a photo, or two without.
public struct IdentityCheckResult: Sendable, Hashable, Codable, BilingualMessage {
    public var documents: [IdentityDocumentKind]

    public init(_ documents: [IdentityDocumentKind]) { self.documents = documents }

    /// One photo ID, or two different non-photo documents (the same document twice proves nothing more).
    public var isSufficient: Bool {
        documents.contains(where: \.hasPhoto) || Set(documents.filter { !$0.hasPhoto }.map(\.id)).count >= 2
    }

    public var code: String { isSufficient ? "identity_sufficient" : "identity_insufficient" }
    public var japaneseMessage: String {
        isSufficient ? "本人確認書類は足りています。" : "本人確認書類が足りません。顔写真付きのもの1点か、顔写真のないもの2点が必要です。"
    }
    public var englishMessage: String {
        isSufficient ? "The identity documents are sufficient." : "Not enough identity documents: one with a photo, or two without a photo, are needed."
    }
}

/// The checklist handed to each person before the session: what to bring.
public struct IdentityChecklist: Sendable, Hashable, Codable {
    public var personName: String
    public var photoDocuments: [IdentityDocumentKind]
    public var otherDocuments: [IdentityDocumentKind]

    public init(personName: String, catalogue: [IdentityDocumentKind] = IdentityDocumentKind.standardCatalogue) {
        self.personName = personName
        photoDocuments = catalogue.filter(\.hasPhoto)
        otherDocuments = catalogue.filter { !$0.hasPhoto }
    }

    /// The checklist's lines in `language`, ready for a printed sheet.
    public func lines(in language: MessageLanguage) -> [String] {
        switch language {
        case .japanese:
            return ["\(personName) 様　本人確認書類チェックリスト",
                    "次のうち顔写真付きのもの1点:"] + photoDocuments.map { "□ \($0.japaneseName)" } +
                   ["または、顔写真のないもの2点:"] + otherDocuments.map { "□ \($0.japaneseName)" } +
                   ["□ 個人番号カード交付申請書（お持ちの場合）",
                    "カードは後日、住所地の市区町村から本人限定受取郵便で届きます（市区町村の窓口に行く必要はありません）。"]
        case .english:
            return ["Identity document checklist for \(personName)",
                    "One of these, with your photo:"] + photoDocuments.map { "□ \($0.englishName)" } +
                   ["or two of these, without a photo:"] + otherDocuments.map { "□ \($0.englishName)" } +
                   ["□ Your card application form (交付申請書), if you have it",
                    "The card will come later from your city by registered post to you in person (本人限定受取郵便); no visit to the city office is needed."]
        }
    }
}
