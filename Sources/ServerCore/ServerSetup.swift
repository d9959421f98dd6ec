import Audit
import Access
import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Leaf
import LeafKit
import NIOSSL
import SQLKit
import Store
import Trust
import Vapor

/// PostgreSQL connections each event loop may open. More than one, so a request's large read can run
/// on two connections at once (the attendance month for everyone) and one slow query does not hold up
/// the other requests on its loop; with 2 loops per server, 8 connections per server at most.
public let postgresConnectionsPerEventLoop = 4

/// Points `app` at the configured database: PostgreSQL at `DATABASE_URL` (with
/// ``postgresConnectionsPerEventLoop``), else the SQLite file in the data directory. The server and the
/// commands that work on the database without a server all open it here.
///
/// `wrap`, when given, receives the real configuration and returns the one to register: the tests put
/// a database that fails on purpose there (the FaultInjection target); the server never sets it.
public func useDatabase(_ app: Application, config: ServerConfig, wrap: DatabaseWrapper? = nil) throws {
    let factory: DatabaseConfigurationFactory, id: DatabaseID
    if let url = config.databaseURL {
        (factory, id) = (try .postgres(url: url, maxConnectionsPerEventLoop: postgresConnectionsPerEventLoop), .psql)
    } else {
        (factory, id) = (.sqlite(.file(config.sqlitePath)), .sqlite)
    }
    let made = factory.make()
    app.databases.use(wrap?(made) ?? made, as: id)
}

/// Turns the real database configuration into the one registered (see ``useDatabase(_:config:wrap:)``).
public typealias DatabaseWrapper = @Sendable (any DatabaseConfiguration) -> any DatabaseConfiguration

