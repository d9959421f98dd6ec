import ArgumentParser
import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Server
import ServerCore
import VaultServer
import Store
import Vapor
import Vault

/// `mynagate vault …`: the My Number vault's keys, and giving a number from one's own card reader.
struct VaultCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vault",
        abstract: "The My Number vault: key files, key rotation, giving a number with your card.",
        discussion: "Numbers are sealed with AES-256-GCM under a data key per number, wrapped by the key file's current key. See docs/VAULT.md.",
        subcommands: [VaultNewKeyCommand.self, VaultRotateKeyCommand.self, VaultGiveCommand.self]
    )
}

/// `mynagate vault new-key`: a key file with one new random key.
struct VaultNewKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new-key",
        abstract: "Write a new vault key file (mode 0600) with one random 256-bit key as the current key.",
        discussion: "Point the server at it with vaultKeyFile / MYNAGATE_VAULT_KEY_FILE, or name it vault.key in the data directory. Exit status: 0 written, 1 refused (the file exists), 2 usage error."
    )

    @ArgumentParser.Option(help: "Where to write the key file.") var out: String
    @ArgumentParser.Option(help: "The key's id (letters, digits, . _ -; default k<UTC date-time>).") var id: String?
    @ArgumentParser.Flag(help: "Replace an existing file (its keys are lost: numbers wrapped by them can no longer be opened).") var force = false
    @ArgumentParser.Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let keyID: KeyID
        if let id {
            guard let k = KeyID(rawValue: id) else { throw ValidationError("--id: 1–64 characters of A–Z a–z 0–9 . _ -") }
            keyID = k
        } else {
            keyID = VaultKeyFile.defaultID()
        }
        let url = URL(fileURLWithPath: out)
        if FileManager.default.fileExists(atPath: url.path) && !force {
            throw CLIFailure("\(url.path) exists; a key file is not overwritten without --force (numbers wrapped by its keys would be lost)")
        }
        try VaultKeyFile.write(Data(VaultKeyFile.text(id: keyID, keyBase64: Keyring.generateKeyBase64()).utf8), to: url)
        // Read back as the server will: permissions and format.
        _ = try Keyring.load(contentsOf: url)
        print(json ? "{\"file\":\(Self.quoted(url.path)),\"keyId\":\(Self.quoted(keyID.rawValue))}" : "wrote \(url.path) (mode 0600), current key \(keyID.rawValue)")
    }

    static func quoted(_ s: String) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.withoutEscapingSlashes]
        return String(decoding: (try? e.encode(s)) ?? Data("\"\"".utf8), as: UTF8.self)
    }
}

