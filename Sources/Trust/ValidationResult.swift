import Foundation
import X509

/// The verdict on one card certificate.
public enum ValidationResult: Sendable, Hashable {
    /// Accepted. `chain` runs from the card's certificate to the anchor; `revocation` is what the
    /// revocation source said (`nil` when the validator has no revocation source configured).
    case valid(chain: [Certificate], revocation: RevocationStatus?)
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
        if case .valid(let chain, _) = self { return chain }
        return nil
    }
}

extension ValidationResult: CustomStringConvertible {
    /// `valid` or `invalid: <reason>`.
    public var description: String {
        switch self {
        case .valid(let chain, let revocation):
            let anchor = chain.last.map { " (anchor: \($0.subject))" } ?? ""
            switch revocation {
            case .none: return "valid\(anchor); revocation not checked"
            case .some(.good): return "valid\(anchor); not revoked"
            case .some(let other): return "valid\(anchor); revocation: \(other)"
            }
        case .invalid(let failure): return "invalid: \(failure)"
        }
    }
}
