import Foundation
import Testing
@testable import Vault

@Suite("Keyring loading")
struct KeyringTests {
    let a = Keyring.generateKeyBase64()
    let b = Keyring.generateKeyBase64()

    func parse(_ text: String) throws(KeyringError) -> Keyring { try Keyring.parse(Data(text.utf8)) }

    @Test func textFile() throws {
        let ring = try parse("""
            # MynaGate vault keys
            key 2024-01 \(a)

            key 2025-01 \(b)
            current 2025-01
            """)
        #expect(ring.currentKeyID.rawValue == "2025-01")
        #expect(ring.keyIDs.map(\.rawValue) == ["2024-01", "2025-01"])
    }

    @Test func jsonFile() throws {
        let ring = try parse(#"{"current": "k2", "keys": [{"id": "k1", "key": "\#(a)"}, {"id": "k2", "key": "\#(b)"}]}"#)
        #expect(ring.currentKeyID.rawValue == "k2")
        #expect(ring.hasKey(KeyID(rawValue: "k1")!))
        #expect(throws: KeyringError.invalidJSON) { try parse(#"{"current": "k2", "keys": 5}"#) }
        #expect(throws: KeyringError.noCurrentKey) { try parse(#"{"keys": [{"id": "k1", "key": "\#(a)"}]}"#) }
    }

    @Test func parsingErrors() {
        let k1 = KeyID(rawValue: "k1")!
        #expect(throws: KeyringError.syntax(line: 2)) { try parse("current k1\nkey k1\n") }
        #expect(throws: KeyringError.invalidKeyID(line: 1)) { try parse("key bad/id \(a)\ncurrent x") }
        #expect(throws: KeyringError.invalidBase64(k1)) { try parse("current k1\nkey k1 not*base64") }
        let short = Data(repeating: 7, count: 16).base64EncodedString()
        #expect(throws: KeyringError.wrongKeyLength(k1, 16)) { try parse("current k1\nkey k1 \(short)") }
        let zeros = Data(count: 32).base64EncodedString()
        #expect(throws: KeyringError.weakKey(k1)) { try parse("current k1\nkey k1 \(zeros)") }
        let password = Data("correct horse battery staple!!!!".utf8).base64EncodedString()
        #expect(throws: KeyringError.weakKey(k1)) { try parse("current k1\nkey k1 \(password)") }
        #expect(throws: KeyringError.duplicateKeyID(k1)) { try parse("current k1\nkey k1 \(a)\nkey k1 \(b)") }
        #expect(throws: KeyringError.duplicateKeyMaterial(k1, KeyID(rawValue: "k2")!)) { try parse("current k1\nkey k1 \(a)\nkey k2 \(a)") }
        #expect(throws: KeyringError.noCurrentKey) { try parse("key k1 \(a)") }
        #expect(throws: KeyringError.unknownCurrentKey(KeyID(rawValue: "k9")!)) { try parse("current k9\nkey k1 \(a)") }
        #expect(throws: KeyringError.severalCurrentKeys) { try parse("current k1\ncurrent k1\nkey k1 \(a)") }
        #expect(throws: KeyringError.noKeys) { try parse("# nothing\n") }
    }

    @Test func errorsNeverShowKeyMaterial() {
        do {
            _ = try parse("current k1\nkey k1 \(a)\nkey k2 \(a)")
            Issue.record("expected an error")
        } catch {
            for text in [error.description, error.japanese, error.english, String(reflecting: error)] {
                #expect(!text.contains(a))
            }
        }
        let ring = try? parse("current k1\nkey k1 \(a)")
        #expect(ring != nil)
        for text in renderings(ring as Any) {
            #expect(!text.contains(a))
            #expect(!text.contains(String(a.prefix(12))))
        }
    }

    @Test func environment() throws {
        let single = try Keyring.fromEnvironment(["MYNAGATE_VAULT_KEK": a])
        #expect(single.currentKeyID == Keyring.defaultEnvironmentKeyID)
        let list = try Keyring.fromEnvironment(["MYNAGATE_VAULT_KEK": "new:\(b),old:\(a)"])
        #expect(list.currentKeyID.rawValue == "new")
        #expect(list.hasKey(KeyID(rawValue: "old")!))
        #expect(throws: KeyringError.environmentVariableMissing("MYNAGATE_VAULT_KEK")) { try Keyring.fromEnvironment([:]) }
        #expect(throws: KeyringError.environmentVariableMissing("MYNAGATE_VAULT_KEK")) { try Keyring.fromEnvironment(["MYNAGATE_VAULT_KEK": " "]) }
        #expect(throws: KeyringError.syntax(line: 2)) { try Keyring.fromEnvironment(["MYNAGATE_VAULT_KEK": "new:\(b),\(a)"]) }
        #expect(throws: KeyringError.wrongKeyLength(Keyring.defaultEnvironmentKeyID, 3)) { try Keyring.fromEnvironment(["MYNAGATE_VAULT_KEK": "AAAA"]) }
    }

    @Test func keyFilePermissions() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vault-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("kek.txt")
        try Data("current k1\nkey k1 \(a)\n".utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        #expect(throws: KeyringError.insecurePermissions(file.path, 0o644)) { try Keyring.load(contentsOf: file) }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        #expect(try Keyring.load(contentsOf: file).currentKeyID.rawValue == "k1")
        #expect(throws: KeyringError.unreadable(dir.appendingPathComponent("missing").path)) {
            try Keyring.load(contentsOf: dir.appendingPathComponent("missing"))
        }
    }

    @Test func keyIDs() {
        #expect(KeyID(rawValue: "2025-01_a.b") != nil)
        #expect(KeyID(rawValue: "") == nil)
        #expect(KeyID(rawValue: "a b") == nil)
        #expect(KeyID(rawValue: String(repeating: "a", count: 65)) == nil)
        #expect(KeyID(rawValue: "鍵") == nil)
    }
}
