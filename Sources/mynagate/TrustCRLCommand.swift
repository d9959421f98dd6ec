import Access
import ArgumentParser
import Foundation
import SwiftASN1
import Trust
import X509

/// `mynagate trust crl …`: importing CRLs into the revocation index and asking it.
struct TrustCRLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crl",
        abstract: "Import CRLs into the revocation index and check serials against it.",
        subcommands: [TrustCRLImportCommand.self, TrustCRLCheckCommand.self]
    )

    /// Where indexes live unless `--index` says otherwise.
    static var defaultIndexDirectory: String {
        (ProcessInfo.processInfo.environment["HOME"] ?? ".") + "/.mynagate/crl-index"
    }

    /// A certificate from a PEM or DER file.
    static func certificate(at path: String) throws -> Certificate {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
        if let text = String(data: data, encoding: .utf8), text.contains("-----BEGIN CERTIFICATE-----") {
            return try Certificate(pemEncoded: text)
        }
        return try Certificate(derEncoded: Array(data))
    }
}

/// `mynagate trust crl import FILE`: stream a CRL into the index directory.
struct TrustCRLImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a complete or delta CRL (DER or PEM) into the revocation index.",
        discussion: """
            The CRL is streamed from a memory mapping and its signature checked with --issuer in the same \
            pass. --issuer must be one of the configured trust anchors (--anchors DIR or $MYNAGATE_ANCHORS): \
            the index then answers only for certificates that anchor's key issued. A delta CRL is merged onto \
            the index of its base CRL. Without --issuer the signature is not checked and checkers refuse the \
            index unless told to accept unverified CRLs.
            """
    )

    @Argument(help: "The CRL file (DER or PEM).")
    var file: String

    @Option(help: "The index directory (default ~/.mynagate/crl-index).")
    var index: String?

    @Option(help: "The CRL issuer's certificate (PEM or DER), one of the configured anchors: its key verifies the CRL signature.")
    var issuer: String?

    @Option(help: "The trust anchors directory --issuer must be in (default $MYNAGATE_ANCHORS).")
    var anchors: String?

    @Flag(help: "Print JSON.")
    var json = false

    /// The certificate of `--issuer`, refused unless it is a configured anchor: a CRL index answers for
    /// every certificate its key issued, so the key must be one this deployment trusts, not any file.
    static func anchorIssuer(path: String, anchors option: String?) throws -> Certificate {
        let certificate = try TrustCRLCommand.certificate(at: path)
        let configured = try TrustConfiguration.anchors(option)
        guard TrustPurpose.allCases.contains(where: { configured.certificates(for: $0).contains(certificate) }) else {
            TrustConfiguration.fail("--issuer \(path) is not one of the configured trust anchors; a CRL is verified only with an anchor's key")
        }
        return certificate
    }

    func run() async throws {
        let issuerCert = try issuer.map { try Self.anchorIssuer(path: $0, anchors: anchors) }
        if issuerCert == nil { FileHandleOutput.standardError.write("warning: no --issuer: the CRL signature is not verified\n") }
        let store = RevocationIndexStore(directory: URL(fileURLWithPath: index ?? TrustCRLCommand.defaultIndexDirectory))
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? nil
        let bar = ProgressBar(label: "import", totalBytes: size, unit: "entries")
        let result: RevocationIndexStore.ImportResult
        do {
            result = try store.importCRL(at: file, issuer: issuerCert) { bytes, n in bar?.update(processedBytes: bytes, items: n) }
        } catch {
            bar?.finish()
            FileHandleOutput.standardError.write("mynagate: \(error)\n")
            throw ExitCode(1)
        }
        bar?.finish()
        let idx = result.index
        let perEntry = idx.count > 0 ? Double(idx.byteCount) / Double(idx.count) : 0
        let fmt = ISO8601DateFormatter()
        if json {
            print("""
                {"crlEntries":\(result.crlEntries),"indexEntries":\(idx.count),"seconds":\(result.seconds),\
                "crlBytes":\(result.crlBytes),"indexBytes":\(idx.byteCount),"indexBytesPerEntry":\(perEntry),\
                "crlNumber":"\(result.info.crlNumber?.description ?? "")","delta":\(result.info.isDelta),\
                "thisUpdate":"\(fmt.string(from: result.info.thisUpdate))",\
                "nextUpdate":"\(result.info.nextUpdate.map { fmt.string(from: $0) } ?? "")",\
                "signatureVerified":\(idx.header.signatureVerified),"index":"\(result.indexPath)"}
                """)
        } else {
            print("imported \(result.info.isDelta ? "delta " : "")CRL \(result.info.crlNumber?.description ?? "(no number)") from \(result.info.issuer)")
            print("  CRL entries   : \(result.crlEntries) (\(result.crlBytes) bytes) in \(String(format: "%.3f", result.seconds)) s")
            print("  index         : \(idx.count) entries, \(idx.byteCount) bytes (\(String(format: "%.2f", perEntry)) bytes/entry) at \(result.indexPath)")
            print("  valid         : \(fmt.string(from: result.info.thisUpdate)) to \(result.info.nextUpdate.map { fmt.string(from: $0) } ?? "(no nextUpdate)")")
            print("  signature     : \(idx.header.signatureVerified ? "verified" : "NOT verified")")
        }
    }
}

