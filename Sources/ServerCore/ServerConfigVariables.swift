/// The environment variables the server reads, each with what it sets.
///
/// ``ServerConfig/load(file:environment:)`` reads the environment only through ``ServerEnvironment``,
/// whose subscript takes one of these cases: a variable that is not listed here cannot be read, so
/// `mynagate serve --help` (which prints ``helpText``) can never omit one (issue 21 item 6: it had left
/// out three).
public enum ServerVariable: String, CaseIterable, Sendable {
    case dataDir = "MYNAGATE_DATA_DIR"
    case databaseURL = "DATABASE_URL"
    case host = "MYNAGATE_HOST"
    case port = "MYNAGATE_PORT"
    case tlsCert = "MYNAGATE_TLS_CERT"
    case tlsKey = "MYNAGATE_TLS_KEY"
    case trustAnchors = "MYNAGATE_TRUST_ANCHORS"
    case certPolicy = "MYNAGATE_CERT_POLICY"
    case authCertPolicies = "MYNAGATE_AUTH_CERT_POLICIES"
    case signCertPolicies = "MYNAGATE_SIGN_CERT_POLICIES"
    case cvcIssuers = "MYNAGATE_CVC_ISSUERS"
    case cardKeyChain = "MYNAGATE_CARD_KEY_CHAIN"
    case crlIndex = "MYNAGATE_CRL_INDEX"
    case staleCRL = "MYNAGATE_STALE_CRL"
    case revocationSweepSeconds = "MYNAGATE_REVOCATION_SWEEP_SECONDS"
    case vaultKeyFile = "MYNAGATE_VAULT_KEY_FILE"
    case vaultKey = "MYNAGATE_VAULT_KEY"
    case snapshotSigningKeyFile = "MYNAGATE_SNAPSHOT_SIGNING_KEY_FILE"
    case trustedProxies = "MYNAGATE_TRUSTED_PROXIES"
    case signInClientPerMinute = "MYNAGATE_SIGNIN_CLIENT_PER_MINUTE"
    case signInGlobalPerMinute = "MYNAGATE_SIGNIN_GLOBAL_PER_MINUTE"
    case sessionIdleSeconds = "MYNAGATE_SESSION_IDLE_SECONDS"
    case sessionLifetimeSeconds = "MYNAGATE_SESSION_LIFETIME_SECONDS"
    case cookieSecure = "MYNAGATE_COOKIE_SECURE"
    case metricsToken = "MYNAGATE_METRICS_TOKEN"
    case securityDeskPhone = "MYNAGATE_SECURITY_DESK_PHONE"
    case purgeSeconds = "MYNAGATE_PURGE_SECONDS"
    case maxPolicyAge = "MYNAGATE_MAX_POLICY_AGE"
    case policyStaleMode = "MYNAGATE_POLICY_STALE_MODE"
    case maxQueuedDecisions = "MYNAGATE_MAX_QUEUED_DECISIONS"
    /// Read by Vapor's logging bootstrap (``ServerLogging``), listed so `--help` names it too.
    case logLevel = "LOG_LEVEL"

    /// What the variable sets, with its values and default, for `--help`.
    public var help: String {
        switch self {
        case .dataDir: "data directory: SQLite database, keys (default ./data)"
        case .databaseURL: "PostgreSQL URL (postgres://user:password@host/db); unset: SQLite in the data directory"
        case .host: "address to listen on (default 127.0.0.1)"
        case .port: "port to listen on, 1–65535 (default 8080)"
        case .tlsCert: "TLS certificate chain (PEM); with MYNAGATE_TLS_KEY the server speaks https"
        case .tlsKey: "TLS private key (PEM)"
        case .trustAnchors: "J-LIS trust anchors directory (auth/, sign/); unset: enrollment refuses every card"
        case .certPolicy: "certificatePolicies rule: off, warn or require (default off)"
        case .authCertPolicies: "authentication certificate policy OIDs, comma-separated (default: the known ones)"
        case .signCertPolicies: "signing certificate policy OIDs, comma-separated (default: the known ones)"
        case .cvcIssuers: "card-verifiable CA file (.cvc) or directory, for chip integrity and card keys"
        case .cardKeyChain: "require or allow: a genuine door's card key enrolled without a CVC issuer (default require)"
        case .crlIndex: "revocation index directory (`mynagate trust crl import`); revoked cards are suspended"
        case .staleCRL: "fail-closed, or hours a CRL past its nextUpdate is still accepted (default fail-closed)"
        case .revocationSweepSeconds: "seconds between CRL sweeps of every credential (default 60; index changes sweep at once)"
        case .vaultKeyFile: "the vault's key-encryption key file (default vault.key in the data directory if present)"
        case .vaultKey: "the vault's key as base64, or id:base64[,id:base64…] with the first current (environment only)"
        case .snapshotSigningKeyFile: "Ed25519 key signing door snapshots (default snapshot-signing.key in the data directory)"
        case .trustedProxies: "reverse proxy IPs, comma-separated, whose X-Forwarded-For is believed (default none)"
        case .signInClientPerMinute: "sign-in requests per client per minute on each server (default 30)"
        case .signInGlobalPerMinute: "sign-in requests from everyone per minute on each server (default 600)"
        case .sessionIdleSeconds: "a session ends after this long without a request (default 1800)"
        case .sessionLifetimeSeconds: "a session ends this long after sign-in (default 28800)"
        case .cookieSecure: "true or false: mark the session cookie Secure behind a TLS proxy (default false)"
        case .metricsToken: "bearer token for /metrics; unset: loopback clients only (environment only)"
        case .securityDeskPhone: "the 24-hour security desk's line, shown on the lost-card page"
        case .purgeSeconds: "seconds between deletions of expired sessions and challenges (default 300)"
        case .maxPolicyAge: "seconds the in-memory policy may go unchecked before decisions follow the stale mode (default 30)"
        case .policyStaleMode: "fail-secure or fail-safe once the policy is stale (default fail-secure)"
        case .maxQueuedDecisions: "door decisions queued for the event log at most; past it 503 (default 50000)"
        case .logLevel: "log level: debug, info, notice, warning, error or critical (trace is raised to debug; default info)"
        }
    }

    /// One line per variable, for a command's `--help`.
    public static var helpText: String {
        allCases.map { "  \($0.rawValue): \($0.help)" }.joined(separator: "\n")
    }
}

/// The process environment as the server reads it: only through ``ServerVariable``.
public struct ServerEnvironment: Sendable {
    private let values: [String: String]

    public init(_ values: [String: String]) { self.values = values }

    public subscript(_ variable: ServerVariable) -> String? { values[variable.rawValue] }
}
