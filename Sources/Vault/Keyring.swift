import Crypto
import Foundation

/// Key-encryption keys held in memory, loaded from a key file or an environment variable: the
/// ``KeyEncryptionKeyProvider`` MynaGate uses when no KMS is configured.
///
/// Wrapping is AES-256-GCM with a fresh nonce; the associated data is
/// `"MynaGate DEK v1" ‖ 00 ‖ key id ‖ 00 ‖ context`, so a wrapped key is bound both to the KEK it names
/// and to its record.
///
/// The keyring shows only key ids in `description`, `dump` and debuggers; key bytes never leave it
/// except inside the AES calls.
///
/// ## Key file
/// Either JSON:
/// ```json
/// {"current": "2025-01", "keys": [{"id": "2024-01", "key": "<base64 32 bytes>"}, {"id": "2025-01", "key": "…"}]}
/// ```
/// or text, one entry a line, `#` comments and blank lines ignored:
/// ```
/// current 2025-01
/// key 2024-01 <base64 32 bytes>
/// key 2025-01 <base64 32 bytes>
/// ```
/// The file must not be readable or writable by group or others (like an SSH private key), so it is
/// refused when its mode allows that.
///
/// ## Environment
/// `MYNAGATE_VAULT_KEK` holds one base64 key (its id is `env`), or `id:base64[,id:base64…]` with the
/// first one current.
public struct Keyring: KeyEncryptionKeyProvider, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public static let environmentVariable = "MYNAGATE_VAULT_KEK"
    /// The id given to a single unnamed key from the environment.
    public static let defaultEnvironmentKeyID = KeyID(rawValue: "env")!

    private let keys: [KeyID: SymmetricKey]
    public let currentKeyID: KeyID

    /// The ids held, sorted.
    public var keyIDs: [KeyID] { keys.keys.sorted() }

    /// A keyring from raw 32-byte keys (tests and tools). Keys are checked like loaded ones.
    public init(current: KeyID, keys: [KeyID: Data]) throws(KeyringError) {
        var checked: [KeyID: SymmetricKey] = [:]
        var seen: [Data: KeyID] = [:]
        for id in keys.keys.sorted() {
            let bytes = keys[id]!
            try Self.checkStrength(bytes, id: id)
            if let other = seen[bytes] { throw .duplicateKeyMaterial(other, id) }
            seen[bytes] = id
            checked[id] = SymmetricKey(data: bytes)
        }
        guard !checked.isEmpty else { throw .noKeys }
        guard checked[current] != nil else { throw .unknownCurrentKey(current) }
        self.keys = checked
        self.currentKeyID = current
    }

    /// A new random 256-bit key, base64, for `mynagate vault new-key`.
    public static func generateKeyBase64() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
    }

    // MARK: Loading

    /// Loads a key file (JSON or text, detected by a leading `{`), refusing one that group or others
    /// may read or write unless `checkPermissions` is false.
    public static func load(contentsOf url: URL, checkPermissions: Bool = true) throws(KeyringError) -> Keyring {
        let path = url.path
        if checkPermissions {
            guard let attrs = try? FileManager.default.attributesOfItem(atPath: path) else { throw .unreadable(path) }
            if let mode = (attrs[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
                throw .insecurePermissions(path, mode)
            }
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path) }
        return try parse(data)
    }

    /// Parses key-file contents (JSON or text).
    public static func parse(_ data: Data) throws(KeyringError) -> Keyring {
        guard let text = String(data: data, encoding: .utf8) else { throw .syntax(line: 1) }
        if text.drop(while: { $0.isWhitespace }).first == "{" { return try parseJSON(data) }
        return try parseText(text)
    }

    /// Reads ``environmentVariable`` from `environment` (pass `ProcessInfo.processInfo.environment`).
    public static func fromEnvironment(_ environment: [String: String], variable: String = environmentVariable) throws(KeyringError) -> Keyring {
        guard let value = environment[variable]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            throw .environmentVariableMissing(variable)
        }
        var entries: [(KeyID, String)] = []
        if !value.contains(":") && !value.contains(",") {
            entries = [(defaultEnvironmentKeyID, value)]
        } else {
            for (i, part) in value.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
                let pieces = part.split(separator: ":", maxSplits: 1)
                guard pieces.count == 2 else { throw .syntax(line: i + 1) }
                let idText = pieces[0].trimmingCharacters(in: .whitespaces)
                guard let id = KeyID(rawValue: idText) else { throw .invalidKeyID(line: i + 1) }
                entries.append((id, pieces[1].trimmingCharacters(in: .whitespaces)))
            }
        }
        return try build(current: entries.first?.0, entries: entries)
    }

    private struct JSONFile: Decodable {
        struct Entry: Decodable { var id: String; var key: String }
        var current: String?
        var keys: [Entry]
    }

    private static func parseJSON(_ data: Data) throws(KeyringError) -> Keyring {
        let file: JSONFile
        do { file = try JSONDecoder().decode(JSONFile.self, from: data) } catch { throw .invalidJSON }
        var entries: [(KeyID, String)] = []
        for (i, e) in file.keys.enumerated() {
            guard let id = KeyID(rawValue: e.id) else { throw .invalidKeyID(line: i + 1) }
            entries.append((id, e.key))
        }
        var current: KeyID?
        if let c = file.current {
            guard let id = KeyID(rawValue: c) else { throw .invalidKeyID(line: 0) }
            current = id
        }
        guard current != nil || entries.isEmpty else { throw .noCurrentKey }
        return try build(current: current, entries: entries)
    }

    private static func parseText(_ text: String) throws(KeyringError) -> Keyring {
        var entries: [(KeyID, String)] = []
        var current: KeyID?
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            switch (f.first, f.count) {
            case ("current", 2):
                guard current == nil else { throw .severalCurrentKeys }
                guard let id = KeyID(rawValue: String(f[1])) else { throw .invalidKeyID(line: i + 1) }
                current = id
            case ("key", 3):
                guard let id = KeyID(rawValue: String(f[1])) else { throw .invalidKeyID(line: i + 1) }
                entries.append((id, String(f[2])))
            default:
                throw .syntax(line: i + 1)
            }
        }
        guard current != nil || entries.isEmpty else { throw .noCurrentKey }
        return try build(current: current, entries: entries)
    }

    private static func build(current: KeyID?, entries: [(KeyID, String)]) throws(KeyringError) -> Keyring {
        guard !entries.isEmpty, let current else { throw .noKeys }
        var keys: [KeyID: Data] = [:]
        for (id, b64) in entries {
            guard keys[id] == nil else { throw .duplicateKeyID(id) }
            guard let bytes = Data(base64Encoded: b64) else { throw .invalidBase64(id) }
            keys[id] = bytes
        }
        return try Keyring(current: current, keys: keys)
    }

    /// Refuses keys that are not 32 bytes or do not look random.
    ///
    /// A random 32-byte key has about 30 distinct byte values and is all printable ASCII with
    /// probability about 10⁻¹⁴, so these checks never refuse a real key but do refuse zeros, repeated
    /// patterns and a password base64-encoded in place of a key.
    static func checkStrength(_ bytes: Data, id: KeyID) throws(KeyringError) {
        guard bytes.count == 32 else { throw .wrongKeyLength(id, bytes.count) }
        guard Set(bytes).count >= 16 else { throw .weakKey(id) }
        guard !bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { throw .weakKey(id) }
    }

    // MARK: KeyEncryptionKeyProvider

    public func hasKey(_ id: KeyID) -> Bool { keys[id] != nil }

    static func associatedData(keyID: KeyID, context: Data) -> Data {
        var aad = Data("MynaGate DEK v1".utf8)
        aad.append(0)
        aad.append(contentsOf: keyID.rawValue.utf8)
        aad.append(0)
        aad.append(context)
        return aad
    }

    public func wrap(_ dataKey: SymmetricKey, context: Data) async throws(VaultCryptoError) -> WrappedDataKey {
        try wrapNow(dataKey, context: context)
    }

    public func unwrap(_ wrapped: WrappedDataKey, context: Data) async throws(VaultCryptoError) -> SymmetricKey {
        try unwrapNow(wrapped, context: context)
    }

    /// Synchronous wrap (the keyring needs no I/O).
    public func wrapNow(_ dataKey: SymmetricKey, context: Data) throws(VaultCryptoError) -> WrappedDataKey {
        let kek = keys[currentKeyID]!
        do {
            let box = try dataKey.withUnsafeBytes { raw in
                try AES.GCM.seal(raw, using: kek, authenticating: Self.associatedData(keyID: currentKeyID, context: context))
            }
            return WrappedDataKey(keyID: currentKeyID, sealed: box.combined!)
        } catch {
            throw .providerFailure("AES-GCM seal failed")
        }
    }

    /// Synchronous unwrap.
    public func unwrapNow(_ wrapped: WrappedDataKey, context: Data) throws(VaultCryptoError) -> SymmetricKey {
        guard let kek = keys[wrapped.keyID] else { throw .unknownKeyID(wrapped.keyID) }
        do {
            let box = try AES.GCM.SealedBox(combined: wrapped.sealed)
            var bytes = try AES.GCM.open(box, using: kek, authenticating: Self.associatedData(keyID: wrapped.keyID, context: context))
            defer { bytes.resetBytes(in: 0..<bytes.count) }
            guard bytes.count == 32 else { throw VaultCryptoError.dataKeyUnwrapFailed(wrapped.keyID) }
            return SymmetricKey(data: bytes)
        } catch {
            throw .dataKeyUnwrapFailed(wrapped.keyID)
        }
    }

    // MARK: Showing nothing

    public var description: String {
        "Keyring(current: \(currentKeyID), keys: [\(keyIDs.map(\.rawValue).joined(separator: ", "))])"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["currentKeyID": currentKeyID, "keyIDs": keyIDs], displayStyle: .struct)
    }
}

