import Foundation

/// The data directory and the SQLite files are for the server's user alone: the database holds the
/// door snapshot signing key, session ids, names and everything else (issue 14, M3). The directory
/// is 0700 and `mynagate.sqlite` 0600, created so or tightened at every start; SQLite gives its
/// `-wal` and `-shm` files the database file's own mode, and existing ones are tightened here too.
public enum DataFiles {
    public static let directoryMode: Int16 = 0o700
    public static let fileMode: Int16 = 0o600

    /// The SQLite files in the data directory.
    public static func sqliteFiles(_ config: ServerConfig) -> [String] {
        [config.sqlitePath, config.sqlitePath + "-wal", config.sqlitePath + "-shm"]
    }

    /// Creates (or tightens) the data directory; with SQLite also creates the empty database file
    /// 0600 before SQLite opens it, and tightens existing files.
    public static func prepare(_ config: ServerConfig) throws {
        try secureDirectory(config.dataDirectory)
        guard config.databaseURL == nil else { return }
        let fm = FileManager.default
        if !fm.fileExists(atPath: config.sqlitePath) {
            guard fm.createFile(atPath: config.sqlitePath, contents: nil, attributes: [.posixPermissions: fileMode]) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: config.sqlitePath])
            }
        }
        for path in sqliteFiles(config) where fm.fileExists(atPath: path) {
            try fm.setAttributes([.posixPermissions: fileMode], ofItemAtPath: path)
        }
    }

    /// Creates `path` 0700 (with its parents) or sets an existing one to 0700.
    public static func secureDirectory(_ path: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: directoryMode])
        try fm.setAttributes([.posixPermissions: directoryMode], ofItemAtPath: path)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension DataFiles {
    /// Sets the process umask to 077, so every file and directory the process creates from now on
    /// (database, WAL, key files, card files) is its user's alone. For the `serve` and `demo`
    /// processes; the server's own setup (``prepare(_:)``) does not rely on it.
    public static func restrictNewFiles() {
        _ = umask(0o077)
    }
}
