import Foundation
import Testing

/// `mynagate setup` (issue 21 item 5): once, with the checks printed.
@Suite("mynagate setup")
struct SetupCLITests {
    @Test("setup creates the first administrator once, prints the checks, and refuses a second time")
    func setupOnce() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-setup-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try CLI.run(["setup", "--data", dir.path, "--admin", "kanri", "--password-stdin", "--json"], stdin: Data("correct horse battery\n".utf8))
        #expect(first.status == 0, "\(first.stderr)")
        let out = try #require(JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any], "\(first.stdout)")
        #expect(out["setUp"] as? Bool == true)
        let checks = try #require(out["checks"] as? [[String: Any]])
        #expect(checks.compactMap { $0["id"] as? String } == ["trustAnchors", "revocation", "tls", "vaultKey"])
        // Nothing configured: each check says so rather than passing quietly.
        #expect(checks.allSatisfy { $0["state"] as? String == "warning" }, "\(checks)")
        #expect(!first.stdout.contains("correct horse"))

        let second = try CLI.run(["setup", "--data", dir.path, "--admin", "other", "--password-stdin"], stdin: Data("correct horse battery\n".utf8))
        #expect(second.status != 0)
        #expect(second.stderr.contains("set up already"), "\(second.stderr)")
    }
}
