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
}
