import ArgumentParser
import Foundation
import Trust

/// `mynagate pki revoke DIR SERIAL_HEX`: records a revocation for the next `pki crl`.
struct PKIRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Record a revoked serial in DIR/revoked.txt so the next `pki crl` lists it.",
        discussion: "Use --reason removeFromCRL to release a certificate on hold (it then appears in the next delta CRL)."
    )

    @Argument(help: "The test hierarchy directory.")
    var directory: String

    @Argument(help: "The serial in hexadecimal.")
    var serial: String

    @Option(help: "keyCompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold, removeFromCRL, … (RFC 5280 5.3.1).")
    var reason: String = "keyCompromise"

    static let fileName = "revoked.txt"

    func run() async throws {
        guard let bytes = TrustCRLCheckCommand.serialBytes(serial) else { throw ValidationError("SERIAL_HEX must be hexadecimal") }
        guard let r = CRLReason.allCases.first(where: { "\($0)".lowercased() == reason.lowercased() }) else {
            throw ValidationError("unknown reason \(reason); one of: \(CRLReason.allCases.map { "\($0)" }.joined(separator: ", "))")
        }
        let hex = bytes.map { String(format: "%02X", $0) }.joined()
        let path = URL(fileURLWithPath: directory).appendingPathComponent(Self.fileName).path
        let line = "\(hex) \(r) \(Int(Date().timeIntervalSince1970))\n"
        if let handle = FileHandle(forWritingAtPath: path) {
            handle.seekToEndOfFile()
            handle.write(Data(line.utf8))
            handle.closeFile()
        } else {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(line.utf8).write(to: URL(fileURLWithPath: path))
        }
        print("recorded \(hex) (\(r)) in \(path); run `mynagate pki crl \(directory)` to publish it")
    }

    /// The entries recorded in DIR/revoked.txt (lines: SERIAL_HEX REASON UNIX_SECONDS).
    static func recorded(in directory: String) -> [CRLEntry] {
        let path = URL(fileURLWithPath: directory).appendingPathComponent(fileName).path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        var seen: [String: CRLEntry] = [:]
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count == 3, let bytes = TrustCRLCheckCommand.serialBytes(String(f[0])), let seconds = Double(f[2]),
                  let r = CRLReason.allCases.first(where: { "\($0)" == f[1] }) else { continue }
            // The newest line for a serial wins (a hold, then its release).
            seen[String(f[0])] = CRLEntry(serial: bytes, revocationDate: Date(timeIntervalSince1970: seconds), reason: r)
        }
        return seen.keys.sorted().compactMap { seen[$0] }
    }
}
