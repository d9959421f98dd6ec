import ArgumentParser
import Foundation
import Logging
import Server
import ServerCore
import Vapor

/// `mynagate setup`: the first run from the command line (``FirstRun``), for a server not yet set up.
struct SetupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Set up a new server once: create the first administrator and check the trust anchors, revocation source, TLS and vault key.",
        discussion: """
            Reads the configuration as `mynagate serve` does (--config, then the environment: see \
            `mynagate serve --help`), runs the migrations, prints what the server is configured to trust — \
            each J-LIS root certificate with its SHA-256 fingerprint, to compare with the documents J-LIS \
            gives registered verifiers and with an independent copy — and creates the first administrator. \
            The password is read from standard input with --password-stdin, else prompted for twice \
            without echo. Refused once any account exists: setup runs once (the /setup page that `serve` \
            offers on an empty database is the same step).
            """
    )

    @ArgumentParser.Option(help: "A JSON configuration file.") var config: String?
    @ArgumentParser.Option(help: "Data directory (SQLite database, keys).") var data: String?
    @ArgumentParser.Option(help: "The first administrator's username.") var admin = "admin"
    @ArgumentParser.Flag(help: "Read the password from standard input (one line).") var passwordStdin = false
    @ArgumentParser.Flag(help: "Only print the checks; create nothing.") var checkOnly = false
    @ArgumentParser.Flag(help: "Print JSON.") var json = false

    struct Output: Encodable {
        var setUp: Bool
        var admin: String?
        var checks: [SetupCheck]
    }

    func run() async throws {
        DataFiles.restrictNewFiles()
        var c = try ServerConfig.load(file: config)
        if let data { c.dataDirectory = data }
        let checks = SetupCheck.all(c)
        if !json {
            for check in checks {
                print("\(check.id): \(check.state == .ok ? "configured" : "NEEDS ATTENTION")")
                for line in check.lines { print("  \(line)") }
            }
        }
        if checkOnly {
            if json { try printJSON(Output(setUp: false, admin: nil, checks: checks)) }
            return
        }
        let password = try readPassword()
        // The server's log goes to standard error here: standard output is the command's answer (--json),
        // and a line the policy poller logs while the command shuts down must not end up inside it.
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .error
            return handler
        }
        let app = try await Application.make(Environment(name: "production", arguments: ["mynagate"]))
        app.logger.logLevel = .error
        do {
            try await configure(app, config: c)
            try await FirstRun.complete(username: admin, password: password, checks: checks, by: "setup:cli", cost: c.bcryptCost, events: app.mynagate.events)
            try await app.asyncShutdown()
        } catch let refusal as SetupRefusal {
            try? await app.asyncShutdown()
            throw CLIFailure(refusal.description)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        if json {
            try printJSON(Output(setUp: true, admin: admin, checks: checks))
        } else {
            print("set up: the first administrator is \(admin); start the server with `mynagate serve` and sign in")
        }
    }

    private func printJSON(_ o: Output) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(o), as: UTF8.self))
    }

    private func readPassword() throws -> String {
        if passwordStdin {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw CLIFailure("give the password on standard input") }
            return line
        }
        guard let first = getpass("Password for \(admin): ") else { throw CLIFailure("no password given") }
        let p = String(cString: first)
        guard let again = getpass("Again: ") else { throw CLIFailure("no password given") }
        guard String(cString: again) == p else { throw CLIFailure(SetupRefusal.passwordsDiffer.description) }
        return p
    }
}
