/// The PINs and passwords of the card, with the form each must have (docs/CARD.md).
public enum PINKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// JPKI user-authentication PIN (利用者証明用電子証明書の暗証番号): 4 digits, 3 tries.
    case jpkiAuth
    /// JPKI signing password (署名用電子証明書の暗証番号): 6–16 characters A–Z and 0–9, 5 tries.
    case jpkiSigning
    /// Text application PIN (券面事項入力補助用暗証番号): 4 digits, 3 tries.
    case text
    /// 照合番号B of the visual application: 14 digits from the card's front — the birth date with its
    /// **Japanese-era** year `YYMMDD`, the expiry year `YYYY` (Gregorian) and the 4-digit security code
    /// (1980-02-17 = 昭和55, expiry 2035, code 2285 → `55021720352285`). Build it with ``VisualPINB``.
    case visualB
    /// The visual application's birth-date key (EF `0011`): six digits, the birth date with its
    /// **Japanese-era** year `YYMMDD` — the first six digits of 照合番号B, and it opens only the age record
    /// EF `0001` (soltia48/myna-card `src/ap/surface.rs` `verify_birth_date`). Build it with
    /// ``PIN/visualBirthDate(_:)``. Its try count is not published; MynaGate assumes 10, like 照合番号B
    /// (docs/CARD.md), and never sends it with fewer than 3 left.
    case visualBirthDate

    /// The most tries the card allows before blocking.
    public var maximumTries: Int {
        switch self {
        case .jpkiAuth, .text: return 3
        case .jpkiSigning: return 5
        case .visualB, .visualBirthDate: return 10
        }
    }

    /// Whether `ascii` has this kind's form. Checked before anything is sent, so a typo in the form
    /// never costs a try.
    public func accepts(_ ascii: [UInt8]) -> Bool {
        let isDigit: (UInt8) -> Bool = { (0x30...0x39).contains($0) }
        switch self {
        case .jpkiAuth, .text: return ascii.count == 4 && ascii.allSatisfy(isDigit)
        case .visualB: return ascii.count == 14 && ascii.allSatisfy(isDigit)
        case .visualBirthDate: return ascii.count == 6 && ascii.allSatisfy(isDigit)
        case .jpkiSigning:
            return (6...16).contains(ascii.count) && ascii.allSatisfy { isDigit($0) || (0x41...0x5A).contains($0) }
        }
    }

    var japaneseName: String {
        switch self {
        case .jpkiAuth: return "利用者証明用電子証明書の暗証番号"
        case .jpkiSigning: return "署名用電子証明書の暗証番号"
        case .text: return "券面事項入力補助用の暗証番号"
        case .visualB: return "照合番号B"
        case .visualBirthDate: return "生年月日（和暦）"
        }
    }

    var englishName: String {
        switch self {
        case .jpkiAuth: return "authentication PIN"
        case .jpkiSigning: return "signing password"
        case .text: return "text application PIN"
        case .visualB: return "front-side check number (照合番号B)"
        case .visualBirthDate: return "birth date key (Japanese-era YYMMDD)"
        }
    }

    var japaneseFormat: String {
        switch self {
        case .jpkiAuth, .text: return "数字4桁"
        case .jpkiSigning: return "英大文字と数字で6〜16文字"
        case .visualB: return "数字14桁"
        case .visualBirthDate: return "数字6桁"
        }
    }

    var englishFormat: String {
        switch self {
        case .jpkiAuth, .text: return "4 digits"
        case .jpkiSigning: return "6 to 16 upper-case letters and digits"
        case .visualB: return "14 digits"
        case .visualBirthDate: return "6 digits"
        }
    }
}

/// A PIN typed by the card holder for one act, validated for its kind.
///
/// It never prints: `description`, interpolation and `dump` show a marker. Lower-case letters in a
/// signing password are upper-cased, as the card's own software does, before the form is checked.
public struct PIN: Sendable {
    /// Which PIN this is.
    public let kind: PINKind
    let ascii: [UInt8]

    /// Validates `text` for `kind`.
    ///
    /// - Throws: ``MynaCardError/pinFormatInvalid(_:)``; nothing has been sent to any card.
    public init(_ text: String, kind: PINKind) throws(MynaCardError) {
        var t = text
        if kind == .jpkiSigning { t = t.uppercased() }
        let bytes = Array(t.utf8)
        guard kind.accepts(bytes) else { throw .pinFormatInvalid(kind) }
        self.kind = kind
        self.ascii = bytes
    }

    /// The visual application's birth-date key for `birthDate`: its Japanese-era `YYMMDD`
    /// (1980-02-17 = 昭和55 → `550217`).
    public static func visualBirthDate(_ birthDate: EraDate) -> PIN {
        PIN(checked: Array(birthDate.yymmdd.utf8), kind: .visualBirthDate)
    }

    /// A PIN whose form its maker has already ensured (e.g. ``VisualPINB``, built from checked parts).
    init(checked ascii: [UInt8], kind: PINKind) {
        self.kind = kind
        self.ascii = ascii
    }
}

extension PIN: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "<PIN:非表示>" }
    public var debugDescription: String { "PIN(\(kind.rawValue), <非表示>)" }
    public var customMirror: Mirror { Mirror(self, children: ["kind": kind], displayStyle: .struct) }
}

/// Whether the holder confirmed spending the last try.
///
/// MynaGate never sends a PIN when only one try is left unless the person said so for this act
/// (DEVELOPERS.md): the caller shows the tries left, asks, and passes ``confirmedLastTry``.
public enum PINAttempt: Sendable, Hashable {
    /// A normal attempt: refused when one try is left.
    case normal
    /// The holder was told one try is left and chose to go on.
    case confirmedLastTry
}
