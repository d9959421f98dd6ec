import Crypto
import Fluent
import Foundation
import Store

/// The server's Ed25519 key for signing door snapshots. Generated at first start and kept in the
/// database (setting `snapshot_signing_key`, base64 of the raw key) so every server sharing the
/// database signs with the same key and a door agent trusts whichever answers. Never logged.
public struct SnapshotSigner: Sendable {
    static let settingKey = "snapshot_signing_key"

    private let key: Curve25519.Signing.PrivateKey

    init(key: Curve25519.Signing.PrivateKey) { self.key = key }

    /// Base64 of the raw 32-byte public key, as `mynagate door register` writes it for the agent.
    public var publicKeyBase64: String { key.publicKey.rawRepresentation.base64EncodedString() }

    /// The signature over exactly `body`.
    func signature(for body: Data) throws -> Data { try key.signature(for: body) }

    /// Loads the key, creating it if this is the first server to start on this database. Two servers
    /// starting together race on the setting's primary key; the loser reads the winner's key.
    static func load(on db: any Database) async throws -> SnapshotSigner {
        for _ in 0..<3 {
            if let s = try await SettingModel.find(settingKey, on: db) {
                guard let raw = Data(base64Encoded: s.value), let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
                    throw SnapshotSignerError.unreadableKey
                }
                return SnapshotSigner(key: key)
            }
            let key = Curve25519.Signing.PrivateKey()
            do {
                try await SettingModel(key: settingKey, value: key.rawRepresentation.base64EncodedString()).create(on: db)
                return SnapshotSigner(key: key)
            } catch {
                continue
            }
        }
        throw SnapshotSignerError.unreadableKey
    }
}

/// Why the snapshot-signing key could not be loaded. Says which setting, never its value.
enum SnapshotSignerError: Error, CustomStringConvertible {
    case unreadableKey
    var description: String { "the setting \(SnapshotSigner.settingKey) does not hold a base64 Ed25519 private key" }
}
