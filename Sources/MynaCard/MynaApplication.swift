/// The three applications on a My Number card that MynaGate uses (docs/CARD.md; AIDs from
/// ../shared/docs/domain.md section 4, citing jpki/myna, OpenSC card-jpki.c and AokiApp/jsapdu).
public enum MynaApplication: String, Sendable, Hashable, CaseIterable, Codable {
    /// 公的個人認証 (JPKI): certificates and their private keys.
    case jpki
    /// 券面事項入力補助 (text): the My Number and the basic 4 items as text.
    case text
    /// 券面事項確認 (visual): images of the card's front side.
    case visual

    /// The application identifier.
    public var aid: [UInt8] {
        switch self {
        case .jpki: return [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01]
        case .text: return [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08]
        case .visual: return [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02]
        }
    }

    /// The Japanese name used on the card's documentation.
    public var japaneseName: String {
        switch self {
        case .jpki: return "公的個人認証AP"
        case .text: return "券面事項入力補助AP"
        case .visual: return "券面事項確認AP"
        }
    }
}

/// Elementary file identifiers used by MynaGate (docs/CARD.md).
enum EF {
    // JPKI
    static let signingCertificate: UInt16 = 0x0001
    static let signingCACertificate: UInt16 = 0x0002
    static let token: UInt16 = 0x0006
    static let authCertificate: UInt16 = 0x000A
    static let authCACertificate: UInt16 = 0x000B
    static let authKey: UInt16 = 0x0017
    static let authPIN: UInt16 = 0x0018
    static let signingKey: UInt16 = 0x001A
    static let signingPassword: UInt16 = 0x001B
    // Text
    static let myNumber: UInt16 = 0x0001
    static let basicFourItems: UInt16 = 0x0002
    static let textSignature: UInt16 = 0x0003
    static let textCertificate: UInt16 = 0x0004
    static let textPIN: UInt16 = 0x0011
    // Visual (front side only: 0005 and 0013 are deliberately absent)
    static let frontSide: UInt16 = 0x0002
    static let visualPINB: UInt16 = 0x0012
    static let ageRecord: UInt16 = 0x0001
    static let visualCertificate: UInt16 = 0x0004
    static let visualBirthDate: UInt16 = 0x0011
}