/// `mynagate vault rotate-key`: a new current key, and every data key re-wrapped under it while the
/// server runs.
struct VaultRotateKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-key",
        abstract: "Add a new current key to the key file and re-wrap every number's data key under it, without stopping the server.",
        discussion: """
            Steps: (1) the new key is added to the key file and made current (atomically; the old keys stay), \
            so running servers seal new numbers with it at once; (2) each number's data key is unwrapped with \
            its old key and wrapped with the new one, one row per transaction, the new wrapping proven to open \
            before it replaces the old; the numbers' ciphertexts do not change; (3) the keys in use are counted. \
            With --retire-old the old keys are then removed from the file (only once nothing uses them). \
            An interrupted run is finished with --rewrap-only. A key that cannot open a data key (a wrong key) \
            stops the run at that row with nothing changed. Works on SQLite (--data) and DATABASE_URL.
            Exit status: 0 done, 1 failed (a wrong or missing key, no database), 2 usage error.
            """
    )

    @ArgumentParser.Option(help: "A JSON configuration file (as for serve).") var config: String?
    @ArgumentParser.Option(help: "Data directory holding mynagate.sqlite (and vault.key by default).") var data: String?
    @ArgumentParser.Option(help: "The key file (default: vaultKeyFile, MYNAGATE_VAULT_KEY_FILE, or vault.key in the data directory).") var keyFile: String?
    @ArgumentParser.Option(help: "The new key's id (default k<UTC date-time>).") var newId: String?
    @ArgumentParser.Flag(help: "Do not add a key: re-wrap under the file's current key (finishes an interrupted rotation).") var rewrapOnly = false
    @ArgumentParser.Flag(help: "After re-wrapping, remove keys no number uses any more from the key file.") var retireOld = false
    @ArgumentParser.Flag(help: "Print JSON.") var json = false

    func run() async throws {
        var c = try ServerConfig.load(file: config)
        if let data { c.dataDirectory = data }
        if let keyFile { c.vaultKeyFile = keyFile }
        guard let path = c.resolvedVaultKeyFile else {
            if c.vaultKeyBase64 != nil {
                throw CLIFailure("the key comes from MYNAGATE_VAULT_KEY; rotate by setting it to NEW_ID:NEW_KEY,OLD_ID:OLD_KEY and running with a key file, or use --key-file")
            }
            throw CLIFailure("no key file: give --key-file, or --data with a vault.key in it")
        }
        let url = URL(fileURLWithPath: path)
        let old = try Keyring.load(contentsOf: url)
        // Checked before the key file changes, so a mistyped --data leaves everything as it was.
        if c.databaseURL == nil, !FileManager.default.fileExists(atPath: c.sqlitePath) {
            throw CLIFailure("no database at \(c.sqlitePath); nothing changed")
        }
        if !rewrapOnly {
            let id: KeyID
            if let newId {
                guard let k = KeyID(rawValue: newId) else { throw ValidationError("--new-id: 1–64 characters of A–Z a–z 0–9 . _ -") }
                id = k
            } else {
                id = VaultKeyFile.defaultID()
            }
            guard !old.hasKey(id) else { throw CLIFailure("the key file already holds a key \(id.rawValue)") }
            let before = try Data(contentsOf: url)
            let after = try VaultKeyFile.adding(id, keyBase64: Keyring.generateKeyBase64(), to: before)
            // The new file must load with every old key and the new one current before it replaces the old.
            let check = try Keyring.parse(after)
            guard check.currentKeyID == id, Set(old.keyIDs).isSubset(of: Set(check.keyIDs)) else { throw CLIFailure("the new key file did not come out right; nothing changed") }
            try VaultKeyFile.write(after, to: url)
        }
        let ring = try Keyring.load(contentsOf: url)
        let bar = ProgressBox(label: "re-wrapping")
        let (report, counts) = try await ConfiguredDatabase.with(c) { db in
            let r = try await VaultService.rotate(provider: ring, on: db) { done, total in bar.update(done, total) }
            return (r, try await VaultService.countsByKey(on: db))
        }
        bar.finish()
        let stale = counts.filter { $0.key != ring.currentKeyID.rawValue && $0.key != "(erased)" }
        var retired: [String] = []
        if retireOld && stale.isEmpty {
            let before = try Data(contentsOf: url)
            let after = try VaultKeyFile.retainingOnly(ring.currentKeyID, in: before)
            let check = try Keyring.parse(after)
            guard check.currentKeyID == ring.currentKeyID else { throw CLIFailure("retiring the old keys did not come out right; nothing changed") }
            retired = ring.keyIDs.map(\.rawValue).filter { $0 != ring.currentKeyID.rawValue }
            try VaultKeyFile.write(after, to: url)
        }
        if json {
            struct Out: Encodable {
                var keyFile: String
                var currentKeyId: String
                var total: Int
                var rewrapped: Int
                var alreadyCurrent: Int
                var erased: Int
                var numbersByKey: [String: Int]
                var retiredKeys: [String]
            }
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try e.encode(Out(keyFile: url.path, currentKeyId: ring.currentKeyID.rawValue, total: report.total, rewrapped: report.rewrapped,
                                                     alreadyCurrent: report.alreadyCurrent, erased: report.erased, numbersByKey: counts, retiredKeys: retired)), as: UTF8.self))
        } else {
            print("current key: \(ring.currentKeyID.rawValue) (\(url.path))")
            print("numbers: \(report.total); re-wrapped \(report.rewrapped), already current \(report.alreadyCurrent), erased \(report.erased)")
            print("by key: " + counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
            if !retired.isEmpty { print("retired: \(retired.joined(separator: " "))") }
            if retireOld && !stale.isEmpty { print("old keys kept: some numbers are still wrapped by them (run again)") }
        }
        if !stale.isEmpty && report.total > 0 {
            // Rows added under an old key during the run (a server not yet following the file): say so.
            FileHandleOutput.standardError.write("note: \(stale.values.reduce(0, +)) numbers still use an older key; run `mynagate vault rotate-key --rewrap-only`\n")
        }
    }
}

/// The progress bar behind a lock (the rotation reports from its own task), made at the first report,
/// when the number of rows is known; nothing is drawn unless standard error is a terminal.
final class ProgressBox: @unchecked Sendable {
    private let lock = NSLock()
    private let label: String
    private var bar: ProgressBar?
    private var made = false
    init(label: String) { self.label = label }
    func update(_ done: Int, _ total: Int) {
        lock.withLock {
            if !made {
                made = true
                bar = ProgressBar(label: label, totalBytes: max(total, 1), unit: "numbers")
            }
            bar?.update(processedBytes: done, items: done)
        }
    }
    func finish() { lock.withLock { bar?.finish() } }
}
