import Foundation
import Synchronization
import Vapor
import Vault
import ServerCore

/// The vault's key-encryption keys as the server holds them: from `MYNAGATE_VAULT_KEY`, or from the key
/// file, which is re-read whenever it changes on disk — so `mynagate vault rotate-key` can put a new
/// current key in place while the server runs, and every server sharing the database follows.
///
/// Without a key the server still runs; every vault operation that needs one answers 503 with a
/// sentence saying what to configure.
public final class VaultKeys: Sendable {
    private struct Loaded: Sendable {
        var keyring: Keyring?
        var problem: String?
        var modified: Date?
        var size: Int?
    }

    private let file: String?
    private let environmentValue: String?
    private let state: Mutex<Loaded>

    public init(config: ServerConfig) {
        environmentValue = config.vaultKeyBase64
        file = environmentValue == nil ? config.resolvedVaultKeyFile : nil
        state = Mutex(Loaded())
        _ = try? keyring()
    }

    /// Whether any key source is configured.
    public var isConfigured: Bool { environmentValue != nil || file != nil }

    /// The current keyring, re-reading the file when its modification time or size changed.
    ///
    /// - Throws: `Abort(.serviceUnavailable)` with the reason (never key material).
    public func keyring() throws -> Keyring {
        if let value = environmentValue {
            do { return try Keyring.fromEnvironment(["MYNAGATE_VAULT_KEY": value], variable: "MYNAGATE_VAULT_KEY") } catch {
                throw Abort(.serviceUnavailable, reason: "the My Number vault key in MYNAGATE_VAULT_KEY is not usable: \(error.english)")
            }
        }
        guard let file else {
            throw Abort(.serviceUnavailable, reason: "the My Number vault has no key: set vaultKeyFile (MYNAGATE_VAULT_KEY_FILE) or MYNAGATE_VAULT_KEY; `mynagate vault new-key --out FILE` makes one")
        }
        let attrs = try? FileManager.default.attributesOfItem(atPath: file)
        let modified = attrs?[.modificationDate] as? Date
        let size = (attrs?[.size] as? NSNumber)?.intValue
        return try state.withLock { s in
            if s.keyring == nil || s.modified != modified || s.size != size {
                s.modified = modified
                s.size = size
                do {
                    s.keyring = try Keyring.load(contentsOf: URL(fileURLWithPath: file))
                    s.problem = nil
                } catch {
                    s.keyring = nil
                    s.problem = (error as? KeyringError)?.english ?? "unreadable"
                }
            }
            guard let k = s.keyring else {
                throw Abort(.serviceUnavailable, reason: "the My Number vault key file cannot be used: \(s.problem ?? "unreadable")")
            }
            return k
        }
    }

    /// A sealer over the current keyring.
    public func sealer() throws -> NumberSealer { NumberSealer(provider: try keyring()) }

    /// The current key id, or nil when no key is usable (for the register page).
    public var currentKeyID: String? { (try? keyring())?.currentKeyID.rawValue }
}

extension Application {
    private struct VaultKeysKey: StorageKey { typealias Value = VaultKeys }

    /// The vault's keys, set when the routes are registered.
    public var vaultKeys: VaultKeys {
        get {
            if let k = storage[VaultKeysKey.self] { return k }
            let k = VaultKeys(config: mynagate.config)
            storage[VaultKeysKey.self] = k
            return k
        }
        set { storage[VaultKeysKey.self] = newValue }
    }
}
