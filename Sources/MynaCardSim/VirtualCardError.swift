/// Why a virtual card or test hierarchy could not be made, loaded or saved. No case carries a PIN value
/// or an individual number, so errors can be printed.
public enum VirtualCardError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A PIN given for issuing does not have its format (which PIN, and the rule it breaks).
    case invalidPIN(String)
    /// The holder's data cannot go on a card (the reason).
    case invalidHolder(String)
    /// A forced certificate serial number is not 1–20 bytes of a positive DER INTEGER.
    case invalidSerial
    /// A hierarchy directory or card file is missing something or holds something unusable.
    case unreadable(String)

    public var description: String {
        switch self {
        case .invalidPIN(let why): return "invalid PIN: \(why)"
        case .invalidHolder(let why): return "invalid card holder: \(why)"
        case .invalidSerial: return "a certificate serial must be a positive DER INTEGER of 1 to 20 bytes"
        case .unreadable(let why): return why
        }
    }
}
