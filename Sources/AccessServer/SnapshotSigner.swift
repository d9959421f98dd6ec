import Crypto
import Fluent
import Foundation
import SQLKit
import ServerCore
import Store
#if canImport(Glibc)
import Glibc
#endif

/// The server's Ed25519 key for signing door snapshots. Kept in a key file readable by its owner only
/// (``ServerConfig/resolvedSnapshotSigningKeyFile``, base64 of the raw key), never in the database: a
/// copy of the database or a backup must not let anyone sign a snapshot every door believes. Never
/// logged.
///
/// The database holds only the public key (setting `snapshot_signing_public_key`), so a server given
/// another file, or none, while the doors trust the recorded key refuses to start instead of signing
/// snapshots no door accepts. With PostgreSQL every server must be given the same file.
public struct SnapshotSigner: Sendable {
    /// Where releases before security issue 14 kept the private key; moved to the file at start.
    static let legacySettingKey = "snapshot_signing_key"
    /// The public key the doors trust, base64 of its 32 raw bytes.
    static let publicKeySettingKey = "snapshot_signing_public_key"

    private let key: Curve25519.Signing.PrivateKey

    init(key: Curve25519.Signing.PrivateKey) { self.key = key }

    /// Base64 of the raw 32-byte public key, as `mynagate door register` writes it for the agent.
    public var publicKeyBase64: String { key.publicKey.rawRepresentation.base64EncodedString() }

    /// The signature over exactly `body`.
    func signature(for body: Data) throws -> Data { try key.signature(for: body) }

    /// The key, and whether this start moved it out of the database (the caller audits that).
    struct Loaded {
        var signer: SnapshotSigner
        var movedFromDatabase: Bool
    }

