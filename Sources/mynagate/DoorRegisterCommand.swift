import ArgumentParser
import DoorAgent
import DoorProtocol
import Foundation
import Trust
import Vapor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `mynagate door register`: signs in to the server as an administrator, issues the door's token
/// (replacing any earlier one, which stops working) and writes the agent file `mynagate door run` reads.
///
/// The file holds the token, so it is created readable by its owner only (0600). The token is never
/// printed. Revoke it with `DELETE /api/v1/doors/{id}/token`.
struct DoorRegisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Issue a door's token and write the door agent's file.",
        discussion: "The administrator's password is read from standard input with --password-stdin, else prompted for without echo."
    )

    @ArgumentParser.Option(help: "The server's base URL, e.g. https://gate.example.co.jp.") var server: String
    @ArgumentParser.Option(help: "The door's id as configured on the server.") var door: String
    @ArgumentParser.Option(help: "An administrator's username.") var username: String
    @ArgumentParser.Flag(help: "Read the password from standard input (one line).") var passwordStdin = false
    @ArgumentParser.Option(help: "Where to write the agent file (JSON, mode 0600).") var out: String
    @ArgumentParser.Flag(help: "Allow a plain http:// server that is not on this machine (only when the link is protected otherwise, e.g. a VPN).")
    var allowInsecureHTTP = false

    func validate() throws {
        guard let url = URL(string: server), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw ValidationError("--server must be an http or https URL")
        }
        // The password and then the token cross this link.
        if let problem = insecureServerProblem(server, allowInsecureHTTP: allowInsecureHTTP) { throw ValidationError(problem) }
        guard !door.isEmpty, door.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw ValidationError("--door must be a door id (letters, digits, - and _)")
        }
    }

    func run() async throws {
        let password = try readPassword()
        let base = server.hasSuffix("/") ? String(server.dropLast()) : server
        let app = try await Application.make(Environment(name: "production", arguments: ["mynagate"]))
        app.logger.logLevel = .error
        do {
            let registration = try await register(base: base, password: password, client: app.client)
            try write(registration)
            try await app.asyncShutdown()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        print("registered door \(door) at \(base); agent file written to \(out)")
    }

    private func readPassword() throws -> String {
        if passwordStdin {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw CLIFailure("give the password on standard input") }
            return line
        }
        guard let p = getpass("Password for \(username): ") else { throw CLIFailure("no password given") }
        return String(cString: p)
    }

    struct SignIn: Content { var username: String; var password: String }
    struct SignedIn: Content { var csrfToken: String? }
    struct Token: Content { var door: String; var token: String; var snapshotPublicKey: String? }

    private func register(base: String, password: String, client: any Client) async throws -> DoorAgentRegistration {
        let session = try await client.post(URI(string: base + "/api/v1/session"), content: SignIn(username: username, password: password))
        guard session.status == .ok, let cookie = session.headers.first(name: .setCookie)?.split(separator: ";").first else {
            throw CLIFailure("sign-in refused (\(session.status.code)): check the username and password")
        }
        let csrf = try session.content.decode(SignedIn.self).csrfToken ?? ""
        var headers = HTTPHeaders()
        headers.add(name: .cookie, value: String(cookie))
        headers.add(name: "X-CSRF-Token", value: csrf)
        let issued = try await client.post(URI(string: base + "/api/v1/doors/\(door)/token"), headers: headers)
        // Signing out is a courtesy: the session would expire anyway.
        _ = try? await client.delete(URI(string: base + "/api/v1/session"), headers: headers)
        switch issued.status {
        case .ok: break
        case .notFound: throw CLIFailure("the server has no door \(door)")
        case .forbidden: throw CLIFailure("\(username) is not an administrator")
        default: throw CLIFailure("the server refused to issue a token (\(issued.status.code))")
        }
        let token = try issued.content.decode(Token.self)
        guard let key = token.snapshotPublicKey, Data(base64Encoded: key)?.count == 32 else {
            throw CLIFailure("the server sent no snapshot signing key (is it older than this command?)")
        }
        return DoorAgentRegistration(server: base, door: door, token: token.token, snapshotPublicKey: key)
    }

    private func write(_ registration: DoorAgentRegistration) throws {
        let data = try DoorWire.encoder().encode(registration)
        // Created 0600 from the start, never world-readable for a moment: the token is a secret.
        let fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw CLIFailure("cannot write \(out)") }
        defer { close(fd) }
        guard fchmod(fd, 0o600) == 0 else { throw CLIFailure("cannot restrict \(out) to its owner") }
        let written = data.withUnsafeBytes { posixWrite(fd, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(fd) == 0 else { throw CLIFailure("cannot write \(out)") }
    }
}
