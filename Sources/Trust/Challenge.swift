import Crypto
import Foundation

/// A challenge a door or desk gives a card: 32 random bytes bound to where and when it was given.
///
/// ## What the card signs
/// The card's auth key signs (RSA PKCS#1 v1.5, RFC 8017 section 8.2) the SHA-256 DigestInfo of
/// ``signedMessage``, which is
///
/// ```
/// "MynaGate challenge v1" || 0x00 || nonce (32 bytes) || UInt16 big-endian byte length of context || context (UTF-8)
/// ```
///
/// - The **tag** separates this use of the auth key from every other: the card signs whatever DigestInfo
///   it is given after the PIN, so a signature made for a door must not be reusable as a signature over
///   anything another system would accept, and the reverse.
/// - The **nonce** makes each signature fresh; the service accepts each challenge once.
/// - The **context** (the door or desk identifier) binds the signature to the place, so a response relayed
///   from another door's challenge fails; its length prefix keeps (nonce, context) pairs unambiguous.
/// - The issue time is not hashed: the service stores it beside the challenge and enforces expiry itself,
///   and the card has no clock that could make it meaningful to sign.
public struct Challenge: Sendable, Hashable, Identifiable {
    /// Identifies the challenge to the service when the response comes back.
    public let id: UUID
    /// 32 bytes from the system's cryptographic random source.
    public let nonce: [UInt8]
    /// The door or desk identifier.
    public let context: String
    /// When the service issued it.
    public let issuedAt: Date
    /// After this instant the service refuses the response.
    public let expiresAt: Date

    /// The domain-separation tag at the start of ``signedMessage``.
    public static let tag: [UInt8] = Array("MynaGate challenge v1".utf8)

    /// Makes a challenge. The service makes them; this initialiser is public for clients that receive one
    /// over a network and must recompute what to sign.
    public init(id: UUID, nonce: [UInt8], context: String, issuedAt: Date, expiresAt: Date) {
        self.id = id
        self.nonce = nonce
        self.context = context
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }

    /// The exact bytes whose SHA-256 the card signs (see the type's documentation).
    public var signedMessage: [UInt8] { Self.message(nonce: nonce, context: context) }

    /// SHA-256 of ``signedMessage``: what `card.jpki.sign(sha256Digest:with: .auth)` takes.
    public var digest: [UInt8] { Array(SHA256.hash(data: signedMessage)) }

    static func message(nonce: [UInt8], context: String) -> [UInt8] {
        let contextBytes = Array(context.utf8)
        var m = tag
        m.append(0x00)
        m += nonce
        m.append(UInt8(truncatingIfNeeded: contextBytes.count >> 8))
        m.append(UInt8(truncatingIfNeeded: contextBytes.count))
        m += contextBytes
        return m
    }
}

/// The verdict on a challenge response.
public enum ChallengeVerdict: Sendable, Hashable {
    /// The card holding the key of `certificate` answered this challenge here and now; `validation`
    /// holds the certificate's chain.
    case accepted(ValidationResult)
    /// Refused, and why.
    case refused(ChallengeRefusal)

    /// Whether the response is accepted.
    public var isAccepted: Bool {
        if case .accepted = self { return true }
        return false
    }

    /// The refusal, if refused.
    public var refusal: ChallengeRefusal? {
        if case .refused(let r) = self { return r }
        return nil
    }
}

/// Why a challenge response was refused.
public enum ChallengeRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    /// No such challenge: never issued, or expired and purged.
    case unknownChallenge
    /// The challenge was already answered (or refused) once: a replayed response.
    case replayed
    /// The response came after the challenge expired at `expiredAt`.
    case expired(expiredAt: Date)
    /// The challenge was issued for `expected` but answered at `presented`.
    case wrongContext(expected: String, presented: String)
    /// The signature is not the certificate's key over this challenge (another card, or altered bytes).
    case badSignature
    /// The signature is good but the certificate is refused.
    case certificateInvalid(ValidationFailure)

    public var description: String {
        switch self {
        case .unknownChallenge: return "unknown challenge (never issued, or expired and forgotten)"
        case .replayed: return "challenge already used (replay)"
        case .expired(let at): return "challenge expired at \(ValidationFailure.format(at))"
        case .wrongContext(let expected, let presented): return "challenge for \(expected) answered at \(presented)"
        case .badSignature: return "signature does not verify with the certificate's key"
        case .certificateInvalid(let failure): return "certificate refused: \(failure)"
        }
    }
}
