import ArgumentParser
import Foundation
import MynaCardSim
import Trust
import X509

/// `mynagate pki crl DIR --entries N`: a signed CRL from the test hierarchy in DIR.
struct PKICRLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crl",
        abstract: "Write a signed X.509 v2 CRL with N revoked serials from the test CA in DIR.",
        discussion: """
            DIR is a hierarchy written by `pki init` (one is created if DIR is empty). The CRL lists N \
            synthetic serials of realistic sizes, the serials recorded by `pki revoke`, and --revoke ones. \
            CRL numbers count up in DIR/crlnumber. --delta-of BASE writes a delta CRL on that base.
            """
    )

    @Argument(help: "The test hierarchy directory.")
    var directory: String

    @Option(help: "Synthetic revoked serials to include.")
    var entries: Int = 0

    @Option(help: "The output file (default DIR/crl-NUMBER.der or DIR/delta-NUMBER.der).")
    var out: String?

    @Option(parsing: .upToNextOption, help: "Serials (hex) to list as revoked (keyCompromise).")
    var revoke: [String] = []

    @Option(name: .customLong("delta-of"), help: "Write a delta CRL whose BaseCRLNumber is this.")
    var deltaOf: UInt64?

    @Option(help: "Which CA signs: auth (user authentication) or sign.")
    var ca: String = "auth"

    @Option(help: "Hours until nextUpdate.")
    var nextUpdateHours: Int = 24

    @Option(help: "Seed for the synthetic serials (default: the CRL number).")
    var seed: UInt64?

    func run() async throws {
        guard entries >= 0 else { throw ValidationError("--entries must not be negative") }
        guard ca == "auth" || ca == "sign" else { throw ValidationError("--ca must be auth or sign") }
        let dir = URL(fileURLWithPath: directory)
        let fm = FileManager.default
        let certName = ca == "auth" ? TestJPKIHierarchy.FileName.authCA : TestJPKIHierarchy.FileName.signCA
        let keyName = ca == "auth" ? TestJPKIHierarchy.FileName.authCAKey : TestJPKIHierarchy.FileName.signCAKey
        if !fm.fileExists(atPath: dir.appendingPathComponent(certName).path) {
            let contents = (try? fm.contentsOfDirectory(atPath: directory)) ?? []
            guard contents.isEmpty else { throw ValidationError("\(directory) is not empty and holds no test hierarchy") }
            try TestJPKIHierarchy.generate().save(to: dir)
            FileHandleOutput.standardError.write("created a test hierarchy in \(directory)\n")
        }
        let cert = try TrustCRLCommand.certificate(at: dir.appendingPathComponent(certName).path)
        let signer = try CRLSigner(pemRepresentation: String(contentsOf: dir.appendingPathComponent(keyName), encoding: .utf8))

        let numberFile = dir.appendingPathComponent("crlnumber")
        let last = (try? String(contentsOf: numberFile, encoding: .utf8)).flatMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
        let number = max(last, deltaOf ?? 0) + 1
        try Data("\(number)\n".utf8).write(to: numberFile, options: .atomic)

        var extra = PKIRevokeCommand.recorded(in: directory)
        let now = Date()
        for s in revoke {
            guard let b = TrustCRLCheckCommand.serialBytes(s) else { throw ValidationError("--revoke \(s) is not hexadecimal") }
            extra.append(CRLEntry(serial: b, revocationDate: now, reason: .keyCompromise))
        }
        // A complete CRL never lists removeFromCRL (RFC 5280 section 5.3.1): released serials just disappear.
        if deltaOf == nil { extra.removeAll { $0.reason == .removeFromCRL } }
        let list = PKICRLEntries(synthetic: SyntheticRevocations(count: entries, seed: seed ?? number, latest: now), extra: extra)

        var builder = CRLBuilder(issuer: cert, signer: signer, thisUpdate: now, nextUpdate: now.addingTimeInterval(Double(nextUpdateHours) * 3600),
                                 crlNumber: CRLNumber(number), baseCRLNumber: deltaOf.map { CRLNumber($0) })
        if deltaOf == nil { builder.freshestCRL = "http://jpki-test.mynagate.invalid/crl/\(ca)-delta.crl" }
        let path = out ?? dir.appendingPathComponent(deltaOf == nil ? "crl-\(number).der" : "delta-\(number).der").path
        let bar = ProgressBar(label: "crl", totalBytes: nil, unit: "entries")
        let t0 = DispatchTime.now().uptimeNanoseconds
        let size = try builder.write(entries: list, to: path) { bar?.update(processedBytes: 0, items: $0) }
        bar?.finish()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        print("wrote \(deltaOf == nil ? "CRL" : "delta CRL (base \(deltaOf!))") number \(number): \(list.count) entries, \(size) bytes, \(String(format: "%.2f", seconds)) s")
        print(path)
    }
}

/// Synthetic entries followed by explicit ones, walkable twice as ``CRLBuilder`` needs.
struct PKICRLEntries: RandomAccessCollection {
    let synthetic: SyntheticRevocations
    let extra: [CRLEntry]
    var startIndex: Int { 0 }
    var endIndex: Int { synthetic.count + extra.count }
    subscript(i: Int) -> CRLEntry { i < synthetic.count ? synthetic[i] : extra[i - synthetic.count] }
}
