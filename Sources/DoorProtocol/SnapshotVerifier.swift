import Crypto
import Foundation

/// Checks the server's signature on a snapshot before anything in it is believed.
///
/// The signature is Ed25519 over the exact response body; the agent verifies the bytes it received,
/// then decodes them, so no re-encoding can make a forged body pass.
public struct SnapshotVerifier: Sendable {
    let key: Curve25519.Signing.PublicKey

    /// A verifier for the key in the agent file (base64 of the 32 raw bytes).
    public init(base64PublicKey: String) throws(SnapshotRefusal) {
        guard let raw = Data(base64Encoded: base64PublicKey),
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { throw .badPublicKey }
        self.key = key
    }

    /// A verifier for `key`.
    public init(key: Curve25519.Signing.PublicKey) { self.key = key }

    /// The snapshot in `body`, if `signature` (base64, from the response header) is the server's over it
    /// and it was made for `door`.
    public func verify(body: Data, signature: String?, door: String) throws(SnapshotRefusal) -> DoorSnapshot {
        guard let signature, let sig = Data(base64Encoded: signature) else { throw .missingSignature }
        guard key.isValidSignature(sig, for: body) else { throw .badSignature }
        let snapshot: DoorSnapshot
        do { snapshot = try DoorWire.decoder().decode(DoorSnapshot.self, from: body) } catch { throw .malformed("\(error)") }
        guard snapshot.door.rawValue == door else { throw .wrongDoor(snapshot.door.rawValue) }
        return snapshot
    }
}

/// Why a snapshot was refused. The agent keeps the snapshot it had.
public enum SnapshotRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    /// The agent file's key is not 32 base64 bytes.
    case badPublicKey
    /// The response had no signature header, or it was not base64.
    case missingSignature
    /// The signature is not the server's key over these bytes: altered in transit or signed by another key.
    case badSignature
    /// Signed, but not a snapshot.
    case malformed(String)
    /// Signed, but for another door.
    case wrongDoor(String)
    /// Signed, but not an answer to this request: the nonce inside is not the one the agent just sent
    /// (a body recorded earlier and replayed).
    case staleNonce
    /// Signed, but the server's `generatedAt` is this many seconds from the agent's clock (beyond the
    /// tolerance): a replay, or a clock to fix.
    case clockMismatch(Int)
    /// Signed, but older than the snapshot the agent holds (version received, version held): installing it
    /// would undo suspensions. Only a new registration lets the agent go back.
    case olderVersion(Int, Int)
    /// The snapshot kept on disk does not verify (changed on disk, or stored by a release that kept no
    /// signature); the agent starts without it and fetches a full one.
    case storedSnapshotInvalid(String)

    public var description: String {
        switch self {
        case .badPublicKey: return "the agent file's snapshot key is not a 32-byte Ed25519 key in base64"
        case .missingSignature: return "the snapshot came without a signature"
        case .badSignature: return "the snapshot's signature does not verify with the server's key"
        case .malformed(let why): return "the signed snapshot could not be read: \(why)"
        case .wrongDoor(let door): return "the snapshot was made for door \(door)"
        case .staleNonce: return "the snapshot does not answer this request (its nonce is another's): a replayed body"
        case .clockMismatch(let seconds): return "the snapshot's generation time is \(seconds) s from this door's clock"
        case .olderVersion(let received, let held): return "the snapshot's version \(received) is older than the \(held) this door holds"
        case .storedSnapshotInvalid(let why): return "the stored snapshot does not verify: \(why)"
        }
    }
}
