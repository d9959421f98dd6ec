import Foundation
import Testing

/// `trust verify` and `trust status` with the certificate policy rule (issue 17 item 4): off unless asked.
@Suite("mynagate trust verify: the certificate policy rule", .serialized)
struct TrustPolicyCLITests {
    static let directory: URL = {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-cli-policy-\(getpid())")
        try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }()

    /// A virtual card's auth certificate (it asserts the emulator's policy, the jsrsasign OID) and the
    /// hierarchy directory that anchors it.
    static func certificate() throws -> (cert: String, anchors: String) {
        let card = directory.appendingPathComponent("policy.vcard").path
        let ca = directory.appendingPathComponent("ca").path
        let issued = try CLI.run(["vcard", "new", card, "--ca", ca, "--pin-stdin", "--force", "--name", "番号 花子", "--birth", "19900101"],
                                 stdin: Data("1234\nABC123\n".utf8))
        #expect(issued.status == 0, "\(issued.stderr)")
        let cert = directory.appendingPathComponent("auth.pem").path
        let exported = try CLI.run(["card", "cert", "--vcard", card, "--pem", "--out", cert])
        #expect(exported.status == 0, "\(exported.stderr)")
        return (cert, ca)
    }

    @Test("off by default; warn prints the warning and exits 0; require exits 1 naming the policy; a bad OID is a usage error")
    func modes() throws {
        let (cert, anchors) = try Self.certificate()
        let other = ["--policy", "1.2.392.200149.8.5.1.9.99"]
        let plain = try CLI.run(["trust", "verify", cert, "--anchors", anchors] + other)
        #expect(plain.status == 0, "\(plain.stdout)\(plain.stderr)")
        #expect(!plain.stdout.contains("warning"))

        let warn = try CLI.run(["trust", "verify", cert, "--anchors", anchors, "--policy-rule", "warn", "--json"] + other)
        #expect(warn.status == 0, "\(warn.stdout)\(warn.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(warn.stdout.utf8)) as? [String: Any]
        #expect((obj?["warnings"] as? [String])?.first?.contains("not the configured 1.2.392.200149.8.5.1.9.99") == true, "\(warn.stdout)")

        let require = try CLI.run(["trust", "verify", cert, "--anchors", anchors, "--policy-rule", "require"] + other)
        #expect(require.status == 1, "\(require.stdout)\(require.stderr)")
        #expect(require.stdout.contains("policy 1.2.392.200149.8.5.1.3.30 is not the configured 1.2.392.200149.8.5.1.9.99"), "\(require.stdout)")
        // The known OID for the purpose when none is named: the emulator's card asserts it.
        #expect(try CLI.run(["trust", "verify", cert, "--anchors", anchors, "--policy-rule", "require"]).status == 0)

        let bad = try CLI.run(["trust", "verify", cert, "--anchors", anchors, "--policy", "auth-policy"])
        #expect(bad.status != 0 && bad.stderr.contains("not an object identifier"), "\(bad.stderr)")
    }

    @Test("status prints the rule in force")
    func status() throws {
        let (_, anchors) = try Self.certificate()
        let r = try CLI.run(["trust", "status", "--anchors", anchors])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("certificate policy rule: off"))
    }

    @Test("--crl: a CRL is checked with the same-named anchor whose key signed it, and answers only for that key's certificates")
    func crlOfTheRightGeneration() throws {
        // Two test hierarchies share one CA name, as the J-LIS generations do; the card is the second's.
        let a = Self.directory.appendingPathComponent("gen-a").path, b = Self.directory.appendingPathComponent("gen-b").path
        let anchors = Self.directory.appendingPathComponent("generations")
        for d in [a, b, anchors.path] { try? FileManager.default.removeItem(atPath: d) }
        #expect(try CLI.run(["pki", "init", a]).status == 0)
        #expect(try CLI.run(["pki", "init", b]).status == 0)
        let auth = anchors.appendingPathComponent("auth")
        try FileManager.default.createDirectory(at: auth, withIntermediateDirectories: true)
        // File order puts the wrong generation first.
        try FileManager.default.copyItem(atPath: a + "/auth-ca.pem", toPath: auth.appendingPathComponent("1.pem").path)
        try FileManager.default.copyItem(atPath: b + "/auth-ca.pem", toPath: auth.appendingPathComponent("2.pem").path)
        let card = Self.directory.appendingPathComponent("gen-b.vcard").path
        #expect(try CLI.run(["vcard", "new", card, "--ca", b, "--pin-stdin", "--force", "--name", "番号 花子", "--birth", "19900101"],
                            stdin: Data("1234\nABC123\n".utf8)).status == 0)
        let cert = Self.directory.appendingPathComponent("gen-b.pem").path
        #expect(try CLI.run(["card", "cert", "--vcard", card, "--pem", "--out", cert]).status == 0)
        let crlA = Self.directory.appendingPathComponent("gen-a.crl").path, crlB = Self.directory.appendingPathComponent("gen-b.crl").path
        #expect(try CLI.run(["pki", "crl", a, "--out", crlA]).status == 0)
        #expect(try CLI.run(["pki", "crl", b, "--out", crlB]).status == 0)

        let own: CLI.Result = try CLI.run(["trust", "verify", cert, "--anchors", anchors.path, "--crl", crlB])
        #expect(own.status == 0, "\(own.stdout)\(own.stderr)")
        #expect(own.stdout.contains("not revoked"), "\(own.stdout)")
        // The other generation's CRL is read (its own anchor verifies it) but does not answer for this card.
        let foreign: CLI.Result = try CLI.run(["trust", "verify", cert, "--anchors", anchors.path, "--crl", crlA])
        let foreignOutput = foreign.stdout + foreign.stderr
        #expect(foreign.status == 1, "\(foreignOutput)")
        #expect(foreign.stdout.contains("revocation status unknown"), "\(foreignOutput)")
    }
}
