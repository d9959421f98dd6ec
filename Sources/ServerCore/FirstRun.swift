import Audit
import Crypto
import Fluent
import Foundation
import Store
import Synchronization
import Trust
import Vapor
import X509

/// The first run (issue 21 item 5): a server on a database without any account waits to be set up.
///
/// `serve` used to create an `admin` account with a printed password. Now it prints a one-time setup code
/// instead: whoever can read the server's console opens `/setup`, types the code, chooses the first
/// administrator's name and password, and sees what the server is configured to trust (the J-LIS roots
/// and their fingerprints, the revocation source, TLS, the vault key). `mynagate setup` does the same from
/// the command line. Setting up creates the first administrator and records `setup.completed`, in one
/// audited write that refuses once any account exists — so it cannot run twice, whichever way, on
/// whichever server sharing the database.
public final class SetupGate: Sendable {
    /// SHA-256 of the setup code while the server waits to be set up; nil once set up (or never needed).
    private let codeDigest = Mutex<[UInt8]?>(nil)

    public init() {}

    /// On a database with no account, makes a setup code and returns it (to be printed once on the
    /// console); otherwise nil. Each server start makes a new one.
    public func open(on db: any Database) async throws -> String? {
        guard try await UserModel.query(on: db).count() == 0 else { return nil }
        let code = Accounts.randomPassword()
        codeDigest.withLock { $0 = Array(SHA256.hash(data: Data(code.utf8))) }
        return code
    }

    /// Whether this server is waiting to be set up.
    public var isWaiting: Bool { codeDigest.withLock { $0 != nil } }

    /// Whether `code` is the printed setup code (compared as digests, in constant time).
    func accepts(_ code: String) -> Bool {
        let given = Array(SHA256.hash(data: Data(code.utf8)))
        return codeDigest.withLock { digest in
            guard let digest else { return false }
            return zip(digest, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
        }
    }

    func close() { codeDigest.withLock { $0 = nil } }
}

extension Application {
    private struct SetupGateKey: StorageKey { typealias Value = SetupGate }

    /// The first-run gate (``SetupGate``).
    public var setupGate: SetupGate {
        if let g = storage[SetupGateKey.self] { return g }
        let g = SetupGate()
        storage[SetupGateKey.self] = g
        return g
    }
}

/// Why setting up was refused.
public enum SetupRefusal: Error, Equatable, CustomStringConvertible {
    /// An account exists: the server is set up already.
    case alreadyDone
    case badCode
    case username
    case password
    case passwordsDiffer

    public var description: String {
        switch self {
        case .alreadyDone: "this server is set up already (an account exists); setup runs once"
        case .badCode: "the setup code is not the one this server printed"
        case .username: "the username must be 1–64 characters: letters, digits, . _ -"
        case .password: "the password must be at least 12 characters"
        case .passwordsDiffer: "the two passwords differ"
        }
    }
}

public enum FirstRun {
    /// The first administrator's name rules (the same as any account's, narrowed to what a person types).
    static func validUsername(_ name: String) -> Bool {
        (1...64).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    /// Creates the first administrator and records `setup.completed` with what the checks found, in one
    /// audited write that refuses when any account exists (``SetupRefusal/alreadyDone``).
    ///
    /// - Parameter by: who set up: `setup:page` or `setup:cli` (the record's actor; no account exists yet).
    public static func complete(username: String, password: String, checks: [SetupCheck], by: String, cost: Int = 12,
                                events: EventWriter) async throws {
        guard validUsername(username) else { throw SetupRefusal.username }
        guard password.count >= 12 else { throw SetupRefusal.password }
        // Hashed before the write turn: bcrypt takes a quarter of a second and door events wait for no one.
        let hash = try Bcrypt.hash(password, cost: cost)
        var found = ["username": username]
        for c in checks { found["check.\(c.id)"] = c.state.rawValue }
        let details = found
        try await events.writeAudited { tx in
            guard try await UserModel.query(on: tx).count() == 0 else { throw SetupRefusal.alreadyDone }
            try await UserModel(username: username, passwordHash: hash, role: Role.admin.rawValue, employeeID: nil).create(on: tx)
            return ((), [AuditDraft(kind: "setup.completed", actor: by, subject: "server", details: details)])
        }
    }
}

/// One thing the setup shows about the configuration, with what to do about it.
public struct SetupCheck: Sendable, Encodable, Equatable {
    public enum State: String, Sendable, Encodable { case ok, warning }
    /// `trustAnchors`, `revocation`, `tls` or `vaultKey`.
    public var id: String
    public var state: State
    /// Facts, one per line (in English; the page adds its own headings in the reader's language).
    public var lines: [String]