/// `mynagate trust crl check SERIAL_HEX`: exit 0 good, 1 revoked, 2 usage, 3 unknown.
struct TrustCRLCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a certificate serial against the imported CRLs.",
        discussion: "Exit status: 0 not revoked, 1 revoked, 2 usage error, 3 unknown (no usable CRL)."
    )

    @Argument(help: "The serial in hexadecimal (colons and spaces allowed), e.g. 00:9A:01:02 or 9A0102.")
    var serial: String

    @Option(help: "The index directory (default ~/.mynagate/crl-index).")
    var index: String?

    @Option(help: "Only ask the CRL of this issuer (certificate, PEM or DER).")
    var issuer: String?

    @Option(help: "Accept a stale CRL for this many hours after its nextUpdate (default: fail closed).")
    var acceptStaleHours: Int?

    @Flag(help: "Accept indexes whose CRL signature was not verified at import.")
    var acceptUnverified = false

    /// DER INTEGER content bytes of a positive serial: leading zeros dropped, a `00` added when the top
    /// bit is set (RFC 5280 section 4.1.2.2 serials are positive).
    static func serialBytes(_ text: String) -> [UInt8]? {
        var hex = text.filter { !":- ".contains($0) }
        if hex.hasPrefix("0x") || hex.hasPrefix("0X") { hex.removeFirst(2) }
        // ASCII only: a full-width serial ("０１…") is refused as not hex rather than crashing below.
        guard !hex.isEmpty, hex.isASCIIHex else { return nil }
        if hex.count % 2 == 1 { hex = "0" + hex }
        var bytes: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            guard let byte = UInt8(hex[i..<j], radix: 16) else { return nil }
            bytes.append(byte)
            i = j
        }
        while bytes.count > 1 && bytes[0] == 0 { bytes.removeFirst() }
        if bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
        return bytes
    }

    func run() async throws {
        guard let bytes = Self.serialBytes(serial) else { throw ValidationError("SERIAL_HEX must be hexadecimal") }
        let store = RevocationIndexStore(directory: URL(fileURLWithPath: index ?? TrustCRLCommand.defaultIndexDirectory))
        let loaded = store.loadAll()
        for stem in loaded.rebuilt { FileHandleOutput.standardError.write("note: index \(stem) was corrupt and has been rebuilt from its CRL\n") }
        for (stem, why) in loaded.failures { FileHandleOutput.standardError.write("warning: index \(stem) unusable: \(why)\n") }
        var indexes = loaded.indexes
        if let issuer {
            let certificate = try TrustCRLCommand.certificate(at: issuer)
            var s = DER.Serializer()
            try s.serialize(certificate.subject)
            // The issuer's key, not only its name: same-named generations each have their own CRL.
            let digest = try CRLIssuerKey.keyDigest(of: certificate)
            indexes = indexes.filter { $0.header.issuerDER == s.serializedBytes && ($0.header.issuerKeyDigest ?? digest) == digest }
        }
        let policy: StaleCRLPolicy = acceptStaleHours.map { .acceptFor(hours: $0) } ?? .failClosed
        let checker = CRLRevocationChecker(indexes: indexes, policy: policy, acceptUnverified: acceptUnverified)
        let hex = bytes.map { String(format: "%02X", $0) }.joined()
        let fmt = ISO8601DateFormatter()
        var unknown: [String] = []
        for idx in indexes {
            let name = idx.header.issuer?.description ?? RevocationIndexStore.stem(issuerDER: idx.header.issuerDER)
            switch checker.status(serial: bytes, issuerDER: idx.header.issuerDER, issuerKeyIdentifier: idx.header.authorityKeyIdentifier,
                                  issuerKeyDigest: idx.header.issuerKeyDigest, at: Date()) {
            case .revoked(let reason, let date, let invalidity):
                print("REVOKED \(hex) by \(name)")
                print("  reason       : \(reason.map { "\($0) — \($0.englishDescription)" } ?? "(none given)")")
                print("  revoked at   : \(fmt.string(from: date))")
                if let invalidity { print("  invalid since: \(fmt.string(from: invalidity))") }
                throw ExitCode(1)
            case .unknown(let why): unknown.append("\(name): \(why)")
            case .good: break
            }
        }
        if indexes.isEmpty { unknown.append("no CRL imported in \(store.directory.path)") }
        if !unknown.isEmpty {
            print("UNKNOWN \(hex)")
            for u in unknown { print("  \(u)") }
            throw ExitCode(3)
        }
        print("GOOD \(hex): not on \(indexes.count == 1 ? "the CRL" : "any of the \(indexes.count) CRLs")")
    }
}
