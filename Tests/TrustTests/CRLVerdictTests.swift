import Foundation
import Testing
import SwiftASN1
import X509
@testable import Trust

/// MynaGate's revocation verdicts against `openssl verify -crl_check` on the same certificates and CRLs.
@Suite(.serialized) struct CRLVerdictTests {
    /// Converts a DER CRL to PEM for `openssl verify -CRLfile`.
    static func pem(_ der: [UInt8]) -> String {
        let p = CRLFixture.path("crl.pem")
        let text = "-----BEGIN X509 CRL-----\n" + Data(der).base64EncodedString(options: .lineLength64Characters) + "\n-----END X509 CRL-----\n"
        try! text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    static func opensslVerdict(cert: String, crls: [String], deltas: Bool = false) -> String {
        var args = ["verify", "-crl_check", "-CAfile", CRLFixture.caPath]
        if deltas { args.append("-use_deltas") }
        for c in crls { args += ["-CRLfile", c] }
        let out = CRLFixture.openssl(args + [cert]).output
        if out.contains("certificate revoked") { return "revoked" }
        if out.contains("CRL has expired") { return "crl-expired" }
        if out.contains(": OK") { return "good" }
        return "other: " + out
    }

    static func ours(_ crls: [[UInt8]], serial: [UInt8], policy: StaleCRLPolicy = .failClosed) throws -> String {
        var index = try RevocationIndex.build(from: CRLReader(bytes: crls[0]), issuer: CRLFixture.issuerKey)
        for delta in crls.dropFirst() { index = try index.applying(delta: CRLReader(bytes: delta), issuer: CRLFixture.issuerKey) }
        let checker = CRLRevocationChecker(indexes: [index], policy: policy)
        var s = DER.Serializer()
        try s.serialize(CRLFixture.hierarchy.authCACertificate.subject)
        switch checker.status(serial: serial, issuerDER: s.serializedBytes, issuerKeyIdentifier: CRLFixture.issuerKey.subjectKeyIdentifier, at: Date()) {
        case .good: return "good"
        case .revoked: return "revoked"
        case .unknown(let why): return why.contains("stale") ? "crl-expired" : "unknown: \(why)"
        }
    }

    @Test(arguments: [
        ("leading zero", [UInt8]([0x00, 0x9A, 0x01, 0x02])),
        ("20 bytes", [UInt8]([0x3C] + Array(repeating: 0xE1, count: 19))),
    ])
    func revokedGoodAndExpiredAgree(name: String, serial: [UInt8]) throws {
        let (_, certPath) = try CRLFixture.certificate(serial: serial)
        let others = Array(SyntheticRevocations(count: 50, seed: 11, latest: CRLFixture.now))
        let revokedEntry = CRLEntry(serial: serial, revocationDate: CRLFixture.now.addingTimeInterval(-600), reason: .keyCompromise)

        let revoking = try CRLFixture.builder().der(entries: others + [revokedEntry])
        #expect(Self.opensslVerdict(cert: certPath, crls: [Self.pem(revoking)]) == "revoked")
        #expect(try Self.ours([revoking], serial: serial) == "revoked")

        let notRevoking = try CRLFixture.builder().der(entries: others)
        #expect(Self.opensslVerdict(cert: certPath, crls: [Self.pem(notRevoking)]) == "good")
        #expect(try Self.ours([notRevoking], serial: serial) == "good")

        // nextUpdate an hour ago: OpenSSL says the CRL has expired; fail-closed says unknown.
        let expired = try CRLFixture.builder(thisUpdate: CRLFixture.now.addingTimeInterval(-7200),
                                             nextUpdate: CRLFixture.now.addingTimeInterval(-3600)).der(entries: others)
        #expect(Self.opensslVerdict(cert: certPath, crls: [Self.pem(expired)]) == "crl-expired")
        #expect(try Self.ours([expired], serial: serial) == "crl-expired")
        // Accepting two stale hours answers again.
        #expect(try Self.ours([expired], serial: serial, policy: .acceptFor(hours: 2)) == "good")
    }

    @Test func deltaMergedOntoBaseAgreesWithOpenSSL() throws {
        let held: [UInt8] = [0x00, 0xC4, 0x11, 0x22, 0x33]
        let newlyRevoked: [UInt8] = [0x4A, 0x10, 0x20, 0x30, 0x40, 0x50]
        let (_, heldCert) = try CRLFixture.certificate(serial: held)
        let (_, newCert) = try CRLFixture.certificate(serial: newlyRevoked)
        let t = CRLFixture.now.addingTimeInterval(-900)
        let others = Array(SyntheticRevocations(count: 30, seed: 5, latest: CRLFixture.now))
        var baseBuilder = CRLFixture.builder(number: 10)
        baseBuilder.freshestCRL = "http://jpki-test.mynagate.invalid/crl/auth-delta.crl"
        let base = try baseBuilder.der(entries: others + [CRLEntry(serial: held, revocationDate: t, reason: .certificateHold)])
        let delta = try CRLFixture.builder(number: 11, base: 10).der(entries: [
            CRLEntry(serial: held, revocationDate: t, reason: .removeFromCRL),
            CRLEntry(serial: newlyRevoked, revocationDate: t, reason: .keyCompromise),
        ])
        let basePEM = Self.pem(base), deltaPEM = Self.pem(delta)
        // Base alone: held is revoked (on hold), the other is good.
        #expect(Self.opensslVerdict(cert: heldCert, crls: [basePEM]) == "revoked")
        #expect(try Self.ours([base], serial: held) == "revoked")
        #expect(Self.opensslVerdict(cert: newCert, crls: [basePEM]) == "good")
        #expect(try Self.ours([base], serial: newlyRevoked) == "good")
        // Base + delta: the hold is released, the new one revoked.
        #expect(Self.opensslVerdict(cert: heldCert, crls: [basePEM, deltaPEM], deltas: true) == "good")
        #expect(try Self.ours([base, delta], serial: held) == "good")
        #expect(Self.opensslVerdict(cert: newCert, crls: [basePEM, deltaPEM], deltas: true) == "revoked")
        #expect(try Self.ours([base, delta], serial: newlyRevoked) == "revoked")

        let merged = try RevocationIndex.build(from: CRLReader(bytes: base), issuer: CRLFixture.issuerKey)
            .applying(delta: CRLReader(bytes: delta), issuer: CRLFixture.issuerKey)
        #expect(merged.count == 31)
        #expect(merged.header.crlNumber == CRLNumber(10))
        #expect(merged.header.deltaCRLNumber == CRLNumber(11))
    }

    /// swift-certificates gives serials as magnitudes (`00 9A …` becomes `9A …`): the builder writes them
    /// as positive INTEGERs and the checker looks them up in DER form, so both sides still agree.
    @Test func certificateSerialMagnitudesAgree() async throws {
        let serial: [UInt8] = [0x00, 0x9A, 0x77, 0x01]
        let (der, certPath) = try CRLFixture.certificate(serial: serial)
        let cert = try Certificate(derEncoded: der)
        #expect(Array(cert.serialNumber.bytes) == [0x9A, 0x77, 0x01])
        #expect(CRLEntry.derSerial(cert.serialNumber) == serial)
        let t = CRLFixture.now.addingTimeInterval(-60)
        for entry in [CRLEntry(serial: Array(cert.serialNumber.bytes), revocationDate: t, reason: .keyCompromise),
                      CRLEntry(certificateSerial: cert.serialNumber, revocationDate: t, reason: .keyCompromise)] {
            let crl = try CRLFixture.builder().der(entries: [entry])
            #expect(Self.opensslVerdict(cert: certPath, crls: [Self.pem(crl)]) == "revoked")
            let index = try RevocationIndex.build(from: CRLReader(bytes: crl), issuer: CRLFixture.issuerKey)
            #expect(index.lookup(cert.serialNumber) != nil)
            let checker = CRLRevocationChecker(indexes: [index], policy: .failClosed)
            let status = await checker.status(of: cert.serialNumber, issuer: CRLFixture.hierarchy.authCACertificate, at: Date())
            #expect(status == .revoked(reason: .keyCompromise, date: Date(timeIntervalSince1970: t.timeIntervalSince1970.rounded(.down)), invalidity: nil))
        }
    }

    @Test func deltaForAnotherBaseIsRefused() throws {
        var baseBuilder = CRLFixture.builder(number: 10)
        baseBuilder.freshestCRL = "http://jpki-test.mynagate.invalid/crl/auth-delta.crl"
        let base = try baseBuilder.der(entries: Array(SyntheticRevocations(count: 5, seed: 1, latest: CRLFixture.now)))
        let index = try RevocationIndex.build(from: CRLReader(bytes: base), issuer: CRLFixture.issuerKey)
        let tooNew = try CRLFixture.builder(number: 21, base: 20).der(entries: [CRLEntry]())
        #expect(throws: CRLError.self) { try index.applying(delta: CRLReader(bytes: tooNew), issuer: CRLFixture.issuerKey) }
        #expect(throws: CRLError.self) { try RevocationIndex.build(from: CRLReader(bytes: tooNew), issuer: CRLFixture.issuerKey) }
        let older = try CRLFixture.builder(number: 9, base: 8).der(entries: [CRLEntry]())
        #expect(throws: CRLError.self) { try index.applying(delta: CRLReader(bytes: older), issuer: CRLFixture.issuerKey) }
    }
}
