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
            Delete the directory to start afresh.
            """
    )

    @ArgumentParser.Option(help: "Data directory.") var data = "./mynagate-demo"
    @ArgumentParser.Option(help: "Port to listen on.") var port = 8080
    @ArgumentParser.Option(help: "Address to listen on.") var host = "127.0.0.1"
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
        try demo.prepareFiles { done, total in
            FileHandleOutput.standardError.write("\rmaking virtual cards \(done)/\(total)")
            if done == total { FileHandleOutput.standardError.write("\n") }
        }
        var c = ServerConfig()
        c.dataDirectory = dir.path
        c.port = port
        c.host = host
        c.trustAnchors = demo.anchorsDirectory.path
        // The TEST card-verifiable CA the demo's cards are issued under (written by the hierarchy).
        c.cvcIssuers = demo.caDirectory.appendingPathComponent(TestJPKIHierarchy.FileName.cvcCA).path
        // The vault works out of the box: a key file of its own (0600) in the data directory.
        try VaultKeyFile.ensureDemoKey(in: dir)
        let interval = tapInterval
        try await ServerRunner.run(c) { app in
            // The enrollment page's demo button and the vault's "give from the card" read these files.
            app.deskCards = VirtualCardFiles(directory: demo.cardsDirectory)
            let logins = try await demo.seed(app)
            print("")
            print("MynaGate demo: http://\(host):\(port)/  (日本語; add ?lang=en for English)")
            print("logins (username / password):")
            for l in logins { print("  \(l.role.padding(toLength: 9, withPad: " ", startingAt: 0)) \(l.username) / \(l.password)") }
            print("virtual cards: \(demo.cardsDirectory.path) (auth PIN 1234; SPARE-*.vcard are not enrolled: try them on /enroll)")
            if interval > 0 {
                DoorSimulator(app: app, demo: demo, baseURL: "http://\(host):\(port)", interval: interval).start()
                print("simulated doors: a tap every \(interval) s (events in the event log)")
            }
        }
    }
}
