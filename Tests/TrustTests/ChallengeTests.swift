import Crypto
import Foundation
import MynaCard
import MynaCardSim
import SmartCard
import Synchronization
import Testing
import Trust
import X509

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 += seconds } }
}

@Suite("Challenge-response with the virtual card over APDUs")
struct ChallengeTests {
    let f = ValidationFixture.self

    func service(clock: ManualClock, revocation: (any RevocationChecker)? = nil, lifetime: TimeInterval = 30) -> ChallengeService {
        let v = CardCertificateValidator(anchors: f.anchors, purpose: .auth, revocationChecker: revocation)
        return ChallengeService(validator: v, lifetime: lifetime, clock: { clock.now })
    }

    /// The card signs the challenge's digest with its auth key after the PIN, over APDUs.
    func sign(_ challenge: Challenge, with state: VirtualCardState = ValidationFixture.card) async throws -> [UInt8] {
        let card = MynaCard(transport: EmulatedCardTransport(card: VirtualMynaCard(state: state)))
        _ = try await card.jpki.verify(PIN(ValidationFixture.authPIN, kind: .jpkiAuth))
        return try await card.jpki.sign(sha256Digest: challenge.digest, with: .auth).value
    }

    @Test func acceptedOnceThenReplayRefused() async throws {
        let clock = ManualClock(f.now)
        let s = service(clock: clock)
        let c = try await s.issue(context: "door-3F-east")
        #expect(c.nonce.count == 32)
        let signature = try await sign(c)
        let first = await s.verify(challengeID: c.id, signature: signature, certificate: f.cardCertificate, context: "door-3F-east")
        #expect(first.isAccepted, "\(first)")
        let again = await s.verify(challengeID: c.id, signature: signature, certificate: f.cardCertificate, context: "door-3F-east")
        #expect(again == .refused(.replayed))
    }

    @Test func expiredChallenge() async throws {
        let clock = ManualClock(f.now)
        let s = service(clock: clock, lifetime: 5)
        let c = try await s.issue(context: "desk-12")
        let signature = try await sign(c)
        clock.advance(6)
        let verdict = await s.verify(challengeID: c.id, signature: signature, certificate: f.cardCertificate, context: "desk-12")
        #expect(verdict == .refused(.expired(expiredAt: c.expiresAt)))
    }

    @Test func wrongContext() async throws {
        let s = service(clock: ManualClock(f.now))
        let c = try await s.issue(context: "door-lobby")
        let signature = try await sign(c)
        let verdict = await s.verify(challengeID: c.id, signature: signature, certificate: f.cardCertificate, context: "door-server-room")
        #expect(verdict == .refused(.wrongContext(expected: "door-lobby", presented: "door-server-room")))
    }

    @Test func signedByAnotherCard() async throws {
        let s = service(clock: ManualClock(f.now))
        let c = try await s.issue(context: "door-1")
        // The other card signs, but the first card's certificate is presented (a copied certificate).
        let signature = try await sign(c, with: f.otherCard)
        let verdict = await s.verify(challengeID: c.id, signature: signature, certificate: f.cardCertificate, context: "door-1")
        #expect(verdict == .refused(.badSignature))
    }

    @Test func alteredSignature() async throws {
        let s = service(clock: ManualClock(f.now))
        let c = try await s.issue(context: "door-1")
        var signature = try await sign(c)
        signature[100] ^= 0x40
        let verdict = await s.verify(challengeID: c.id, signature: signature, certificate: f.cardCertificate, context: "door-1")
        #expect(verdict == .refused(.badSignature))
        // A refused response still consumes the challenge: no second guess.
        let retry = await s.verify(challengeID: c.id, signature: try await sign(c), certificate: f.cardCertificate, context: "door-1")
        #expect(retry == .refused(.replayed))
    }

    @Test func revokedCertificate() async throws {
        let revokedAt = f.now.addingTimeInterval(-60)
        let checker = FixedRevocation(answers: [f.cardCertificate.serialNumber: .revoked(reason: .keyCompromise, date: revokedAt, invalidity: nil)])
        let s = service(clock: ManualClock(f.now), revocation: checker)
        let c = try await s.issue(context: "door-1")
        let verdict = await s.verify(challengeID: c.id, signature: try await sign(c), certificate: f.cardCertificate, context: "door-1")
        #expect(verdict == .refused(.certificateInvalid(.revoked(reason: .keyCompromise, date: revokedAt, invalidity: nil))))
    }

    @Test func untrustedCertificate() async throws {
        let v = CardCertificateValidator(anchors: TrustAnchors(), purpose: .auth)
        let s = ChallengeService(validator: v, clock: { ValidationFixture.now })
        let c = try await s.issue(context: "door-1")
        let verdict = await s.verify(challengeID: c.id, signature: try await sign(c), certificate: f.cardCertificate, context: "door-1")
        #expect(verdict.refusal.map { if case .certificateInvalid(let fail) = $0 { fail.category } else { "" } } == "unknown-issuer")
    }

    @Test func unknownChallenge() async throws {
        let s = service(clock: ManualClock(f.now))
        let verdict = await s.verify(challengeID: UUID(), signature: [UInt8](repeating: 1, count: 256), certificate: f.cardCertificate, context: "door-1")
        #expect(verdict == .refused(.unknownChallenge))
    }

    @Test func signedMessageIsDocumented() throws {
        let c = Challenge(id: UUID(), nonce: [UInt8](repeating: 0xAB, count: 32), context: "D1", issuedAt: f.now, expiresAt: f.now)
        let expected = Array("MynaGate challenge v1".utf8) + [0x00] + [UInt8](repeating: 0xAB, count: 32) + [0x00, 0x02] + Array("D1".utf8)
        #expect(c.signedMessage == expected)
        #expect(c.digest == Array(SHA256.hash(data: expected)))
    }

    @Test func expiredChallengesArePurgedAndPendingIsBounded() async throws {
        let clock = ManualClock(f.now)
        let v = CardCertificateValidator(anchors: f.anchors, purpose: .auth)
        let s = ChallengeService(validator: v, lifetime: 30, maximumOutstanding: 1000, clock: { clock.now })
        for i in 0..<1000 { _ = try await s.issue(context: "door-\(i % 7)") }
        #expect(await s.outstandingCount == 1000)
        await #expect(throws: ChallengeError.tooManyOutstanding(1000)) { try await s.issue(context: "door-1") }
        clock.advance(61)   // expiry (30 s) plus the retention of one more lifetime
        _ = try await s.issue(context: "door-1")
        #expect(await s.outstandingCount == 1)
        await #expect(throws: ChallengeError.invalidContext) { try await s.issue(context: "") }
    }
}
