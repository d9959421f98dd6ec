import Foundation
import MynaCardSim
import Testing
import X509
import CryptoExtras
@testable import Trust

/// Shared material for the CRL and index tests: one test hierarchy (RSA key generation is the slow
/// part), its directory on disk for OpenSSL, and helpers to run OpenSSL on the same files.
enum CRLFixture {
    static let now = Date()

    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-crl-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    static let hierarchy: TestJPKIHierarchy = {
        do {
            let h = try TestJPKIHierarchy.generate()
            try h.save(to: directory)
            return h
        } catch { fatalError("hierarchy: \(error)") }
    }()

    static var caPath: String { _ = hierarchy; return directory.appendingPathComponent(TestJPKIHierarchy.FileName.authCA).path }

    static let signer: CRLSigner = {
        _ = hierarchy
        let pem = try! String(contentsOf: directory.appendingPathComponent(TestJPKIHierarchy.FileName.authCAKey), encoding: .utf8)
        return try! CRLSigner(pemRepresentation: pem)
    }()

    static var issuerKey: CRLIssuerKey { try! CRLIssuerKey(certificate: hierarchy.authCACertificate) }

    static func builder(number: UInt64 = 1, base: UInt64? = nil, thisUpdate: Date = now.addingTimeInterval(-3600),
                        nextUpdate: Date? = now.addingTimeInterval(86_400)) -> CRLBuilder {
        CRLBuilder(issuer: hierarchy.authCACertificate, signer: signer, thisUpdate: thisUpdate, nextUpdate: nextUpdate,
                   crlNumber: CRLNumber(number), baseCRLNumber: base.map { CRLNumber($0) })
    }

    /// A fresh path in the test directory.
    static func path(_ name: String) -> String {
        directory.appendingPathComponent("\(UUID().uuidString.prefix(8))-\(name)").path
    }

    static func write(_ bytes: [UInt8], _ name: String) -> String {
        let p = path(name)
        _ = FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }

    /// Runs OpenSSL and returns its exit status and combined output.
    static func openssl(_ arguments: [String]) -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        do { try p.run() } catch { return (-1, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `openssl crl -CAfile` verdict: true when OpenSSL says "verify OK".
    static func opensslVerifies(_ crlPath: String) -> Bool {
        let r = openssl(["crl", "-inform", "DER", "-in", crlPath, "-CAfile", caPath, "-noout"])
        return r.status == 0 && r.output.contains("verify OK")
    }

    /// Issues a card certificate with a chosen serial and writes it as PEM for `openssl verify`.
    static func certificate(serial: [UInt8]) throws -> (der: [UInt8], pemPath: String) {
        var rng = SystemRandomNumberGenerator()
        let holder = CardHolder.random(using: &rng)
        let state = try hierarchy.issueCard(holder: holder, authPIN: "1234", signingPassword: "ABC123",
                                            issuedAt: now.addingTimeInterval(-7200), serial: serial)
        let cert = try Certificate(derEncoded: state.authCertificate)
        let p = path("card.pem")
        try cert.serializeAsPEM().pemString.write(toFile: p, atomically: true, encoding: .utf8)
        return (state.authCertificate, p)
    }

    /// Resident set size of this process in bytes (Linux /proc/self/statm). Throws where it cannot be
    /// read: a 0 would make every "memory stays bounded" check pass without measuring anything.
    static func residentBytes() throws -> Int {
        let text = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8)
        let fields = text.split(separator: " ")
        let pages = try #require(fields.count > 1 ? Int(fields[1]) : nil, "/proc/self/statm: \(text)")
        try #require(pages > 0, "/proc/self/statm reports no resident pages")
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
