/// Why a CRL or a revocation index could not be used. Every malformed input ends in one of these,
/// never in a crash.
public enum CRLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The input ended inside the named structure.
    case truncated(StaticString)
    /// The input is not a valid DER X.509 CRL; the text says where.
    case malformed(String)
    /// The file could not be opened, mapped or read.
    case io(String)
    /// The signature algorithm is not one MynaGate verifies.
    case unsupportedAlgorithm(String)
    /// A critical extension MynaGate does not process (RFC 5280 section 5.2: such a CRL must not be used).
    case unsupportedCriticalExtension(String)
    /// The issuer certificate's key does not verify the CRL's signature.
    case badSignature
    /// The CRL is not issued by the given certificate (names differ).
    case wrongIssuer(String)
    /// A delta CRL that does not apply to the index it was given (RFC 5280 section 5.2.4).
    case deltaMismatch(String)
    /// An index file failed its size or checksum test; it must be rebuilt from its CRL.
    case corruptIndex(String)
    /// A value cannot be represented in the index (a date after 2106 or a serial over 64 bytes).
    case outOfRange(String)

    public static func == (a: CRLError, b: CRLError) -> Bool { a.description == b.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }

    public var description: String {
        switch self {
        case .truncated(let what): return "truncated CRL: input ends inside \(what)"
        case .malformed(let why): return "malformed CRL: \(why)"
        case .io(let why): return why
        case .unsupportedAlgorithm(let oid): return "unsupported CRL signature algorithm \(oid)"
        case .unsupportedCriticalExtension(let oid): return "CRL has a critical extension MynaGate does not process: \(oid)"
        case .badSignature: return "CRL signature does not verify with the issuer's key"
        case .wrongIssuer(let why): return "CRL issuer mismatch: \(why)"
        case .deltaMismatch(let why): return "delta CRL does not apply: \(why)"
        case .corruptIndex(let why): return "corrupt revocation index: \(why)"
        case .outOfRange(let why): return "value out of range: \(why)"
        }
    }
}
