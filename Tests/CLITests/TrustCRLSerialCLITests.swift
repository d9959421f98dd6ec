import Foundation
import Testing

/// `trust crl check` reads a serial typed by a person: full-width digits (ordinary Japanese input) pass
/// `Character.isHexDigit`, and used to reach a force unwrap that crashed the command.
@Suite("mynagate trust crl check: serial input")
struct TrustCRLSerialCLITests {
    @Test("a full-width serial is a usage error naming the problem, not a crash")
    func fullWidthSerial() throws {
        let index = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-crl-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: index) }
        for serial in ["０１２Ａ", "9Ａ01"] {
            let r = try CLI.run(["trust", "crl", "check", serial, "--index", index.path])
            // A crash ends with SIGTRAP and "Fatal error: Unexpectedly found nil" on stderr.
            #expect(r.status != 0)
            #expect(r.stderr.contains("hexadecimal") && !r.stderr.contains("Fatal error"), "\(r.stderr)")
        }
    }
}