/// Why a keyring could not be loaded. Never carries key material: lines are numbered, keys named by id.
public enum KeyringError: Error, Sendable, Hashable, Bilingual, CustomStringConvertible {
    case unreadable(String)
    case insecurePermissions(String, Int)
    case environmentVariableMissing(String)
    case invalidJSON
    case syntax(line: Int)
    case invalidKeyID(line: Int)
    case invalidBase64(KeyID)
    case wrongKeyLength(KeyID, Int)
    case weakKey(KeyID)
    case duplicateKeyID(KeyID)
    case duplicateKeyMaterial(KeyID, KeyID)
    case noKeys
    case noCurrentKey
    case severalCurrentKeys
    case unknownCurrentKey(KeyID)

    public var code: String {
        switch self {
        case .unreadable: return "unreadable"
        case .insecurePermissions: return "insecure_permissions"
        case .environmentVariableMissing: return "environment_variable_missing"
        case .invalidJSON: return "invalid_json"
        case .syntax: return "syntax"
        case .invalidKeyID: return "invalid_key_id"
        case .invalidBase64: return "invalid_base64"
        case .wrongKeyLength: return "wrong_key_length"
        case .weakKey: return "weak_key"
        case .duplicateKeyID: return "duplicate_key_id"
        case .duplicateKeyMaterial: return "duplicate_key_material"
        case .noKeys: return "no_keys"
        case .noCurrentKey: return "no_current_key"
        case .severalCurrentKeys: return "several_current_keys"
        case .unknownCurrentKey: return "unknown_current_key"
        }
    }

