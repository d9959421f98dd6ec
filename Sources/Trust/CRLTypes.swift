import Foundation
import X509

/// A CRL number or a delta CRL's BaseCRLNumber (RFC 5280 sections 5.2.3 and 5.2.4): a non-negative
/// INTEGER of up to 20 octets, kept as its DER content bytes and compared as a number.
public struct CRLNumber: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Big-endian magnitude without leading zero bytes (empty for zero).
    public let magnitude: [UInt8]

    /// From DER INTEGER content bytes (a leading `00` sign byte is dropped).
    public init(integerBytes: some Collection<UInt8>) {
        magnitude = Array(integerBytes.drop(while: { $0 == 0 }))
    }

    /// From a machine integer.
    public init(_ value: UInt64) {
        var bytes: [UInt8] = []
        var v = value
        while v > 0 { bytes.insert(UInt8(v & 0xFF), at: 0); v >>= 8 }
        magnitude = bytes
    }

    /// DER INTEGER content bytes (minimal, with a `00` byte when the top bit would read as a sign).
    public var integerBytes: [UInt8] {
        if magnitude.isEmpty { return [0] }
        return magnitude[0] & 0x80 != 0 ? [0] + magnitude : magnitude
    }

    /// The value when it fits 64 bits.
    public var uint64: UInt64? {
        guard magnitude.count <= 8 else { return nil }
        return magnitude.reduce(0) { $0 << 8 | UInt64($1) }
    }

    public static func < (a: CRLNumber, b: CRLNumber) -> Bool {
        a.magnitude.count != b.magnitude.count ? a.magnitude.count < b.magnitude.count
            : a.magnitude.lexicographicallyPrecedes(b.magnitude)
    }

    /// Decimal when it fits 64 bits (as `openssl crl -text` prints it), hexadecimal otherwise.
    public var description: String {
        if let v = uint64 { return String(v) }
        return "0x" + magnitude.map { String(format: "%02X", $0) }.joined()
    }
}

/// A CRL's signature algorithm (RFC 5280 section 5.1.1.2; OIDs from RFC 4055 and RFC 5758).
public enum CRLSignatureAlgorithm: String, Sendable, Hashable {
    case sha256WithRSAEncryption, sha384WithRSAEncryption, sha512WithRSAEncryption
    case ecdsaWithSHA256, ecdsaWithSHA384

    /// DER content bytes of the algorithm OID.
    var oidBytes: [UInt8] {
        switch self {
        case .sha256WithRSAEncryption: return [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B]
        case .sha384WithRSAEncryption: return [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0C]
        case .sha512WithRSAEncryption: return [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0D]
        case .ecdsaWithSHA256: return [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02]
        case .ecdsaWithSHA384: return [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x03]
        }
    }

    init?(oidBytes: some Sequence<UInt8>) {
        let bytes = Array(oidBytes)
        for a in [Self.sha256WithRSAEncryption, .sha384WithRSAEncryption, .sha512WithRSAEncryption, .ecdsaWithSHA256, .ecdsaWithSHA384]
        where a.oidBytes == bytes { self = a; return }
        return nil
    }

    var isRSA: Bool { rawValue.hasSuffix("RSAEncryption") }
}

/// What a CRL says about itself: everything but its entries (RFC 5280 section 5.1).
public struct CRLInfo: Sendable, Hashable {
    /// 1 or 2 (the value of the `version` field plus one; absent means v1).
    public var version: Int
    public var signatureAlgorithm: CRLSignatureAlgorithm
    /// The issuer's distinguished name.
    public var issuer: DistinguishedName
    /// The issuer Name exactly as encoded in the CRL (for name hashes and byte comparison).
    public var issuerDER: [UInt8]
    public var thisUpdate: Date
    /// Absent in a non-conforming CRL (RFC 5280 section 5.1.2.5 requires it); see ``freshness(at:)``.
    public var nextUpdate: Date?
    /// The cRLNumber extension (RFC 5280 section 5.2.3).
    public var crlNumber: CRLNumber?
    /// The delta CRL indicator's BaseCRLNumber (RFC 5280 section 5.2.4): present only in a delta CRL.
    public var baseCRLNumber: CRLNumber?
    /// The authorityKeyIdentifier's keyIdentifier (RFC 5280 section 5.2.1).
    public var authorityKeyIdentifier: [UInt8]?

