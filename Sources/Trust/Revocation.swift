import Foundation
import X509

/// Why a certificate was revoked: the CRLReason codes of RFC 5280 section 5.3.1.
public enum CRLReason: Int, Sendable, Hashable, Codable, CaseIterable {
    case unspecified = 0
    case keyCompromise = 1
    case cACompromise = 2
    case affiliationChanged = 3
    case superseded = 4
    case cessationOfOperation = 5
    case certificateHold = 6
    // 7 is not used (RFC 5280).
    case removeFromCRL = 8
    case privilegeWithdrawn = 9
    case aACompromise = 10

    /// Words a security officer understands.
    public var englishDescription: String {
        switch self {
        case .unspecified: return "revoked (no reason given)"
        case .keyCompromise: return "key compromised (card lost or stolen)"
        case .cACompromise: return "issuing CA compromised"
        case .affiliationChanged: return "affiliation changed"
        case .superseded: return "superseded by a new certificate"
        case .cessationOfOperation: return "no longer in use"
        case .certificateHold: return "on hold (suspended)"
        case .removeFromCRL: return "removed from the CRL"
        case .privilegeWithdrawn: return "privilege withdrawn"
        case .aACompromise: return "attribute authority compromised"
        }
    }
}

/// What a revocation source says about one certificate.
public enum RevocationStatus: Sendable, Hashable {
    /// Not revoked according to a source that is current.
    case good
    /// Revoked at `date` for `reason` (nil when the CRL entry gives none); `invalidity` is the
    /// CRL entry's invalidity date when present (when the key is believed to have been compromised).
    case revoked(reason: CRLReason?, date: Date, invalidity: Date?)
    /// The source cannot answer: no CRL for this issuer, a stale CRL under a fail-closed policy,
    /// or an OCSP responder that did not answer. `why` is for people.
    case unknown(why: String)
}

/// A source of revocation status: a CRL index, OCSP, or both (per deployment).
public protocol RevocationChecker: Sendable {
    /// The status of the certificate with `serial`, issued by `issuer`, as of `time`.
    func status(of serial: Certificate.SerialNumber, issuer: Certificate, at time: Date) async -> RevocationStatus
}
