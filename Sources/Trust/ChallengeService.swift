import Foundation
import X509

/// Issues challenges and verifies card responses: the proof that the card itself (its auth key, after
/// its PIN) is present, not a copy of its certificate (domain.md section 3).
///
/// A challenge is single-use and expires (``lifetime``, 30 seconds by default). Whatever the verdict,
/// a challenge is consumed by its first response, so a replayed signature and a second guess are both
/// refused. Memory is bounded: challenges are purged one ``lifetime`` after they expire (until then a
/// late response is named "expired"), on every call, and at most ``maximumOutstanding`` may be held.
///
/// Certificate paths that validated are remembered (at most ``pathCacheSize``, keyed by the whole
/// certificate), because a door sees the same cards every day and the path's signature does not change;
/// the validity periods and the revocation status are still checked on every response.
public actor ChallengeService {
    /// The validator that judges the responding card's certificate.
    public nonisolated let validator: CardCertificateValidator
    /// How long a challenge may be answered.
    public nonisolated let lifetime: TimeInterval
    /// The most challenges pending at once; ``issue(context:)`` refuses beyond it.
    public nonisolated let maximumOutstanding: Int
    /// The most validated paths remembered.
    public nonisolated let pathCacheSize: Int
    let clock: @Sendable () -> Date

    struct Entry {
        var challenge: Challenge
        var consumed: Bool
    }

    var entries: [UUID: Entry] = [:]
    /// Challenge ids in issue order, which is expiry order because the lifetime is fixed: purging pops
    /// from the front without scanning.
    var issueOrder: [UUID] = []
    var issueOrderHead = 0
    var validatedPaths: [Certificate: RememberedPath] = [:]

    /// A validated chain and the interval in which every certificate of it is within its validity.
    struct RememberedPath {
        var chain: [Certificate]
        var notBefore: Date
        var notAfter: Date
    }

    /// A service.
    ///
    /// - Parameters:
    ///   - validator: judges the certificates of responding cards.
    ///   - lifetime: seconds a challenge may be answered (default 30).
    ///   - maximumOutstanding: the most pending challenges (default 100 000).
    ///   - pathCacheSize: the most validated paths remembered (0 disables the memory).
    ///   - clock: the current time; tests pass a controllable one.
    public init(
        validator: CardCertificateValidator, lifetime: TimeInterval = 30, maximumOutstanding: Int = 100_000,
        pathCacheSize: Int = 4096, clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.validator = validator
        self.lifetime = lifetime
        self.maximumOutstanding = maximumOutstanding
        self.pathCacheSize = pathCacheSize
        self.clock = clock
    }

    /// Challenges issued and not yet purged (answered and expired ones stay for one more lifetime, so a
    /// replay or a late answer is named as such).
    public var outstandingCount: Int { entries.count }

    /// A new challenge for `context` (a door or desk identifier).
    ///
    /// - Throws: ``ChallengeError``.
    public func issue(context: String) throws(ChallengeError) -> Challenge {
        guard !context.isEmpty, context.utf8.count <= Int(UInt16.max) else { throw .invalidContext }
        let now = clock()
        purgeExpired(now: now)
        guard entries.count < maximumOutstanding else { throw .tooManyOutstanding(maximumOutstanding) }
        var rng = SystemRandomNumberGenerator()
        let nonce = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let challenge = Challenge(id: UUID(), nonce: nonce, context: context, issuedAt: now,
                                  expiresAt: now.addingTimeInterval(lifetime))
        entries[challenge.id] = Entry(challenge: challenge, consumed: false)
        issueOrder.append(challenge.id)
        return challenge
    }

    /// Verifies a card's response to challenge `challengeID`, presented at `context`.
    ///
    /// Checks, in order: the challenge is known and unused (then it is consumed, whatever follows), not
    /// expired, issued for `context`; `signature` is RSA PKCS#1 v1.5 with SHA-256 (RFC 8017 8.2) by the key
    /// of `certificate` over ``Challenge/signedMessage``; `certificate` validates now, including
    /// revocation.
    public func verify(challengeID: UUID, signature: [UInt8], certificate: Certificate, context: String) async -> ChallengeVerdict {
        let now = clock()
        purgeExpired(now: now)
        guard var entry = entries[challengeID] else { return .refused(.unknownChallenge) }
        guard !entry.consumed else { return .refused(.replayed) }
        // Consume before any await: the actor may run another verify of the same id while this one waits
        // on the revocation source.
        entry.consumed = true
        entries[challengeID] = entry
        let challenge = entry.challenge
        guard now <= challenge.expiresAt else { return .refused(.expired(expiredAt: challenge.expiresAt)) }
        guard context == challenge.context else {
            return .refused(.wrongContext(expected: challenge.context, presented: context))
        }
        guard certificate.publicKey.isValidSignature(signature, for: challenge.signedMessage,
                                                     signatureAlgorithm: .sha256WithRSAEncryption) else {
            return .refused(.badSignature)
        }
        let result = await validate(certificate, at: now)
        if let failure = result.failure { return .refused(.certificateInvalid(failure)) }
        return .accepted(result)
    }

    /// Validates through the path memory: a remembered path is re-checked for time only (no signature
    /// or extension work) and asked about revocation.
    func validate(_ certificate: Certificate, at now: Date) async -> ValidationResult {
        let chain: [Certificate]
        if let remembered = validatedPaths[certificate] {
            // Signatures, key usage, basic constraints and policies are properties of the (identical)
            // certificates and did not change; only the validity periods depend on the time.
            guard now >= remembered.notBefore, now <= remembered.notAfter else {
                let policy = JPKIPolicy(purpose: validator.purpose, policyRule: validator.policyRule, validationTime: now)
                return .invalid(policy.evaluate(remembered.chain) ?? .expired(notAfter: remembered.notAfter))
            }
            chain = remembered.chain
        } else {
            switch await validator.validatePath(certificate, at: now) {
            case .failure(let failure): return .invalid(failure)
            case .success(let path):
                chain = path
                if pathCacheSize > 0 {
                    // Forget everything rather than track recency: a full cache means an unusual load,
                    // and the cost is one path validation per card afterwards.
                    if validatedPaths.count >= pathCacheSize { validatedPaths.removeAll(keepingCapacity: true) }
                    validatedPaths[certificate] = RememberedPath(
                        chain: path, notBefore: path.map(\.notValidBefore).max() ?? now,
                        notAfter: path.map(\.notValidAfter).min() ?? now)
                }
            }
        }
        if let failure = await validator.revocationFailure(chain: chain, at: now) { return .invalid(failure) }
        return .valid(chain: chain, revocation: validator.revocationChecker == nil ? nil : .good,
                      warnings: validator.warnings(chain: chain, at: now))
    }

    /// Drops challenges whose lifetime has passed.
    public func purgeExpired() { purgeExpired(now: clock()) }

    func purgeExpired(now: Date) {
        while issueOrderHead < issueOrder.count {
            let id = issueOrder[issueOrderHead]
            // Kept for one more lifetime after expiry, so a late response is told "expired" rather than
            // "unknown"; the bound on memory is unchanged in order of magnitude.
            if let entry = entries[id], entry.challenge.expiresAt.addingTimeInterval(lifetime) >= now { break }
            entries[id] = nil
            issueOrderHead += 1
        }
        // Compact the queue once its consumed prefix dominates, so the array does not grow forever.
        if issueOrderHead > 1024 && issueOrderHead * 2 > issueOrder.count {
            issueOrder.removeFirst(issueOrderHead)
            issueOrderHead = 0
        }
    }
}

/// Why a challenge could not be issued.
public enum ChallengeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The context is empty or longer than 65 535 bytes.
    case invalidContext
    /// Too many challenges pending (the limit is given): a flood, or responses that never come.
    case tooManyOutstanding(Int)

    public var description: String {
        switch self {
        case .invalidContext: return "the context (door or desk id) must be 1 to 65535 bytes"
        case .tooManyOutstanding(let n): return "\(n) challenges are pending; refusing more until some expire"
        }
    }
}