    /// True for a delta CRL.
    public var isDelta: Bool { baseCRLNumber != nil }

    /// Whether the CRL is usable at `time` (RFC 5280 section 5.1.2.4 and 5.1.2.5). A CRL without
    /// nextUpdate is treated as stale from its thisUpdate: nothing says how long it stays true.
    public func freshness(at time: Date) -> CRLFreshness {
        CRLFreshness(thisUpdate: thisUpdate, nextUpdate: nextUpdate, at: time)
    }
}

/// One revoked certificate (RFC 5280 section 5.1.2.6 and the entry extensions of section 5.3).
public struct CRLEntry: Sendable, Hashable {
    /// The serial as DER INTEGER content bytes, exactly as in the CRL (a leading `00` is kept).
    public var serial: [UInt8]
    public var revocationDate: Date
    /// The reasonCode extension (RFC 5280 section 5.3.1); nil when absent.
    public var reason: CRLReason?
    /// The invalidityDate extension (RFC 5280 section 5.3.2); nil when absent.
    public var invalidityDate: Date?

    public init(serial: [UInt8], revocationDate: Date, reason: CRLReason? = nil, invalidityDate: Date? = nil) {
        self.serial = serial
        self.revocationDate = revocationDate
        self.reason = reason
        self.invalidityDate = invalidityDate
    }

    /// An entry for a certificate serial. swift-certificates keeps serials as their magnitude (leading
    /// zeros dropped); this restores the DER INTEGER content form the CRL and the index use.
    public init(certificateSerial: Certificate.SerialNumber, revocationDate: Date, reason: CRLReason? = nil, invalidityDate: Date? = nil) {
        self.init(serial: Self.derSerial(certificateSerial), revocationDate: revocationDate, reason: reason, invalidityDate: invalidityDate)
    }

    /// DER INTEGER content bytes of a certificate serial: the magnitude, with a `00` sign byte when its
    /// top bit is set (serials are positive, RFC 5280 section 4.1.2.2).
    public static func derSerial(_ serial: Certificate.SerialNumber) -> [UInt8] {
        let magnitude = Array(serial.bytes)
        guard let first = magnitude.first else { return [0] }
        return first & 0x80 != 0 ? [0] + magnitude : magnitude
    }

    /// The serial in upper-case hexadecimal, as `openssl crl -text` prints it.
    public var serialHex: String { serial.map { String(format: "%02X", $0) }.joined() }
}

/// Whether a CRL can be believed at a given time.
public enum CRLFreshness: Sendable, Hashable {
    /// thisUpdate ≤ time < nextUpdate.
    case current
    /// The CRL's nextUpdate (or, without one, its thisUpdate) has passed; `since` is that instant.
    case stale(since: Date)
    /// thisUpdate is in the future: a clock problem or a CRL from the future.
    case notYetValid

    public init(thisUpdate: Date, nextUpdate: Date?, at time: Date) {
        if time < thisUpdate { self = .notYetValid; return }
        guard let next = nextUpdate else { self = .stale(since: thisUpdate); return }
        self = time < next ? .current : .stale(since: next)
    }
}

/// What a deployment does with a stale CRL: the decision is the operator's, not the library's.
public enum StaleCRLPolicy: Sendable, Hashable {
    /// A stale CRL answers nothing: every status is ``RevocationStatus/unknown(why:)``.
    case failClosed
    /// A stale CRL is still believed for this many hours after it went stale (a door controller
    /// that lost its network for a night keeps working).
    case acceptFor(hours: Int)

    /// Whether a CRL in state `freshness` may be used; nil when it may, else why not.
    public func refusal(for freshness: CRLFreshness, at time: Date) -> String? {
        switch freshness {
        case .current: return nil
        case .notYetValid: return "the CRL is not yet valid (check the clock)"
        case .stale(let since):
            switch self {
            case .failClosed: return "the CRL is stale since \(since) and the policy fails closed"
            case .acceptFor(let hours):
                return time < since.addingTimeInterval(Double(hours) * 3600) ? nil
                    : "the CRL is stale since \(since), beyond the accepted \(hours) h"
            }
        }
    }
}
