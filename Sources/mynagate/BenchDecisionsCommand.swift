import Access
import ArgumentParser
import Fluent
import SQLKit
import Foundation
import Server
import ServerCore
import Store
import Synchronization
import Vapor

/// `mynagate bench decisions`: door decisions over real HTTP at a fixed rate, beside a minimal Vapor
/// route in the same process, the same run and the same load, so the ratio shows what MynaGate adds to
/// the framework's own floor.
struct BenchDecisionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decisions",
        abstract: "Door decisions per second and their server-side latency, beside a minimal Vapor route.",
        discussion: """
            Starts the real server in this process on SQLite in a temporary directory, with a generated \
            organisation (employees with credentials, doors with tokens, all through Fluent in one \
            transaction), then sends POST /api/v1/doors/{id}/decisions over HTTP/1.1 keep-alive \
            connections on 127.0.0.1 at a fixed rate (open loop: a slow answer does not slow the sender), \
            and the same load to POST /bench/echo, a route that only returns its body. Server-side latency \
            is timed exactly per request by a middleware placed first in the chain (after HTTP parsing, \
            before response writing); the client's round trip is shown too. Target: p99 ≤ 2 ms at \
            1,000 decisions/s. Run a release build for meaningful figures.

            Two more comparisons in the same run (issue 15): the decisions again with every pooled SQLite \
            connection switched to synchronous=NORMAL (the server runs FULL), plus single-row commits \
            under each; and the decisions while bursts of --sign-ins concurrent password sign-ins \
            (half right, half wrong, bcrypt cost 12) hit the same server. --sign-ins 0 skips the burst.
            """
    )

    @ArgumentParser.Option(help: "Employees, each with one enrolled credential.") var employees = 50_000
    @ArgumentParser.Option(help: "Doors, each with its own token.") var doors = 2_000
    @ArgumentParser.Option(help: "Requests per second.") var rate = 1_000
    @ArgumentParser.Option(help: "Seconds of measured load per route.") var seconds = 10
    @ArgumentParser.Option(help: "Seconds of unmeasured warm-up per route.") var warmup = 2
    @ArgumentParser.Option(help: "Concurrent HTTP/1.1 keep-alive connections.") var connections = 8
    @ArgumentParser.Option(help: "Concurrent sign-ins per burst during the last decisions run (0: no burst).") var signIns = 50
    @ArgumentParser.Option(help: "Single-row commits timed under synchronous=FULL and NORMAL.") var commits = 500

    func validate() throws {
        guard (1...1_000_000).contains(employees), (1...100_000).contains(doors) else { throw ValidationError("--employees 1–1000000, --doors 1–100000") }
        guard (1...20_000).contains(rate), (1...600).contains(seconds), (0...60).contains(warmup) else {
            throw ValidationError("--rate 1–20000, --seconds 1–600, --warmup 0–60")
        }
        guard (1...256).contains(connections) else { throw ValidationError("--connections 1–256") }
        guard (0...1_000).contains(signIns), (1...100_000).contains(commits) else { throw ValidationError("--sign-ins 0–1000, --commits 1–100000") }
    }

    func run() async throws {
        var env = Environment(name: "production", arguments: ["mynagate"])
        try ServerLogging.bootstrap(from: &env)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = ServerConfig()
        c.dataDirectory = dir.path
        c.port = 0
        // Every request comes from 127.0.0.1: without this the per-client limit (30 a minute) would refuse
        // the burst before any password is checked, and the bench would time the limiter, not bcrypt.
        c.signInPerClientPerMinute = 1_000_000
        c.signInGlobalPerMinute = 1_000_000
        let app = try await Application.make(env)
        let timings = ServerTimings()
        do {
            try await configure(app, config: c)
            // First in the chain, before Vapor's default middleware and MynaGate's own. After configure,
            // which replaces the whole middleware list (ErrorResponses): added before it, the timings were
            // dropped and every server-side figure read 0 ("met").
            app.middleware.use(timings, at: .beginning)
            app.on(.POST, "bench", "echo", body: .collect(maxSize: "1kb")) { req -> Response in
                Response(status: .ok, headers: ["Content-Type": "application/json"], body: .init(buffer: req.body.data ?? ByteBuffer()))
            }
            let seedStart = ContinuousClock.now
            let org = try await BenchOrganisation.seed(employees: employees, doors: doors, on: app.db)
            try await app.mynagate.policy.changed()
            print("organisation: \(employees) employees with credentials, \(doors) doors, seeded in \(Self.format(ContinuousClock.now - seedStart))")
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            guard let port = app.http.server.shared.localAddress?.port else { throw CLIFailure("the server did not report its port") }
            app.http.client.configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
            app.http.client.configuration.timeout = .init(connect: .seconds(5), read: .seconds(10))
            let load = LoadGenerator(client: app.client, base: "http://127.0.0.1:\(port)", organisation: org)
            print("load: \(rate) requests/s for \(seconds) s per route (after \(warmup) s warm-up), \(connections) keep-alive connections, 127.0.0.1")

            func measure(_ route: LoadGenerator.Route) async -> RouteResult {
                _ = await load.run(route, rate: rate, seconds: warmup)
                timings.reset()
                let client = await load.run(route, rate: rate, seconds: seconds)
                return RouteResult(client: client, server: timings.samples(route.serverPath))
            }
            let echo = await measure(.echo)
            let decisions = await measure(.decisions)
            let syncLevels = try await SQLiteConnections.synchronous(app)
            let fullCommits = try await Self.timeCommits(commits, app: app)
            try await Self.setSynchronous("NORMAL", app: app)
            let normal = await measure(.decisions)
            let normalCommits = try await Self.timeCommits(commits, app: app)
            try await Self.setSynchronous("FULL", app: app)
            try await app.mynagate.events.flush()
            let logged = try await AuditRecordModel.query(on: app.db).filter(\.$kind == "door.decision").count()
            report(echo: echo, decisions: decisions, logged: logged)
            reportDurability(full: decisions, normal: normal, levels: syncLevels, fullCommits: fullCommits, normalCommits: normalCommits)
            if signIns > 0 {
                let accounts = try await BenchSignInBurst.seed(accounts: 20, on: app.db)
                let burst = BenchSignInBurst(base: "http://127.0.0.1:\(port)", rightAccounts: accounts.right, wrongAccounts: accounts.wrong, concurrent: signIns)
                let alone = await measure(.decisions)
                let running = Task { await burst.run() }
                let during = await measure(.decisions)
                running.cancel()
                let tally = await running.value
                reportSignIns(alone: alone, during: during, tally: tally)
            }
            await app.server.shutdown()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    struct RouteResult {
        var client: LoadGenerator.Outcome
        var server: [UInt64]
    }

    /// One route's line: throughput, server-side percentiles, client round trip, errors.
    func row(_ name: String, _ r: RouteResult) -> String {
        let s = Percentiles(r.server), cl = Percentiles(r.client.roundTrips)
        let throughput = Double(r.client.completed) / r.client.elapsed
        return "\(name.padding(toLength: 22, withPad: " ", startingAt: 0)) \(pad(String(format: "%.0f/s", throughput), 9))"
            + " \(pad(ms(s.p50), 8)) \(pad(ms(s.p99), 8)) \(pad(ms(s.p999), 8)) \(pad(ms(s.max), 8))   \(pad(ms(cl.p50), 8)) \(pad(ms(cl.p99), 8))"
            + "   \(r.client.errors) errors"
    }

    func report(echo: RouteResult, decisions: RouteResult, logged: Int) {
        print("")
        print("route                  throughput   server-side latency (ms)              client round trip (ms)")
        print("                                     p50      p99    p99.9      max        p50      p99")
        print(row("POST /bench/echo", echo))
        print(row("POST …/decisions", decisions))
        let e = Percentiles(echo.server), d = Percentiles(decisions.server)
        print("")
        print(String(format: "ratio decisions / echo: p50 %.2f×, p99 %.2f×", Double(d.p50) / Double(max(e.p50, 1)), Double(d.p99) / Double(max(e.p99, 1))))
        print("decisions granted: \(decisions.client.granted) of \(decisions.client.completed); door.decision events logged (incl. warm-up): \(logged)")
        // No server-side sample for an answered request means the timing is not measuring: not "met".
        let met = d.p99 <= 2_000_000 && decisions.client.errors == 0 && decisions.server.count >= decisions.client.completed
        print("target: server-side p99 ≤ 2 ms at \(rate) decisions/s — \(met ? "met" : "MISSED") (p99 \(ms(d.p99)) ms)")
    }

    /// Switches every pooled SQLite connection (one per event loop) to `level`.
    static func setSynchronous(_ level: String, app: Application) async throws {
        _ = try await SQLiteConnections.each(app) { try await $0.raw("PRAGMA synchronous=\(unsafeRaw: level)").run() }
    }

    /// Seconds for `count` single-row INSERTs, each its own transaction (so its own commit and, under
    /// FULL, its own fsync of the WAL), one after the other on the pool.
    static func timeCommits(_ count: Int, app: Application) async throws -> Double {
        guard let sql = app.db as? any SQLDatabase else { throw CLIFailure("the bench database has no SQL") }
        try await sql.raw("CREATE TABLE IF NOT EXISTS bench_commits (id INTEGER PRIMARY KEY, body TEXT NOT NULL)").run()
        let clock = ContinuousClock(), start = clock.now
        for i in 0..<count { try await sql.raw("INSERT INTO bench_commits (body) VALUES (\(bind: "commit \(i)"))").run() }
        let d = (clock.now - start).components
        return Double(d.seconds) + Double(d.attoseconds) / 1e18
    }

    func reportDurability(full: RouteResult, normal: RouteResult, levels: [Int], fullCommits: Double, normalCommits: Double) {
        let f = Percentiles(full.server), n = Percentiles(normal.server)
        print("")
        print("SQLite durability: the server runs synchronous=FULL on every connection (PRAGMA synchronous per connection: \(levels))")
        print(row("decisions, FULL", full))
        print(row("decisions, NORMAL", normal))
        print(String(format: "ratio FULL / NORMAL: decisions p50 %.2f×, p99 %.2f×", Double(f.p50) / Double(max(n.p50, 1)), Double(f.p99) / Double(max(n.p99, 1))))
        print(String(format: "single-row commits: FULL %.0f/s, NORMAL %.0f/s (%d each); time ratio FULL / NORMAL %.2f×",
                     Double(commits) / fullCommits, Double(commits) / normalCommits, commits, fullCommits / max(normalCommits, 1e-9)))
    }

    func reportSignIns(alone: RouteResult, during: RouteResult, tally: BenchSignInBurst.Tally) {
        let a = Percentiles(alone.server), d = Percentiles(during.server)
        print("")
        print("sign-in burst: \(signIns) concurrent password sign-ins per burst (half right, half wrong; bcrypt cost 12 on its own pool)")
        print(row("decisions, alone", alone))
        print(row("decisions, sign-ins", during))
        print("sign-ins during the run (incl. warm-up): \(tally.bursts) bursts, \(tally.signedIn) signed in, \(tally.refused) refused, \(tally.errors) errors")
        print(String(format: "ratio with sign-ins / alone: decisions p50 %.2f×, p99 %.2f×", Double(d.p50) / Double(max(a.p50, 1)), Double(d.p99) / Double(max(a.p99, 1))))
    }

    func pad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
    func ms(_ nanos: UInt64) -> String { String(format: "%.3f", Double(nanos) / 1e6) }
    static func format(_ d: Duration) -> String {
        String(format: "%.1f s", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
    }
}

/// Nearest-rank percentiles of nanosecond samples.
struct Percentiles {
    var p50: UInt64 = 0, p99: UInt64 = 0, p999: UInt64 = 0, max: UInt64 = 0

    init(_ samples: [UInt64]) {
        guard !samples.isEmpty else { return }
        let sorted = samples.sorted()
        func at(_ q: Double) -> UInt64 { sorted[Swift.min(sorted.count - 1, Int((q * Double(sorted.count)).rounded(.up)) - 1)] }
        p50 = at(0.50)
        p99 = at(0.99)
        p999 = at(0.999)
        max = sorted.last!
    }
}

/// Times every request from the moment the first middleware sees it (headers and body parsed) to the
/// moment the response leaves the chain: routing, MynaGate's middleware (sessions, door token), the
/// handler and response encoding. Both routes pass the same chain, so their difference is MynaGate's.
final class ServerTimings: AsyncMiddleware, Sendable {
    private let recorded = Mutex<[String: [UInt64]]>([:])

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let response = try await next.respond(to: request)
        let elapsed = DispatchTime.now().uptimeNanoseconds - start
        let key = request.url.path.hasSuffix("/decisions") ? "decisions" : request.url.path
        recorded.withLock { $0[key, default: []].append(elapsed) }
        return response
    }

    func reset() { recorded.withLock { $0 = [:] } }
    func samples(_ key: String) -> [UInt64] { recorded.withLock { $0[key] ?? [] } }
}
