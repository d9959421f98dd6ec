import Foundation

/// What an agent reports by `POST /api/v1/doors/{id}/heartbeat`, so the server's dashboard shows
/// doors that are running offline or on a stale snapshot.
public struct DoorHeartbeat: Sendable, Hashable, Codable {
    /// How the door behaves now.
    public enum Mode: String, Sendable, Hashable, Codable, CaseIterable {
        /// Deciding from a snapshot within the staleness limit.
        case normal
        /// The snapshot is older than the limit: every tap is refused.
        case staleFailSecure = "stale-fail-secure"
        /// The snapshot is older than the limit: the door opens (an emergency exit).
        case staleFailSafe = "stale-fail-safe"
    }

    public var snapshotVersion: Int
    /// Always true when the server receives it; kept so the agent can log the same value it sends.
    public var online: Bool
    /// When the agent last lost the server, if it has been offline since its last heartbeat.
    public var offlineSince: Date?
    /// When the snapshot passed the staleness limit, if it did.
    public var staleSince: Date?
    public var mode: Mode
    /// Events written locally and not yet acknowledged by the server.
    public var outboxDepth: Int

    public init(snapshotVersion: Int, online: Bool = true, offlineSince: Date? = nil, staleSince: Date? = nil, mode: Mode = .normal, outboxDepth: Int = 0) {
        self.snapshotVersion = snapshotVersion
        self.online = online
        self.offlineSince = offlineSince
        self.staleSince = staleSince
        self.mode = mode
        self.outboxDepth = outboxDepth
    }
}

/// The text frame the server sends on `GET /api/v1/doors/{id}/push` (a WebSocket) at connect and on
/// every policy change: the agent fetches a snapshot delta when `version` exceeds its own.
public struct DoorPush: Sendable, Hashable, Codable {
    public var version: Int
    public init(version: Int) { self.version = version }
}

/// The file `mynagate door register` writes (mode 0600) and `mynagate door run` reads.
public struct DoorAgentRegistration: Sendable, Hashable, Codable {
    /// The server's base URL, e.g. `https://gate.example.co.jp`.
    public var server: String
    public var door: String
    /// The door's bearer token; a secret, which is why the file is readable by its owner only.
    public var token: String
    /// Base64 of the server's raw Ed25519 snapshot-signing public key (32 bytes).
    public var snapshotPublicKey: String

    public init(server: String, door: String, token: String, snapshotPublicKey: String) {
        self.server = server
        self.door = door
        self.token = token
        self.snapshotPublicKey = snapshotPublicKey
    }
}