    /// What the configuration says, checked against the files it names.
    public static func all(_ c: ServerConfig) -> [SetupCheck] {
        [trustAnchors(c), revocation(c), tls(c), vaultKey(c)]
    }

    /// The anchors, each with its SHA-256 fingerprint to compare with J-LIS's documents.
    static func trustAnchors(_ c: ServerConfig) -> SetupCheck {
        guard let dir = c.trustAnchors else {
            return SetupCheck(id: "trustAnchors", state: .warning, lines: ["none configured (MYNAGATE_TRUST_ANCHORS): enrollment refuses every card"])
        }
        let anchors: TrustAnchors
        do { anchors = try TrustAnchors.load(from: URL(fileURLWithPath: dir)) } catch {
            return SetupCheck(id: "trustAnchors", state: .warning, lines: ["\(dir): \(error)"])
        }
        var lines = ["directory \(dir)"]
        for purpose in TrustPurpose.allCases {
            for a in anchors.anchors(for: purpose) {
                let fingerprint = (try? Self.fingerprint(a.certificate)) ?? "(cannot be encoded)"
                lines.append("\(purpose.rawValue): \(a.certificate.subject) — valid to \(ISO8601DateFormatter().string(from: a.certificate.notValidAfter)) — SHA-256 \(fingerprint)")
            }
        }
        return SetupCheck(id: "trustAnchors", state: anchors.isEmpty(for: .auth) ? .warning : .ok, lines: lines)
    }

    /// The SHA-256 of a certificate's DER, as colon-separated hex (how certificate viewers show it).
    static func fingerprint(_ certificate: Certificate) throws -> String {
        try SHA256.hash(data: try certificate.serializeAsPEM().derBytes).map { String(format: "%02X", $0) }.joined(separator: ":")
    }

    static func revocation(_ c: ServerConfig) -> SetupCheck {
        guard let dir = c.crlIndex else {
            return SetupCheck(id: "revocation", state: .warning, lines: ["no revocation index (MYNAGATE_CRL_INDEX): a card revoked by J-LIS is not suspended"])
        }
        let files: [String]
        do { files = try FileManager.default.contentsOfDirectory(atPath: dir) } catch {
            return SetupCheck(id: "revocation", state: .warning, lines: ["\(dir) cannot be read: \(error.localizedDescription)"])
        }
        let indexes = files.filter { $0.hasSuffix(".mgidx") && !$0.hasSuffix(".base.mgidx") }.count
        guard indexes > 0 else {
            return SetupCheck(id: "revocation", state: .warning, lines: ["\(dir): no CRL imported yet (mynagate trust crl import FILE --issuer CA.pem)"])
        }
        return SetupCheck(id: "revocation", state: .ok, lines: ["\(dir): \(indexes) CRL index(es), swept every \(c.revocationSweepSeconds) s"])
    }

    static func tls(_ c: ServerConfig) -> SetupCheck {
        if let cert = c.tlsCertificate { return SetupCheck(id: "tls", state: .ok, lines: ["https in this process (\(cert))"]) }
        if c.cookieSecure { return SetupCheck(id: "tls", state: .ok, lines: ["behind a TLS-terminating proxy (session cookie marked Secure)"]) }
        return SetupCheck(id: "tls", state: .warning, lines: ["plain http: set MYNAGATE_TLS_CERT and MYNAGATE_TLS_KEY, or run behind a TLS proxy with --cookie-secure"])
    }

    static func vaultKey(_ c: ServerConfig) -> SetupCheck {
        if c.vaultKeyBase64 != nil { return SetupCheck(id: "vaultKey", state: .ok, lines: ["from MYNAGATE_VAULT_KEY"]) }
        if let f = c.resolvedVaultKeyFile { return SetupCheck(id: "vaultKey", state: .ok, lines: ["key file \(f)"]) }
        return SetupCheck(id: "vaultKey", state: .warning, lines: ["none: the My Number vault answers 503 until one is configured (mynagate vault new-key --out FILE, then MYNAGATE_VAULT_KEY_FILE)"])
    }
}
