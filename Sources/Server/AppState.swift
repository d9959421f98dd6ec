import Access
import Audit
import Fluent
import Foundation
import Store
import Synchronization
import Trust
import Vapor

/// What every request handler shares: the in-memory policy, the event log, metrics, trust.
public final class AppState: Sendable {
    public let config: ServerConfig
    public let policy: PolicyCache
    public let events: EventWriter
    public let metrics: Metrics
    /// The problems this server knows it has right now, shown on `/health` (see ``HealthRegistry``).
    public let health: HealthRegistry
    public let presence: PresenceTracker
    /// Credentials the revocation sweep found in a CRL; read by every door decision.
    public let revocation: RevocationKnowledge
    /// The CRL sweep, when ``ServerConfig/crlIndex`` is set.
    public let revocationSweep: RevocationSweep?
    /// Signs door snapshots; the same key on every server sharing the database.
    public let snapshotSigner: SnapshotSigner
    /// The door agents' open push connections.
    let doorPush: DoorPushHub
    private let validatorHolder: ValidatorHolder

    /// The enrollment validator: trust anchors, JPKI rules, and the CRL indexes as last loaded.
    public var validator: CardCertificateValidator { validatorHolder.current }
    /// Validates the signing certificates (署名用電子証明書) that bind a card to a person at enrollment:
    /// the `sign/` trust anchors, JPKI rules; no revocation source (see docs/SECURITY.md).
    public let signingValidator: CardCertificateValidator

    init(config: ServerConfig, db: any Database, validator: CardCertificateValidator, signingValidator: CardCertificateValidator,
         snapshotSigner: SnapshotSigner) {
        let policy = PolicyCache(db: db)
        // Granted crossings of the workplace boundary go to attendance in the same transaction as their record.
        let events = EventWriter(store: AuditStore(db: db, derive: { records, tx in
            try await AttendanceStore.record(records, policy: policy.snapshot.policy, on: tx)
        }))
        let knowledge = RevocationKnowledge(), holder = ValidatorHolder(validator), health = HealthRegistry()
        self.health = health
        self.config = config
        self.signingValidator = signingValidator
        self.snapshotSigner = snapshotSigner
        self.doorPush = DoorPushHub()
        self.policy = policy
        self.events = events
        self.metrics = Metrics()
        self.validatorHolder = holder
        self.presence = PresenceTracker()
        self.revocation = knowledge
        self.revocationSweep = config.crlIndex.map { dir in
            RevocationSweep(directory: URL(fileURLWithPath: dir), stalePolicy: config.staleCRLHours.map { .acceptFor(hours: $0) } ?? .failClosed,
                            sweepSeconds: config.revocationSweepSeconds, db: db, policy: policy, events: events,
                            knowledge: knowledge, validator: holder, health: health)
        }
    }
}

extension Application {
    private struct StateKey: StorageKey { typealias Value = AppState }

    /// The server's shared state, set by ``configure(_:config:)``.
    public var mynagate: AppState {
        get {
            guard let s = storage[StateKey.self] else { fatalError("configure(_:config:) was not called") }
            return s
        }
        set { storage[StateKey.self] = newValue }
    }
}

extension Request {
    var state: AppState { application.mynagate }

    /// Appends an event for something this request did; the actor is the signed-in user.
    func audit(kind: String, subject: String, details: [String: String] = [:], actorOverride: String? = nil) async throws {
        let actor = actorOverride ?? auth.get(SessionUser.self).map { "user:\($0.username)" } ?? "anonymous"
        try await state.events.appendNow(AuditDraft(kind: kind, actor: actor, subject: subject, details: details))
    }
}

