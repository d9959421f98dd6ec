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
        #expect(lines.first == "# mynagate-apdu-trace 1")
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
        #expect(withPIN.contains(">> 00 20 00 80 [4 bytes redacted]\n<< 9000"))
        #expect(!withPIN.contains("31 32 33 34"))
        #expect(withPIN.contains("# session: survey, then VERIFY auth"))

        // A wrong PIN is recorded (the card's 63C2), then reported with exit status 1.
        let wrong = try CLI.run(["card", "trace", "--vcard", card, "--out", out, "--force", "--verify", "auth", "--pin-stdin"],
                                stdin: Data("9999\n".utf8))
        #expect(wrong.status == 1)
        let wrongText = try String(contentsOfFile: out, encoding: .utf8)
        #expect(wrongText.contains(">> 00 20 00 80 [4 bytes redacted]\n<< 63C2"))
        #expect(wrongText.contains("# result: stopped: Wrong authentication PIN. 2 tries left."))
        #expect(!wrongText.contains("39 39 39 39"))

        let help = try CLI.run(["card", "trace", "--help"])
        #expect(help.stdout.contains("--verify"))
        #expect(help.stdout.contains("spends no PIN try"))
    }
}
