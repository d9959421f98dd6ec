import AsyncHTTPClient
import DoorProtocol
import Foundation
import NIOCore
import NIOHTTP1

/// The four calls an agent makes to its server. A protocol so tests can answer without a network.
public protocol DoorServer: Sendable {
    /// The snapshot after version `since` (a full one when `since` is nil), asked with `nonce` for the
    /// server to sign back: the exact body bytes and the signature header, unverified.
    func snapshot(since: Int?, nonce: String) async throws -> SignedBody
    /// Uploads events; the server keeps each id once.
    func upload(_ batch: DoorEventBatch) async throws -> DoorEventBatchResult
    /// Reports the agent's state for the dashboard.
    func heartbeat(_ heartbeat: DoorHeartbeat) async throws
}

/// A response body as received, with its signature header.
public struct SignedBody: Sendable {
    /// The exact bytes the server sent.
    public var body: Data
    /// The base64 signature header, if present.
    public var signature: String?

    /// A body and its signature.
    public init(body: Data, signature: String?) {
        self.body = body
        self.signature = signature
    }
}

/// The server answered with a status the agent does not expect.
public struct DoorServerError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status code.
    public var status: Int
    /// What was being done.
    public var call: String

    public var description: String { "\(call): HTTP \(status)" }
}

/// Whether `server` (a base URL) may be used: `https`, or `http` to a loopback address (the link never
/// leaves the machine), or `http` anywhere when the operator says the link is protected otherwise (a
/// VPN, a TLS-terminating tunnel). Plain HTTP over a network would carry the door's token in clear and
/// let anyone on the path answer for the server.
///
/// - Returns: nil when allowed, else a sentence saying why not and what to do.
public func insecureServerProblem(_ server: String, allowInsecureHTTP: Bool) -> String? {
    guard let url = URL(string: server), let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased() else {
        return "\(server) is not a URL"
    }
    if scheme == "https" || allowInsecureHTTP { return nil }
    guard scheme == "http" else { return "\(server) is neither http nor https" }
    let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
    if bare == "localhost" || bare == "::1" || bare.hasPrefix("127.") && bare.split(separator: ".").count == 4 && bare.split(separator: ".").allSatisfy({ UInt8($0) != nil }) {
        return nil
    }
    return "\(server) is plain http to another machine: the door's token would travel in clear and anyone on the path could answer for the server; use https, or pass --allow-insecure-http if the link is protected otherwise (a VPN or tunnel)"
}

/// The door API over HTTP with the door's bearer token.
public struct HTTPDoorServer: DoorServer {
    let base: String
    let door: String
    let token: String
    let client: HTTPClient
    let timeout: TimeAmount

    /// A client for `registration`'s server and door.
    public init(registration: DoorAgentRegistration, client: HTTPClient = .shared, timeout: TimeAmount = .seconds(10)) {
        var b = registration.server
        while b.hasSuffix("/") { b.removeLast() }
        base = b
        door = registration.door
        token = registration.token
        self.client = client
        self.timeout = timeout
    }

    var doorPath: String {
        "\(base)/api/v1/doors/\(door.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? door)"
    }

    func request(_ path: String, method: HTTPMethod, body: Data? = nil) -> HTTPClientRequest {
        var r = HTTPClientRequest(url: doorPath + path)
        r.method = method
        r.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            r.headers.add(name: "Content-Type", value: "application/json")
            r.body = .bytes(ByteBuffer(bytes: body))
        }
        return r
    }

    public func snapshot(since: Int?, nonce: String) async throws -> SignedBody {
        let query = (since.map { "?since=\($0)&" } ?? "?") + "nonce=\(nonce.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
            + "&features=\(DoorWire.agentFeatures.sorted().joined(separator: ","))"
        let response = try await client.execute(request("/snapshot\(query)", method: .GET), timeout: timeout)
        let body = try await response.body.collect(upTo: 256 << 20)
        guard response.status == .ok else { throw DoorServerError(status: Int(response.status.code), call: "snapshot") }
        return SignedBody(body: Data(body.readableBytesView), signature: response.headers.first(name: DoorWire.signatureHeader))
    }

    public func upload(_ batch: DoorEventBatch) async throws -> DoorEventBatchResult {
        let data = try DoorWire.encoder().encode(batch)
        let response = try await client.execute(request("/events", method: .POST, body: data), timeout: timeout)
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok || response.status == .created || response.status == .accepted else {
            throw DoorServerError(status: Int(response.status.code), call: "events")
        }
        return try DoorWire.decoder().decode(DoorEventBatchResult.self, from: Data(body.readableBytesView))
    }

    public func heartbeat(_ heartbeat: DoorHeartbeat) async throws {
        let data = try DoorWire.encoder().encode(heartbeat)
        let response = try await client.execute(request("/heartbeat", method: .POST, body: data), timeout: timeout)
        _ = try await response.body.collect(upTo: 1 << 20)
        guard (200..<300).contains(Int(response.status.code)) else { throw DoorServerError(status: Int(response.status.code), call: "heartbeat") }
    }
}
