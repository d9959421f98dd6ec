import Access

/// One document the handler was shown: what is kept of it. There is deliberately no field for the
/// document's own number, nor for an image of it.
public struct PresentedDocument: Sendable, Hashable, Codable {
    public var type: IdentityDocumentType
    /// Who issued it, as printed (e.g. 「〇〇市長」, 「〇〇県公安委員会」, 「外務大臣」).
    public var issuer: String
    /// The last day it is valid, when it has one (cards, licences, passports).
    public var validUntil: CivilDate?
    /// For a 通知カード only: whether the handler checked that its name and address still match the
    /// person's current resident record. `nil` for every other type.
    public var detailsUnchanged: Bool?

    public init(type: IdentityDocumentType, issuer: String, validUntil: CivilDate? = nil, detailsUnchanged: Bool? = nil) {
        self.type = type
        self.issuer = issuer
        self.validUntil = validUntil
        self.detailsUnchanged = detailsUnchanged
    }

    /// Whether the document has a validity end that passed before `date`.
    public func isExpired(on date: CivilDate) -> Bool {
        guard let v = validUntil else { return false }
        return v < date
    }
}
