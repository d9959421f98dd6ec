/// Why sealing, opening or re-wrapping a number failed. No case carries key material, plaintext or a
/// number; a wrong key is an error value, never a crash.
public enum VaultCryptoError: Error, Sendable, Hashable, Bilingual, CustomStringConvertible {
    /// The wrapped data key names a key-encryption key the provider does not have.
    case unknownKeyID(KeyID)
    /// The key-encryption key of that id did not open the wrapped data key: a different key under the
    /// same id, a wrapped key altered, or one moved from another record.
    case dataKeyUnwrapFailed(KeyID)
    /// The number's ciphertext did not authenticate under its data key: altered, truncated, or moved
    /// from another record.
    case ciphertextAuthenticationFailed
    /// The data key has been destroyed (crypto-erasure): the number is gone for good.
    case dataKeyDestroyed
    /// The stored blob is not in a format this version reads.
    case unsupportedFormat(Int)
    /// Decryption succeeded but the plaintext is not a valid number (never expected; no digits kept).
    case corruptPlaintext
    /// A key-encryption-key provider (e.g. a KMS) failed; `reason` is the provider's own text, which
    /// must hold no secret.
    case providerFailure(String)

    public var code: String {
        switch self {
        case .unknownKeyID: return "unknown_key_id"
        case .dataKeyUnwrapFailed: return "data_key_unwrap_failed"
        case .ciphertextAuthenticationFailed: return "ciphertext_authentication_failed"
        case .dataKeyDestroyed: return "data_key_destroyed"
        case .unsupportedFormat: return "unsupported_format"
        case .corruptPlaintext: return "corrupt_plaintext"
        case .providerFailure: return "provider_failure"
        }
    }

    public var japanese: String {
        switch self {
        case .unknownKeyID(let k): return "鍵暗号化鍵「\(k)」がありません"
        case .dataKeyUnwrapFailed(let k): return "鍵暗号化鍵「\(k)」でデータ鍵を復号できません（鍵の誤りまたは改ざん）"
        case .ciphertextAuthenticationFailed: return "暗号文の検証に失敗しました（改ざんまたは別の記録からの移動）"
        case .dataKeyDestroyed: return "データ鍵は破棄済みです（暗号消去）"
        case .unsupportedFormat(let v): return "保存形式 \(v) には対応していません"
        case .corruptPlaintext: return "復号結果が個人番号として正しくありません"
        case .providerFailure(let r): return "鍵管理サービスのエラー: \(r)"
        }
    }

    public var english: String {
        switch self {
        case .unknownKeyID(let k): return "no key-encryption key \"\(k)\""
        case .dataKeyUnwrapFailed(let k): return "key-encryption key \"\(k)\" does not open the data key (wrong key or tampering)"
        case .ciphertextAuthenticationFailed: return "the ciphertext failed authentication (tampered with or moved from another record)"
        case .dataKeyDestroyed: return "the data key has been destroyed (crypto-erasure)"
        case .unsupportedFormat(let v): return "unsupported storage format \(v)"
        case .corruptPlaintext: return "the decrypted value is not a valid individual number"
        case .providerFailure(let r): return "key provider failure: \(r)"
        }
    }

    public var description: String { "\(code): \(english)" }
}
