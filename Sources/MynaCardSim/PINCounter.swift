/// One PIN (reference data) on the card with its retry counter.
///
/// A card decrements the counter on every wrong VERIFY and resets it to the maximum on a right one; at
/// zero the PIN is blocked for good (on a real My Number card only the city office can unblock it).
public struct PINCounter: Codable, Sendable, Hashable {
    /// What the PIN may look like, which CHANGE REFERENCE DATA enforces for the new value.
    public enum Format: String, Codable, Sendable, Hashable {
        /// 4 ASCII digits: the JPKI user-authentication PIN and the text application's PIN.
        case fourDigits
        /// 6–16 characters `A–Z 0–9`: the JPKI signing password.
        case signingPassword
        /// 14 ASCII digits: 照合番号B (birth date with its Japanese-era year YYMMDD + expiry year YYYY +
        /// security code; MynaCard's `VisualPINB`).
        case fourteenDigits
        /// 12 ASCII digits: 照合番号A, the individual number itself.
        case twelveDigits
        /// 6 ASCII digits: the visual application's 生年月日 key (era year YY + MM + DD).
        case sixDigits

        /// Whether `value` has this format.
        public func accepts(_ value: String) -> Bool {
            let u = Array(value.utf8)
            let digits = u.allSatisfy { (0x30...0x39).contains($0) }
            switch self {
            case .fourDigits: return u.count == 4 && digits
            case .fourteenDigits: return u.count == 14 && digits
            case .twelveDigits: return u.count == 12 && digits
            case .sixDigits: return u.count == 6 && digits
            case .signingPassword:
                return (6...16).contains(u.count)
                    && u.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) }
            }
        }
    }

    /// The current value (ASCII). Never log it.
    public var value: String
    /// The counter's value after a right VERIFY.
    public let maxTries: Int
    /// Tries left; 0 means blocked.
    public var triesLeft: Int
    /// The format the card accepts for a new value.
    public let format: Format

    /// Creates a PIN with a full counter.
    public init(value: String, maxTries: Int, format: Format) {
        self.value = value
        self.maxTries = maxTries
        self.triesLeft = maxTries
        self.format = format
    }

    /// Whether the PIN can no longer be verified.
    public var isBlocked: Bool { triesLeft <= 0 }

    /// Compares `candidate` with the value in time independent of where they differ, so that the
    /// virtual card does not teach a timing side channel that a real card would not have.
    func matches(_ candidate: [UInt8]) -> Bool {
        let stored = Array(value.utf8)
        var diff = UInt8(truncatingIfNeeded: stored.count ^ candidate.count)
        for i in 0..<max(stored.count, candidate.count) {
            let a = i < stored.count ? stored[i] : 0
            let b = i < candidate.count ? candidate[i] : 0
            diff |= a ^ b
        }
        return diff == 0
    }

    /// Applies one VERIFY attempt and says whether it was right. A blocked PIN is never right.
    mutating func attempt(_ candidate: [UInt8]) -> Bool {
        guard !isBlocked else { return false }
        if matches(candidate) {
            triesLeft = maxTries
            return true
        }
        triesLeft -= 1
        return false
    }
}

extension PINCounter: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    // PIN values must never reach a log through string interpolation or `dump`.
    public var description: String { "PINCounter(\(triesLeft)/\(maxTries) tries left)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["maxTries": maxTries, "triesLeft": triesLeft, "format": format], displayStyle: .struct)
    }
}
