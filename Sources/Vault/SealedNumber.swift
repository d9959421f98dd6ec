import Foundation

/// A number as stored: its ciphertext under its own data key, and that data key wrapped by a
/// key-encryption key. Made by ``NumberSealer``; holds no plaintext.
///
/// The server stores it in the number table, keyed by the ``NumberRecordID`` it was sealed for — apart
/// from the employee table and never indexed by anything derived from the number. Both parts are
/// bound to the record id (associated data), so neither can be moved to another row.
///
/// Crypto-erasure: ``destroyingDataKey()`` removes the wrapped key; without it the ciphertext is
/// random bytes under a key nobody has.
public struct SealedNumber: Sendable, Hashable, Codable, CustomStringConvertible, CustomReflectable {
    /// The storage format this version writes.
    public static let currentFormat = 1

    public var format: Int
    /// The wrapped data key, or `nil` once destroyed.
    public var wrappedKey: WrappedDataKey?
    /// AES-256-GCM combined form: 12-byte nonce ‖ ciphertext ‖ 16-byte tag.
    public var ciphertext: Data

    public init(format: Int = SealedNumber.currentFormat, wrappedKey: WrappedDataKey?, ciphertext: Data) {
        self.format = format
        self.wrappedKey = wrappedKey
        self.ciphertext = ciphertext
    }

    /// The KEK the data key is wrapped under (for `vault rotate-key` to find the ones to re-wrap).
    public var keyID: KeyID? { wrappedKey?.keyID }

    /// Whether the data key has been destroyed.
    public var isErased: Bool { wrappedKey == nil }

    /// The same record with its data key destroyed and the ciphertext overwritten with zeros: what a
    /// disposal writes back before deleting the row (so a copy taken between the two steps holds
    /// nothing either).
    public func destroyingDataKey() -> SealedNumber {
        SealedNumber(format: format, wrappedKey: nil, ciphertext: Data(count: ciphertext.count))
    }

    public var description: String {
        if let k = wrappedKey { return "SealedNumber(v\(format), kek: \(k.keyID))" }
        return "SealedNumber(v\(format), erased)"
    }

    public var customMirror: Mirror {
        Mirror(self, children: ["format": format, "keyID": keyID as Any], displayStyle: .struct)
    }
}
