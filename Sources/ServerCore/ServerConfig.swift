import Foundation
import Trust

/// How a server runs: where its data lives, which database, which port, TLS, trust configuration.
///
/// Read from a JSON file (`--config FILE`) and then from the environment, which wins: the variables are
/// the cases of ``ServerVariable`` (`mynagate serve --help` lists them). A file may name only the
/// settings it changes; the rest keep their defaults. Printed at start by ``summary`` with the secrets
/// hidden.
public struct ServerConfig: Sendable, Codable, Hashable {
    public var dataDirectory: String = "./data"
    /// PostgreSQL URL; `nil` means SQLite in the data directory.
    public var databaseURL: String?
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// A directory of trust anchors (`auth/`, `sign/`); `nil` trusts nothing, so enrollment fails closed.
    public var trustAnchors: String?
    /// What card certificates' certificatePolicies must say (`certificatePolicy`, `MYNAGATE_CERT_POLICY`):
    /// `off` (the default: no reference confirms the authentication policy OID on a real card, see
    /// docs/CARD.md "Certificates"), `warn` (accepted, the enrolment audit records the warning) or
    /// `require` (refused without one of the policies).
    public var certificatePolicy: CertificatePolicyRule.Mode = .off
    /// Policy OIDs for the authentication certificate (`authCertificatePolicies`,
    /// `MYNAGATE_AUTH_CERT_POLICIES`, comma-separated); `nil` uses `CertificatePolicyRule.knownPolicies(for: .auth)`.
    public var authCertificatePolicies: [String]?
    /// Policy OIDs for the signing certificate (`signCertificatePolicies`, `MYNAGATE_SIGN_CERT_POLICIES`);
    /// `nil` uses `CertificatePolicyRule.knownPolicies(for: .sign)`.
    public var signCertificatePolicies: [String]?
    /// The card-verifiable CAs trusted for the text application's integrity record: a `.cvc` file (a
    /// self-certified `7F21` certificate, as `cvc-ca.cvc` of a test hierarchy) or a directory of them.
    /// `nil`: a chip reading's record is still checked against its own certificate, and recorded as
    /// `issuer_unknown`.
    public var cvcIssuers: String?
    /// Whether a card key (the `genuine` level) may be enrolled without a configured CVC issuer to
    /// check its certificate against (`cardKeyChain`, `MYNAGATE_CARD_KEY_CHAIN`): `require` (the default)
    /// refuses it — a relayed card could enroll a key of its holder's choosing and hand out copies — and
    /// `allow` stores it marked `chain_unchecked`.
    public var cardKeyChain: CardKeyChainRule = .require
    /// A directory of revocation index files.
    public var crlIndex: String?
    /// `nil`: a stale CRL fails closed; otherwise it is accepted for this many hours past nextUpdate.
    public var staleCRLHours: Int?
    /// How often every active credential is checked against the revocation indexes (seconds). A change
    /// of the index files triggers a sweep sooner (they are watched every second).
    public var revocationSweepSeconds: Int = 60
    /// Seconds a challenge stays valid.
    public var challengeSeconds: Int = 30
    /// How often each server checks whether the policy changed (milliseconds).
    public var policyPollMilliseconds: Int = 200
    /// How long the in-memory policy may go without a successful check that it is current before door
    /// decisions follow ``policyStaleMode`` (seconds, `MYNAGATE_MAX_POLICY_AGE`). 30 s: 150 polls at the
    /// default interval, so a database hiccup of a few seconds changes nothing, while a server cut off
    /// from the database stops trusting a policy that may no longer hold a suspension within half a minute.
    public var maxPolicyAgeSeconds: Int = 30
    /// What door decisions do once the policy is older than ``maxPolicyAgeSeconds``
    /// (`MYNAGATE_POLICY_STALE_MODE`): the same choice door agents make for a stale snapshot.
    public var policyStaleMode: PolicyStaleMode = .failSecure
    /// Door decisions queued for the event log at most (`MYNAGATE_MAX_QUEUED_DECISIONS`); past it, a
    /// decision is refused with 503 so the door falls back to its own offline rule (see ``EventWriter``).
    public var maxQueuedDecisions: Int = 50_000
    /// Failed password sign-ins before an account is locked, and for how long (minutes).
    public var lockoutThreshold: Int = 5
    public var lockoutMinutes: Int = 15
    /// bcrypt cost for the emergency codes issued at enrollment (12: about a quarter of a second, which
    /// is what makes guessing a stolen hash slow). Tests lower it to keep parallel suites light.
    public var bcryptCost: Int = 12
    /// The My Number vault's key-encryption key file (`vaultKeyFile`, `MYNAGATE_VAULT_KEY_FILE`); see
    /// `Vault.Keyring` for the format. Without it (and without `MYNAGATE_VAULT_KEY`) the server runs but
    /// the vault answers 503. When neither is set, `vault.key` in the data directory is used if present.
    public var vaultKeyFile: String?
    /// `MYNAGATE_VAULT_KEY`: one base64 key, or `id:base64[,id:base64…]` with the first current. From the
    /// environment only (never a file or a log).
    public var vaultKeyBase64: String?
    /// The Ed25519 key that signs door snapshots (`snapshotSigningKeyFile`,
    /// `MYNAGATE_SNAPSHOT_SIGNING_KEY_FILE`); default `snapshot-signing.key` in the data directory. Made
    /// (0600) at the first start; with PostgreSQL every server must be given the same file.
    public var snapshotSigningKeyFile: String?
    /// How far in the future (by the server's clock) an uploaded door event may be, for clock skew
    /// between door and server, before it is quarantined (seconds).
    public var doorEventFutureSkewSeconds: Int = 300
    /// The oldest an uploaded door event may be (days): an older one is quarantined, as no door keeps
    /// events that long without reaching the server.
    public var doorEventMaxAgeDays: Int = 30

