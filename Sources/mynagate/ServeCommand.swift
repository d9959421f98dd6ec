import ArgumentParser
import Foundation
import Server
import ServerCore
import Vapor

/// `mynagate serve`: the MynaGate server.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the MynaGate server (SQLite in the data directory, or PostgreSQL with DATABASE_URL).",
        discussion: """
            Configuration: a JSON file (--config), then the environment, then these options. Migrations run \
            at start. The configuration is printed at start without secrets. On an empty database the server \
            waits to be set up: it prints a one-time code for its /setup page (or run `mynagate setup`).

            Environment variables:
            \(ServerVariable.helpText)
            """
    )

    @ArgumentParser.Option(help: "A JSON configuration file.") var config: String?
    @ArgumentParser.Option(help: "Data directory (SQLite database, keys).") var data: String?
    @ArgumentParser.Option(help: "Address to listen on.") var host: String?
    @ArgumentParser.Option(help: "Port to listen on.") var port: Int?
    @ArgumentParser.Flag(help: "Mark the session cookie Secure: the server is behind a TLS-terminating proxy.") var cookieSecure = false

    func run() async throws {
        // Everything the server writes (database, WAL, keys) is for its own user only (DataFiles).
        DataFiles.restrictNewFiles()
        var c = try ServerConfig.load(file: config)
        if let data { c.dataDirectory = data }
        if let host { c.host = host }
        if let port { c.port = port }
        if cookieSecure { c.cookieSecure = true }
        try await ServerRunner.run(c) { app in
            // An empty database waits for its first administrator (FirstRun): the code is shown here
            // only, so whoever sets the server up is someone who can read its console.
            if let code = try await app.setupGate.open(on: app.db) {
                let base = "\(c.tlsCertificate == nil ? "http" : "https")://\(c.host):\(c.port)"
                print("not set up yet: open \(base)/setup and enter the setup code \(code)  (shown once; or run `mynagate setup`)")
            }
        }
    }
}

/// Starts a configured server and runs it until SIGINT or SIGTERM.
enum ServerRunner {
    static func run(_ c: ServerConfig, afterStart: (Application) async throws -> Void = { _ in }) async throws {
        var env = Environment(name: "production", arguments: ["mynagate"])
        try ServerLogging.bootstrap(from: &env)
        let app = try await Application.make(env)
        do {
            for line in c.summary { print(line) }
            try await configure(app, config: c)
            try await afterStart(app)
            try await app.server.start(address: .hostname(c.host, port: c.port))
            print("MynaGate listening on \(c.tlsCertificate == nil ? "http" : "https")://\(c.host):\(c.port)")
            await waitForSignal()
            await app.server.shutdown()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    /// Suspends until SIGINT or SIGTERM.
    static func waitForSignal() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let once = SignalOnce(done)
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler { once.fire() }
                source.resume()
                once.keep(source)
            }
        }
    }
}

/// Resumes the continuation on the first signal only.
final class SignalOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Void, Never>?
    private var sources: [any DispatchSourceSignal] = []
    init(_ c: CheckedContinuation<Void, Never>) { continuation = c }
    func keep(_ s: any DispatchSourceSignal) { lock.withLock { sources.append(s) } }
    func fire() {
        let c = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            defer { continuation = nil }
            return continuation
        }
        c?.resume()
    }
}
