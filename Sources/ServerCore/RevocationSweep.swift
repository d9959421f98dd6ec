import Access
import Fluent
import Foundation
import Logging
import Store
import Synchronization
import Trust
import X509

/// What this server's CRLs say about the enrolled credentials: the keys found revoked by the last sweep.
///
/// Door decisions read it on every request, so it is a lock-guarded set (one uncontended lock and a hash
/// lookup, no actor hop and no file access): a decision never waits for a CRL.
public final class RevocationKnowledge: Sendable {
    private let revoked = Mutex<Set<CredentialKey>>([])

    public init() {}

    /// Whether the last sweep found this credential's certificate in a CRL.
    public func isRevoked(_ key: CredentialKey) -> Bool { revoked.withLock { $0.contains(key) } }

    /// How many enrolled credentials are known revoked.
    public var count: Int { revoked.withLock { $0.count } }

    package func replace(with keys: Set<CredentialKey>) { revoked.withLock { $0 = keys } }
}

/// The certificate validator used at enrollment, swapped when the revocation indexes are reloaded, so a
/// CRL imported while the server runs is used by the next enrollment.
final class ValidatorHolder: Sendable {
    private let validator: Mutex<CardCertificateValidator>
    package init(_ v: CardCertificateValidator) { validator = Mutex(v) }
    package var current: CardCertificateValidator { validator.withLock { $0 } }
    func setRevocationChecker(_ checker: (any RevocationChecker)?) { validator.withLock { $0.revocationChecker = checker } }
}

