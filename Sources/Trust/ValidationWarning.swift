import Foundation

/// Something about an accepted card certificate that an operator should hear of, without refusing the
/// card (see ``CertificatePolicyRule/Mode/warn``).
public enum ValidationWarning: Sendable, Hashable {
    /// The leaf asserts none of the configured policy OIDs: `found` is what it asserts (empty when it has
    /// no certificatePolicies extension), `configured` what the rule names.
    case policyNotAsserted(found: [String], configured: [String])

    /// A short, stable name for logs and JSON.
    public var category: String {
        switch self {
        case .policyNotAsserted: return "policy-not-asserted"
        }
    }
}

extension ValidationWarning: CustomStringConvertible {
    /// One sentence for a log.
    public var description: String {
        switch self {
        case .policyNotAsserted(let found, let configured):
            let asserted = found.isEmpty ? "no certificatePolicies extension" : "policy \(found.joined(separator: ", "))"
            return "the certificate has \(asserted), not the configured \(configured.joined(separator: ", "))"
        }
    }
}