    // MARK: Sign-in and sessions (security issue 14)

    /// Addresses of reverse proxies (exact IPs, `trustedProxies`, `MYNAGATE_TRUSTED_PROXIES` comma-separated)
    /// whose `X-Forwarded-For` is believed. From anyone else the header is ignored: a client could
    /// otherwise name a fresh address per request and slip past the per-client rate limits.
    public var trustedProxies: [String] = []
    /// Sign-in requests (password, card, lost card) one client may make per minute on each server
    /// (`MYNAGATE_SIGNIN_CLIENT_PER_MINUTE`); the limiter is in memory, per server.
    public var signInPerClientPerMinute: Int = 30
    /// Sign-in requests from everyone together per minute on each server (`MYNAGATE_SIGNIN_GLOBAL_PER_MINUTE`).
    public var signInGlobalPerMinute: Int = 600
    /// A signed-in session ends after this long without a request (`MYNAGATE_SESSION_IDLE_SECONDS`).
    public var sessionIdleSeconds: Int = 1800
    /// A signed-in session ends this long after sign-in, however active (`MYNAGATE_SESSION_LIFETIME_SECONDS`).
    public var sessionLifetimeSeconds: Int = 8 * 3600
    /// Marks the session cookie `Secure` although TLS is not in this process: behind a TLS-terminating
    /// proxy (`cookieSecure`, `MYNAGATE_COOKIE_SECURE=1`, `serve --cookie-secure`). Always on with in-process TLS.
    public var cookieSecure: Bool = false

