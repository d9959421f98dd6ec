import Foundation

/// What identifies a credential at a door: the issuer and serial of a JPKI user-authentication
/// certificate (never the My Number), or an opaque identifier of another kind.
public struct CredentialKey: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The kind of credential.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The card's JPKI user-authentication certificate (利用者証明用電子証明書).
        case jpkiAuth
        /// An ID application in the card's free space (空き領域). Its protocol is not public and needs
        /// approval per organisation, so it is modelled as an opaque identifier (domain.md section 3).
        case freeSpace
    }

    public var kind: Kind
    /// For `jpkiAuth`, a stable identifier of the issuing CA (its key identifier or name, in hex or
    /// text); for `freeSpace`, the application's issuer.
    public var issuer: String
    /// For `jpkiAuth`, the certificate serial as upper-case hex of its DER INTEGER content.
    public var serial: String

    public init(kind: Kind = .jpkiAuth, issuer: String, serial: String) {
        self.kind = kind
        self.issuer = issuer
        self.serial = serial.uppercased()
    }

    public var description: String { "\(kind.rawValue):\(issuer):\(serial)" }
}

/// An entry credential bound to one employee.
public struct Credential: Sendable, Hashable, Codable {
    /// The credential's life cycle.
    public enum State: Sendable, Hashable, Codable {
        /// Usable.
        case active
        /// Refused everywhere until reinstated (lost card, revoked certificate, security decision).
        case suspended(reason: SuspensionReason, at: Date)
        /// Replaced by a renewal or ended with employment; kept for history.
        case retired(at: Date)
    }

    /// Why a credential was suspended.
    public enum SuspensionReason: String, Sendable, Hashable, Codable {
        /// The holder reported the card lost or stolen.
        case reportedLost
        /// A security officer suspended it.
        case securityOfficer
        /// The certificate appeared in a CRL or OCSP said revoked.
        case certificateRevoked
    }

    public var key: CredentialKey
    public var employee: EmployeeID
    /// The certificate's public key (SubjectPublicKeyInfo DER), to verify signatures at `pin` doors.
    public var publicKey: [UInt8]
    /// The card's own key from its visual application (`90 <e> 91 <n>`, the age record's DF12), checked at
    /// enrollment against the card's records; `nil` for a credential enrolled without it. `genuine`
    /// doors verify the card's signature with it.
    public var cardKey: [UInt8]?
    public var notBefore: Date
    public var notAfter: Date
    public var state: State

    public init(key: CredentialKey, employee: EmployeeID, publicKey: [UInt8] = [], cardKey: [UInt8]? = nil, notBefore: Date, notAfter: Date,
                state: State = .active) {
        self.key = key
        self.employee = employee
        self.publicKey = publicKey
        self.cardKey = cardKey
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.state = state
    }
}