/// Sets up a MynaGate server on `app`: database and migrations, sessions, security middleware, the
/// in-memory policy, trust, TLS, the core's routes and those of each of `features` (the `Server`
/// module's `configure` names them). `wrapDatabase` is for tests (see ``useDatabase(_:config:wrap:)``).
package func configureServer(_ app: Application, config: ServerConfig, features: [any ServerFeature.Type],
                             wrapDatabase: DatabaseWrapper? = nil) async throws {
    for feature in features { try app.addFeature(feature) }
    if config.databaseURL == nil {
        // 0700 directory, 0600 database files, before SQLite opens anything (DataFiles).
        try DataFiles.prepare(config)
    }
    try useDatabase(app, config: config, wrap: wrapDatabase)
    app.migrations.add(CreateSchemaV1())
    app.migrations.add(SessionRecord.migration)
    app.migrations.add(AddCredentialVersion())
    // Before any later migration reads credentials through the model (which has these columns); on a
    // database migrated before it existed, it simply runs last.
    app.migrations.add(AddCredentialBinding())
    app.migrations.add(CreateDoorTables())
    app.migrations.add(CreateAttendanceTables())
    app.migrations.add(CreateVaultTables())
    app.migrations.add(CreateCardApplicationTables())
    app.migrations.add(CreatePhotoIDChecks())
    app.migrations.add(CreateAttendanceMonths())
    app.migrations.add(CreateDoorEventQuarantine())
    app.migrations.add(CreateSignInSecurityTables())
    app.migrations.add(AddAuditOutcomeColumn())
    app.migrations.add(AddVaultChipIntegrityColumn())
    app.migrations.add(AddGenuineCardColumns())
    // Before CreateMusterTables, whose backfill loads the policy through DoorModel (which has this
    // column); on a database migrated before it existed, it simply runs last.
    app.migrations.add(AddDoorSchedule())
    app.migrations.add(CreateMusterTables())
    app.migrations.add(CreateLeaveRegister())
    app.migrations.add(CreateDoorHistoryImports())
    app.migrations.add(CreatePCLogTables())
    app.migrations.add(AddEmployeeSearchIndexes())
    app.databases.middleware.use(CredentialVersionStamp())
    try await app.autoMigrate()
    if config.databaseURL == nil, let sql = app.db as? any SQLDatabase {
        // WAL: readers do not block the writer. journal_mode is stored in the file, so one connection
        // setting it sets it for all. synchronous is per connection and is left at SQLite's compiled
        // default, FULL (sqlite-nio defines no SQLITE_DEFAULT_SYNCHRONOUS / _WAL_SYNCHRONOUS), on every
        // pooled connection: each commit is fsynced before it is acknowledged, which matters because a
        // door agent deletes an event once the server acknowledges it. (NORMAL in WAL mode can roll the
        // last commits back after a power loss or an OS crash.) SQLiteDurabilityTests checks each connection.
        try await sql.raw("PRAGMA journal_mode=WAL").run()
        // Said once more on each open connection, so that a build with another default cannot weaken it
        // unseen; a connection the pool opens later starts with the compiled default, FULL.
        _ = try await SQLiteConnections.each(app) { try await $0.raw("PRAGMA synchronous=FULL").run() }
    }

    // Dates in JSON bodies are read strictly: a real day in 1900–2100, one ISO 8601 form (StrictDate).
    ContentConfiguration.global.use(decoder: StrictDate.jsonDecoder(), for: .json)
    // Sessions: only a hash of the id is stored, with an expiry the purge uses; the idle and absolute
    // limits are enforced on the server by SessionUserMiddleware whatever the cookie says.
    let secure = config.cookiesAreSecure
    let idle = max(1, config.sessionIdleSeconds), lifetime = max(1, config.sessionLifetimeSeconds)
    app.sessions.use { _ in HashedSessionDriver(idleSeconds: idle, lifetimeSeconds: lifetime) }
    app.sessions.configuration = SessionsConfiguration(cookieName: "mynagate_session") { id in
        HTTPCookies.Value(string: id.string, expires: Date().addingTimeInterval(TimeInterval(lifetime)), maxAge: nil, domain: nil, path: "/",
                          isSecure: secure, isHTTPOnly: true, sameSite: .lax)
    }
    // Errors never carry a database's text to the client, whatever the environment (see ErrorResponses).
    ErrorResponses.use(on: app)
    app.middleware.use(app.sessions.middleware)
    app.middleware.use(SessionUserMiddleware(idleSeconds: idle, lifetimeSeconds: lifetime))
    app.middleware.use(CSRFMiddleware())
    app.middleware.use(MethodNotAllowedMiddleware())
    app.routes.defaultMaxBodySize = "256kb"

    var anchors = TrustAnchors()
    if let dir = config.trustAnchors {
        anchors = try TrustAnchors.load(from: URL(fileURLWithPath: dir))
    }
    let validator = CardCertificateValidator(anchors: anchors, purpose: .auth, policyRule: try config.certificatePolicyRule(for: .auth))
    let signingValidator = CardCertificateValidator(anchors: anchors, purpose: .sign, policyRule: try config.certificatePolicyRule(for: .sign))
    // A configured card-verifiable CA file that does not parse stops the server, like a bad anchor.
    app.cvcIssuers = try CardIntegrity.loadIssuers(config.cvcIssuers)
    app.mynagate = AppState(config: config, db: app.db, validator: validator, signingValidator: signingValidator)
    for feature in features { try await feature.prepare(app) }
    let push = app.mynagate.doorPush
    await app.mynagate.policy.onVersionChange { push.policyChanged($0) }
    try await app.mynagate.policy.reload()
    await app.mynagate.policy.startPolling(every: config.policyPollMilliseconds, maxAgeSeconds: config.maxPolicyAgeSeconds)
    if let sweep = app.mynagate.revocationSweep {
        // The first sweep runs before the server answers: enrollment uses the CRLs from the first
        // request, and a card revoked while the server was down is suspended before any door asks.
        try await sweep.sweepNow()
        await sweep.start()
    }
    app.lifecycle.use(StateLifecycle())
    app.signInLimits = SignInLimits(config: config)
    let housekeeping = HousekeepingLoop()
    housekeeping.start(app)
    app.lifecycle.use(housekeeping)

    if let cert = config.tlsCertificate, let key = config.tlsKey {
        app.http.server.configuration.tlsConfiguration = .makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
    }
    app.http.server.configuration.hostname = config.host
    app.http.server.configuration.port = config.port

    try usePageTemplates(app)
    app.openAPI = OpenAPIDocument.assembled(core: Bundle.module, features: app.features.bundles)
    try routes(app)
    for feature in features { try feature.register(app) }
}

/// Leaf reads the templates bundled with the core and with each feature, so the pages work whatever
/// the working directory. Each bundle's `Views` is one source, searched core first: a template names
/// another (`#extend("base")`) without saying whose it is, so a name two bundles both have would be
/// ambiguous and stops the server. Leaf's default limits refuse any path with a hidden component, and
/// a SwiftPM build puts the bundles under `.build/`; the sandbox (only the bundle's own directory) is
/// the protection that matters, so it stays.
func usePageTemplates(_ app: Application) throws {
    app.views.use(.leaf)
    let sources = LeafSources()
    var seen: [String: String] = [:]
    for (index, bundle) in ([Bundle.module] + app.features.bundles).enumerated() {
        guard let views = bundle.url(forResource: "Views", withExtension: nil) else {
            throw ConfigurationError("page templates (Resources/Views) missing from the bundle \(bundle.bundlePath)")
        }
        let dir = views.path.hasSuffix("/") ? views.path : views.path + "/"
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
            if let other = seen.updateValue(dir, forKey: name) {
                throw ConfigurationError("the page template \(name) is in two bundles: \(other) and \(dir)")
            }
        }
        if index == 0 { app.leaf.configuration.rootDirectory = dir }
        try sources.register(source: "views\(index)", using: NIOLeafFiles(fileio: app.fileio, limits: [.toSandbox, .requireExtensions],
                                                                           sandboxDirectory: dir, viewDirectory: dir), searchable: true)
    }
    app.leaf.sources = sources
}

