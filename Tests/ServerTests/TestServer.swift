import FaultInjection
import Fluent
import Foundation
import MynaCard
import MynaCardSim
import SQLKit
import Server
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import SmartCard
import Store
import NIOConcurrencyHelpers
import Vapor

/// A real server on a random loopback port with a fresh database, and an HTTP client that talks to it
/// over real sockets, keeping a session cookie and CSRF token per signed-in user.
///
/// SQLite by default; PostgreSQL when `MYNAGATE_TEST_DATABASE_URL` is set (CI runs the suite both ways).
final class TestServer: @unchecked Sendable {
    let app: Application
    let port: Int
    let directory: URL
    var base: String { "http://127.0.0.1:\(port)" }

    static let hierarchy: TestJPKIHierarchy = try! TestJPKIHierarchy.generate()
    static let postgresURL = ProcessInfo.processInfo.environment["MYNAGATE_TEST_DATABASE_URL"]

    private init(app: Application, port: Int, directory: URL) {
        self.app = app
        self.port = port
        self.directory = directory
    }

    /// Starts a server; `adjust` may change the configuration and prepare files in the server's
    /// directory (the test CA, key included, is already saved under `ca/`) before it starts.
    ///
    /// With `faults`, every statement goes through that plan (FaultInjection): the test can break a
    /// table or the Nth write while the server runs.
    static func start(faults: FaultPlan? = nil, _ adjust: (inout ServerConfig, URL) throws -> Void = { _, _ in }) async throws -> TestServer {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try hierarchy.save(to: dir.appendingPathComponent("ca"))
        // Auth anchors for doors and sign-in; sign anchors for binding a card to its holder at enrollment.
        for purpose in ["auth", "sign"] {
            let anchors = dir.appendingPathComponent("anchors/\(purpose)")
            try FileManager.default.createDirectory(at: anchors, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: dir.appendingPathComponent("ca/\(purpose)-ca.pem"), to: anchors.appendingPathComponent("ca.pem"))
        }
        var c = ServerConfig()
        c.dataDirectory = dir.path
        c.databaseURL = postgresURL
        c.trustAnchors = dir.appendingPathComponent("anchors").path
        c.policyPollMilliseconds = 100
        c.bcryptCost = 4
        // Suites sign many accounts in from 127.0.0.1; the sign-in rate limits have their own tests.
        c.signInPerClientPerMinute = 100_000
        c.signInGlobalPerMinute = 100_000
        c.port = 0
        try adjust(&c, dir)
        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        // Page tests look at redirects themselves (a page refuses an anonymous browser with 303 to `/`).
        app.http.client.configuration.redirectConfiguration = .disallow
        do {
            if postgresURL != nil { try await resetPostgres(app) }
            var wrap: DatabaseWrapper?
            if let faults {
                wrap = { base in FaultInjectingConfiguration(base: base, plan: faults) }
            }
            try await configure(app, config: c, wrapDatabase: wrap)
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError, reason: "no port") }
            return TestServer(app: app, port: port, directory: dir)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }

    /// PostgreSQL tests share one database: start each from an empty schema.
    static func resetPostgres(_ app: Application) async throws {
        guard let url = postgresURL else { return }
        app.databases.use(try .postgres(url: url), as: .psql)
        // Two statements: PostgreSQL refuses several commands in one prepared statement.
        let sql = app.db as! any SQLDatabase
        try await sql.raw("DROP SCHEMA IF EXISTS public CASCADE").run()
        try await sql.raw("CREATE SCHEMA public").run()
        await app.databases.reinitialize(.psql)
    }

    private let stopped = NIOLockedValueBox(false)

    /// Stops the server once; later calls (a `defer` after an explicit stop) do nothing.
    func stop() async {
        let already = stopped.withLockedValue { v -> Bool in
            defer { v = true }
            return v
        }
        if already { return }
        await app.server.shutdown()
        try? await app.asyncShutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: HTTP

    struct Reply: Sendable {
        var status: HTTPStatus
        var headers: HTTPHeaders
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> Any { try JSONSerialization.jsonObject(with: body) }
        func object() -> [String: Any] { ((try? json()) as? [String: Any]) ?? [:] }
        func array() -> [[String: Any]] { ((try? json()) as? [[String: Any]]) ?? [] }
    }

    /// A client identity: anonymous, a signed-in user (cookie + CSRF), or a door token.
    struct Identity: Sendable {
        var cookie: String?
        var csrf: String?
        var bearer: String?
        static let anonymous = Identity()
    }

    func send(_ method: HTTPMethod, _ path: String, as who: Identity = .anonymous, json: Any? = nil, raw: Data? = nil,
              contentType: String? = nil, csrf: Bool = true, headers extra: HTTPHeaders = [:]) async throws -> Reply {
        var headers = extra
        if let c = who.cookie { headers.add(name: .cookie, value: c) }
        if csrf, let t = who.csrf { headers.add(name: "X-CSRF-Token", value: t) }
        if let b = who.bearer { headers.bearerAuthorization = BearerAuthorization(token: b) }
        var body: ByteBuffer?
        if let json {
            body = ByteBuffer(data: try JSONSerialization.data(withJSONObject: json))
            headers.contentType = .json
        } else if let raw {
            body = ByteBuffer(data: raw)
        }
        if let contentType { headers.replaceOrAdd(name: .contentType, value: contentType) }
        let res = try await app.client.send(method, headers: headers, to: URI(string: base + path)) { req in req.body = body }
        return Reply(status: res.status, headers: res.headers, body: res.body.map { Data(buffer: $0) } ?? Data())
    }

    func signIn(_ username: String, _ password: String) async throws -> Identity {
        let r = try await send(.POST, "/api/v1/session", json: ["username": username, "password": password])
        guard r.status == .ok, let setCookie = r.headers.first(name: .setCookie) else {
            throw Abort(.unauthorized, reason: "sign-in failed: \(r.status) \(r.text)")
        }
        let cookie = String(setCookie.split(separator: ";")[0])
        return Identity(cookie: cookie, csrf: r.object()["csrfToken"] as? String)
    }

    /// Creates an account directly and signs it in.
    func user(_ role: Role, employee: UUID? = nil) async throws -> Identity {
        let name = "\(role.rawValue)-\(UUID().uuidString.prefix(8))"
        try await Accounts.create(username: name, password: "correct horse battery", role: role, employeeID: employee, cost: 4, on: app.db)
        return try await signIn(name, "correct horse battery")
    }
}

