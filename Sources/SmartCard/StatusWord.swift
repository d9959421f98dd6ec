/// The status word SW1 SW2 that ends every response (ISO/IEC 7816-4 section 5.6).
public struct StatusWord: Sendable, Hashable, CustomStringConvertible {
    /// The 16-bit value `SW1 << 8 | SW2`.
    public var rawValue: UInt16

    /// Creates a status word from its 16-bit value.
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }
    /// Creates a status word from its two bytes.
    public init(sw1: UInt8, sw2: UInt8) { self.rawValue = UInt16(sw1) << 8 | UInt16(sw2) }

    public var sw1: UInt8 { UInt8(rawValue >> 8) }
    public var sw2: UInt8 { UInt8(rawValue & 0xFF) }

    public static let success = StatusWord(0x9000)
    public static let wrongLength = StatusWord(0x6700)
    public static let securityStatusNotSatisfied = StatusWord(0x6982)
    public static let authenticationMethodBlocked = StatusWord(0x6983)
    public static let referenceDataNotUsable = StatusWord(0x6984)
    public static let conditionsOfUseNotSatisfied = StatusWord(0x6985)
    public static let commandNotAllowedNoEF = StatusWord(0x6986)
    public static let incorrectDataField = StatusWord(0x6A80)
    public static let functionNotSupported = StatusWord(0x6A81)
    public static let fileNotFound = StatusWord(0x6A82)
    public static let recordNotFound = StatusWord(0x6A83)
    public static let incorrectP1P2 = StatusWord(0x6A86)
    public static let referencedDataNotFound = StatusWord(0x6A88)
    public static let wrongParameters = StatusWord(0x6B00)
    public static let insNotSupported = StatusWord(0x6D00)
    public static let claNotSupported = StatusWord(0x6E00)
    public static let noPreciseDiagnosis = StatusWord(0x6F00)
    public static let endOfFileBeforeLe = StatusWord(0x6282)

    /// `true` for `90 00`.
    public var isSuccess: Bool { rawValue == 0x9000 }

    /// For `63 Cx` (verification failed / counter), the counter `x`; otherwise `nil`.
    public var retryCounter: Int? { sw1 == 0x63 && sw2 & 0xF0 == 0xC0 ? Int(sw2 & 0x0F) : nil }

    /// For `61 xx`, the number of bytes still available through GET RESPONSE (`00` means 256).
    public var bytesRemaining: Int? { sw1 == 0x61 ? (sw2 == 0 ? 256 : Int(sw2)) : nil }

    /// For `6C xx`, the exact Le the card wants (`00` means 256).
    public var correctLe: Int? { sw1 == 0x6C ? (sw2 == 0 ? 256 : Int(sw2)) : nil }

    /// What ISO/IEC 7816-4 (Table 5 and 6) says this status means, in English.
    public var meaning: String {
        if let n = retryCounter { return "verification failed, \(n) tries left" }
        if let n = bytesRemaining { return "\(n) response bytes still available" }
        if let n = correctLe { return "wrong Le; exact length is \(n)" }
        switch rawValue {
        case 0x9000: return "normal processing"
        case 0x6281: return "part of returned data may be corrupted"
        case 0x6282: return "end of file reached before reading Le bytes"
        case 0x6283: return "selected file deactivated"
        case 0x6581: return "memory failure"
        case 0x6700: return "wrong length"
        case 0x6881: return "logical channel not supported"
        case 0x6882: return "secure messaging not supported"
        case 0x6981: return "command incompatible with file structure"
        case 0x6982: return "security status not satisfied"
        case 0x6983: return "authentication method blocked"
        case 0x6984: return "reference data not usable"
        case 0x6985: return "conditions of use not satisfied"
        case 0x6986: return "command not allowed (no current EF)"
        case 0x6A80: return "incorrect parameters in the command data field"
        case 0x6A81: return "function not supported"
        case 0x6A82: return "file or application not found"
        case 0x6A83: return "record not found"
        case 0x6A84: return "not enough memory space in the file"
        case 0x6A86: return "incorrect parameters P1-P2"
        case 0x6A88: return "referenced data not found"
        case 0x6B00: return "wrong parameters P1-P2"
        case 0x6D00: return "instruction code not supported or invalid"
        case 0x6E00: return "class not supported"
        case 0x6F00: return "no precise diagnosis"
        default:
            switch sw1 {
            case 0x62, 0x63: return "warning"
            case 0x64, 0x65: return "execution error"
            default: return "checking error"
            }
        }
    }

    public var description: String {
        let hex = String(rawValue, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - hex.count) + hex
    }
}
