import Foundation
import Vapor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A signed-in session on a MynaGate server, for the commands that work over its API (`door register`,
/// `vault give`, `card enroll`): the one way they read the password, sign in, send the session cookie and
/// CSRF token, read a refusal and sign out.
struct ServerSession {
    let base: String
    let client: any Client
    let headers: HTTPHeaders

    struct SignIn: Content { var username: String; var password: String }
    struct SignedIn: Content { var csrfToken: String? }

    /// The password: one line of standard input with `fromStdin`, else asked for without echo.
    static func readPassword(username: String, fromStdin: Bool) throws -> String {
        if fromStdin {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw CLIFailure("give the password on standard input") }
            return line
        }
        guard let p = getpass("Password for \(username): ") else { throw CLIFailure("no password given") }
        return String(cString: p)
    }

    /// `server` without a trailing slash.
    static func base(_ server: String) -> String { server.hasSuffix("/") ? String(server.dropLast()) : server }

    /// Runs `body` with an HTTP client, shutting the client's application down afterwards either way.
    static func withClient<T>(_ body: (any Client) async throws -> T) async throws -> T {
        let app = try await Application.make(Environment(name: "production", arguments: ["mynagate"]))
        app.logger.logLevel = .error
        do {
            let result = try await body(app.client)
            try await app.asyncShutdown()
            return result
        } catch {
            // The command's own error is the one to report; a failing shutdown after it adds nothing.
            do { try await app.asyncShutdown() } catch { FileHandleOutput.standardError.write("note: shutting the HTTP client down failed: \(error)\n") }
            throw error
        }
    }

    /// Signs in as `username`; a refusal is a ``CLIFailure`` that names no password.
    static func signIn(base: String, username: String, password: String, client: any Client) async throws -> ServerSession {
        let session = try await client.post(URI(string: base + "/api/v1/session"), content: SignIn(username: username, password: password))
        guard session.status == .ok, let cookie = session.headers.first(name: .setCookie)?.split(separator: ";").first else {
            throw CLIFailure("sign-in refused (\(session.status.code)): check the username and password")
        }
        var headers = HTTPHeaders()
        headers.add(name: .cookie, value: String(cookie))
        headers.add(name: "X-CSRF-Token", value: try session.content.decode(SignedIn.self).csrfToken ?? "")
        return ServerSession(base: base, client: client, headers: headers)
    }

    func get(_ path: String) async throws -> ClientResponse {
        try await client.get(URI(string: base + path), headers: headers)
    }

    func post(_ path: String) async throws -> ClientResponse {
        try await client.post(URI(string: base + path), headers: headers)
    }

    func post(_ path: String, content: some Content) async throws -> ClientResponse {
        try await client.post(URI(string: base + path), headers: headers, content: content)
    }

    /// Signs out. A courtesy (the session expires anyway), so a failure is said on standard error and
    /// does not fail the command whose work is done.
    func signOut() async {
        do {
            let r = try await client.delete(URI(string: base + "/api/v1/session"), headers: headers)
            if r.status != .noContent && r.status != .ok { FileHandleOutput.standardError.write("note: signing out answered \(r.status.code)\n") }
        } catch {
            FileHandleOutput.standardError.write("note: signing out failed: \(error)\n")
        }
    }

    /// The server's `reason` for a refusal, else its status code; printable only.
    static func refusal(_ res: ClientResponse) -> String {
        struct E: Content { var reason: String? }
        guard let reason = try? res.content.decode(E.self).reason else { return "HTTP \(res.status.code)" }
        return printable(reason)
    }

    /// Text from the server as it may be written to a terminal: control characters (escape sequences a
    /// hostile server could send to rewrite the screen) become U+FFFD.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "\u{FFFD}" : $0 }))
    }
}
