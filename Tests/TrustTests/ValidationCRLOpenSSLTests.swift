import Foundation
import Testing
import Trust
import X509

/// Revocation through CRLs, MynaGate beside `openssl verify -crl_check` on the same CRL file. The CRLs
/// come from the revocation half's `CRLBuilder`, signed with the test auth CA's key; MynaGate reads them
/// with `CRLReader`, indexes them and asks through `CRLRevocationChecker` (fail closed when stale).
@Suite("Revocation agrees with openssl verify -crl_check")
struct ValidationCRLOpenSSLTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var thisUpdate: TimeInterval      // relative to now
        var nextUpdate: TimeInterval
        var revokeCard: Bool
        var tamper: Bool
        var expected: String?             // nil = valid
        var testDescription: String { name }
    }

    static let cases = [
        Case(name: "not on a current CRL", thisUpdate: -3600, nextUpdate: 86_400, revokeCard: false, tamper: false, expected: nil),
        Case(name: "revoked", thisUpdate: -3600, nextUpdate: 86_400, revokeCard: true, tamper: false, expected: "revoked"),
        Case(name: "CRL expired (stale)", thisUpdate: -7 * 86_400, nextUpdate: -86_400, revokeCard: false, tamper: false, expected: "revocation-unknown"),
        Case(name: "CRL with a bad signature", thisUpdate: -3600, nextUpdate: 86_400, revokeCard: false, tamper: true, expected: "revocation-unknown"),
    ]

    @Test(arguments: cases)
    func agrees(_ c: Case) async throws {
        let f = ValidationFixture.self
        let card = f.cardCertificate
        let revokedAt = Date(timeIntervalSince1970: (f.now.timeIntervalSince1970 - 1800).rounded(.down))
        var entries = [CRLEntry(serial: [0x01, 0x02, 0x03], revocationDate: revokedAt, reason: .superseded)]
        if c.revokeCard { entries.append(CRLEntry(serial: Array(card.serialNumber.bytes), revocationDate: revokedAt, reason: .keyCompromise)) }
        let builder = CRLBuilder(issuer: f.hierarchy.authCACertificate, signer: CRLSigner(rsaKey: f.authCAKey),
                                 thisUpdate: f.now + c.thisUpdate, nextUpdate: f.now + c.nextUpdate, crlNumber: CRLNumber(7))
        var crl = try builder.der(entries: entries)
        if c.tamper { crl[crl.count - 1] ^= 0x01 }

        // MynaGate: a CRL whose signature fails is never indexed, so the issuer has no usable CRL.
        var indexes: [RevocationIndex] = []
        if let index = try? RevocationIndex.build(from: CRLReader(bytes: crl), issuer: CRLIssuerKey(certificate: f.hierarchy.authCACertificate)) {
            indexes.append(index)
        }
        let validator = CardCertificateValidator(anchors: f.anchors, purpose: .auth,
                                                 revocationChecker: CRLRevocationChecker(indexes: indexes, policy: .failClosed))
        let ours = await validator.validate(card, at: f.now)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-crl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let der = dir.appendingPathComponent("crl.der"), pem = dir.appendingPathComponent("crl.pem")
        try Data(crl).write(to: der)
        _ = try ValidationOpenSSLTests.run(["crl", "-inform", "DER", "-in", der.path, "-out", pem.path])
        let theirs = try ValidationOpenSSLTests.openssl(f.card.authCertificate, anchor: f.hierarchy.authCACertificate, at: f.now,
                                                        extra: ["-crl_check", "-CRLfile", pem.path])
        print("| \(c.name) | \(ours.failure?.category ?? "valid") — \(ours) | \(theirs.error.map { "\($0) \(ValidationOpenSSLTests.category(openSSLError: $0))" } ?? "OK") |")
        #expect(ours.failure?.category == c.expected, "\(ours)")
        #expect(ours.isValid == (theirs.error == nil), "openssl: \(theirs.text)")
        if let e = theirs.error { #expect(ValidationOpenSSLTests.category(openSSLError: e) == c.expected, "openssl: \(theirs.text)") }
        if c.revokeCard { #expect(ours == .invalid(.revoked(reason: .keyCompromise, date: revokedAt, invalidity: nil))) }
    }
}
