import Foundation
import SwiftASN1

/// What MynaGate does with the certificatePolicies extension (RFC 5280 4.2.1.4) of a card certificate.
///
/// **Off by default.** No reference confirms the authentication policy OID on a real card: the value
/// `1.2.392.200149.8.5.1.3.30` comes only from the jsrsasign JPKI OID add-on, and J-LIS's JPKI *test*
/// cards (issuer `O=JPKI-TEST`) carry another arc for the signing policy (`…8.5.1.0.20` instead of
/// `…8.5.1.1.20`, susumutomita/ZeroKeyMate, measured on a test card). A mandatory rule with a wrong OID
/// refuses every real card; the trust decision is the chain to a configured J-LIS root, which already
/// separates the production and test hierarchies. An operator who has seen the policy on their cards may
/// turn the rule on (`require`), or watch for it first (`warn`: accepted, with a
/// ``ValidationWarning/policyNotAsserted(found:configured:)`` on the result). See docs/CARD.md,
/// "Certificates".
public struct CertificatePolicyRule: Sendable, Hashable {
    /// How the configured policies are used.
    public enum Mode: String, Sendable, Hashable, Codable, CaseIterable {
        /// The extension is read (it is critical on JPKI certificates, so it must be understood) but
        /// any policy is accepted: RFC 5280 6.1 with `user-initial-policy-set = anyPolicy`.
        case off
        /// Accepted, with a warning on the result when the leaf asserts none of the policies.
        case warn
        /// Refused when the leaf asserts none of the policies.
        case require
    }

    /// How the policies are used.
    public var mode: Mode
    /// The policy OIDs of which the leaf should assert one (ignored when ``mode`` is ``Mode/off``).
    public var policies: [ASN1ObjectIdentifier]

    /// A rule.
    public init(mode: Mode, policies: [ASN1ObjectIdentifier]) {
        self.mode = mode
        self.policies = policies
    }

    /// The rule MynaGate uses unless configured: off.
    public static let off = CertificatePolicyRule(mode: .off, policies: [])

    /// A rule of `mode` with the policies MynaGate knows of for `purpose` (``knownPolicies(for:)``).
    public static func known(_ mode: Mode, for purpose: TrustPurpose) -> CertificatePolicyRule {
        CertificatePolicyRule(mode: mode, policies: knownPolicies(for: purpose))
    }

    /// The JPKI user-authentication policy `jpki-cp-auth-class30`. Source: the jsrsasign JPKI OID
    /// add-on only; **not confirmed on a real certificate**.
    public static let authPolicyOID: ASN1ObjectIdentifier = [1, 2, 392, 200149, 8, 5, 1, 3, 30]
    /// The JPKI signing policy `jpki-cp-sign-class20`: jsrsasign add-on, and required (critical, with
    /// the CPS qualifier `http://www.jpki.go.jp/cps.html`) by susumutomita/ZeroKeyMate, which ran
    /// against a production card.
    public static let signPolicyOID: ASN1ObjectIdentifier = [1, 2, 392, 200149, 8, 5, 1, 1, 20]

    /// The policy OIDs a rule uses when the configuration names none.
    public static func knownPolicies(for purpose: TrustPurpose) -> [ASN1ObjectIdentifier] {
        switch purpose {
        case .auth: return [authPolicyOID]
        case .sign: return [signPolicyOID]
        }
    }

    /// Parses dotted OIDs (`1.2.392.200149.8.5.1.3.30`), naming the first that is not one.
    public static func parsePolicies(_ texts: [String]) throws(CertificatePolicyRuleError) -> [ASN1ObjectIdentifier] {
        try texts.map { (text: String) throws(CertificatePolicyRuleError) -> ASN1ObjectIdentifier in
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            do {
                return try ASN1ObjectIdentifier(dotRepresentation: trimmed)
            } catch {
                throw .notAnOID(text)
            }
        }
    }
}

/// A policy rule that cannot be used.
public enum CertificatePolicyRuleError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text is not a dotted object identifier.
    case notAnOID(String)

    public var description: String {
        switch self {
        case .notAnOID(let text): return "\"\(text)\" is not an object identifier such as 1.2.392.200149.8.5.1.3.30"
        }
    }
}

extension CertificatePolicyRule: CustomStringConvertible {
    /// `off`, or `warn: 1.2.…` / `require: 1.2.…`.
    public var description: String {
        mode == .off ? "off" : "\(mode.rawValue): \(policies.map(\.description).joined(separator: ", "))"
    }
}