    /// Whether cookies are marked `Secure`: TLS in this process, or a TLS-terminating proxy said so.
    public var cookiesAreSecure: Bool { cookieSecure || tlsCertificate != nil }
    /// A bearer token for `/metrics` (`MYNAGATE_METRICS_TOKEN`, environment only). Without it `/metrics`
    /// answers only clients on the loopback interface.
    public var metricsToken: String?
    /// The 24-hour security desk's phone or text line, shown on the lost-card page and in its refusals
    /// (`securityDeskPhone`, `MYNAGATE_SECURITY_DESK_PHONE`): the holder can always suspend a card there.
    public var securityDeskPhone: String?
    /// How often expired sessions, challenges and sign-in counters are deleted (seconds, `MYNAGATE_PURGE_SECONDS`).
    public var purgeSeconds: Int = 300

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case dataDirectory, databaseURL, host, port, tlsCertificate, tlsKey, trustAnchors, crlIndex, staleCRLHours
        case certificatePolicy, authCertificatePolicies, signCertificatePolicies
        case cvcIssuers, cardKeyChain
        case revocationSweepSeconds, challengeSeconds, policyPollMilliseconds, lockoutThreshold, lockoutMinutes
        case vaultKeyFile
        case snapshotSigningKeyFile, doorEventFutureSkewSeconds, doorEventMaxAgeDays
        case trustedProxies, signInPerClientPerMinute, signInGlobalPerMinute, sessionIdleSeconds, sessionLifetimeSeconds, cookieSecure
        case securityDeskPhone, purgeSeconds
        case maxPolicyAgeSeconds, policyStaleMode, maxQueuedDecisions
    }

    /// Decodes a configuration file: every key is optional, so an operator writes only what differs
    /// from the defaults (the synthesized decoder would demand every non-optional key).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ServerConfig()
        dataDirectory = try c.decodeIfPresent(String.self, forKey: .dataDirectory) ?? d.dataDirectory
        databaseURL = try c.decodeIfPresent(String.self, forKey: .databaseURL)
        host = try c.decodeIfPresent(String.self, forKey: .host) ?? d.host
        port = try c.decodeIfPresent(Int.self, forKey: .port) ?? d.port
        tlsCertificate = try c.decodeIfPresent(String.self, forKey: .tlsCertificate)
        tlsKey = try c.decodeIfPresent(String.self, forKey: .tlsKey)
        trustAnchors = try c.decodeIfPresent(String.self, forKey: .trustAnchors)
        certificatePolicy = try c.decodeIfPresent(CertificatePolicyRule.Mode.self, forKey: .certificatePolicy) ?? d.certificatePolicy
        authCertificatePolicies = try c.decodeIfPresent([String].self, forKey: .authCertificatePolicies)
        signCertificatePolicies = try c.decodeIfPresent([String].self, forKey: .signCertificatePolicies)
        cvcIssuers = try c.decodeIfPresent(String.self, forKey: .cvcIssuers)
        cardKeyChain = try c.decodeIfPresent(CardKeyChainRule.self, forKey: .cardKeyChain) ?? d.cardKeyChain
        crlIndex = try c.decodeIfPresent(String.self, forKey: .crlIndex)
        staleCRLHours = try c.decodeIfPresent(Int.self, forKey: .staleCRLHours)
        revocationSweepSeconds = try c.decodeIfPresent(Int.self, forKey: .revocationSweepSeconds) ?? d.revocationSweepSeconds
        challengeSeconds = try c.decodeIfPresent(Int.self, forKey: .challengeSeconds) ?? d.challengeSeconds
        policyPollMilliseconds = try c.decodeIfPresent(Int.self, forKey: .policyPollMilliseconds) ?? d.policyPollMilliseconds
        lockoutThreshold = try c.decodeIfPresent(Int.self, forKey: .lockoutThreshold) ?? d.lockoutThreshold
        lockoutMinutes = try c.decodeIfPresent(Int.self, forKey: .lockoutMinutes) ?? d.lockoutMinutes
        vaultKeyFile = try c.decodeIfPresent(String.self, forKey: .vaultKeyFile)
        snapshotSigningKeyFile = try c.decodeIfPresent(String.self, forKey: .snapshotSigningKeyFile)
        doorEventFutureSkewSeconds = try c.decodeIfPresent(Int.self, forKey: .doorEventFutureSkewSeconds) ?? d.doorEventFutureSkewSeconds
        doorEventMaxAgeDays = try c.decodeIfPresent(Int.self, forKey: .doorEventMaxAgeDays) ?? d.doorEventMaxAgeDays
        trustedProxies = try c.decodeIfPresent([String].self, forKey: .trustedProxies) ?? d.trustedProxies
        signInPerClientPerMinute = try c.decodeIfPresent(Int.self, forKey: .signInPerClientPerMinute) ?? d.signInPerClientPerMinute
        signInGlobalPerMinute = try c.decodeIfPresent(Int.self, forKey: .signInGlobalPerMinute) ?? d.signInGlobalPerMinute
        sessionIdleSeconds = try c.decodeIfPresent(Int.self, forKey: .sessionIdleSeconds) ?? d.sessionIdleSeconds
        sessionLifetimeSeconds = try c.decodeIfPresent(Int.self, forKey: .sessionLifetimeSeconds) ?? d.sessionLifetimeSeconds
        cookieSecure = try c.decodeIfPresent(Bool.self, forKey: .cookieSecure) ?? d.cookieSecure
        securityDeskPhone = try c.decodeIfPresent(String.self, forKey: .securityDeskPhone)
        purgeSeconds = try c.decodeIfPresent(Int.self, forKey: .purgeSeconds) ?? d.purgeSeconds
        maxPolicyAgeSeconds = try c.decodeIfPresent(Int.self, forKey: .maxPolicyAgeSeconds) ?? d.maxPolicyAgeSeconds
        policyStaleMode = try c.decodeIfPresent(PolicyStaleMode.self, forKey: .policyStaleMode) ?? d.policyStaleMode
        maxQueuedDecisions = try c.decodeIfPresent(Int.self, forKey: .maxQueuedDecisions) ?? d.maxQueuedDecisions
    }

    /// The configuration from `file` (if any) overlaid with the environment.
    public static func load(file: String?, environment values: [String: String] = ProcessInfo.processInfo.environment) throws -> ServerConfig {
        let environment = ServerEnvironment(values)
        var c = ServerConfig()
        if let file {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            c = try JSONDecoder().decode(ServerConfig.self, from: data)
        }
        if let v = environment[.dataDir] { c.dataDirectory = v }
        if let v = environment[.databaseURL], !v.isEmpty { c.databaseURL = v }
        if let v = environment[.host] { c.host = v }
        if let v = environment[.port] {
            guard let p = Int(v), (1...65535).contains(p) else { throw ServerConfigError("MYNAGATE_PORT must be a port number from 1 to 65535") }
            c.port = p
        }
        if let v = environment[.tlsCert] { c.tlsCertificate = v }
        if let v = environment[.tlsKey] { c.tlsKey = v }
        if let v = environment[.trustAnchors] { c.trustAnchors = v }
        if let v = environment[.certPolicy] {
            guard let mode = CertificatePolicyRule.Mode(rawValue: v) else {
                throw ServerConfigError("MYNAGATE_CERT_POLICY must be off, warn or require")
            }
            c.certificatePolicy = mode
        }
        if let v = environment[.authCertPolicies] { c.authCertificatePolicies = Self.list(v) }
        if let v = environment[.signCertPolicies] { c.signCertificatePolicies = Self.list(v) }
        if let v = environment[.cvcIssuers], !v.isEmpty { c.cvcIssuers = v }
        if let v = environment[.cardKeyChain] {
            guard let rule = CardKeyChainRule(rawValue: v) else { throw ServerConfigError("MYNAGATE_CARD_KEY_CHAIN must be require or allow") }
            c.cardKeyChain = rule
        }
        if let v = environment[.crlIndex] { c.crlIndex = v }
        if let v = environment[.staleCRL] {
            // "fail-closed" or a number of hours; anything else used to mean fail-closed without a word.
            if v == "fail-closed" {
                c.staleCRLHours = nil
            } else {
                guard let hours = Int(v), hours >= 0 else {
                    throw ServerConfigError("MYNAGATE_STALE_CRL must be fail-closed or a number of hours (0 or more)")
                }
                c.staleCRLHours = hours
            }
        }
        if let v = environment[.revocationSweepSeconds] { c.revocationSweepSeconds = try Self.positive(v, "MYNAGATE_REVOCATION_SWEEP_SECONDS") }
        if let v = environment[.vaultKeyFile], !v.isEmpty { c.vaultKeyFile = v }
        if let v = environment[.vaultKey], !v.isEmpty { c.vaultKeyBase64 = v }
        if let v = environment[.snapshotSigningKeyFile], !v.isEmpty { c.snapshotSigningKeyFile = v }
        if let v = environment[.trustedProxies] {
            c.trustedProxies = v.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if let v = environment[.signInClientPerMinute] { c.signInPerClientPerMinute = try Self.positive(v, "MYNAGATE_SIGNIN_CLIENT_PER_MINUTE") }
        if let v = environment[.signInGlobalPerMinute] { c.signInGlobalPerMinute = try Self.positive(v, "MYNAGATE_SIGNIN_GLOBAL_PER_MINUTE") }
        if let v = environment[.sessionIdleSeconds] { c.sessionIdleSeconds = try Self.positive(v, "MYNAGATE_SESSION_IDLE_SECONDS") }
        if let v = environment[.sessionLifetimeSeconds] { c.sessionLifetimeSeconds = try Self.positive(v, "MYNAGATE_SESSION_LIFETIME_SECONDS") }
        if let v = environment[.cookieSecure] {
            switch v.lowercased() {
            case "1", "true", "yes": c.cookieSecure = true
            case "0", "false", "no": c.cookieSecure = false
            default: throw ServerConfigError("MYNAGATE_COOKIE_SECURE must be true or false")
            }
        }
        if let v = environment[.metricsToken], !v.isEmpty { c.metricsToken = v }
        if let v = environment[.securityDeskPhone], !v.isEmpty { c.securityDeskPhone = v }
        if let v = environment[.purgeSeconds] { c.purgeSeconds = try Self.positive(v, "MYNAGATE_PURGE_SECONDS") }
        if let v = environment[.maxPolicyAge] { c.maxPolicyAgeSeconds = try Self.positive(v, "MYNAGATE_MAX_POLICY_AGE") }
        if let v = environment[.policyStaleMode] {
            guard let mode = PolicyStaleMode(rawValue: v) else {
                throw ServerConfigError("MYNAGATE_POLICY_STALE_MODE must be fail-secure or fail-safe")
            }
            c.policyStaleMode = mode
        }
        if let v = environment[.maxQueuedDecisions] { c.maxQueuedDecisions = try Self.positive(v, "MYNAGATE_MAX_QUEUED_DECISIONS") }
        // A policy OID that does not parse stops the start, whichever source named it.
        for purpose in TrustPurpose.allCases { _ = try c.certificatePolicyRule(for: purpose) }
        return c
    }

    /// A whole number above zero, or an error naming the variable: a value that does not read is refused at
    /// start rather than quietly leaving the default in force.
    package static func positive(_ text: String, _ name: String) throws -> Int {
        guard let n = Int(text), n > 0 else { throw ServerConfigError("\(name) must be a whole number above 0") }
        return n
    }

    /// Comma-separated values, trimmed, empty ones dropped.
    package static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The certificate policy rule for `purpose`: ``certificatePolicy`` with the configured OIDs, or the
    /// known ones (`CertificatePolicyRule.knownPolicies(for:)`) when none are configured.
    public func certificatePolicyRule(for purpose: TrustPurpose) throws -> CertificatePolicyRule {
        let configured = purpose == .auth ? authCertificatePolicies : signCertificatePolicies
        guard let configured, !configured.isEmpty else { return .known(certificatePolicy, for: purpose) }
        do {
            return CertificatePolicyRule(mode: certificatePolicy, policies: try CertificatePolicyRule.parsePolicies(configured))
        } catch {
            throw ServerConfigError("\(purpose.rawValue) certificate policies: \(error)")
        }
    }

    /// The vault key file in use: ``vaultKeyFile``, or `vault.key` in the data directory if it exists.
    public var resolvedVaultKeyFile: String? {
        if let f = vaultKeyFile { return f }
        let p = (dataDirectory as NSString).appendingPathComponent("vault.key")
        return FileManager.default.fileExists(atPath: p) ? p : nil
    }

    /// The snapshot signing key file in use: ``snapshotSigningKeyFile``, else `snapshot-signing.key` in
    /// the data directory.
    public var resolvedSnapshotSigningKeyFile: String {
        snapshotSigningKeyFile ?? (dataDirectory as NSString).appendingPathComponent("snapshot-signing.key")
    }

    /// The SQLite file used when no `databaseURL` is set.
    public var sqlitePath: String { (dataDirectory as NSString).appendingPathComponent("mynagate.sqlite") }

    /// Lines to print at start: everything except secrets (the database password is masked).
    public var summary: [String] {
        var lines: [String] = []
        lines.append("data directory: \(dataDirectory)")
        if let url = databaseURL {
            lines.append("database: PostgreSQL \(Self.maskPassword(url))")
        } else {
            lines.append("database: SQLite \(sqlitePath) (WAL)")
        }
        lines.append("listening: \(tlsCertificate == nil ? "http" : "https")://\(host):\(port)")
        lines.append("trust anchors: \(trustAnchors ?? "none configured (enrollment refuses every card)")")
        lines.append("certificate policy rule: " + (certificatePolicy == .off ? "off (any certificatePolicies accepted)"
            : TrustPurpose.allCases.map { p in "\(p.rawValue) \((try? certificatePolicyRule(for: p))?.description ?? "invalid")" }.joined(separator: "; ")))
        lines.append("card-verifiable CAs: \(cvcIssuers ?? "none (chip readings of the number are recorded as issuer unknown)")")
        lines.append("card keys (genuine doors): \(cardKeyChain == .require ? "enrolled only when a CVC issuer vouches for the card's certificate" : "enrolled without a CVC issuer too (chain_unchecked)")")
        lines.append("revocation index: \(crlIndex.map { "\($0) (swept every \(revocationSweepSeconds) s)" } ?? "none")")
        lines.append("stale policy: after \(maxPolicyAgeSeconds) s without a successful check, \(policyStaleMode.rawValue)")
        lines.append("stale CRL: \(staleCRLHours.map { "accepted for \($0) h" } ?? "fail closed")")
        lines.append("door snapshot signing key: \(resolvedSnapshotSigningKeyFile)")
        lines.append("session cookie: \(cookiesAreSecure ? "Secure" : "not Secure (plain http; use --cookie-secure behind a TLS proxy)")")
        lines.append("metrics: \(metricsToken != nil ? "bearer token required" : "loopback clients only")")
        lines.append("trusted proxies: \(trustedProxies.isEmpty ? "none (X-Forwarded-For ignored)" : trustedProxies.joined(separator: ", "))")
        lines.append("vault key: \(vaultKeyBase64 != nil ? "from MYNAGATE_VAULT_KEY" : (resolvedVaultKeyFile ?? "none (the vault answers 503)"))")
        return lines
    }

    /// `url` with its password, if any, replaced by `****`.
    public static func maskPassword(_ url: String) -> String {
        guard var c = URLComponents(string: url) else { return "(unparsable URL)" }
        if c.password != nil { c.password = "****" }
        return c.string ?? "(unparsable URL)"
    }
}

/// Whether a card key may be enrolled without a CVC issuer to check the card's certificate against.
public enum CardKeyChainRule: String, Sendable, Codable, CaseIterable {
    /// Refused (`no_cvc_issuers`) unless ``ServerConfig/cvcIssuers`` is configured (the default).
    case require
    /// Stored with `chain_unchecked`: the age record is still checked against the certificate the card
    /// presents, and the key against the challenge (docs/SECURITY.md says what that leaves open).
    case allow
}

/// What a server's door decisions do when its policy is stale (``ServerConfig/maxPolicyAgeSeconds``).
public enum PolicyStaleMode: String, Sendable, Codable, CaseIterable {
    /// Deny every tap with `policy_stale_fail_secure`: a suspension the server could not load must not
    /// open a door (the default, like door agents').
    case failSecure = "fail-secure"
    /// Decide on the last policy loaded and say so (`policy_stale_fail_safe`): for sites where a locked
    /// door is the greater danger.
    case failSafe = "fail-safe"
}

/// A configuration value that cannot be used.
public struct ServerConfigError: Error, CustomStringConvertible {
    public var description: String
    package init(_ d: String) { description = d }
}