/// "A revocation found in a CRL suspends the card automatically."
///
/// At start, every ``ServerConfig/revocationSweepSeconds`` and whenever the index files in
/// ``ServerConfig/crlIndex`` change (the directory is looked at every second: a name, size and
/// modification time per file, no reading), every credential in the in-memory policy is looked up in
/// the index of its issuer **key**: the generations of a J-LIS root share one name (docs/CARD.md
/// "Certificates"), so the issuing CA is found from the certificate the credential stores, among the
/// configured anchors, by key identifier and signature (``CardCertificateValidator/issuer(of:among:)``,
/// the choice enrollment made), and the index verified with that CA's key answers
/// (``CRLRevocationChecker/index(for:)``). A credential whose issuer key cannot be determined is counted
/// and shown on `/health` (`crl.issuer_unknown`), never skipped silently. Active credentials found revoked are suspended with reason
/// `certificateRevoked` through ``CredentialSuspension`` — the same path as a security officer's
/// suspension: the policy version is bumped and `credential.suspended` is logged with the CRL's reason.
///
/// Which CRLs count: only indexes whose signature was verified at import (an unsigned file dropped into
/// the directory must not be able to suspend the whole company). A stale CRL still counts here: being
/// stale means it may lack newer revocations, not that the ones it lists are wrong; the stale policy
/// applies where an absence of revocation is relied on, at enrollment.
///
/// Several servers sharing a database each sweep; a credential already suspended is left alone, so the
/// outcome is the same whoever sweeps first.
public actor RevocationSweep {
    /// What one sweep found and did.
    public struct Report: Sendable, Hashable {
        /// Indexes loaded (one per CRL issuer).
        public var indexes: Int
        /// Credentials looked up.
        public var checked: Int
        /// Credentials (any state) whose certificate is in a CRL.
        public var revoked: Int
        /// Credentials suspended by this sweep.
        public var suspended: Int
        /// Credentials whose issuing CA key could not be determined (no configured anchor issued the
        /// stored certificate, or it cannot be read): not checked against any CRL, shown on `/health`.
        public var unresolvedIssuer: Int = 0
    }

    private let store: RevocationIndexStore
    private let stalePolicy: StaleCRLPolicy
    private let interval: Duration
    private let db: any Database
    private let policy: PolicyCache
    private let events: EventWriter
    private let knowledge: RevocationKnowledge
    private let validator: ValidatorHolder
    private let logger = Logger(label: "mynagate.revocation")
    /// The verified indexes, one per issuer key (see ``CRLRevocationChecker/index(for:)``).
    private var indexes = CRLRevocationChecker(indexes: [], policy: .failClosed)
    /// The issuing CA of each credential's certificate, found once per certificate (a signature check);
    /// kept with the credential's holder and validity (``stamp(_:)``) so a card enrolled again under the
    /// same name and serial (another generation's) is looked up again. `nil`: no configured anchor issued it.
    private var issuers: [CredentialKey: (stamp: String, issuer: Certificate?)] = [:]
    private var indexCount = 0
    private var fingerprint: [String] = []
    private var loaded = false
    private var lastSweep = ContinuousClock.now
    /// Failed sweeps in a row, and when to try again (sooner than the interval; see ``tick()``).
    private var failures = 0
    private var retryAt: ContinuousClock.Instant?
    private let health: HealthRegistry
    private var task: Task<Void, Never>?

    init(directory: URL, stalePolicy: StaleCRLPolicy, sweepSeconds: Int, db: any Database, policy: PolicyCache, events: EventWriter,
         knowledge: RevocationKnowledge, validator: ValidatorHolder, health: HealthRegistry) {
        self.health = health
        store = RevocationIndexStore(directory: directory)
        self.stalePolicy = stalePolicy
        interval = .seconds(max(1, sweepSeconds))
        self.db = db
        self.policy = policy
        self.events = events
        self.knowledge = knowledge
        self.validator = validator
    }

    /// Reloads the indexes if their files changed, then checks every credential; returns what it did.
    ///
    /// A failure is logged, shown on `/health` (`crl.sweep_failed`) until a sweep succeeds, and retried
    /// by the watcher within seconds rather than at the next interval.
    @discardableResult
    public func sweepNow() async throws -> Report {
        do {
            let report = try await sweep()
            if failures > 0 { logger.notice("revocation sweep works again after \(failures) failed attempt(s)") }
            failures = 0
            retryAt = nil
            health.clear(.crlSweep)
            return report
        } catch {
            failures += 1
            // A revoked card stays active in the database, and so on every other server and door, until a
            // sweep writes its suspension: try again soon, backing off to the interval.
            let backoff = min(interval, .seconds(1 << min(failures, 6)))
            retryAt = .now + backoff
            logger.error("revocation sweep failed (attempt \(failures), next in \(backoff)): \(HealthRegistry.describe(error))")
            health.record(.crlSweep, error: error, context: "checking credentials against the CRLs (\(failures) failed attempt(s) in a row)")
            throw error
        }
    }

    private func sweep() async throws -> Report {
        reloadIfChanged()
        lastSweep = .now
        let current = await policy.current
        var revoked = Set<CredentialKey>()
        var toSuspend: [(CredentialKey, RevocationIndex.Revocation)] = []
        var checked = 0
        try await resolveIssuers(of: current.credentials)
        var unresolved = 0
        // Only JPKI certificates are in a CRL.
        for (key, credential) in current.credentials where key.kind == .jpkiAuth {
            guard let issuer = issuers[key]?.issuer else { unresolved += 1; continue }
            guard case .success(let index) = indexes.index(for: issuer), let serial = Self.serialNumber(hex: key.serial) else { continue }
            checked += 1
            guard let r = index.lookup(serial), r.reason != .removeFromCRL else { continue }
            revoked.insert(key)
            if case .active = credential.state { toSuspend.append((key, r)) }
        }
        // Known before the suspensions are written, so a door asking in between is already refused.
        knowledge.replace(with: revoked)
        var suspended = 0
        for (key, r) in toSuspend {
            guard let m = try await CredentialModel.query(on: db).filter(\.$issuer == key.issuer).filter(\.$serial == key.serial).first() else { continue }
            var details = ["revokedAt": ISO8601DateFormatter().string(from: r.revocationDate)]
            if let reason = r.reason { details["crlReason"] = "\(reason)" }
            if try await CredentialSuspension.suspend(m, reason: .certificateRevoked, actor: "system:revocation-sweep", details: details,
                                                      on: db, policy: policy, events: events) {
                suspended += 1
            }
        }
        if suspended > 0 { logger.notice("revocation sweep suspended \(suspended) credential(s) found in a CRL") }
        if unresolved > 0 {
            logger.warning("revocation sweep: \(unresolved) credential(s) have a certificate no configured anchor issued; no CRL was checked for them")
            health.record(.crlIssuerUnknown, message: "\(unresolved) enrolled credential(s) could not be matched to the key of a configured trust anchor, so no CRL was checked for them")
        } else {
            health.clear(.crlIssuerUnknown)
        }
        return Report(indexes: indexCount, checked: checked, revoked: revoked.count, suspended: suspended, unresolvedIssuer: unresolved)
    }

    /// Finds the issuing CA of every credential not yet resolved, from the certificate it stores and
    /// the anchors (and intermediates) enrollment validates against.
    private func resolveIssuers(of credentials: [CredentialKey: Credential]) async throws {
        issuers = issuers.filter { entry in credentials[entry.key].map(Self.stamp) == entry.value.stamp }
        let missing = credentials.filter { $0.key.kind == .jpkiAuth && issuers[$0.key] == nil }
        guard !missing.isEmpty else { return }
        let v = validator.current
        let cas = v.anchors.certificates(for: v.purpose) + v.intermediates
        for m in try await CredentialModel.query(on: db).all() {
            // As the policy loader keys it.
            let key = CredentialKey(kind: CredentialKey.Kind(rawValue: m.kind) ?? .jpkiAuth, issuer: m.issuer, serial: m.serial)
            guard let credential = missing[key] else { continue }
            var issuer: Certificate?
            do {
                let certificate = try Certificate(derEncoded: Array(m.certificate))
                if certificate.serialNumber == Self.serialNumber(hex: m.serial) {
                    issuer = CardCertificateValidator.issuer(of: certificate, among: cas)
                }
            } catch {
                logger.warning("revocation sweep: a stored credential certificate cannot be read: \(HealthRegistry.describe(error))")
            }
            issuers[key] = (Self.stamp(credential), issuer)
        }
    }

    /// What tells two enrollments of one credential key apart (the policy does not carry the certificate).
    static func stamp(_ c: Credential) -> String { "\(c.employee.rawValue) \(c.notBefore.timeIntervalSince1970) \(c.notAfter.timeIntervalSince1970)" }

    /// Starts watching: a look at the directory every second, a full sweep when it changed or when the
    /// interval has passed.
    package func start() {
        task?.cancel()
        task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                await self?.tick()
            }
        }
    }

    package func stop() { task?.cancel() }

    private func tick() async {
        let retryDue = retryAt.map { ContinuousClock.now >= $0 } ?? false
        guard retryDue || directoryFingerprint() != fingerprint || ContinuousClock.now - lastSweep >= interval else { return }
        do {
            try await sweepNow()
        } catch {
            // sweepNow has logged it, shown it on /health and scheduled the retry.
        }
    }

    /// Loads the indexes when their files changed since the last load (or never loaded); a corrupt index
    /// is rebuilt from its CRLs by the store, never trusted.
    func reloadIfChanged() {
        let now = directoryFingerprint()
        guard !loaded || now != fingerprint else { return }
        let result = store.loadAll()
        for (stem, why) in result.failures { logger.warning("revocation index \(stem) unusable: \(why)") }
        let verified = result.indexes.filter(\.header.signatureVerified)
        indexes = CRLRevocationChecker(indexes: verified, policy: .failClosed)
        indexCount = verified.count
        let legacy = verified.filter { $0.header.issuerKeyDigest == nil }.count
        if legacy > 0 {
            // Logged, not a /health problem: such an index answers as it did before the upgrade, and every
            // server of an upgraded deployment would otherwise leave the load balancer's rotation at once.
            logger.warning("\(legacy) revocation index(es) do not record the key that verified their CRL (written before index version 2); they answer by issuer name and key identifier until their CRLs are imported again")
        }
        validator.setRevocationChecker(CRLRevocationChecker(indexes: result.indexes, policy: stalePolicy))
        // Taken after loading: a file rebuilt by the load changes its own time, and is not reloaded.
        fingerprint = directoryFingerprint()
        loaded = true
    }

    /// Name, size and modification time of every index file: what changes when a CRL is imported.
    private func directoryFingerprint() -> [String] {
        let fm = FileManager.default
        let names = ((try? fm.contentsOfDirectory(atPath: store.directory.path)) ?? []).filter { $0.hasSuffix(".mgidx") }.sorted()
        return names.map { name in
            let attributes = try? fm.attributesOfItem(atPath: store.directory.appendingPathComponent(name).path)
            let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
            let time = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(name) \(size) \(time)"
        }
    }

    /// A credential's serial as recorded (upper-case hex of the certificate serial's magnitude).
    package static func serialNumber(hex: String) -> Certificate.SerialNumber? {
        guard !hex.isEmpty, hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.count / 2)
        var it = hex.utf8.makeIterator()
        while let a = it.next(), let b = it.next() {
            guard let hi = hexValue(a), let lo = hexValue(b) else { return nil }
            bytes.append(hi << 4 | lo)
        }
        return Certificate.SerialNumber(bytes: bytes)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}