/// The core's routes, in one place; each feature registers its own (``ServerFeature/register(_:)``).
package func routes(_ app: Application) throws {
    let auth = AuthController(config: app.mynagate.config)
    auth.register(app)
    // Card sign-in: rate-limited per client and globally, and JSON only (no login CSRF by a form).
    CardSignInController(auth: auth).register(app.grouped(RateLimitMiddleware(family: .card)).grouped(JSONBodyOnly()))
    EmployeesController().register(app)
    PeopleImportController().register(app)
    // The import page's forms carry a file: their CSRF token is read from the multipart body.
    for route in PeopleImportPage.routes { app.fileRoutes.limits[route] = PeopleImportController.maxBody }
    CredentialsController().register(app)
    EnrollmentController().register(app)
    CredentialApprovalController().register(app)
    EventsController().register(app)
    SystemController().register(app)
    try Messages.add(SetupMessages.catalogue)
    Pages().register(app)
}

/// Flushes queued events and stops polling and sweeping when the server stops.
struct StateLifecycle: LifecycleHandler {
    func shutdownAsync(_ app: Application) async {
        await app.mynagate.policy.stop()
        await app.mynagate.revocationSweep?.stop()
        await app.mynagate.events.flushAtShutdown()
        app.mynagate.doorPush.closeAll()
    }
}

/// Health, metrics and the API description.
struct SystemController {
    struct Health: Content {
        /// `ok`, or `degraded` when ``problems`` is not empty.
        package var status: String
        package var database: String
        var policyVersion: Int
        /// When the policy was last confirmed current (a poll that found no change counts), ISO 8601.
        var policyConfirmedAt: String?
        /// Seconds since then; past ``ServerConfig/maxPolicyAgeSeconds`` the problem `policy.stale` is shown.
        var policyAgeSeconds: Double?
        var maxPolicyAgeSeconds: Int
        /// Door decisions waiting to be written to the event log.
        var queuedDecisions: Int
        /// What is wrong now (see ``HealthRegistry``); empty when `status` is `ok`.
        package var problems: [HealthRegistry.Problem]
    }

    package func register(_ routes: any RoutesBuilder) {
        routes.get("health", use: health)
        routes.get("metrics", use: metrics)
        routes.get("openapi.yaml", use: openapi)
    }

    /// 200 with `status: ok`, or 503 with `status: degraded` and the problems. The status code carries
    /// the verdict because load balancers and monitors read only that: a server that cannot write its
    /// event log or reload its policy should be taken out of rotation and seen by someone, not keep
    /// answering "ok" while it loses events or opens doors on an old policy.
    @Sendable func health(_ req: Request) async throws -> Response {
        let state = req.state
        do {
            _ = try await PolicyLoader.currentVersion(on: req.db)
            state.health.clear(.database)
        } catch {
            req.logger.error("health check: database did not answer: \(HealthRegistry.describe(error))")
            state.health.record(.database, error: error, context: "reading the policy version")
        }
        // Staleness is judged here too: a poll stuck on a database that never answers cannot report it.
        state.policy.noteStaleness(maxAgeSeconds: state.config.maxPolicyAgeSeconds)
        let problems = state.health.problems
        let age = state.policy.age()
        let body = Health(status: problems.isEmpty ? "ok" : "degraded", database: state.config.databaseURL == nil ? "sqlite" : "postgresql",
                          policyVersion: await state.policy.current.version,
                          policyConfirmedAt: state.policy.lastConfirmed.map(HealthRegistry.timestamp), policyAgeSeconds: age.isFinite ? age : nil,
                          maxPolicyAgeSeconds: state.config.maxPolicyAgeSeconds, queuedDecisions: await state.events.depth, problems: problems)
        let res = Response(status: problems.isEmpty ? .ok : .serviceUnavailable)
        try res.content.encode(body)
        return res
    }

    /// With ``ServerConfig/metricsToken`` set, only a request bearing it; otherwise only a loopback client
    /// (a scraper on the same machine). Counts by outcome and reason are not for everyone.
    @Sendable func metrics(_ req: Request) async throws -> Response {
        if let token = req.state.config.metricsToken {
            let presented = req.headers.bearerAuthorization?.token ?? ""
            guard constantTimeEquals(Array(token.utf8), Array(presented.utf8)) else {
                throw Abort(.unauthorized, headers: ["WWW-Authenticate": "Bearer"], reason: "metrics need the metrics token")
            }
        } else {
            guard req.clientIsLoopback else { throw Abort(.forbidden, reason: "metrics are served to this machine only (or set a metrics token)") }
        }
        req.state.policy.noteStaleness(maxAgeSeconds: req.state.config.maxPolicyAgeSeconds)
        let res = Response(status: .ok, body: .init(string: req.state.metrics.render()))
        res.headers.replaceOrAdd(name: .contentType, value: "text/plain; version=0.0.4")
        return res
    }

    @Sendable func openapi(_ req: Request) async throws -> Response {
        let res = Response(status: .ok, body: .init(string: try req.application.openAPI.get()))
        res.headers.replaceOrAdd(name: .contentType, value: "application/yaml")
        return res
    }
}
