import Foundation
import Testing

/// `vcard new --separate-text-pin`: the text application's PIN need not be the auth PIN (issue 17 item 7).
@Suite("mynagate vcard new: the text PIN", .serialized)
struct VCardTextPINTests {
    static let directory: URL = {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-cli-textpin-\(getpid())")
        try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }()

    /// The PIN values in a card file (its JSON), read the way a test may: the file is the card's content.
    static func pins(_ path: String) throws -> (auth: String?, text: String?) {
        let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
        return ((obj?["authPIN"] as? [String: Any])?["value"] as? String, (obj?["textPIN"] as? [String: Any])?["value"] as? String)
    }

    @Test("by default the text PIN is the auth PIN; --separate-text-pin reads a third line and checks its form")
    func separateTextPIN() throws {
        let ca = Self.directory.appendingPathComponent("ca").path
        let same = Self.directory.appendingPathComponent("same.vcard").path
        let r1 = try CLI.run(["vcard", "new", same, "--ca", ca, "--pin-stdin", "--force"], stdin: Data("1234\nABC123\n".utf8))
        #expect(r1.status == 0, "\(r1.stderr)")
        let p1 = try Self.pins(same)
        #expect(p1.auth == "1234" && p1.text == "1234")

        let own = Self.directory.appendingPathComponent("own.vcard").path
        let r2 = try CLI.run(["vcard", "new", own, "--ca", ca, "--pin-stdin", "--force", "--separate-text-pin"],
                             stdin: Data("1234\nABC123\n5678\n".utf8))
        #expect(r2.status == 0, "\(r2.stderr)")
        let p2 = try Self.pins(own)
        #expect(p2.auth == "1234" && p2.text == "5678")
        #expect(!r2.stdout.contains("5678") && !r2.stderr.contains("5678"), "no PIN is printed")

        // A missing or malformed third line is refused before any key is made; no file is written.
        let bad = Self.directory.appendingPathComponent("bad.vcard").path
        for stdin in ["1234\nABC123\n", "1234\nABC123\n56a8\n"] {
            let r = try CLI.run(["vcard", "new", bad, "--ca", ca, "--pin-stdin", "--force", "--separate-text-pin"], stdin: Data(stdin.utf8))
            #expect(r.status == 1, "\(r.stderr)")
            #expect(r.stderr.contains("text PIN"), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: bad))
        }
        let help = try CLI.run(["vcard", "new", "--help"])
        #expect(help.stdout.contains("--separate-text-pin"))
        #expect(help.stdout.contains("Japanese-era year"), "照合番号B is explained with the era year: \(help.stdout)")
    }
}
