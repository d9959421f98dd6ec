import Foundation
import X509

/// Why a card certificate is not accepted, in terms a security officer reads in an access log.
///
/// Each case is one precise reason; ``category`` groups them in the words `openssl verify` uses so the two
/// can be compared.
public enum ValidationFailure: Error, Sendable, Hashable {
    /// The bytes are not an X.509 certificate (truncated, corrupted, or something else).
    case malformed(String)
    /// The certificate expired at `notAfter` (RFC 5280 4.1.2.5). For a card: the holder's 5th birthday
    /// after issue passed; the holder renews it at the city office.
    case expired(notAfter: Date)
    /// The certificate is not valid before `notBefore` (RFC 5280 4.1.2.5): a clock is wrong, or the
    /// certificate was issued for the future.
    case notYetValid(notBefore: Date)
    /// No configured anchor (or intermediate) has the certificate's issuer name: it comes from a CA this
    /// deployment does not trust (another hierarchy, or a forged issuer).
    case unknownIssuer(issuer: String)
    /// An anchor with the issuer's name exists, but its key did not make the certificate's signature
    /// (RFC 5280 6.1.3 (a)(1)): the certificate was altered or forged.
    case badSignature(issuer: String)
    /// The issuing chain exists but one of its CA certificates is itself not valid at the time.
    case issuerNotValid(subject: String, detail: String)
    /// keyUsage (RFC 5280 4.2.1.3) lacks what the purpose needs.
    case wrongKeyUsage(required: String, found: String)
    /// The certificate is a CA (basicConstraints cA, RFC 5280 4.2.1.9), not a card's certificate.
    case notEndEntity
    /// The certificate has no certificatePolicies extension (RFC 5280 4.2.1.4); JPKI certificates
    /// always carry one, critical.
    case missingPolicy(required: [String])
    /// The certificate asserts policies, none of them the one configured for the purpose (for example a
    /// signing certificate presented at a door).
    case unexpectedPolicy(found: [String], required: [String])
    /// A critical extension (RFC 5280 4.2) that the JPKI policy does not process.
    case unhandledCriticalExtension(oid: String)
    /// Another RFC 5280 rule failed in swift-certificates' verifier; the text is the verifier's.
    case chainRejected(String)
    /// Revoked at `date` for `reason`; `invalidity` is when the key is believed compromised.
    case revoked(reason: CRLReason?, date: Date, invalidity: Date?)
    /// Revocation could not be established (no CRL for the issuer, a stale CRL under a fail-closed
    /// policy, OCSP did not answer).
    case revocationUnknown(String)

    /// A short, stable name for logs, JSON and comparison with OpenSSL.
    public var category: String {
        switch self {
        case .malformed: return "malformed"
        case .expired: return "expired"
        case .notYetValid: return "not-yet-valid"
        case .unknownIssuer: return "unknown-issuer"
        case .badSignature: return "bad-signature"
        case .issuerNotValid: return "issuer-not-valid"
        case .wrongKeyUsage: return "key-usage"
        case .notEndEntity: return "not-end-entity"
        case .missingPolicy, .unexpectedPolicy: return "policy"
        case .unhandledCriticalExtension: return "critical-extension"
        case .chainRejected: return "chain-rejected"
        case .revoked: return "revoked"
        case .revocationUnknown: return "revocation-unknown"
        }
    }
}

extension ValidationFailure: CustomStringConvertible {
    /// One sentence for an access log.
    public var description: String {
        switch self {
        case .malformed(let why): return "not a certificate: \(why)"
        case .expired(let notAfter): return "expired on \(Self.format(notAfter))"
        case .notYetValid(let notBefore): return "not valid before \(Self.format(notBefore))"
        case .unknownIssuer(let issuer): return "issued by an untrusted CA: \(issuer)"
        case .badSignature(let issuer): return "signature does not verify with the key of \(issuer) (altered or forged)"
        case .issuerNotValid(let subject, let detail): return "issuing CA \(subject) is not valid: \(detail)"
        case .wrongKeyUsage(let required, let found): return "key usage \(found) does not allow \(required)"
        case .notEndEntity: return "a CA certificate, not a card certificate"
        case .missingPolicy(let required):
            return "no certificatePolicies extension (required: \(required.joined(separator: ", ")))"
        case .unexpectedPolicy(let found, let required):
            return "policy \(found.joined(separator: ", ")) is not the configured \(required.joined(separator: ", "))"
        case .unhandledCriticalExtension(let oid): return "unknown critical extension \(oid)"
        case .chainRejected(let why): return "chain rejected: \(why)"
        case .revoked(let reason, let date, let invalidity):
            var s = "revoked on \(Self.format(date)): \(reason?.englishDescription ?? "no reason given")"
            if let invalidity { s += " (key compromised since \(Self.format(invalidity)))" }
            return s
        case .revocationUnknown(let why): return "revocation status unknown: \(why)"
        }
    }

    /// ISO 8601 in UTC: certificate times are UTC (RFC 5280 4.1.2.5.1).
    static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
