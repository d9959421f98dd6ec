import Foundation
import Testing

/// `mynagate card trace` as a contributor runs it (docs/CARD.md, "APDU traces").
@Suite("mynagate card trace (as a process)", .serialized)
struct CardTraceCLITests {
    @Test("trace writes a versioned, redacted file; --verify sends the PIN only when given; an existing file is kept")
    func trace() throws {
        let card = try CardCLITests.newCard("trace.vcard")
        let out = CardCLITests.directory.appendingPathComponent("session.trace").path
        try? FileManager.default.removeItem(atPath: out)

        let survey = try CLI.run(["card", "trace", "--vcard", card, "--out", out])
        #expect(survey.status == 0, "\(survey.stderr)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "# mynagate-apdu-trace 2")
        for field in ["# tool: mynagate ", "# reader: virtual card trace.vcard", "# atr: 3B E0 00 FF 81 31 FE 45 14",
                      "# protocol: in-process", "# extended-length: yes", "# date: 20", "# session: survey (no PIN)", "# result: completed"] {
            #expect(lines.contains { $0.hasPrefix(field) }, "missing \(field)")
        }
        // The survey spends nothing: no VERIFY with data.
        #expect(!text.contains("bytes redacted"))
        #expect(lines.filter { $0.hasPrefix("<< ") }.allSatisfy { $0.hasSuffix(" ms") })

        // Refuses to replace a trace unless told.
        let again = try CLI.run(["card", "trace", "--vcard", card, "--out", out])
        #expect(again.status == 1)
        #expect(again.stderr.contains("exists; use --force"))

        // Never renamed over a device or a directory, even with --force.
        let device = try CLI.run(["card", "trace", "--vcard", card, "--out", "/dev/null", "--force"])
        #expect(device.status == 1)
        #expect(device.stderr.contains("/dev/null is not a regular file"))

        // The PIN from standard input: sent, redacted, and the tries read again.
        let verified = try CLI.run(["card", "trace", "--vcard", card, "--out", out, "--force", "--verify", "auth", "--pin-stdin"],
                                   stdin: Data("1234\n".utf8))
        #expect(verified.status == 0, "\(verified.stderr)")
        let withPIN = try String(contentsOfFile: out, encoding: .utf8)
        #expect(withPIN.contains(">> 00 20 00 80 [PIN redacted]\n<< 9000"))
        #expect(!withPIN.contains("31 32 33 34"))
        #expect(withPIN.contains("# session: survey, then VERIFY auth"))

        // A wrong PIN is recorded (the card's 63C2), then reported with exit status 1.
        let wrong = try CLI.run(["card", "trace", "--vcard", card, "--out", out, "--force", "--verify", "auth", "--pin-stdin"],
                                stdin: Data("9999\n".utf8))
        #expect(wrong.status == 1)
        let wrongText = try String(contentsOfFile: out, encoding: .utf8)
        #expect(wrongText.contains(">> 00 20 00 80 [PIN redacted]\n<< 63C2"))
        #expect(wrongText.contains("# result: stopped: Wrong authentication PIN. 2 tries left."))
        #expect(!wrongText.contains("39 39 39 39"))

        // A signing password's length is not in the file either.
        let signing = try CLI.run(["card", "trace", "--vcard", card, "--out", out, "--force", "--verify", "signing", "--pin-stdin"],
                                  stdin: Data("ABC123\n".utf8))
        #expect(signing.status == 0, "\(signing.stderr)")
        let signingText = try String(contentsOfFile: out, encoding: .utf8)
        #expect(signingText.contains(">> 00 20 00 80 [PIN redacted]\n<< 9000"))
        #expect(!signingText.contains("[6 bytes redacted]"))

        let help = try CLI.run(["card", "trace", "--help"])
        #expect(help.stdout.contains("--verify"))
        #expect(help.stdout.contains("spends no PIN try"))
    }

    /// The value of the first `key` anywhere in a JSON object tree.
    static func find(_ key: String, in json: Any) -> Any? {
        if let d = json as? [String: Any] {
            if let v = d[key] { return v }
            for v in d.values { if let found = find(key, in: v) { return found } }
        } else if let a = json as? [Any] {
            for v in a { if let found = find(key, in: v) { return found } }
        }
        return nil
    }

    @Test("--verify visual builds 照合番号B from the card's printed parts and shows the era digits before sending")
    func visualFromParts() throws {
        let card = try CardCLITests.newCard("trace-visual.vcard")  // born 1990-01-01: 平成2年 → 020101
        let json = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: card)))
        let code = try #require(Self.find("securityCode", in: json) as? String)
        let expiry = try #require(Self.find("cardExpiry", in: json) as? String)
        let out = CardCLITests.directory.appendingPathComponent("visual.trace").path
        try? FileManager.default.removeItem(atPath: out)

        let r = try CLI.run(["card", "trace", "--vcard", card, "--out", out, "--verify", "visual", "--pin-stdin", "--visual-parts"],
                            stdin: Data("19900101\n\(expiry.prefix(4))\n\(code)\n".utf8))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("平成2年1月1日 → 020101"), "\(r.stderr)")
        #expect(!r.stderr.contains(code) && !r.stdout.contains(code))
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.contains(">> 00 20 00 80 [PIN redacted]\n<< 9000"))
        #expect(!text.contains(code.utf8.map { String(format: "%02X", $0) }.joined(separator: " ")))

        // A part that is not valid is refused before anything is sent: no try spent.
        let bad = try CLI.run(["card", "trace", "--vcard", card, "--out", out, "--force", "--verify", "visual", "--pin-stdin", "--visual-parts"],
                              stdin: Data("19900230\n\(expiry.prefix(4))\n\(code)\n".utf8))
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("nothing was sent"), "\(bad.stderr)")
        let status = try CLI.run(["card", "status", "--vcard", card, "--json"])
        let tries = (try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["triesLeft"] as? [String: Int]
        #expect(tries?["visualPINB"] == 10)

        // --visual-parts belongs to --verify visual --pin-stdin only.
        let misplaced = try CLI.run(["card", "trace", "--vcard", card, "--out", out, "--force", "--verify", "auth", "--pin-stdin", "--visual-parts"],
                                    stdin: Data("1234\n".utf8))
        #expect(misplaced.status != 0)
        #expect(misplaced.stderr.contains("--visual-parts goes with --verify visual"), "\(misplaced.stderr)")

        // The raw 14 digits are still accepted from standard input.
        let raw = try CLI.run(["card", "trace", "--vcard", card, "--out", out, "--force", "--verify", "visual", "--pin-stdin"],
                              stdin: Data("020101\(expiry.prefix(4))\(code)\n".utf8))
        #expect(raw.status == 0, "\(raw.stderr)")
    }
}
