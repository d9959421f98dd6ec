import Crypto
import Foundation

/// A data key sealed under a key-encryption key (KEK), with the KEK's id.
public struct WrappedDataKey: Sendable, Hashable, Codable, CustomStringConvertible {
    public var keyID: KeyID
    /// Provider-defined bytes. For ``Keyring``: AES-256-GCM combined form (12-byte nonce ‖ 32-byte
    /// sealed key ‖ 16-byte tag).
    public var sealed: Data

    public init(keyID: KeyID, sealed: Data) {
        self.keyID = keyID
        self.sealed = sealed
    }

    public var description: String { "WrappedDataKey(kek: \(keyID), \(sealed.count) bytes)" }
}

/// Where key-encryption keys live. ``Keyring`` keeps them in memory from a key file or the
/// environment; a KMS (cloud or HSM) can implement the same three requirements later, which is why the
/// calls are `async` and the wrapped form is opaque bytes.
///
/// `context` is additional authenticated data the provider must bind into the wrapping (a KMS's
/// "encryption context"): ``NumberSealer`` passes the record id, so a wrapped data key copied to another
/// record does not unwrap.
public protocol KeyEncryptionKeyProvider: Sendable {
    /// The key new data keys are wrapped under.
    var currentKeyID: KeyID { get }
    /// Whether `id` can still unwrap (it is current or retired but kept for rotation).
    func hasKey(_ id: KeyID) -> Bool
    /// Wraps `dataKey` under the current key.
    func wrap(_ dataKey: SymmetricKey, context: Data) async throws(VaultCryptoError) -> WrappedDataKey
    /// Unwraps with the key named in `wrapped`.
    func unwrap(_ wrapped: WrappedDataKey, context: Data) async throws(VaultCryptoError) -> SymmetricKey
}
