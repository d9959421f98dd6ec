import DoorProtocol
import Foundation
import Synchronization
import Vapor

/// The door agents' open WebSockets (`GET /api/v1/doors/{id}/push`). Each hears `{"version": N}` at
/// connect and after every reload that moves the policy version, then fetches a snapshot delta: an
/// online door learns of a suspension as soon as this server does, instead of at its next poll.
///
/// Connections made with a door token are closed when that token stops being the door's (revoked or
/// reissued), so a revoked agent is cut off here as it is everywhere else.
package final class DoorPushHub: Sendable {
    private struct Client: Sendable {
        var door: String
        /// The SHA-256 of the token the agent connected with; nil for a signed-in staff member.
        var tokenHash: String?
        var socket: WebSocket
    }

    private let clients = Mutex<[UUID: Client]>([:])

    package var count: Int { clients.withLock { $0.count } }

    /// Registers `socket` and sends it the current version.
    package func add(_ socket: WebSocket, door: String, tokenHash: String?, version: Int) {
        let id = UUID()
        clients.withLock { $0[id] = Client(door: door, tokenHash: tokenHash, socket: socket) }
        socket.onClose.whenComplete { [weak self] _ in self?.clients.withLock { _ = $0.removeValue(forKey: id) } }
        Self.send(version, to: socket)
    }

    /// Tells every door the new version; closes connections whose token is no longer valid.
    func policyChanged(_ snapshot: PolicyCache.Snapshot) {
        let all = clients.withLock { $0 }
        for (_, client) in all {
            if let hash = client.tokenHash, snapshot.doorTokenHashes[client.door] != hash {
                _ = client.socket.close(code: .policyViolation)
                continue
            }
            Self.send(snapshot.policy.version, to: client.socket)
        }
    }

    /// Closes every connection (the server is stopping).
    func closeAll() {
        for (_, client) in clients.withLock({ $0 }) { _ = client.socket.close(code: .goingAway) }
    }

    private static func send(_ version: Int, to socket: WebSocket) {
        guard let data = try? DoorWire.encoder().encode(DoorPush(version: version)) else { return }
        socket.send(String(decoding: data, as: UTF8.self), promise: nil)
    }
}
