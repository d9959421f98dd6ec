import Access
import Foundation

/// How the My Number card was read when it confirmed number and identity.
public enum CardReading: String, Sendable, Hashable, Codable, Bilingual {
    /// The text application read at a reader after the card's PIN (number + the 4 items from the chip).
    case chipWithPIN = "chip_with_pin"
    /// Looked at by the handler (front side for identity; the number from the back, never copied).
    case visual

    public var japanese: String { self == .chipWithPIN ? "ICチップ読取り（暗証番号入力）" : "目視" }
    public var english: String { self == .chipWithPIN ? "Chip read after PIN" : "Visual inspection" }
}

/// The record kept of one identity verification at collection (番号法16条): what was checked, by whom
/// and when — never the number, never a document number, never an image.
public struct IdentityVerificationRecord: Sendable, Hashable, Codable, Identifiable {
    public let id: VerificationID
    public let subject: SubjectID
    public let role: SubjectRole
    public let method: VerificationMethod
    public let basis: IdentityBasis
    /// The documents checked (type, issuer, validity end). Empty for ``VerificationMethod/dependentByEmployee``.
    public let documents: [PresentedDocument]
    /// Who checked: the handler, or for ``VerificationMethod/dependentByEmployee`` the employee.
    public let checkedBy: EmployeeID
    public let checkedAt: Date
    public let cardReading: CardReading?
    public let request: CollectionRequestID?

    /// Evaluates the presentation with ``IdentityRule`` on the check's day in Japan and makes the record
    /// only if it satisfies the rule.
    ///
    /// - Throws: ``IdentityVerificationError`` with every reason the rule found.
    public init(
        id: VerificationID = VerificationID(), subject: SubjectID, role: SubjectRole, purposes: Set<Purpose>,
        method: VerificationMethod, documents: [PresentedDocument], checkedBy: EmployeeID, checkedAt: Date,
        cardReading: CardReading? = nil, request: CollectionRequestID? = nil
    ) throws(IdentityVerificationError) {
        let verdict = IdentityRule.evaluate(
            method: method, documents: documents, subject: role, purposes: purposes, on: JapanTime(checkedAt).date)
        guard case .satisfied(let basis) = verdict else { throw IdentityVerificationError(refusals: verdict.refusals) }
        self.id = id
        self.subject = subject
        self.role = role
        self.method = method
        self.basis = basis
        self.documents = method == .dependentByEmployee ? [] : documents
        self.checkedBy = checkedBy
        self.checkedAt = checkedAt
        self.cardReading = basis == .myNumberCard ? (cardReading ?? .visual) : nil
        self.request = request
    }
}

/// A verification that did not satisfy the rule; carries every reason, no number.
public struct IdentityVerificationError: Error, Sendable, Hashable, Bilingual, CustomStringConvertible {
    public let refusals: [IdentityRefusal]
    public init(refusals: [IdentityRefusal]) { self.refusals = refusals }
    public var japanese: String { refusals.map(\.japanese).joined(separator: "。") }
    public var english: String { refusals.map(\.english).joined(separator: "; ") }
    public var description: String { "identity verification refused: " + english }
}

/// The record kept when a My Number card is shown as general photo ID (not to collect the number):
/// the front side only, issuer and validity — the back is never copied and the number never written
/// down (PPC guideline 事業者編; 番号法20条 forbids keeping the number outside the permitted 事務).
public struct CardAsPhotoIDRecord: Sendable, Hashable, Codable, Identifiable {
    public let id: VerificationID
    /// Whose card.
    public let person: EmployeeID
    /// The issuer printed on the front (the 市区町村長 of issue).
    public let issuer: String
    public let validUntil: CivilDate
    public let checkedBy: EmployeeID
    public let checkedAt: Date
    /// Why the ID was checked (e.g. 「入館証の発行」). Free text, checked to hold no 12-digit run.
    public let occasion: String
    /// Whether an image of the front side was kept (off by default; never the back).
    public let frontImageKept: Bool
    /// Always true: only the front side may be used or copied.
    public var frontSideOnly: Bool { true }

    /// - Throws: ``IdentityVerificationError`` if the card has expired or the issuer is blank.
    ///   A run of twelve or more digits in `occasion` is masked, not kept.
    public init(
        id: VerificationID = VerificationID(), person: EmployeeID, issuer: String, validUntil: CivilDate,
        checkedBy: EmployeeID, checkedAt: Date, occasion: String, frontImageKept: Bool = false
    ) throws(IdentityVerificationError) {
        var refusals: [IdentityRefusal] = []
        if issuer.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { refusals.append(.issuerMissing(.myNumberCard)) }
        if validUntil < JapanTime(checkedAt).date { refusals.append(.documentExpired(.myNumberCard, validUntil)) }
        guard refusals.isEmpty else { throw IdentityVerificationError(refusals: refusals) }
        self.id = id
        self.person = person
        self.issuer = issuer
        self.validUntil = validUntil
        self.checkedBy = checkedBy
        self.checkedAt = checkedAt
        // A free-text field is where a number would slip in; runs of 12+ digits are masked.
        self.occasion = Self.maskingDigitRuns(occasion)
        self.frontImageKept = frontImageKept
    }

    /// Replaces every run of 12 or more digits (ASCII or full-width, hyphens and spaces allowed between)
    /// with the redaction marker, so a number typed into free text is not kept.
    static func maskingDigitRuns(_ text: String) -> String {
        var out = ""
        var run = ""
        var digits = 0
        func flush() {
            // Separators after the last digit belong to the text around the run, not to the run.
            var tail = ""
            while let last = run.last, !last.isNumber { tail.insert(last, at: tail.startIndex); run.removeLast() }
            out += (digits >= 12 ? "<非表示>" : run) + tail
            run = ""
            digits = 0
        }
        for ch in text {
            if ch.isNumber, ch.unicodeScalars.allSatisfy({ $0.properties.numericType == .decimal }) {
                run.append(ch); digits += 1
            } else if digits > 0, ch == "-" || ch == " " || ch == "ー" || ch == "－" || ch == "　" {
                run.append(ch)
            } else {
                flush(); out.append(ch)
            }
        }
        flush()
        return out
    }
}
