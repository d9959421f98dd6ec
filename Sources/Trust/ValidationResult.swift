import Foundation
import X509

/// The verdict on one card certificate.
public enum ValidationResult: Sendable, Hashable {
    /// Accepted. `chain` runs from the card's certificate to the anchor; `revocation` is what the
    /// revocation source said (`nil` when the validator has no revocation source configured);
    /// `warnings` are what the operator should hear of without the card being refused (a
    /// ``CertificatePolicyRule`` in ``CertificatePolicyRule/Mode/warn`` mode).
    case valid(chain: [Certificate], revocation: RevocationStatus?, warnings: [ValidationWarning] = [])
    /// Refused, and why.
    case invalid(ValidationFailure)

    /// Whether the certificate is accepted.
    public var isValid: Bool {
        if case .valid = self { return true }
        return false
    }

    /// The reason for refusal, if refused.
    public var failure: ValidationFailure? {
        if case .invalid(let failure) = self { return failure }
        return nil
    }

    /// The validated chain, if accepted.
    public var chain: [Certificate]? {
        if case .valid(let chain, _, _) = self { return chain }
        return nil
    }

    /// The warnings of an accepted certificate (none when refused).
    public var warnings: [ValidationWarning] {
        if case .valid(_, _, let warnings) = self { return warnings }
        return []
    }
}

extension ValidationResult: CustomStringConvertible {
    /// `valid` or `invalid: <reason>`.
    public var description: String {
        switch self {
        case .valid(let chain, let revocation, let warnings):
            let anchor = chain.last.map { " (anchor: \($0.subject))" } ?? ""
            let warned = warnings.map { "; warning: \($0)" }.joined()
            switch revocation {
            case .none: return "valid\(anchor); revocation not checked\(warned)"
            case .some(.good): return "valid\(anchor); not revoked\(warned)"
            case .some(let other): return "valid\(anchor); revocation: \(other)\(warned)"
            }
        case .invalid(let failure): return "invalid: \(failure)"
        }
    }
}
