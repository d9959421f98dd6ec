import DoorProtocol
import Foundation
import MynaCard
import Trust
import X509

/// The door's own challenge for a `pin` tap: made, signed and checked in one tap, never stored, so it
/// cannot be answered twice, and it needs no server.
enum LocalChallenge {
    /// How long the card has to answer. The check happens in the same tap, so this only bounds a card
    /// that stalls.
    static let lifetime: TimeInterval = 30

    /// A fresh challenge for `door`: 32 bytes from the system's cryptographic random source.
    static func make(door: String, now: Date) -> Challenge {
        var rng = SystemRandomNumberGenerator()
        let nonce = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return Challenge(id: UUID(), nonce: nonce, context: "door:\(door)", issuedAt: now, expiresAt: now.addingTimeInterval(lifetime))
    }

    /// Whether `signature` is the key of the enrolled certificate (DER) over `challenge`; nil when
    /// valid, else why not.
    static func check(_ signature: [UInt8], over challenge: Challenge, certificateDER: Data?, now: Date) -> String? {
        guard now <= challenge.expiresAt else { return "the card answered after the challenge expired" }
        guard let der = certificateDER, !der.isEmpty else { return "no certificate enrolled for this card" }
        guard let certificate = try? Certificate(derEncoded: Array(der)) else { return "the enrolled certificate cannot be read" }
        guard certificate.publicKey.isValidSignature(signature, for: challenge.signedMessage, signatureAlgorithm: .sha256WithRSAEncryption) else {
            return "signature does not match the enrolled certificate"
        }
        return nil
    }

    /// Whether `signature` is the enrolled card key (`90 <e> 91 <n>`) over `challenge`, the visual
    /// application's answer at a `genuine` door; nil when valid, else why not.
    static func checkCardSignature(_ signature: [UInt8], over challenge: Challenge, cardKey: [UInt8], now: Date) -> String? {
        guard now <= challenge.expiresAt else { return "the card answered after the challenge expired" }
        guard let key = try? CardRSAPublicKey(tlv: cardKey) else { return "the enrolled card key cannot be read" }
        guard key.verifiesPKCS1SHA256(signature, over: challenge.signedMessage) else { return "signature does not match the enrolled card key" }
        return nil
    }
}
