import Crypto
import Foundation
import MyNumber

/// Envelope encryption of numbers: each number under its own random 256-bit data key (AES-256-GCM), the
/// data key wrapped by the provider's current key-encryption key.
///
/// Associated data binds both layers to the record: the number's ciphertext authenticates
/// `"MynaGate number v1" ‖ 00 ‖ record id`, and the wrapping gets the record id as context. A ciphertext
/// or wrapped key copied to another record fails with a typed error.
///
/// Plaintext handling: the digits exist only as a 12-byte buffer zeroed after use; decryption goes from
/// bytes straight to an ``IndividualNumber`` without a `String`.
public struct NumberSealer: Sendable {
    public let provider: any KeyEncryptionKeyProvider

    public init(provider: any KeyEncryptionKeyProvider) {
        self.provider = provider
    }

    static func numberAAD(_ record: NumberRecordID) -> Data {
        var d = Data("MynaGate number v1".utf8)
        d.append(0)
        d.append(contentsOf: record.description.utf8)
        return d
    }

    static func wrapContext(_ record: NumberRecordID) -> Data { Data(record.description.utf8) }

    /// Encrypts `number` for the row `record`.
    public func seal(_ number: IndividualNumber, for record: NumberRecordID) async throws(VaultCryptoError) -> SealedNumber {
        let dataKey = SymmetricKey(size: .bits256)
        var plain = [UInt8](repeating: 0, count: 12)
        // The String from revealDigits lives only for this copy into a buffer we can zero.
        do {
            let digits = number.revealDigits()
            var i = 0
            for b in digits.utf8 where i < 12 { plain[i] = b; i += 1 }
        }
        defer { for i in plain.indices { plain[i] = 0 } }
        let combined: Data
        do {
            let box = try AES.GCM.seal(plain, using: dataKey, authenticating: Self.numberAAD(record))
            combined = box.combined!
        } catch {
            throw .providerFailure("AES-GCM seal failed")
        }
        let wrapped = try await provider.wrap(dataKey, context: Self.wrapContext(record))
        return SealedNumber(wrappedKey: wrapped, ciphertext: combined)
    }

    /// Decrypts the number stored in row `record`.
    ///
    /// - Throws: ``VaultCryptoError/dataKeyDestroyed`` after crypto-erasure,
    ///   ``VaultCryptoError/unknownKeyID(_:)`` / ``VaultCryptoError/dataKeyUnwrapFailed(_:)`` for a wrong
    ///   or missing KEK, ``VaultCryptoError/ciphertextAuthenticationFailed`` for tampering or a
    ///   ciphertext moved from another record.
    public func open(_ sealed: SealedNumber, for record: NumberRecordID) async throws(VaultCryptoError) -> IndividualNumber {
        guard sealed.format == SealedNumber.currentFormat else { throw .unsupportedFormat(sealed.format) }
        guard let wrapped = sealed.wrappedKey else { throw .dataKeyDestroyed }
        let dataKey = try await provider.unwrap(wrapped, context: Self.wrapContext(record))
        var plain: Data
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.ciphertext)
            plain = try AES.GCM.open(box, using: dataKey, authenticating: Self.numberAAD(record))
        } catch {
            throw .ciphertextAuthenticationFailed
        }
        defer { plain.resetBytes(in: 0..<plain.count) }
        let result = plain.withUnsafeBytes { raw in
            IndividualNumber.validate(raw.bindMemory(to: UInt8.self))
        }
        guard case .success(let number) = result else { throw .corruptPlaintext }
        return number
    }

    /// Re-wraps the data key under the provider's current KEK, leaving the ciphertext as it is
    /// (`mynagate vault rotate-key`). Returns `sealed` unchanged when it is already current or erased.
    /// The old KEK must still be in the provider until every record has been re-wrapped.
    public func rewrap(_ sealed: SealedNumber, for record: NumberRecordID) async throws(VaultCryptoError) -> SealedNumber {
        guard let wrapped = sealed.wrappedKey, wrapped.keyID != provider.currentKeyID else { return sealed }
        let dataKey = try await provider.unwrap(wrapped, context: Self.wrapContext(record))
        let rewrapped = try await provider.wrap(dataKey, context: Self.wrapContext(record))
        return SealedNumber(format: sealed.format, wrappedKey: rewrapped, ciphertext: sealed.ciphertext)
    }

    /// Whether ``rewrap(_:for:)`` would change the record.
    public func needsRewrap(_ sealed: SealedNumber) -> Bool {
        guard let k = sealed.keyID else { return false }
        return k != provider.currentKeyID
    }
}
