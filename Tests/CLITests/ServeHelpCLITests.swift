import Foundation
import Testing

/// `mynagate serve --help` and the demo's configuration path (issue 21 item 6).
@Suite("serve --help and the demo's configuration")
struct ServeHelpCLITests {
    /// Every `MYNAGATE_…` name the server's modules mention, read from their sources: a variable added
    /// to the server but not to `ServerVariable` would be missing from the help, and found here.
    static func variablesInServerSources() throws -> Set<String> {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources")
        let modules = ["ServerCore", "Server", "AccessServer", "VaultServer", "AttendanceServer", "CardApplicationServer", "Store"]
        let pattern = try NSRegularExpression(pattern: "MYNAGATE_[A-Z_]+")
        var found: Set<String> = []
        for module in modules {
            let dir = sources.appendingPathComponent(module)
            guard let walk = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil) else { continue }
            for case let file as URL in walk where file.pathExtension == "swift" {
                let text = try String(contentsOf: file, encoding: .utf8)
                for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    if let r = Range(m.range, in: text) { found.insert(String(text[r])) }
                }
            }
        }
        return found
    }

    @Test("serve --help names every environment variable the server reads, the three it used to omit among them")
    func serveHelpListsEveryVariable() throws {
        let help = try CLI.run(["serve", "--help"])
        #expect(help.status == 0)
        let names = try Self.variablesInServerSources()
        #expect(names.count > 20, "the source scan found \(names.count)")
        for name in names.union(["MYNAGATE_REVOCATION_SWEEP_SECONDS", "MYNAGATE_VAULT_KEY", "MYNAGATE_VAULT_KEY_FILE", "DATABASE_URL", "LOG_LEVEL"]) {
            #expect(help.stdout.contains("\(name):"), "serve --help does not list \(name)")
        }
    }

    @Test("the demo refuses DATABASE_URL and MYNAGATE_DATA_DIR before it makes anything: it never seeds a real server's database")
    func demoRefusesARealDatabase() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-demo-refuse-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, value) in [("DATABASE_URL", "postgres://u:secret@127.0.0.1:1/db"), ("MYNAGATE_DATA_DIR", "/var/lib/mynagate")] {
            // An address that cannot be bound: had the refusal gone, the demo would stop there rather than serve on.
            let r = try CLI.run(["demo", "--data", dir.path, "--people", "5", "--host", "256.256.256.256"], environment: [name: value])
            #expect(r.status != 0, "\(name): \(r.stdout)")
            #expect(r.stderr.contains("\(name) is set"), "\(name): \(r.stderr)")
            #expect(!r.stderr.contains("secret"))
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("cards").path), "\(name): cards were made")
        }
    }

    @Test("the demo reads the environment as serve does: a bad MYNAGATE_SESSION_IDLE_SECONDS stops it with serve's message")
    func demoReadsTheEnvironment() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-demo-env-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["demo", "--data", dir.path, "--people", "5", "--host", "256.256.256.256"], environment: ["MYNAGATE_SESSION_IDLE_SECONDS": "soon"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("MYNAGATE_SESSION_IDLE_SECONDS must be a whole number above 0"), "\(r.stderr)")
    }

    @Test("the demo refuses a directory holding a database that is not a demo's, and touches nothing in it")
    func demoRefusesARealDataDirectory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-demo-real-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("mynagate.sqlite")
        try Data("a real server's database".utf8).write(to: db)
        let r = try CLI.run(["demo", "--data", dir.path, "--people", "5", "--host", "256.256.256.256"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("not a demo's"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["mynagate.sqlite"])
        #expect(try Data(contentsOf: db) == Data("a real server's database".utf8))
    }

    @Test("the demo uses its own keys and plain http on its host, whatever a deployment's environment names")
    func demoKeepsItsOwnKeys() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-demo-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["demo", "--data", dir.path, "--people", "5", "--host", "256.256.256.256", "--tap-interval", "0"], environment: [
            "MYNAGATE_SNAPSHOT_SIGNING_KEY_FILE": "/etc/mynagate/production-snapshot.key", "MYNAGATE_VAULT_KEY": "cHJvZHVjdGlvbiBrZXkgMzIgYnl0ZXMgbG9uZyEhISE=",
            "MYNAGATE_TLS_CERT": "/etc/mynagate/tls.pem", "MYNAGATE_TLS_KEY": "/etc/mynagate/tls.key", "MYNAGATE_HOST": "0.0.0.0",
        ])
        // It stops at the address it cannot bind, after printing its configuration.
        #expect(r.stdout.contains("door snapshot signing key: \(dir.path)/snapshot-signing.key"), "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("vault key: \(dir.path)/vault.key"))
        #expect(r.stdout.contains("listening: http://256.256.256.256:"))
        #expect(!r.stdout.contains("/etc/mynagate"))
    }
}
