import Foundation
import Vault

/// Writing the vault's key file (the format `Vault.Keyring` reads). The keyring never hands key bytes
/// out, so a rotation edits the file's text: the old entries stay as they are, a new `key` line is
/// added and `current` moves to it.
enum VaultKeyFile {
    /// A new file's text with one key.
    static func text(id: KeyID, keyBase64: String, createdAt: Date = Date()) -> String {
        """
        # MynaGate My Number vault key-encryption keys. Keep this file secret (mode 0600) and backed up:
        # without the key that wrapped a number's data key, that number cannot be opened.
        # created \(ISO8601DateFormatter().string(from: createdAt))
        current \(id.rawValue)
        key \(id.rawValue) \(keyBase64)

        """
    }

    /// `existing` (text or JSON key file) with `id` added and made current.
    static func adding(_ id: KeyID, keyBase64: String, to existing: Data) throws -> Data {
        guard let text = String(data: existing, encoding: .utf8) else { throw CLIFailure("the key file is not UTF-8 text") }
        if text.drop(while: { $0.isWhitespace }).first == "{" {
            guard var object = try JSONSerialization.jsonObject(with: existing) as? [String: Any], var keys = object["keys"] as? [[String: Any]] else {
                throw CLIFailure("the key file is not a key file in the JSON format")
            }
            keys.append(["id": id.rawValue, "key": keyBase64])
            object["keys"] = keys
            object["current"] = id.rawValue
            return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        }
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let t = line.trimmingCharacters(in: .whitespaces)
            // The old `current` line is replaced; everything else (keys, comments) is kept.
            if t.hasPrefix("current ") || t.hasPrefix("current\t") { continue }
            lines.append(String(line))
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        lines.append("# added \(ISO8601DateFormatter().string(from: Date())) by mynagate vault rotate-key")
        lines.append("key \(id.rawValue) \(keyBase64)")
        lines.append("current \(id.rawValue)")
        return Data((lines.joined(separator: "\n") + "\n").utf8)
    }

    /// `existing` keeping only the key `keep` (after every data key was re-wrapped under it).
    static func retainingOnly(_ keep: KeyID, in existing: Data) throws -> Data {
        guard let text = String(data: existing, encoding: .utf8) else { throw CLIFailure("the key file is not UTF-8 text") }
        if text.drop(while: { $0.isWhitespace }).first == "{" {
            guard var object = try JSONSerialization.jsonObject(with: existing) as? [String: Any], let keys = object["keys"] as? [[String: Any]] else {
                throw CLIFailure("the key file is not a key file in the JSON format")
            }
            object["keys"] = keys.filter { $0["id"] as? String == keep.rawValue }
            return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).filter { line in
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            return !(f.count == 3 && f[0] == "key" && f[1] != Substring(keep.rawValue))
        }
        return Data(lines.joined(separator: "\n").utf8)
    }

    /// Writes `data` to `url` atomically (a temporary file in the same directory, then rename) with
    /// mode 0600 from the start, so the key is never readable by others, not even for a moment, and a
    /// server re-reading the file sees either the old or the new one.
    static func write(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        guard FileManager.default.createFile(atPath: tmp.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw CLIFailure("cannot write in \(dir.path)")
        }
        do {
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: tmp.path)
            let h = try FileHandle(forWritingTo: tmp)
            try h.write(contentsOf: data)
            try h.synchronize()
            try h.close()
            if rename(tmp.path, url.path) != 0 { throw CLIFailure("cannot replace \(url.path)") }
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw error
        }
    }

    /// A key id from the date, e.g. `k20261203-0715`.
    static func defaultID(_ date: Date = Date()) -> KeyID {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "'k'yyyyMMdd-HHmmss"
        return KeyID(rawValue: f.string(from: date))!
    }
}

extension VaultKeyFile {
    /// `vault.key` in the demo's data directory, made once: the server finds it there by default.
    static func ensureDemoKey(in directory: URL) throws {
        let url = directory.appendingPathComponent("vault.key")
        guard !FileManager.default.fileExists(atPath: url.path) else { return }
        try write(Data(text(id: KeyID(rawValue: "demo-1")!, keyBase64: Keyring.generateKeyBase64()).utf8), to: url)
    }
}
