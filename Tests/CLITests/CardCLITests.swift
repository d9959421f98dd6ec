import Foundation
import Testing

/// The `card` and `vcard` commands as a person runs them, on a virtual card file.
@Suite("mynagate card and vcard (as a process)", .serialized)
struct CardCLITests {
    static let directory: URL = {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-cli-\(getpid())")
        try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }()

    /// Issues a card with PIN 1234 and signing password ABC123.
    static func newCard(_ name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        let r = try CLI.run(["vcard", "new", path, "--ca", directory.appendingPathComponent("ca").path, "--pin-stdin", "--force",
                             "--name", "番号 花子", "--birth", "19900101"], stdin: Data("1234\nABC123\n".utf8))
        #expect(r.status == 0, "vcard new failed: \(r.stderr)")
        return path
    }

    @Test("status lists the applications and tries left, and spends nothing")
    func status() throws {
        let card = try Self.newCard("status.vcard")
        for _ in 0..<2 {
            let r = try CLI.run(["card", "status", "--vcard", card, "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            #expect(obj?["applications"] as? [String] == ["jpki", "text", "visual"])
            #expect(obj?["token"] as? String == "JPKIAPICCTOKEN2")
            let tries = obj?["triesLeft"] as? [String: Int]
            #expect(tries == ["authPIN": 3, "signingPassword": 5, "textPIN": 3, "visualPINB": 10])
        }
    }

    @Test("cert prints the auth certificate's summary and PEM; --trace shows APDUs")
    func cert() throws {
        let card = try Self.newCard("cert.vcard")
        let summary = try CLI.run(["card", "cert", "--vcard", card, "--json", "--trace"])
        #expect(summary.status == 0, "\(summary.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(summary.stdout.utf8)) as? [String: Any]
        #expect((obj?["subject"] as? String)?.contains("C=JP") == true)
        #expect(summary.stderr.contains(">> 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"))
        let pem = try CLI.run(["card", "cert", "--vcard", card, "--pem"])
        #expect(pem.stdout.hasPrefix("-----BEGIN CERTIFICATE-----"))
    }

    @Test("sign: the signature verifies with OpenSSL and the exported certificate")
    func signVerifiesWithOpenSSL() throws {
        let card = try Self.newCard("sign.vcard")
        let dir = Self.directory
        let data = dir.appendingPathComponent("doc.txt")
        try Data("出勤簿 2026-11".utf8).write(to: data)
        let sig = dir.appendingPathComponent("doc.sig").path
        let certPath = dir.appendingPathComponent("auth.pem").path
        let s = try CLI.run(["card", "sign", "--vcard", card, "--key", "auth", "--in", data.path, "--out", sig, "--pin-stdin"], stdin: Data("1234\n".utf8))
        #expect(s.status == 0, "\(s.stderr)")
        #expect(s.stderr.contains("3 tries left"))
        _ = try CLI.run(["card", "cert", "--vcard", card, "--pem", "--out", certPath])
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else { return }
        let pub = Process()
        pub.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        let pubPath = dir.appendingPathComponent("auth.pub").path
        pub.arguments = ["x509", "-in", certPath, "-pubkey", "-noout", "-out", pubPath]
        try pub.run(); pub.waitUntilExit()
        let verify = Process()
        verify.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        verify.arguments = ["dgst", "-sha256", "-verify", pubPath, "-signature", sig, data.path]
        let out = Pipe()
        verify.standardOutput = out
        try verify.run(); verify.waitUntilExit()
        #expect(verify.terminationStatus == 0)
        #expect(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains("Verified OK"))
    }

    @Test("a wrong PIN reports the tries left; at one try left the CLI refuses without --confirm-last-try; the lock persists")
    func pinRules() throws {
        let card = try Self.newCard("pin.vcard")
        let doc = Self.directory.appendingPathComponent("x.txt")
        try Data("x".utf8).write(to: doc)
        let args = ["card", "sign", "--vcard", card, "--in", doc.path, "--pin-stdin"]
        let w1 = try CLI.run(args, stdin: Data("9999\n".utf8))
        #expect(w1.status == 1)
        #expect(w1.stderr.contains("2 tries left"))
        #expect(w1.stderr.contains("残り2回"))
        _ = try CLI.run(args, stdin: Data("9999\n".utf8))
        let refused = try CLI.run(args, stdin: Data("1234\n".utf8))
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("--confirm-last-try"))
        let status = try CLI.run(["card", "status", "--vcard", card, "--json"])
        #expect(status.stdout.contains("\"authPIN\":1"))
        let blocked = try CLI.run(args + ["--confirm-last-try"], stdin: Data("9999\n".utf8))
        #expect(blocked.status == 1)
        #expect(blocked.stderr.contains("blocked"))
        // The card file remembers: a new process sees the PIN blocked and sends nothing.
        let after = try CLI.run(["card", "status", "--vcard", card])
        #expect(after.stdout.contains("authPIN: BLOCKED"))
        let never = try CLI.run(args + ["--confirm-last-try"], stdin: Data("1234\n".utf8))
        #expect(never.status == 1)
        #expect(!never.stderr.contains("verified"))
    }

    @Test("info shows the 4 items, masks the number unless asked, and a bad PIN form costs no try")
    func info() throws {
        let card = try Self.newCard("info.vcard")
        let bad = try CLI.run(["card", "info", "--vcard", card, "--pin-stdin"], stdin: Data("12a4\n".utf8))
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("4 digits"))
        let r = try CLI.run(["card", "info", "--vcard", card, "--pin-stdin", "--json", "--trace"], stdin: Data("1234\n".utf8))
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(obj?["name"] as? String == "番号 花子")
        #expect(obj?["birthDate"] as? String == "19900101")
        #expect(obj?["myNumber"] as? String == "************")
        // No 12-digit run anywhere in the output or the trace.
        let all = r.stdout + r.stderr
        #expect(all.range(of: "[0-9]{12}", options: .regularExpression) == nil)
        #expect(!r.stderr.contains("31 32 33 34"))  // the PIN in hex
        let status = try CLI.run(["card", "status", "--vcard", card, "--json"])
        #expect(status.stdout.contains("\"textPIN\":3"))
        let revealed = try CLI.run(["card", "info", "--vcard", card, "--pin-stdin", "--json", "--reveal-number"], stdin: Data("1234\n".utf8))
        let robj = try JSONSerialization.jsonObject(with: Data(revealed.stdout.utf8)) as? [String: Any]
        let digits = robj?["myNumber"] as? String ?? ""
        #expect(digits.count == 12 && digits.allSatisfy(\.isNumber))
        let check = try CLI.run(["number", "check", digits])
        #expect(check.status == 0)
    }

    @Test("PINs never come from arguments; errors for missing files are clear")
    func inputs() throws {
        let missing = try CLI.run(["card", "status", "--vcard", "/nonexistent/card.vcard"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("cannot load the virtual card"))
        let both = try CLI.run(["card", "status", "--vcard", "x", "--reader", "y"])
        #expect(both.status == 2)
        let help = try CLI.run(["card", "sign", "--help"])
        #expect(!help.stdout.contains("--pin <"))
    }
}
