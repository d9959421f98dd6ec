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
        let password = try ServerSession.readPassword(username: username, fromStdin: passwordStdin)
        let base = ServerSession.base(server)
        let registration = try await ServerSession.withClient { client in
            try await register(try await ServerSession.signIn(base: base, username: username, password: password, client: client))
        }
        try write(registration)
        print("registered door \(door) at \(base); agent file written to \(out)")
    }

    struct Token: Content { var door: String; var token: String; var snapshotPublicKey: String? }

    private func register(_ session: ServerSession) async throws -> DoorAgentRegistration {
        let base = session.base
        let issued = try await session.post("/api/v1/doors/\(door)/token")
        await session.signOut()
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