/// A person with a virtual card, for end-to-end tests.
struct CardHolderFixture {
    let card: MynaCard
    let state: VirtualCardState
    static let pin = "1234"

    static let signingPassword = "ABC123"

    /// A card for a random holder, or for `name` (the HR record's name, so the signing certificate binds it).
    static func make(name: String? = nil) throws -> CardHolderFixture {
        var holder = CardHolder.random()
        if let name { holder.name = name }
        // Issued a minute ago, as real cards are issued long before enrollment: a certificate whose
        // notBefore is this very second can be "not yet valid" to a check made a moment later, once
        // the time is encoded in whole seconds.
        let state = try TestServer.hierarchy.issueCard(holder: holder, authPIN: pin, signingPassword: signingPassword,
                                                       issuedAt: Date().addingTimeInterval(-60))
        return CardHolderFixture(card: MynaCard(transport: EmulatedCardTransport(card: VirtualMynaCard(state: state))), state: state)
    }

    var serialHex: String {
        get async throws { try await card.jpki.readAuthCertificateSerial().value.bytes.map { String(format: "%02X", $0) }.joined() }
    }

    /// The holder's side of binding at the desk: the signing password typed, the signing certificate read
    /// and the challenge signed with the signing key — the enrollment body's `signingCertificate` and
    /// `signingSignature`.
    func signingFields(digestBase64: String) async throws -> [String: String] {
        try await CardHolderFixture.signingFields(card, digestBase64: digestBase64)
    }

    static func signingFields(_ card: MynaCard, password: String = signingPassword, digestBase64: String) async throws -> [String: String] {
        _ = try await card.jpki.verify(try PIN(password, kind: .jpkiSigning))
        let der = try await card.jpki.certificateDER(.signing).value
        let sig = try await card.jpki.sign(sha256Digest: Array(Data(base64Encoded: digestBase64) ?? Data()), with: .signing).value
        return ["signingCertificate": Data(der).base64EncodedString(), "signingSignature": Data(sig).base64EncodedString()]
    }

    /// Signs a base64 digest from the server after the PIN, as a desk or a door would.
    func sign(digestBase64: String, pin: String = CardHolderFixture.pin) async throws -> String {
        _ = try await card.jpki.verify(try PIN(pin, kind: .jpkiAuth), attempt: .confirmedLastTry)
        let sig = try await card.jpki.sign(sha256Digest: Array(Data(base64Encoded: digestBase64)!), with: .auth).value
        return Data(sig).base64EncodedString()
    }
}

