import Access
import Audit
import Fluent
import Foundation
import NIOConcurrencyHelpers
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
    /// The door agents' open push connections.
    package let doorPush: DoorPushHub
    /// What features do when a card is enrolled (``EnrollmentHooks``).
    package let enrollmentHooks = EnrollmentHooks()
    private let validatorHolder: ValidatorHolder

    /// The enrollment validator: trust anchors, JPKI rules, and the CRL indexes as last loaded.
    public var validator: CardCertificateValidator { validatorHolder.current }
    /// Validates the signing certificates (署名用電子証明書) that bind a card to a person at enrollment:
    /// the `sign/` trust anchors, JPKI rules; no revocation source (see docs/SECURITY.md).
    public let signingValidator: CardCertificateValidator

    package init(config: ServerConfig, db: any Database, validator: CardCertificateValidator, signingValidator: CardCertificateValidator) {
        let health = HealthRegistry(), metrics = Metrics()
        let policy = PolicyCache(db: db, health: health, metrics: metrics)
        // Granted passages go to the tables derived from them in the same transaction as their record:
        // crossings of the workplace boundary to attendance, each person's last zone to the muster.
        let events = EventWriter(store: AuditStore(db: db, derive: { records, tx in
            let current = policy.snapshot.policy
            try await AttendanceStore.record(records, policy: current, on: tx)
            try await WhereaboutsStore.record(records, policy: current, on: tx)
        }), capacity: config.maxQueuedDecisions, health: health, metrics: metrics)
        let knowledge = RevocationKnowledge(), holder = ValidatorHolder(validator)
        self.config = config
        self.signingValidator = signingValidator
        self.doorPush = DoorPushHub()
        self.policy = policy
        self.events = events
        self.metrics = metrics
        self.health = health
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

extension AppState {
    /// Whether the policy is older than ``ServerConfig/maxPolicyAgeSeconds``: door decisions then
    /// follow ``ServerConfig/policyStaleMode``.
    public func policyIsStale(at now: Date = Date()) -> Bool {
        policy.age(at: now) > TimeInterval(config.maxPolicyAgeSeconds)
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
    package var state: AppState { application.mynagate }

    /// Who this request acts as in the event log: the signed-in user, else `anonymous`.
    package var auditActor: String { auth.get(SessionUser.self)?.auditName ?? "anonymous" }

    /// Appends an event for something this request did (or saw) that changes nothing stored; the actor is
    /// the signed-in user. A state change uses ``writeAudited(kind:subject:details:_:)``.
    package func audit(kind: String, subject: String, details: [String: String] = [:], actorOverride: String? = nil) async throws {
        try await state.events.appendNow(AuditDraft(kind: kind, actor: actorOverride ?? auditActor, subject: subject, details: details))
    }

    /// Runs `write` and appends its record (`kind`, `subject`, the request's actor) in one transaction
    /// (``EventWriter/writeAudited(_:)``): the change never lands without its record, nor the record
    /// without the change.
    ///
    /// With `changesPolicy`, the policy version is bumped in the same transaction and the policy reloaded
    /// here after the commit: a change that is stored and recorded is always one that every server (and,
    /// through them, every door) picks up — never a lockdown in the log that no reload ever sees.
    package func writeAudited(kind: String, subject: String, details: [String: String] = [:], changesPolicy: Bool = false,
                              _ write: @escaping @Sendable (any Database) async throws -> Void) async throws {
        try await writeAudited(changesPolicy: changesPolicy) { tx, actor in
            try await write(tx)
            return ((), [AuditDraft(kind: kind, actor: actor, subject: subject, details: details)])
        }
    }

    /// The general form of ``writeAudited(kind:subject:details:changesPolicy:_:)``, for a change whose
    /// records depend on what it found: `write` gets the transaction and the request's actor, and returns
    /// its value and its records. Like every audited write it may run more than once (a busy database is
    /// retried), so it finds or makes its models inside — a Fluent model saved in a rolled-back attempt
    /// counts itself saved, and saving it again would write nothing.
    package func writeAudited<T: Sendable>(changesPolicy: Bool = false,
                                           _ write: @escaping @Sendable (_ tx: any Database, _ actor: String) async throws -> (T, [AuditDraft])) async throws -> T {
        let actor = auditActor
        let value = try await state.events.writeAudited { tx in
            let (value, drafts) = try await write(tx, actor)
            if changesPolicy { _ = try await PolicyLoader.bumpVersion(on: tx) }
            return (value, drafts)
        }
        if changesPolicy { try await state.policy.reload() }
        return value
    }
}

/// The access policy held in memory and kept current.
///
/// A local change reloads at once; changes made by another server sharing the database are noticed by
/// polling the policy version (``ServerConfig/policyPollMilliseconds``), so a suspension made anywhere
/// is enforced everywhere within that interval plus a reload.
///
/// A poll that fails is logged, counted (`mynagate_policy_reload_failures_total`) and shown on `/health`
/// (`policy.reload_failed`) until one succeeds. The policy's age is measured from the last successful
/// *check* that it is current (a poll that found no change counts), not from the last change; past
/// ``ServerConfig/maxPolicyAgeSeconds`` door decisions follow ``ServerConfig/policyStaleMode``.
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
    private let health: HealthRegistry
    private let metrics: Metrics
    private let logger = Logger(label: "mynagate.policy")
    public private(set) var current = AccessPolicy()
    private let box = Mutex(Snapshot())
    /// When the policy was last confirmed current (read before the query that confirmed it).
    private let confirmed = Mutex<Date?>(nil)
    private var task: Task<Void, Never>?
    /// Polls failed in a row.
    private var failures = 0
    /// Called after each reload that moved the version forward (door push: agents learn of a
    /// suspension within a second instead of at their next poll).
    private var versionListeners: [@Sendable (Snapshot) -> Void] = []

    package init(db: any Database, health: HealthRegistry, metrics: Metrics) {
        self.db = db
        self.health = health
        self.metrics = metrics
    }

    /// The policy and door tokens as last loaded, without waiting for the actor.
    public nonisolated var snapshot: Snapshot { box.withLock { $0 } }

    /// When the policy was last confirmed current, or `nil` before the first load.
    public nonisolated var lastConfirmed: Date? { confirmed.withLock { $0 } }

    /// Seconds since the policy was last confirmed current (infinite before the first load).
    public nonisolated func age(at now: Date = Date()) -> TimeInterval {
        lastConfirmed.map { max(0, now.timeIntervalSince($0)) } ?? .infinity
    }

    /// Loads the policy now.
    public func reload() async throws {
        let asked = Date()
        let policy = try await PolicyLoader.load(on: db)
        var tokens: [String: String] = [:]
        for s in try await SettingModel.query(on: db).all() {
            guard let key = s.id, key.hasPrefix(DoorTokens.settingPrefix) else { continue }
            tokens[String(key.dropFirst(DoorTokens.settingPrefix.count))] = s.value
        }
        markConfirmed(asked)
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

    func startPolling(every milliseconds: Int, maxAgeSeconds: Int) {
        task?.cancel()
        let logger = logger
        task = Task { [weak self] in
            while !Task.isCancelled {
                // Cancellation (shutdown) ends the sleep early, and then there is no poll after it: the
                // database may be closing, and a failed read then would be reported as an outage.
                do { try await Task.sleep(for: .milliseconds(milliseconds)) } catch is CancellationError { return } catch {
                    // Task.sleep throws nothing else today; were it to, polling must not stop unseen.
                    logger.critical("policy polling stopped: its sleep failed: \(error)")
                    return
                }
                await self?.reloadIfChanged(maxAgeSeconds: maxAgeSeconds)
            }
        }
    }

    /// Stops polling and waits for a poll under way to end, so none reads a database being shut down —
    /// for at most 5 seconds: cancelling does not stop a read already sent, and a read hung on a dead
    /// connection must not keep the server from stopping.
    package func stop() async {
        guard let running = task else { return }
        running.cancel()
        // Not a task group: a group waits for every child, the hung read included.
        let resumed = NIOLockedValueBox(false)
        await withCheckedContinuation { (k: CheckedContinuation<Void, Never>) in
            let finish: @Sendable () -> Void = {
                if resumed.withLockedValue({ was in defer { was = true }; return !was }) { k.resume() }
            }
            let logger = logger
            let timer = Task {
                // Cancelled: the poll ended first and has finished the wait. Any other failure ends the
                // wait at once rather than leave the stop hanging.
                do { try await Task.sleep(for: .seconds(5)) } catch is CancellationError { return } catch {
                    logger.error("the policy poller's stop timer failed: \(error)")
                }
                finish()
            }
            Task { await running.value; timer.cancel(); finish() }
        }
    }

    /// One poll: checks the version, reloads if it moved, and records what failed or recovered.
    func reloadIfChanged(maxAgeSeconds: Int) async {
        let asked = Date()
        do {
            let v = try await PolicyLoader.currentVersion(on: db)
            if v != current.version {
                try await reload()
            } else {
                markConfirmed(asked)
            }
            if failures > 0 {
                logger.notice("policy reload works again after \(failures) failed polls")
                health.clear(.policyReload)
            }
            failures = 0
        } catch {
            // A poll cut short by the server stopping is not an outage.
            if Task.isCancelled { return }
            failures += 1
            metrics.increment(Metrics.Name.policyReloadFailures)
            let described = HealthRegistry.describe(error)
            // Every failure is counted; the log gets the first and then one line in 50 (10 s at the
            // default interval), so a database outage does not flood it.
            if failures == 1 || failures % 50 == 0 {
                logger.error("policy reload failed (\(failures) in a row; deciding on version \(current.version)): \(described)")
            }
            health.record(.policyReload, message: "reading the policy failed \(failures) times in a row; deciding on version \(current.version): \(described)")
        }
        noteStaleness(maxAgeSeconds: maxAgeSeconds)
    }

    /// Updates the age gauge and the `policy.stale` problem.
    nonisolated func noteStaleness(maxAgeSeconds: Int, now: Date = Date()) {
        let age = age(at: now)
        metrics.gauge(Metrics.Name.policyAgeSeconds, age.isFinite ? age : -1)
        if age > TimeInterval(maxAgeSeconds) {
            if !health.has(.policyStale) {
                logger.critical("policy not confirmed current for \(age.isFinite ? "\(Int(age)) s" : "ever") (limit \(maxAgeSeconds) s): door decisions follow the stale mode")
            }
            health.record(.policyStale, message: "policy not confirmed current for \(age.isFinite ? "\(Int(age)) s" : "ever") (limit \(maxAgeSeconds) s)")
        } else if health.has(.policyStale) {
            logger.notice("policy confirmed current again")
            health.clear(.policyStale)
        }
    }

    private nonisolated func markConfirmed(_ at: Date) {
        confirmed.withLock { last in if last.map({ at > $0 }) ?? true { last = at } }
    }
}

/// Who is in which zone (anti-passback), updated by granted decisions on this server.
public actor PresenceTracker {
    public private(set) var state = PresenceState()
    package func record(_ employee: EmployeeID, through door: Door) { state.recordPassage(of: employee, through: door) }

    /// Decides with the current presence and records a granted passage in the same step: one actor hop
    /// per tap, and the presence map is mutated in place. (Reading `state` out and recording afterwards
    /// would leave the request holding a second reference while the actor mutates, so every grant
    /// would copy the whole map — 50,000 people inside make that a millisecond.)
    package func decide(_ request: AccessRequest, policy: AccessPolicy) -> (Decision, PresenceUndo?) {
        let decision = AccessDecider.decide(request, policy: policy, presence: state)
        if decision.isGranted, let who = decision.employee, let door = policy.doors[request.door] {
            let undo = PresenceUndo(employee: who, before: state.zoneOf[who], after: door.to)
            state.recordPassage(of: who, through: door)
            return (decision, undo)
        }
        return (decision, nil)
    }

    /// Takes back a passage whose decision could not be recorded (the door was answered 503 and did not
    /// open): the person is where they were, unless a later passage has moved them since.
    package func undo(_ u: PresenceUndo) {
        guard state.zoneOf[u.employee] == u.after else { return }
        state.restore(u.employee, to: u.before)
    }
}

/// What a granted decision changed in the presence map, to take it back (see ``PresenceTracker/undo(_:)``).
package struct PresenceUndo: Sendable {
    package let employee: EmployeeID
    package let before: ZoneID?
    package let after: ZoneID?
}

/// Appends events to the hash-chained log. Door decisions are batched (every 20 ms or 500 events) so
/// the decision path does not wait for a database write; everything else is written before the request
/// returns.
///
/// **When the log cannot be written.** A batch that fails stays queued, in order, at the front; the
/// failure is logged (batch size, queue depth, the cause without data), counted
/// (`mynagate_event_write_failures_total`), shown on `/health` as `audit.write_failed` with the queue
/// depth, and retried with a backoff (20 ms doubling to 5 s, `mynagate_event_write_retries_total`)
/// until a write succeeds, which clears the problem.
///
/// **Bounded memory: refuse, not spill.** At most ``capacity`` decisions (``ServerConfig/maxQueuedDecisions``,
/// 50,000 by default) wait; past that ``enqueue(_:)`` throws ``QueueFull`` and the decision is answered
/// 503 instead of grant or deny, so the door falls back to its own offline rule. A door agent decides
/// from its signed snapshot and writes the event to its fsync'd outbox *before* it acts (the "record
/// before act" rule of docs/ARCHITECTURE.md), and uploads it when the server can take it: the event is
/// kept where it is durable. Spilling to a local file instead would keep answering "granted" for a
/// record that exists in one server's data directory only, outside the hash chain, to be replayed
/// later: a second copy of the log to keep in order, and one lost with that disk. Refusing keeps one
/// place of record, and the door that acts is the one that records.
public actor EventWriter {
    /// A door decision refused because too many are waiting for the event log.
    public struct QueueFull: AbortError, SafeErrorDescription {
        public var capacity: Int
        public var status: HTTPResponseStatus { .serviceUnavailable }
        public var reason: String {
            "the event log cannot be written and \(capacity) decisions are waiting; decide offline and retry the upload later"
        }
        public var safeDescription: String { reason }
    }

    private let store: AuditStore
    private let health: HealthRegistry
    private let metrics: Metrics
    private let logger = Logger(label: "mynagate.events")
    /// Decisions that may wait at most (see the type's discussion).
    public let capacity: Int
    private var pending: [AuditDraft] = []
    /// Drafts in the batch being written (counted against ``capacity``).
    private var inFlight = 0
    private var flushTask: Task<Void, Never>?
    /// The batch being written, if any (see ``flush()``).
    private var writing: Task<Void, any Error>?
    /// Batch writes failed in a row (0: healthy).
    private var failures = 0
    /// Set at shutdown: no retry is scheduled against a database that is closing.
    private var stopped = false

    package init(store: AuditStore, capacity: Int, health: HealthRegistry, metrics: Metrics) {
        self.store = store
        self.capacity = max(1, capacity)
        self.health = health
        self.metrics = metrics
    }

    /// Decisions queued and not yet written.
    public var depth: Int { pending.count + inFlight }

    /// Writes now and returns the sealed record.
    @discardableResult
    public func appendNow(_ draft: AuditDraft) async throws -> AuditRecord {
        try await flush()
        do {
            let record = try await store.append(draft)
            noteWritten()
            return record
        } catch {
            noteFailed(error, writing: "an event (\(draft.kind))")
            throw error
        }
    }

    /// Writes the records `build` returns in one transaction with whatever `build` writes (see
    /// ``AuditStore/append(building:)``), after everything queued.
    public func appendNow(building build: @escaping @Sendable (any Database) async throws -> [AuditDraft]) async throws -> [AuditRecord] {
        try await flush()
        do {
            let records = try await store.append(building: build)
            noteWritten()
            return records
        } catch {
            noteFailed(error, writing: "a request's events")
            throw error
        }
    }

    /// The one way a request changes state together with its event-log record: `write` runs in the
    /// append's transaction, which holds the database's write turn, and the records it returns are
    /// sealed in that same transaction (``appendNow(building:)``) — the change and its record land
    /// together or not at all, and a check `write` makes on what it reads cannot be raced by another
    /// request or server (the second of two opt-ins at once waits for the first's commit, then sees it).
    /// `write` may run again after a lost race on the log's sequence number, so it reads what it decides
    /// on inside, from the transaction it is given — and finds or makes its models there too: a Fluent
    /// model saved by an attempt that was rolled back counts itself saved (existing, unchanged) and a
    /// second `save` writes nothing. Returns the value `write` returned with its records.
    public func writeAudited<T: Sendable>(_ write: @escaping @Sendable (any Database) async throws -> (T, [AuditDraft])) async throws -> T {
        let result = NIOLockedValueBox<T?>(nil)
        _ = try await appendNow(building: { tx in
            let (value, drafts) = try await write(tx)
            result.withLockedValue { $0 = value }
            return drafts
        })
        // appendNow returns only after `write` ran to its end in the attempt that committed.
        guard let value = result.withLockedValue({ $0 }) else {
            throw APIError(.internalServerError, code: "internal_error", ja: "サーバー内部でエラーが起きました。", en: "the change was written but its result was lost")
        }
        return value
    }

    /// The common case of ``writeAudited(_:)``: `write` makes one change, recorded as `kind` on `subject`
    /// by `actor`, in the same transaction.
    package func writeAudited(actor: String, kind: String, subject: String, details: [String: String] = [:],
                              _ write: @escaping @Sendable (any Database) async throws -> Void) async throws {
        try await writeAudited { tx in
            try await write(tx)
            return ((), [AuditDraft(kind: kind, actor: actor, subject: subject, details: details)])
        }
    }

    /// A write the caller waited for failed: if the database refused it (not a refusal `build` threw
    /// for the request), log it, count it and show it on `/health` like a failed batch. The caller
    /// gets the error, so nothing is retried here.
    private func noteFailed(_ error: any Error, writing what: String) {
        // A constraint the request's own data broke (answered 409) is the request's conflict, not a
        // failing event log.
        if let db = error as? any DatabaseError {
            guard !db.isConstraintFailure else { return }
        } else {
            guard error is AuditStoreError else { return }
        }
        metrics.increment(Metrics.Name.eventWriteFailures)
        let described = HealthRegistry.describe(error)
        logger.error("writing \(what) to the event log failed; the request gets the error: \(described)")
        health.record(.auditWrite, message: "writing \(what) failed; \(depth) queued decisions waiting: \(described)")
    }

    /// A write went through: the event log works (queued decisions were flushed before it).
    private func noteWritten() {
        if health.has(.auditWrite) {
            logger.notice("event log writes work again")
            health.clear(.auditWrite)
        }
    }

    /// Queues a door decision; written within 20 ms while the log can be written.
    ///
    /// - Throws: ``QueueFull`` when ``capacity`` decisions are already waiting (the caller answers 503
    ///   and must not act on the decision).
    public func enqueue(_ draft: AuditDraft) throws {
        guard depth < capacity else {
            metrics.increment(Metrics.Name.decisionsRefused)
            throw QueueFull(capacity: capacity)
        }
        pending.append(draft)
        metrics.gauge(Metrics.Name.eventQueueDepth, Double(depth))
        // While writes fail, only the backoff retry (scheduled by the failure) writes: neither a full
        // batch nor a new decision may start a write per tap against a failing database.
        guard failures == 0 else { return }
        if pending.count >= 500 {
            Task { await self.flushInBackground() }
        } else if flushTask == nil {
            schedule(after: .milliseconds(20))
        }
    }

    private func schedule(after delay: Duration) {
        flushTask = Task {
            // Only cancellation ends the sleep early: a flush that started meanwhile took over this one.
            try? await Task.sleep(for: delay)
            guard !Task.isCancelled else { return }
            await self.flushInBackground()
        }
    }

    /// A timed or size-triggered flush. Nobody waits for it: ``writeQueued()`` logs, counts and shows a
    /// failure and schedules the retry itself.
    private func flushInBackground() async {
        await writeQueued()
    }

    /// 20 ms after the first failure, doubling to 5 s.
    package static func backoff(failures: Int) -> Duration {
        .milliseconds(min(5_000, 20 << min(max(0, failures - 1), 8)))
    }

    /// Writes everything queued, after any write already under way: the actor is reentrant, so without
    /// waiting, a second caller would find the queue empty and return while the first batch is still on
    /// its way to the database (a "flushed" decision not yet readable). A batch that fails to write goes
    /// back to the front of the queue, and the error reaches the caller.
    public func flush() async throws {
        if let error = await writeQueued() { throw error }
    }

    /// The work of ``flush()``: returns the write's error after logging it, counting it, showing it on
    /// `/health` and scheduling the retry.
    @discardableResult
    private func writeQueued() async -> (any Error)? {
        flushTask?.cancel()
        flushTask = nil
        while let current = writing {
            let result = await current.result
            // The write waited for failed. Its batch goes back to the front of the queue, but its owner
            // puts it there when *it* resumes, which may be after this caller: the queue can look empty
            // here while those events are unwritten. Report the failure — never a flush that did not
            // happen (seen in CI: HealthFailureTests' waited flush returned without an error under load).
            // `writing` is left for the owner to clear once the batch is back, so no caller can write
            // later events ahead of it meanwhile; the owner schedules the retry.
            if case .failure(let error) = result { return error }
            // Whoever sees a finished write first clears it, so no caller waits on it again.
            if writing == current { writing = nil }
        }
        guard !pending.isEmpty else { return nil }
        let batch = pending
        pending = []
        inFlight = batch.count
        let store = self.store
        let task = Task<Void, any Error> { _ = try await store.append(batch) }
        writing = task
        defer {
            if writing == task { writing = nil }
            inFlight = 0
            metrics.gauge(Metrics.Name.eventQueueDepth, Double(depth))
        }
        do {
            try await task.value
        } catch {
            pending.insert(contentsOf: batch, at: 0)
            failures += 1
            metrics.increment(Metrics.Name.eventWriteFailures)
            let described = HealthRegistry.describe(error)
            logger.error("writing \(batch.count) queued events failed (\(failures) in a row, \(pending.count) waiting, kept for retry): \(described)")
            health.record(.auditWrite, message: "writing \(batch.count) queued events failed \(failures) times in a row; \(pending.count) waiting (limit \(capacity)): \(described)")
            // Whoever called, the queue is retried on its own with backoff until a write succeeds; a
            // timer set meanwhile (a decision queued while this write was under way) gives way to it.
            if !stopped {
                flushTask?.cancel()
                metrics.increment(Metrics.Name.eventWriteRetries)
                schedule(after: Self.backoff(failures: failures))
            }
            return error
        }
        if failures > 0 {
            logger.notice("event log writes work again after \(failures) failures; \(batch.count) queued events written")
        }
        // Any write that lands shows the log works, whichever write failed before (a batch or a request's).
        health.clear(.auditWrite)
        failures = 0
        // Decisions queued while a failing write was retried started no timer (see enqueue): write them.
        if !pending.isEmpty, flushTask == nil, !stopped { schedule(after: .milliseconds(20)) }
        return nil
    }

    /// Flushes at shutdown: what cannot be written now is lost with the process, so it is logged as an
    /// error with the count and counted in `mynagate_events_dropped_total`.
    func flushAtShutdown() async {
        stopped = true
        do {
            try await flush()
        } catch {
            // A failed batch whose owner has not yet put it back is still counted in `inFlight`.
            let lost = pending.count + inFlight
            metrics.increment(Metrics.Name.eventsDropped, by: lost)
            logger.critical("shutting down with \(lost) queued events that could not be written: \(HealthRegistry.describe(error))")
        }
    }
}