    public var english: String {
        switch self {
        case .unreadable(let p): return "cannot read key file \(p)"
        case .insecurePermissions(let p, let m): return "key file \(p) has mode \(String(m, radix: 8)); allow the owner only (chmod 600)"
        case .environmentVariableMissing(let v): return "environment variable \(v) is not set"
        case .invalidJSON: return "the key file is not valid JSON of the form {\"current\": …, \"keys\": [{\"id\": …, \"key\": …}]}"
        case .syntax(let l): return "line \(l): expected \"current ID\" or \"key ID BASE64\""
        case .invalidKeyID(let l): return "entry \(l): a key id is 1–64 characters of A–Z a–z 0–9 . _ -"
        case .invalidBase64(let k): return "key \(k) is not valid base64"
        case .wrongKeyLength(let k, let n): return "key \(k) is \(n) bytes; a key-encryption key is 32 bytes (256 bits)"
        case .weakKey(let k): return "key \(k) does not look random (repeated bytes or text); generate one with `mynagate vault new-key`"
        case .duplicateKeyID(let k): return "key id \(k) appears twice"
        case .duplicateKeyMaterial(let a, let b): return "keys \(a) and \(b) are the same key"
        case .noKeys: return "no keys"
        case .noCurrentKey: return "no current key named"
        case .severalCurrentKeys: return "more than one current key named"
        case .unknownCurrentKey(let k): return "the current key \(k) is not among the keys"
        }
    }

    public var japanese: String {
        switch self {
        case .unreadable(let p): return "鍵ファイル \(p) を読めません"
        case .insecurePermissions(let p, let m): return "鍵ファイル \(p) の権限が \(String(m, radix: 8)) です。所有者だけにしてください（chmod 600）"
        case .environmentVariableMissing(let v): return "環境変数 \(v) が設定されていません"
        case .invalidJSON: return "鍵ファイルのJSONの形式が正しくありません"
        case .syntax(let l): return "\(l)行目: 「current ID」または「key ID BASE64」の形式ではありません"
        case .invalidKeyID(let l): return "\(l)番目: 鍵IDは英数字と . _ - の1〜64文字です"
        case .invalidBase64(let k): return "鍵 \(k) がbase64として正しくありません"
        case .wrongKeyLength(let k, let n): return "鍵 \(k) は\(n)バイトです。鍵暗号化鍵は32バイト（256ビット）です"
        case .weakKey(let k): return "鍵 \(k) は乱数に見えません（同じバイトの繰返しや文字列）"
        case .duplicateKeyID(let k): return "鍵ID \(k) が重複しています"
        case .duplicateKeyMaterial(let a, let b): return "鍵 \(a) と \(b) が同じ鍵です"
        case .noKeys: return "鍵がありません"
        case .noCurrentKey: return "現用の鍵が指定されていません"
        case .severalCurrentKeys: return "現用の鍵が複数指定されています"
        case .unknownCurrentKey(let k): return "現用の鍵 \(k) が鍵の中にありません"
        }
    }

    public var description: String { "\(code): \(english)" }
}