extension TestServer {
    /// Sends an HTML form the way a browser does (the CSRF token goes in the form, as the pages put it).
    func form(_ path: String, as who: Identity, _ fields: [String: String]) async throws -> Reply {
        var all = fields
        if let csrf = who.csrf, all["csrf"] == nil { all["csrf"] = csrf }
        let body = all.map { k, v in "\(k)=\(v.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return try await send(.POST, path, as: who, raw: Data(body.utf8), contentType: "application/x-www-form-urlencoded", csrf: false)
    }

    /// Puts `birthDate` (`YYYYMMDD`, as a card holder's) in the HR record of `employee` unless it has one,
    /// as the HR master would hold it: enrollment matches the signing certificate against it.
    func setHRBirthDate(employee: String, _ birthDate: String) async throws {
        guard let id = UUID(uuidString: employee) else { throw Abort(.badRequest, reason: "employee id") }
        let iso = "\(birthDate.prefix(4))-\(birthDate.dropFirst(4).prefix(2))-\(birthDate.suffix(2))"
        if let p = try await VaultProfileModel.find(id, on: app.db) {
            if p.birthDate.isEmpty { p.birthDate = iso; try await p.save(on: app.db) }
        } else {
            let p = VaultProfileModel()
            p.id = id; p.address = ""; p.birthDate = iso; p.sex = ""
            try await p.create(on: app.db)
        }
    }

    /// Enrolls `card` for `employee` at the desk through the API, bound by its signing certificate: a
    /// challenge, the PIN and the auth signature, the signing password and the signing signature.
    func enrollCard(_ card: MynaCard, holder: CardHolder, employee: String, as desk: Identity, cardKey: Bool = true) async throws -> Reply {
        try await setHRBirthDate(employee: employee, holder.birthDate)
        let ch = try await send(.POST, "/api/v1/enrollment/challenges", as: desk, json: ["employeeId": employee])
        guard ch.status == .ok, let digest = ch.object()["digest"] as? String, let challenge = ch.object()["challengeId"] as? String else { return ch }
        let cert = try await card.jpki.certificateDER(.auth).value
        _ = try await card.jpki.verify(try PIN(CardHolderFixture.pin, kind: .jpkiAuth), attempt: .confirmedLastTry)
        let sig = try await card.jpki.sign(sha256Digest: Array(Data(base64Encoded: digest) ?? Data()), with: .auth).value
        var body: [String: Any] = ["employeeId": employee, "challengeId": challenge,
                                   "certificate": Data(cert).base64EncodedString(), "signature": Data(sig).base64EncodedString()]
        for (k, v) in try await CardHolderFixture.signingFields(card, digestBase64: digest) { body[k] = v }
        // The `genuine` level's card key, as a desk reads it: the birth-date key the server gave opens the age record.
        if cardKey, let key = ch.object()["birthDateKey"] as? String {
            switch await card.visual.cardKeyReading(birthDateKey: try PIN(key, kind: .visualBirthDate), sha256Digest: Array(Data(base64Encoded: digest) ?? Data())) {
            case .read(let ageRecord, let certificate, let signature):
                body["cardAgeRecord"] = Data(ageRecord).base64EncodedString()
                body["cardCertificate"] = Data(certificate).base64EncodedString()
                body["cardSignature"] = Data(signature).base64EncodedString()
            case .skipped(let why): body["cardKeySkipped"] = why
            }
        }
        let done = try await send(.POST, "/api/v1/enrollment", as: desk, json: body)
        // A person with an account accepts a new card in their own session: every test account has the
        // password "correct horse battery", so the holder signs in and accepts it through the real route.
        guard done.status == .accepted, (done.object()["waitingFor"] as? [String]) == ["holder"],
              let id = (done.object()["credential"] as? [String: Any])?["id"] as? String,
              let owner = try await UserModel.query(on: app.db).filter(\.$employeeID == UUID(uuidString: employee)).first() else { return done }
        let holderSession = try await signIn(owner.username, "correct horse battery")
        let accepted = try await send(.POST, "/api/v1/me/credentials/\(id)/confirm", as: holderSession, json: ["password": "correct horse battery"])
        guard accepted.status == .ok else { return accepted }
        return Reply(status: .created, headers: accepted.headers,
                     body: try JSONSerialization.data(withJSONObject: ["credential": try accepted.json(), "renewed": 0, "waitingFor": [String]()]))
    }
}
