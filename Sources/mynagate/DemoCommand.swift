import ArgumentParser
import Demo
import Fluent
import Foundation
import MynaCardSim
import Server
import ServerCore
import Store
import Vapor

/// `mynagate demo`: the server on SQLite with a demo organisation, virtual cards and simulated doors.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start the server with a demo organisation (50 people with virtual cards) and simulated door traffic.",
        discussion: """
            Everything lives in the data directory (default ./mynagate-demo): the SQLite database, a TEST \
            JPKI hierarchy, one virtual card file per person (auth PIN 1234), door tokens and the demo \
            logins, which are printed at every start. Each card is enrolled through the real enrollment \
            path: the virtual card signs a server challenge after its PIN. Simulated doors then read cards \
            over APDUs and ask the server for decisions over HTTP, including PIN doors.
            One person's card is revoked in the demo's own CRL after it was enrolled: the revocation sweep \
            suspends it (credential.suspended in the event log) and the doors refuse it with that reason.
            Delete the directory to start afresh.

            The configuration is read as `mynagate serve` reads it (--config, then the environment: see \
            `mynagate serve --help`), and the demo then sets what makes it a demo: its data directory, its \
            TEST trust anchors, card-verifiable CA and revocation index. DATABASE_URL and MYNAGATE_DATA_DIR \
            are refused, so a demo never seeds a real server's database.
            """
    )

    @ArgumentParser.Option(help: "A JSON configuration file, as for serve.") var config: String?
    @ArgumentParser.Option(help: "Data directory.") var data = "./mynagate-demo"
    @ArgumentParser.Option(help: "Port to listen on (default MYNAGATE_PORT, else 8080).") var port: Int?
    @ArgumentParser.Option(help: "Address to listen on (default 127.0.0.1: the demo's logins and PIN 1234 cards are for this machine).") var host = "127.0.0.1"
    @ArgumentParser.Option(help: "Seconds between simulated taps (0 turns the simulation off).") var tapInterval: Double = 2
    @ArgumentParser.Option(help: "People in the demo organisation.") var people = 50

    func validate() throws {
        guard (5...500).contains(people) else { throw ValidationError("--people must be 5–500") }
        guard tapInterval >= 0 else { throw ValidationError("--tap-interval must not be negative") }
    }

    func run() async throws {
        // The demo's directory holds card keys, the vault key and the database: 0700, files 0600 (DataFiles).
        DataFiles.restrictNewFiles()
        let dir = URL(fileURLWithPath: data)
        try DataFiles.secureDirectory(dir.path)
        let demo = DemoOrganisation(directory: dir, people: people)
        // Read (and refused) before any card is made.
        let c = try Self.config(file: config, data: dir, demo: demo, host: host, port: port)
        try demo.prepareFiles { done, total in
            FileHandleOutput.standardError.write("\rmaking virtual cards \(done)/\(total)")
            if done == total { FileHandleOutput.standardError.write("\n") }
        }
        let revocation = DemoRevocation(organisation: demo)
        // A CRL before the server starts: enrollment fails closed without one for the cards' CA. On the
        // first start it lists nothing (the cards are enrolled next); afterwards it lists the revoked card.
        let seeded = demo.isSeeded
        try revocation.publish(revokeCard: seeded)
        // The vault works out of the box: a key file of its own (0600) in the data directory.
        try VaultKeyFile.ensureDemoKey(in: dir)
        let interval = tapInterval
        try await ServerRunner.run(c) { app in
            // The enrollment page's demo button and the vault's "give from the card" read these files.
            app.deskCards = VirtualCardFiles(directory: demo.cardsDirectory)
            let logins = try await demo.seed(app)
            if !seeded {
                // Now that the card is enrolled, its CA revokes it; the sweep notices within a second.
                try revocation.publish(revokeCard: true)
            }
            let logger = app.logger
            Task {
                while !Task.isCancelled {
                    // Task.sleep throws only when the task is cancelled (the demo is stopping): then stop republishing.
                    do { try await Task.sleep(for: DemoRevocation.republishInterval) } catch is CancellationError { return } catch {
                        logger.error("demo CRL republishing stopped: \(error)")
                        return
                    }
                    // A CRL that could not be written leaves the last one in force until it goes stale:
                    // said in the log, tried again at the next interval.
                    do { try revocation.publish(revokeCard: true) } catch { logger.error("demo CRL not published: \(error)") }
                }
            }
            print("")
            print("MynaGate demo: http://\(c.host):\(c.port)/  (日本語; add ?lang=en for English)")
            print("logins (username / password):")
            for l in logins { print("  \(l.role.padding(toLength: 9, withPad: " ", startingAt: 0)) \(l.username) / \(l.password)") }
            print("revoked card: \(revocation.revokedEmployeeNumber)'s, in the demo CRL (\(revocation.indexDirectory.path)); the sweep suspends it (event log: credential.suspended)")
            print("virtual cards: \(demo.cardsDirectory.path) (auth PIN 1234; SPARE-*.vcard are not enrolled: try them on /enroll)")
            if interval > 0 {
                DoorSimulator(app: app, demo: demo, baseURL: "http://\(c.host):\(c.port)", interval: interval).start()
                print("simulated doors: a tap every \(interval) s (events in the event log)")
            }
        }
    }

    /// The demo's configuration: the file and the environment as `serve` reads them, then the demo's own
    /// data directory, trust anchors, card-verifiable CA and revocation index.
    static func config(file: String?, data: URL, demo: DemoOrganisation, host: String, port: Int?,
                       environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServerConfig {
        for v in [ServerVariable.databaseURL, .dataDir] where !(ServerEnvironment(environment)[v] ?? "").isEmpty {
            throw ValidationError("\(v.rawValue) is set: the demo seeds its own SQLite database in --data and never a configured one; unset it to run the demo")
        }
        var c = try ServerConfig.load(file: file, environment: environment)
        guard c.databaseURL == nil else {
            throw ValidationError("the configuration file names a database: the demo seeds its own SQLite database in --data and never a configured one")
        }
        // A directory with a database but without the demo's logins is not a demo's: it may be a real
        // server's, which the demo's seeding would fill with made-up people and accounts.
        let fm = FileManager.default
        if fm.fileExists(atPath: data.appendingPathComponent("mynagate.sqlite").path), !fm.fileExists(atPath: demo.loginsFile.path) {
            throw ValidationError("\(data.path) holds a database that is not a demo's (no demo-logins.json): give the demo a directory of its own, or delete this one to start the demo afresh")
        }
        c.dataDirectory = data.path
        c.host = host
        if let port { c.port = port }
        // Keys are the demo's own, never a deployment's from the environment: production's snapshot key
        // would make real doors accept the demo's snapshots, its vault key would wrap made-up numbers,
        // and its TLS key has no business in a demo. The demo is plain http on its host.
        c.snapshotSigningKeyFile = nil
        c.vaultKeyBase64 = nil
        c.vaultKeyFile = data.appendingPathComponent("vault.key").path
        c.tlsCertificate = nil
        c.tlsKey = nil
        c.cookieSecure = false
        c.trustAnchors = demo.anchorsDirectory.path
        // The TEST card-verifiable CA the demo's cards are issued under (written by the hierarchy).
        c.cvcIssuers = demo.caDirectory.appendingPathComponent(TestJPKIHierarchy.FileName.cvcCA).path
        c.crlIndex = DemoRevocation(organisation: demo).indexDirectory.path
        return c
    }
}
