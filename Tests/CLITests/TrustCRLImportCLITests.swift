import Foundation
import Testing

/// `trust crl import --issuer`: the key that verifies a CRL must be a configured anchor's.
@Suite("mynagate trust crl import: the issuer is a configured anchor", .serialized)
struct TrustCRLImportCLITests {
    static let directory: URL = {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-cli-crl-import-\(getpid())")
        try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }()

    @Test("--issuer that is not a configured anchor is refused; the same CRL with the anchor that issued it imports")
    func issuerMustBeAnAnchor() throws {
        // Someone's own CA (any certificate file) used to be accepted as --issuer: its CRL was then a
        // "verified" index answering for every certificate of that name.
        let trusted = Self.directory.appendingPathComponent("trusted").path, own = Self.directory.appendingPathComponent("own").path
        let anchors = Self.directory.appendingPathComponent("anchors"), index = Self.directory.appendingPathComponent("index")
        for d in [trusted, own, anchors.path, index.path] { try? FileManager.default.removeItem(atPath: d) }
        #expect(try CLI.run(["pki", "init", trusted]).status == 0)
        #expect(try CLI.run(["pki", "init", own]).status == 0)
        try FileManager.default.createDirectory(at: anchors.appendingPathComponent("auth"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: trusted + "/auth-ca.pem", toPath: anchors.appendingPathComponent("auth/ca.pem").path)
        let crl = Self.directory.appendingPathComponent("own.crl").path
        #expect(try CLI.run(["pki", "crl", own, "--out", crl]).status == 0)

        let refused = try CLI.run(["trust", "crl", "import", crl, "--index", index.path, "--issuer", own + "/auth-ca.pem", "--anchors", anchors.path])
        #expect(refused.status == 2, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("is not one of the configured trust anchors"), "\(refused.stderr)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: index.path)) ?? []).isEmpty)

        let trustedCRL = Self.directory.appendingPathComponent("trusted.crl").path
        #expect(try CLI.run(["pki", "crl", trusted, "--out", trustedCRL]).status == 0)
        let imported = try CLI.run(["trust", "crl", "import", trustedCRL, "--index", index.path, "--issuer", trusted + "/auth-ca.pem", "--anchors", anchors.path])
        #expect(imported.status == 0, "\(imported.stdout)\(imported.stderr)")
        #expect(imported.stdout.contains("signature     : verified"), "\(imported.stdout)")
        // trust status names the anchor whose key verified it (same-named generations are told apart by key).
        let status = try CLI.run(["trust", "status", "--anchors", anchors.path, "--index", index.path])
        #expect(status.stdout.contains("verified with \(anchors.appendingPathComponent("auth/ca.pem").path)"), "\(status.stdout)\(status.stderr)")
    }
}