/// The access policy held in memory and kept current.
///
/// A local change reloads at once; changes made by another server sharing the database are noticed by
/// polling the policy version (``ServerConfig/policyPollMilliseconds``), so a suspension made anywhere
/// is enforced everywhere within that interval plus a reload.
///
/// The hot path (door decisions and door-token checks) reads ``snapshot`` under a lock instead of
/// hopping onto the actor: a lock held for a pointer copy costs nanoseconds, an actor hop microseconds.
public actor PolicyCache {
    /// What a door request needs, swapped as a whole on every reload.
    public struct Snapshot: Sendable {
        public var policy = AccessPolicy()
        /// SHA-256 (hex) of each door's token, by door id.
        public var doorTokenHashes: [String: String] = [:]
    }

    private let db: any Database
    public private(set) var current = AccessPolicy()
    private let box = Mutex(Snapshot())
    private var task: Task<Void, Never>?
    /// Called after each reload that moved the version forward (door push: agents learn of a
    /// suspension within a second instead of at their next poll).
    private var versionListeners: [@Sendable (Snapshot) -> Void] = []

    init(db: any Database) { self.db = db }

    /// The policy and door tokens as last loaded, without waiting for the actor.
    public nonisolated var snapshot: Snapshot { box.withLock { $0 } }

    /// Loads the policy now.
    public func reload() async throws {
        let policy = try await PolicyLoader.load(on: db)
        var tokens: [String: String] = [:]
        for s in try await SettingModel.query(on: db).all() {
            guard let key = s.id, key.hasPrefix(DoorTokens.settingPrefix) else { continue }
            tokens[String(key.dropFirst(DoorTokens.settingPrefix.count))] = s.value
        }
        // Reloads can interleave (the actor is re-entered at each database read): an older load that
        // finishes last must not replace a newer one.
        guard policy.version >= current.version else { return }
        let advanced = policy.version > current.version
        current = policy
        let snapshot = Snapshot(policy: policy, doorTokenHashes: tokens)
        box.withLock { $0 = snapshot }
        if advanced { for listener in versionListeners { listener(snapshot) } }
    }

    /// Registers `listener` for every reload that moves the version forward.
    func onVersionChange(_ listener: @escaping @Sendable (Snapshot) -> Void) {
        versionListeners.append(listener)
    }

    /// Bumps the version (so other servers reload) and reloads here.
    public func changed() async throws {
        try await PolicyLoader.bumpVersion(on: db)
        try await reload()
    }

    func startPolling(every milliseconds: Int) {
        task?.cancel()
        task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(milliseconds))
                await self?.reloadIfChanged()
            }
        }
    }

    func stop() { task?.cancel() }

    private func reloadIfChanged() async {
        guard let v = try? await PolicyLoader.currentVersion(on: db), v != current.version else { return }
        try? await reload()
    }
}

/// Who is in which zone (anti-passback), updated by granted decisions on this server.
public actor PresenceTracker {
    public private(set) var state = PresenceState()
    func record(_ employee: EmployeeID, through door: Door) { state.recordPassage(of: employee, through: door) }

    /// Decides with the current presence and records a granted passage in the same step: one actor hop
    /// per tap, and the presence map is mutated in place. (Reading `state` out and recording afterwards
    /// would leave the request holding a second reference while the actor mutates, so every grant
    /// would copy the whole map — 50,000 people inside make that a millisecond.)
    func decide(_ request: AccessRequest, policy: AccessPolicy) -> Decision {
        let decision = AccessDecider.decide(request, policy: policy, presence: state)
        if decision.isGranted, let who = decision.employee, let door = policy.doors[request.door] {
            state.recordPassage(of: who, through: door)
        }
        return decision
    }
}

/// Appends events to the hash-chained log. Door decisions are batched (every 20 ms or 500 events) so
/// the decision path does not wait for a database write; everything else is written before the request
/// returns.
public actor EventWriter {
    private let store: AuditStore
    private var pending: [AuditDraft] = []
    private var flushTask: Task<Void, Never>?
    /// The batch being written, if any (see ``flush()``).
    private var writing: Task<Void, any Error>?

    init(store: AuditStore) { self.store = store }

    /// Writes now and returns the sealed record.
    @discardableResult
    public func appendNow(_ draft: AuditDraft) async throws -> AuditRecord {
        try await flush()
        return try await store.append(draft)
    }

    /// Writes the records `build` returns in one transaction with whatever `build` writes (see
    /// ``AuditStore/append(building:)``), after everything queued.
    public func appendNow(building build: @escaping @Sendable (any Database) async throws -> [AuditDraft]) async throws -> [AuditRecord] {
        try await flush()
        return try await store.append(building: build)
    }

    /// Queues a door decision; written within 20 ms.
    public func enqueue(_ draft: AuditDraft) {
        pending.append(draft)
        if pending.count >= 500 {
            Task { try? await self.flush() }
        } else if flushTask == nil {
            flushTask = Task {
                try? await Task.sleep(for: .milliseconds(20))
                try? await self.flush()
            }
        }
    }

    /// Writes everything queued, after any write already under way: the actor is reentrant, so without
    /// waiting, a second caller would find the queue empty and return while the first batch is still on
    /// its way to the database (a "flushed" decision not yet readable). A batch that fails to write goes
    /// back to the front of the queue, and the error reaches the caller.
    public func flush() async throws {
        flushTask = nil
        while let current = writing {
            _ = await current.result
            // Whoever sees the finished write first clears it, so no caller waits on it again.
            if writing == current { writing = nil }
        }
        guard !pending.isEmpty else { return }
        let batch = pending
        pending = []
        let store = self.store
        let task = Task<Void, any Error> { _ = try await store.append(batch) }
        writing = task
        defer { if writing == task { writing = nil } }
        do {
            try await task.value
        } catch {
            pending.insert(contentsOf: batch, at: 0)
            throw error
        }
    }
}
