import Access
import DoorProtocol
import Foundation

/// Keeps the door's snapshot current: a full download on first start, then deltas by version, each
/// verified before it is merged and written to the local store.
///
/// A refused snapshot (bad signature, wrong door, unreadable) changes nothing: the door keeps deciding
/// from what it had, and the staleness clock keeps running, since the server was not reached honestly.
///
/// Nothing in between the agent and the server can turn the door back: each request carries a fresh
/// random nonce the server signs back inside the body, so a recorded answer replayed later is refused
/// (and does not restart the staleness clock); a body whose generation time is far from the agent's
/// clock is refused; and a snapshot older than the one held is never installed, full or delta (only a
/// new registration, which starts the store afresh, goes back).
public actor SnapshotSync {
    /// What a decision reads: the policy, its version, and when the server was last reached.
    public struct State: Sendable {
        /// The decider's policy.
        public var policy: AccessPolicy
        /// The merged snapshot (for the enrolled certificates).
        public var snapshot: DoorSnapshot
        /// When a sync last succeeded.
        public var syncedAt: Date
    }

    let store: LocalStore
    let server: any DoorServer
    let verifier: SnapshotVerifier
    let door: String
    let clock: @Sendable () -> Date
    /// How far the server's `generatedAt` may be from the agent's clock.
    let clockTolerance: TimeInterval
    /// Deltas kept over the full snapshot before the agent asks for a full one again.
    let maxStoredDeltas: Int
    var state: State?
    /// The highest version this agent has held: nothing older is installed.
    var versionFloor = 0
    /// Set when a delta changed this door's level or whom it admits (``credentialView(of:door:)``).
    var fullNeeded = false
    /// Certificates by credential key, rebuilt with each snapshot so a `pin` tap finds one without a scan.
    var certificates: [CredentialKey: Data] = [:]
    /// The last refusal, for the log and for tests.
    public private(set) var lastRefusal: SnapshotRefusal?
    /// When the server was last unreachable, if it has not answered since.
    public private(set) var offlineSince: Date?
    /// Whether the last attempt reached the server. False until the first success, so a restarted agent
    /// marks its decisions offline until it has spoken to the server.
    public private(set) var isOnline = false

    /// A sync over `server`, verifying with `verifier`, keeping its result in `store`.
    public init(store: LocalStore, server: any DoorServer, verifier: SnapshotVerifier, door: String,
                clock: @escaping @Sendable () -> Date = { Date() }, clockTolerance: TimeInterval = 300, maxStoredDeltas: Int = 32) {
        self.store = store
        self.server = server
        self.verifier = verifier
        self.door = door
        self.clock = clock
        self.clockTolerance = clockTolerance
        self.maxStoredDeltas = maxStoredDeltas
    }

    /// Loads the snapshot kept on disk, so a restarted agent decides before it reaches the server. Each
    /// signed body it was built from is verified again; if any fails the agent holds no snapshot (and
    /// fetches a full one), but never accepts a version below the one recorded.
    ///
    /// - Throws: ``SnapshotRefusal/storedSnapshotInvalid(_:)`` when the stored snapshot does not verify.
    public func loadFromStore() async throws {
        guard let stored = try await store.snapshot() else { return }
        versionFloor = max(versionFloor, try await store.storedVersion() ?? 0)
        var merged: DoorSnapshot?
        do {
            let parts = try await store.signedParts()
            guard !parts.isEmpty else { throw SnapshotRefusal.storedSnapshotInvalid("no signed body is kept with it") }
            for part in parts {
                let s: DoorSnapshot
                do { s = try verifier.verify(body: part.body, signature: part.signature, door: door) } catch {
                    throw SnapshotRefusal.storedSnapshotInvalid("\(error)")
                }
                if let m = merged {
                    guard s.version >= m.version else { throw SnapshotRefusal.storedSnapshotInvalid("its versions go backwards") }
                    merged = m.applying(s)
                } else {
                    guard s.full else { throw SnapshotRefusal.storedSnapshotInvalid("it does not start from a full snapshot") }
                    merged = s
                }
            }
        } catch let refusal as SnapshotRefusal {
            lastRefusal = refusal
            throw refusal
        }
        guard let merged, merged.version == stored.snapshot.version else {
            let refusal = SnapshotRefusal.storedSnapshotInvalid("the signed bodies do not make the recorded version")
            lastRefusal = refusal
            throw refusal
        }
        install(merged, syncedAt: stored.syncedAt)
    }

    /// A fresh random nonce for one request: 32 random bytes, base64url without padding.
    static func makeNonce() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The current state, if the door has ever received a snapshot.
    public var current: State? { state }

    /// The enrolled certificate (DER) for `key`, if the snapshot has one.
    public func certificate(for key: CredentialKey) -> Data? { certificates[key] }

    /// Asks the server once. Returns true when the snapshot changed.
    ///
    /// - Throws: a network error or ``DoorServerError`` (the server was not reached: offline), or a
    ///   ``SnapshotRefusal`` (reached, but the answer was refused; the old snapshot stays).
    @discardableResult
    public func syncOnce() async throws -> Bool {
        // Too many deltas kept on disk, or a delta changed what this door admits: ask for a full snapshot.
        let deltas = try await store.deltaCount()
        let since = fullNeeded || deltas >= maxStoredDeltas ? nil : state?.snapshot.version
        let nonce = Self.makeNonce()
        let signed: SignedBody
        do { signed = try await server.snapshot(since: since, nonce: nonce) } catch {
            if offlineSince == nil { offlineSince = clock() }
            isOnline = false
            throw error
        }
        offlineSince = nil
        isOnline = true
        let received: DoorSnapshot
        let now = clock()
        do throws(SnapshotRefusal) {
            received = try verifier.verify(body: signed.body, signature: signed.signature, door: door)
            guard received.nonce == nonce else { throw SnapshotRefusal.staleNonce }
            let skew = received.generatedAt.timeIntervalSince(now)
            guard abs(skew) <= clockTolerance else { throw SnapshotRefusal.clockMismatch(Int(skew.rounded())) }
            let held = max(versionFloor, state?.snapshot.version ?? 0)
            guard received.version >= held else { throw SnapshotRefusal.olderVersion(received.version, held) }
            // A full snapshot was asked for: a delta in answer would leave the agent where it was.
            guard since != nil || received.full else { throw SnapshotRefusal.malformed("a delta answered a request for the full snapshot") }
        } catch {
            lastRefusal = error
            throw error
        }
        guard let old = state else {
            // A delta means nothing without the snapshot it builds on.
            guard received.full else { throw SnapshotRefusal.malformed("a delta arrived before any full snapshot") }
            try await store.saveSnapshot(received, signed: signed, full: true, receivedAt: now)
            install(received, syncedAt: now)
            return true
        }
        guard received.full || received.version > old.snapshot.version || !received.policy.credentials.isEmpty
                || !received.removedCredentials.isEmpty else {
            try await store.markSynced(at: now)
            self.state?.syncedAt = now
            return false
        }
        let merged = old.snapshot.applying(received)
        // A delta carries only the credentials changed since the version held: when it changes this
        // door's level or whom it admits, the unchanged credentials' certificates (`pin`) and card keys
        // (`genuine`) for it were never sent, and a missing card key would read as "enrolled before the
        // level". Nothing of the delta is installed: the whole snapshot is fetched at once (one request —
        // it must come back full), and until it arrives the agent decides on what it held.
        if !received.full, Self.credentialView(of: old.snapshot, door: door) != Self.credentialView(of: merged, door: door) {
            fullNeeded = true
            return try await syncOnce()
        }
        // A delta repeats the rows stamped at the version the agent already holds: nothing new, so no
        // stored part (32 of them make the agent fetch a full snapshot) — only the sync time moves.
        guard received.full || merged.version != old.snapshot.version || merged.policy != old.snapshot.policy else {
            try await store.markSynced(at: now)
            self.state?.syncedAt = now
            return false
        }
        try await store.saveSnapshot(merged, signed: signed, full: received.full, receivedAt: now)
        install(merged, syncedAt: now)
        return true
    }

    /// What decides which credentials a snapshot carries certificates or card keys for: this door's
    /// effective level and the people it may let through.
    static func credentialView(of snapshot: DoorSnapshot, door: String) -> [String] {
        let policy = snapshot.accessPolicy()
        guard let d = policy.doors[DoorID(rawValue: door)] else { return [] }
        let admitted = snapshot.policy.employees.filter { !$0.groups.isEmpty }.map(\.id.rawValue).sorted()
        return [policy.securityLevel(of: d).rawValue] + admitted
    }

    func install(_ snapshot: DoorSnapshot, syncedAt: Date) {
        if snapshot.full { fullNeeded = false }
        versionFloor = max(versionFloor, snapshot.version)
        state = State(policy: snapshot.accessPolicy(), snapshot: snapshot, syncedAt: syncedAt)
        certificates = Dictionary(snapshot.policy.credentials.map { ($0.credential.key, $0.certificate) }, uniquingKeysWith: { $1 })
    }

    /// Syncs until cancelled: at once, then whenever `wake` yields (a push said a newer version exists)
    /// or every `pollInterval` seconds, whichever comes first.
    public func run(pollInterval: Double = 5, wake: AsyncStream<Int>? = nil, log: @escaping @Sendable (String) -> Void) async {
        let (ticks, tick) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let pusher = Task { [weak self] in
            guard let wake else { return }
            for await version in wake {
                if let v = await self?.state?.snapshot.version, v >= version { continue }
                tick.yield()
            }
        }
        let poller = Task {
            while !Task.isCancelled {
                tick.yield()
                try? await Task.sleep(for: .milliseconds(Int(pollInterval * 1000)))
            }
        }
        defer {
            pusher.cancel()
            poller.cancel()
        }
        for await _ in ticks {
            if Task.isCancelled { break }
            do {
                if try await syncOnce(), let v = state?.snapshot.version { log("snapshot version \(v)") }
            } catch let refusal as SnapshotRefusal {
                log("snapshot refused, keeping version \(state.map { String($0.snapshot.version) } ?? "none"): \(refusal)")
            } catch {
                log("server unreachable: \(error)")
            }
        }
    }
}
