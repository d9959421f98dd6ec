import ArgumentParser
import Audit
import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Server
import ServerCore
import Store
import Vapor

/// `mynagate audit verify`: proves the event log's hash chain intact, or shows where it breaks.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Check the event log.", subcommands: [AuditVerifyCommand.self])
}

struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the hash chain of the event log (SQLite in --data, or DATABASE_URL).",
        discussion: "Exit status: 0 intact, 1 broken (the first broken record and why are printed), 2 usage error."
    )

    @ArgumentParser.Option(help: "Data directory holding mynagate.sqlite.") var data: String?
    @ArgumentParser.Option(help: "The head recorded earlier (SEQUENCE:HASH), to detect a log cut short.") var expectHead: String?
    @ArgumentParser.Flag(help: "Print JSON.") var json = false

    func run() async throws {
        var c = try ServerConfig.load(file: nil)
        if let data { c.dataDirectory = data }
        var head: AuditHead?
        if let expectHead {
            let parts = expectHead.split(separator: ":")
            guard parts.count == 2, let seq = Int64(parts[0]), parts[1].count == 64 else { throw ValidationError("--expect-head is SEQUENCE:HEX64") }
            var bytes: [UInt8] = []
            var it = parts[1].makeIterator()
            while let a = it.next(), let b = it.next() { bytes.append(UInt8(String([a, b]), radix: 16) ?? 0) }
            head = AuditHead(sequence: seq, hash: bytes)
        }
        if c.databaseURL == nil, !FileManager.default.fileExists(atPath: c.sqlitePath) {
            throw CLIFailure("no database at \(c.sqlitePath)")
        }
        let expected = head
        let result = try await ConfiguredDatabase.with(c) { db in try await AuditStore.verify(on: db, expectedHead: expected) }
        switch result {
        case .intact(let n, let h):
            print(json ? "{\"intact\":true,\"count\":\(n),\"head\":\(h.map { "\"\($0.sequence):\($0.hashHex)\"" } ?? "null")}"
                       : "intact: \(n) records; head \(h.map { "\($0.sequence):\($0.hashHex)" } ?? "(empty)")")
        case .broken(let at, let why):
            print(json ? "{\"intact\":false,\"brokenAt\":\(at),\"problem\":\"\(why)\"}" : "BROKEN at record \(at): \(why)")
            throw ExitCode(1)
        }
    }
}

/// `mynagate user add`: an account, password from standard input.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Manage sign-in accounts.", subcommands: [UserAddCommand.self])
}

struct UserAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add an account; the password is read from standard input (one line).")
    @ArgumentParser.Argument(help: "Username.") var username: String
    @ArgumentParser.Option(help: "Role: admin, security, hr or employee.") var role: String
    @ArgumentParser.Option(help: "Data directory holding mynagate.sqlite.") var data: String?

    func run() async throws {
        guard let r = Role(rawValue: role) else { throw ValidationError("--role must be admin, security, hr or employee") }
        guard let password = readLine(strippingNewline: true) else { throw CLIFailure("give the password on standard input") }
        var c = try ServerConfig.load(file: nil)
        if let data { c.dataDirectory = data }
        let app = try await Application.make(Environment(name: "production", arguments: ["mynagate"]))
        app.logger.logLevel = .error
        do {
            try await configure(app, config: c)
            try await Accounts.create(username: username, password: password, role: r, on: app.db)
            try await app.asyncShutdown()
        } catch {
            try? await app.asyncShutdown()
            throw CLIFailure("\(error)")
        }
        print("created \(username) (\(r.rawValue))")
    }
}