    /// Loads the key from `file`. A key found in the database (an older release) is written to the
    /// file once and deleted from the database; the first server on a new database makes the key.
    ///
    /// - Throws: ``SnapshotSignerError`` saying what to do (never key material).
    static func load(file: String, on db: any Database) async throws -> Loaded {
        let recorded = try await SettingModel.find(publicKeySettingKey, on: db)
        let legacy = try await SettingModel.find(legacySettingKey, on: db)
        if let key = try readKeyFile(file) {
            let publicKey = key.publicKey.rawRepresentation.base64EncodedString()
            if let recorded, recorded.value != publicKey { throw SnapshotSignerError.otherKey(file: file) }
            if let legacy {
                // Another server sharing the database moved it already and was given this file, or the
                // operator made the file from the old setting: the copy in the database must go.
                guard legacyKey(legacy) == key.rawRepresentation else { throw SnapshotSignerError.otherKey(file: file) }
                try await deleteLegacy(legacy, on: db)
            }
            if recorded == nil { try await SettingModel(key: publicKeySettingKey, value: publicKey).create(on: db) }
            return Loaded(signer: SnapshotSigner(key: key), movedFromDatabase: legacy != nil)
        }
        if let legacy {
            guard let raw = legacyKey(legacy), let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
                throw SnapshotSignerError.unreadableLegacy
            }
            try writeKeyFile(key, to: file)
            if recorded == nil {
                try await SettingModel(key: publicKeySettingKey, value: key.publicKey.rawRepresentation.base64EncodedString()).create(on: db)
            }
            try await deleteLegacy(legacy, on: db)
            return Loaded(signer: SnapshotSigner(key: key), movedFromDatabase: true)
        }
        // Doors already trust a key this server was not given.
        if recorded != nil { throw SnapshotSignerError.missingFile(file: file) }
        let key = Curve25519.Signing.PrivateKey()
        try writeKeyFile(key, to: file)
        do {
            try await SettingModel(key: publicKeySettingKey, value: key.publicKey.rawRepresentation.base64EncodedString()).create(on: db)
        } catch {
            // Another server on the same database made its own key at the same moment and won: ours
            // must not stay behind to be used on the next start.
            try FileManager.default.removeItem(atPath: file)
            throw SnapshotSignerError.missingFile(file: file)
        }
        return Loaded(signer: SnapshotSigner(key: key), movedFromDatabase: false)
    }

    static func legacyKey(_ setting: SettingModel) -> Data? {
        Data(base64Encoded: setting.value).flatMap { $0.count == 32 ? $0 : nil }
    }

    /// Deletes the old setting so the private key is no longer in the database, and on SQLite overwrites
    /// the freed page and folds the write-ahead log, so the bytes do not linger in the file.
    static func deleteLegacy(_ setting: SettingModel, on db: any Database) async throws {
        guard (db as? any SQLDatabase)?.dialect.name == "sqlite" else {
            try await setting.delete(on: db)
            return
        }
        // One connection for all three: `secure_delete` is a setting of the connection that deletes.
        try await db.withConnection { conn in
            guard let sql = conn as? any SQLDatabase else { throw SnapshotSignerError.unreadableLegacy }
            try await sql.raw("PRAGMA secure_delete=ON").run()
            try await setting.delete(on: conn)
            try await sql.raw("PRAGMA wal_checkpoint(TRUNCATE)").run()
        }
    }

    /// The key in `file`, or nil when there is no file. Refuses a file others may read.
    static func readKeyFile(_ file: String) throws -> Curve25519.Signing.PrivateKey? {
        var info = stat()
        guard stat(file, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw SnapshotSignerError.unreadableFile(file: file, why: String(cString: strerror(errno)))
        }
        guard info.st_mode & 0o077 == 0 else { throw SnapshotSignerError.openPermissions(file: file) }
        let text = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let raw = Data(base64Encoded: text), raw.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            throw SnapshotSignerError.unreadableFile(file: file, why: "it does not hold a base64 Ed25519 private key")
        }
        return key
    }

    /// Writes a new key file, 0600 from the moment it exists; never replaces one.
    static func writeKeyFile(_ key: Curve25519.Signing.PrivateKey, to file: String) throws {
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent.isEmpty ? "." : (file as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw SnapshotSignerError.unreadableFile(file: file, why: "cannot create it: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let data = Data((key.rawRepresentation.base64EncodedString() + "\n").utf8)
        guard fchmod(fd, 0o600) == 0 else { throw SnapshotSignerError.unreadableFile(file: file, why: "cannot restrict it to its owner") }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(fd) == 0 else { throw SnapshotSignerError.unreadableFile(file: file, why: "cannot write it") }
    }
}

/// Why the snapshot-signing key could not be loaded. Says which file and what to do, never the key.
enum SnapshotSignerError: Error, CustomStringConvertible {
    case missingFile(file: String)
    case otherKey(file: String)
    case openPermissions(file: String)
    case unreadableFile(file: String, why: String)
    case unreadableLegacy

    package var description: String {
        switch self {
        case .missingFile(let file):
            return "the door snapshot signing key file \(file) does not exist, but the doors registered with this database trust a key: "
                + "with PostgreSQL every server must be given the same file (copy it from the first server, mode 0600, and set "
                + "snapshotSigningKeyFile / MYNAGATE_SNAPSHOT_SIGNING_KEY_FILE); if the key is lost, delete the setting "
                + "\(SnapshotSigner.publicKeySettingKey) and register every door again"
        case .otherKey(let file):
            return "the door snapshot signing key file \(file) holds another key than the one the doors registered with this database trust: "
                + "every server must be given the same file"
        case .openPermissions(let file):
            return "the door snapshot signing key file \(file) may be read by others: chmod 600 it"
        case .unreadableFile(let file, let why):
            return "the door snapshot signing key file \(file) cannot be used: \(why)"
        case .unreadableLegacy:
            return "the setting \(SnapshotSigner.legacySettingKey) does not hold a base64 Ed25519 private key"
        }
    }
}
