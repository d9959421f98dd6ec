import Foundation
import Testing
import Trust
import X509

/// MynaGate's verdicts beside `openssl verify` on the same files.
///
/// OpenSSL is run as a JPKI relying party would configure it:
/// `-x509_strict -purpose sslclient -policy <auth policy> -explicit_policy -attime <t>`.
/// - `-purpose sslclient` makes OpenSSL enforce keyUsage digitalSignature on the leaf (its SSL-client
///   purpose check); without a purpose it ignores keyUsage on the leaf.
/// - `-policy … -explicit_policy` makes it require the JPKI policy (RFC 5280 6.1 explicit policy), as
///   MynaGate's `require` certificate policy rule does. Without them OpenSSL accepts a leaf with any
///   certificatePolicies or none, as MynaGate's default rule (off) does: both are compared.
/// - OpenSSL understands certificatePolicies, so the critical extension on JPKI certificates needs no
///   `-ignore_critical` (observed with OpenSSL 3.0).
@Suite("Validation agrees with openssl verify")
struct ValidationOpenSSLTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var certificate: [UInt8]
        /// MynaGate's category; nil = valid.
        var expected: String?
        var testDescription: String { name }
    }

    static let cases: [Case] = {
        let f = ValidationFixture.self
        let day: TimeInterval = 86_400
        return [
            Case(name: "valid card certificate", certificate: f.card.authCertificate, expected: nil),
            Case(name: "expired", certificate: f.der(f.leaf(notBefore: f.now - 700 * day, notAfter: f.now - day)), expected: "expired"),
            Case(name: "not yet valid", certificate: f.der(f.leaf(notBefore: f.now + day, notAfter: f.now + 400 * day)), expected: "not-yet-valid"),
            Case(name: "unknown issuer (same name, another key)",
                 certificate: f.der(f.leaf(signer: (f.strangerKey, f.strangerRoot))), expected: "unknown-issuer"),
            Case(name: "tampered signature", certificate: f.tampered(f.cardCertificate), expected: "bad-signature"),
            Case(name: "wrong key usage", certificate: f.der(f.leaf(keyUsage: KeyUsage(keyEncipherment: true))), expected: "key-usage"),
            Case(name: "missing certificatePolicies", certificate: f.der(f.leaf(policy: nil)), expected: "policy"),
            Case(name: "signing policy on an auth certificate",
                 certificate: f.der(f.leaf(policy: [1, 2, 392, 200149, 8, 5, 1, 1, 20])), expected: "policy"),
        ]
    }()

    /// What `openssl verify` said: nil when it printed OK, else its error number and text.
    struct OpenSSLVerdict { var error: Int?; var text: String }

    static func openssl(_ leaf: [UInt8], anchor: Certificate, at time: Date, explicitPolicy: Bool = true, extra: [String] = []) throws -> OpenSSLVerdict {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-ossl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let leafURL = dir.appendingPathComponent("leaf.der")
        let caURL = dir.appendingPathComponent("ca.pem")
        try Data(leaf).write(to: leafURL)
        try Data((try anchor.serializeAsPEM().pemString + "\n").utf8).write(to: caURL)
        // `openssl verify` reads PEM only for the certificate argument; convert DER first (a tampered
        // DER is still well-formed DER, so the conversion keeps the flipped byte).
        let pemURL = dir.appendingPathComponent("leaf.pem")
        _ = try run(["x509", "-inform", "DER", "-in", leafURL.path, "-out", pemURL.path])
        let policy = explicitPolicy ? ["-policy", ValidationFixture.authPolicy.description, "-explicit_policy"] : []
        let out = try run(["verify", "-x509_strict", "-purpose", "sslclient"] + policy
                          + ["-attime", String(Int(time.timeIntervalSince1970)), "-CAfile", caURL.path] + extra + [pemURL.path])
        if out.status == 0 { return OpenSSLVerdict(error: nil, text: out.text) }
        // "error 10 at 0 depth lookup: certificate has expired"
        let line = out.text.split(separator: "\n").first { $0.contains("error ") && $0.contains(" at ") } ?? ""
        let number = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
        return OpenSSLVerdict(error: number ?? -1, text: out.text)
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, text: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// OpenSSL's X509_V_ERR numbers (x509_vfy.h) in MynaGate's categories.
    static func category(openSSLError: Int) -> String {
        switch openSSLError {
        case 10: return "expired"
        case 9: return "not-yet-valid"
        case 2, 20, 21: return "unknown-issuer"
        case 7: return "bad-signature"
        case 26: return "key-usage"
        case 42, 43: return "policy"
        case 23: return "revoked"
        case 3, 8, 11, 12: return "revocation-unknown"
        default: return "openssl-\(openSSLError)"
        }
    }

    /// MynaGate with the `require` rule for the auth policy, OpenSSL with `-policy … -explicit_policy`.
    @Test(arguments: cases)
    func agrees(_ c: Case) async throws {
        let f = ValidationFixture.self
        let requiring = CardCertificateValidator(anchors: f.anchors, purpose: .auth, policyRule: .known(.require, for: .auth))
        let ours = await requiring.validate(encoded: c.certificate, at: f.now)
        let theirs = try Self.openssl(c.certificate, anchor: f.hierarchy.authCACertificate, at: f.now)
        print("| \(c.name) | \(ours.failure?.category ?? "valid") — \(ours) | \(theirs.error.map { "\($0) \(Self.category(openSSLError: $0))" } ?? "OK") |")
        #expect(ours.failure?.category == c.expected, "\(ours)")
        #expect(ours.isValid == (theirs.error == nil), "openssl: \(theirs.text)")
        if let e = theirs.error { #expect(Self.category(openSSLError: e) == c.expected, "openssl: \(theirs.text)") }
    }

    /// The default rule (off) beside OpenSSL's default (no `-policy`): a leaf with no certificatePolicies
    /// or another policy is accepted by both, and the other cases keep their verdicts.
    @Test(arguments: cases)
    func agreesWithThePolicyRuleOff(_ c: Case) async throws {
        let f = ValidationFixture.self
        let ours = await f.validator.validate(encoded: c.certificate, at: f.now)
        let theirs = try Self.openssl(c.certificate, anchor: f.hierarchy.authCACertificate, at: f.now, explicitPolicy: false)
        let expected = c.expected == "policy" ? nil : c.expected
        #expect(ours.failure?.category == expected, "\(ours)")
        #expect(ours.isValid == (theirs.error == nil), "openssl: \(theirs.text)")
        if let e = theirs.error { #expect(Self.category(openSSLError: e) == expected, "openssl: \(theirs.text)") }
    }
}
