import Crypto
import DoorProtocol
import Foundation

extension DoorAgentRegistration {
    /// SHA-256 (hex) of the server, door, token and key, which the agent keeps beside its snapshot
    /// (``LocalStore/adopt(registration:)``): a different one means the door was registered again.
    public var digest: String {
        let text = [server, door, token, snapshotPublicKey].joined(separator: "\u{0}")
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
