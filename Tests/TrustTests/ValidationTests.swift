import Foundation
import MynaCardSim
import Testing
import Trust
import X509
import CryptoExtras

@Suite("Card certificate validation")
struct ValidationTests {
    let f = ValidationFixture.self

    @Test func validChainEndsAtTheAnchor() async {
        let result = await f.validator.validate(f.cardCertificate, at: f.now)
        #expect(result.isValid)
        #expect(result.chain?.count == 2)
        #expect(result.chain?.last == f.hierarchy.authCACertificate)
    }

    @Test func expiredSaysWhen() async {
        let notAfter = f.now.addingTimeInterval(-86_400)
        let result = await f.validator.validate(f.leaf(notBefore: f.now.addingTimeInterval(-86_400 * 30), notAfter: notAfter), at: f.now)
        guard case .invalid(.expired(let when)) = result else { Issue.record("\(result)"); return }
        #expect(abs(when.timeIntervalSince(notAfter)) < 1)
        #expect(result.description.hasPrefix("invalid: expired on "))
    }

    @Test func cardCertificateExpiresAtTheFifthBirthday() async {
        // The virtual card's certificate runs to the holder's 5th birthday after issue (JPKIProfile).
        let after = f.cardCertificate.notValidAfter.addingTimeInterval(60)
        let result = await f.validator.validate(f.cardCertificate, at: after)
        #expect(result.failure?.category == "expired")
    }

    @Test func nothingIsTrustedWithoutAnchors() async {
        let v = CardCertificateValidator(anchors: TrustAnchors(), purpose: .auth)
        let result = await v.validate(f.cardCertificate, at: f.now)
        #expect(result.failure?.category == "unknown-issuer")
    }

    @Test func authAnchorsDoNotVouchForSigning() async throws {
        // The signing certificate, checked for the auth purpose: its CA is not an auth anchor.
        let sign = try Certificate(derEncoded: f.card.signCertificate)
        let asAuth = await f.validator.validate(sign, at: f.now)
        #expect(asAuth.failure?.category == "unknown-issuer")
        let asSign = await CardCertificateValidator(anchors: f.anchors, purpose: .sign).validate(sign, at: f.now)
        #expect(asSign.isValid, "\(asSign)")
    }

    @Test func caAsLeafIsRefused() async {
        let result = await f.validator.validate(f.leaf(keyUsage: KeyUsage(digitalSignature: true, keyCertSign: true), isCA: true), at: f.now)
        #expect(result.failure?.category == "not-end-entity" || result.failure?.category == "chain-rejected", "\(result)")
        #expect(!result.isValid)
    }

    @Test func policyRuleIsOffByDefault() async {
        // No reference confirms the auth policy OID on a real card: by default any policy, or none, is
        // accepted, and nothing is warned about.
        for cert in [f.leaf(policy: [1, 2, 3, 4]), f.leaf(policy: nil), f.leaf(policy: [1, 2, 392, 200149, 8, 5, 1, 0, 20])] {
            let result = await f.validator.validate(cert, at: f.now)
            #expect(result.isValid, "\(result)")
            #expect(result.warnings.isEmpty)
        }
    }

    @Test func policyRuleRequire() async {
        let cert = f.leaf(policy: [1, 2, 3, 4])
        let requiring = CardCertificateValidator(anchors: f.anchors, purpose: .auth, policyRule: .known(.require, for: .auth))
        let refused = await requiring.validate(cert, at: f.now)
        guard case .invalid(.unexpectedPolicy(let found, _)) = refused else { Issue.record("\(refused)"); return }
        #expect(found == ["1.2.3.4"])
        #expect(await requiring.validate(f.leaf(policy: nil), at: f.now).failure == .missingPolicy(required: ["1.2.392.200149.8.5.1.3.30"]))
        #expect(await requiring.validate(f.cardCertificate, at: f.now).isValid)
        let configured = CardCertificateValidator(anchors: f.anchors, purpose: .auth, policyRule: CertificatePolicyRule(mode: .require, policies: [[1, 2, 3, 4]]))
        #expect(await configured.validate(cert, at: f.now).isValid)
    }

    @Test func policyRuleWarnAcceptsAndSays() async throws {
        let warning = CardCertificateValidator(anchors: f.anchors, purpose: .auth, policyRule: .known(.warn, for: .auth))
        let other = await warning.validate(f.leaf(policy: [1, 2, 3, 4]), at: f.now)
        #expect(other.isValid, "\(other)")
        #expect(other.warnings == [.policyNotAsserted(found: ["1.2.3.4"], configured: ["1.2.392.200149.8.5.1.3.30"])])
        #expect(other.description.contains("warning: the certificate has policy 1.2.3.4, not the configured 1.2.392.200149.8.5.1.3.30"))
        let none = await warning.validate(f.leaf(policy: nil), at: f.now)
        #expect(none.warnings.first?.description.contains("no certificatePolicies extension") == true)
        // The card that asserts it: no warning.
        #expect(await warning.validate(f.cardCertificate, at: f.now).warnings.isEmpty)
        // Through the challenge path memory too (the second answer comes from the remembered path).
        let service = ChallengeService(validator: warning, clock: { ValidationFixture.now })
        let leaf = f.leaf(policy: [1, 2, 3, 4])
        for _ in 0..<2 {
            let challenge = try await service.issue(context: "door:1")
            let signature = try f.leafKey.signature(for: challenge.signedMessage, padding: .insecurePKCS1v1_5)
            let verdict = await service.verify(challengeID: challenge.id, signature: Array(signature.rawRepresentation), certificate: leaf, context: "door:1")
            guard case .accepted(let result) = verdict else { Issue.record("\(verdict)"); return }
            #expect(result.warnings.count == 1)
        }
    }

    @Test func unreadableCriticalPoliciesAreRefusedWhateverTheRule() async {
        // A critical extension MynaGate claims to process must be processable (RFC 5280 4.2), even with
        // the rule off: an OCTET STRING that is not a certificatePolicies value.
        let garbage = Certificate.Extension(oid: [2, 5, 29, 32], critical: true, value: [0x04, 0x01, 0x00])
        let cert = f.leaf(policy: nil, extra: [garbage])
        let result = await f.validator.validate(cert, at: f.now)
        #expect(result.failure == .malformed("the critical certificatePolicies extension does not parse"), "\(result)")
    }

    @Test func revokedSaysReasonAndDate() async {
        let revokedAt = f.now.addingTimeInterval(-7200)
        let checker = FixedRevocation(answers: [
            f.cardCertificate.serialNumber: .revoked(reason: .keyCompromise, date: revokedAt, invalidity: nil),
        ])
        let v = CardCertificateValidator(anchors: f.anchors, purpose: .auth, revocationChecker: checker)
        let result = await v.validate(f.cardCertificate, at: f.now)
        #expect(result == .invalid(.revoked(reason: .keyCompromise, date: revokedAt, invalidity: nil)))
        #expect(result.description.contains("key compromised"))
        let other = await v.validate(f.otherCardCertificate, at: f.now)
        #expect(other == .valid(chain: [f.otherCardCertificate, f.hierarchy.authCACertificate], revocation: .good))
    }

    @Test func unknownRevocationFailsClosed() async {
        let checker = FixedRevocation(answers: [f.cardCertificate.serialNumber: .unknown(why: "CRL is 3 days stale")])
        let v = CardCertificateValidator(anchors: f.anchors, purpose: .auth, revocationChecker: checker)
        let result = await v.validate(f.cardCertificate, at: f.now)
        #expect(result == .invalid(.revocationUnknown("CRL is 3 days stale")))
    }

    @Test(arguments: [0, 1, 4, 40, 200, 600])
    func truncatedCertificatesAreErrors(length: Int) async {
        let bytes = Array(f.card.authCertificate.prefix(length))
        let result = await f.validator.validate(encoded: bytes, at: f.now)
        #expect(result.failure?.category == "malformed")
    }

    @Test func corruptedCertificatesNeverCrash() async {
        var rng = SystemRandomNumberGenerator()
        let original = f.card.authCertificate
        for _ in 0..<200 {
            var bytes = original
            let i = Int.random(in: 0..<bytes.count, using: &rng)
            bytes[i] ^= UInt8.random(in: 1...255, using: &rng)
            // Any verdict is fine, except "valid" and a crash.
            let result = await f.validator.validate(encoded: bytes, at: f.now)
            #expect(!result.isValid || bytes == original)
        }
        let garbage = await f.validator.validate(encoded: Array("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".utf8), at: f.now)
        #expect(garbage.failure?.category == "malformed")
    }
}

@Suite("Trust anchors as configuration")
struct ValidationAnchorsTests {
    let f = ValidationFixture.self

    func tempDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-anchors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func hierarchyDirectoryGivesBothPurposes() throws {
        let anchors = try TrustAnchors.load(from: f.directory)
        #expect(anchors.certificates(for: .auth) == [f.hierarchy.authCACertificate])
        #expect(anchors.certificates(for: .sign) == [f.hierarchy.signCACertificate])
        #expect(anchors.anchors(for: .auth).first?.file?.hasSuffix("auth-ca.pem") == true)
    }

    @Test func perPurposeSubdirectoriesPEMandDER() throws {
        let dir = try tempDirectory()
        let auth = dir.appendingPathComponent("auth"), sign = dir.appendingPathComponent("sign")
        try FileManager.default.createDirectory(at: auth, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: sign, withIntermediateDirectories: true)
        try Data(f.der(f.hierarchy.authCACertificate)).write(to: auth.appendingPathComponent("root.der"))
        try Data(try f.hierarchy.signCACertificate.serializeAsPEM().pemString.utf8).write(to: sign.appendingPathComponent("root.pem"))
        try Data("not a certificate".utf8).write(to: sign.appendingPathComponent("README.txt"))
        let anchors = try TrustAnchors.load(from: dir)
        #expect(anchors.certificates(for: .auth) == [f.hierarchy.authCACertificate])
        #expect(anchors.certificates(for: .sign) == [f.hierarchy.signCACertificate])
    }

    @Test func flatDirectoryWithExplicitPurpose() throws {
        let dir = try tempDirectory()
        let pem = try f.hierarchy.authCACertificate.serializeAsPEM().pemString + "\n" + f.strangerRoot.serializeAsPEM().pemString
        try Data(pem.utf8).write(to: dir.appendingPathComponent("roots.crt"))
        let anchors = try TrustAnchors.load(from: dir, purpose: .auth)
        #expect(anchors.certificates(for: .auth).count == 2)
        #expect(anchors.isEmpty(for: .sign))
    }

    @Test func errorsNameTheFile() throws {
        let dir = try tempDirectory()
        let bad = dir.appendingPathComponent("broken.pem")
        try Data("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".utf8).write(to: bad)
        #expect { try TrustAnchors.load(from: dir, purpose: .auth) } throws: { error in
            "\(error)".contains(bad.path)
        }
        let leafFile = dir.appendingPathComponent("broken.pem")
        try Data(f.der(f.cardCertificate)).write(to: leafFile)
        #expect { try TrustAnchors.load(from: dir, purpose: .auth) } throws: { error in
            guard case TrustAnchorsError.notACA(let path, _) = error else { return false }
            return path == leafFile.path
        }
        #expect(throws: TrustAnchorsError.self) { try TrustAnchors.load(from: try tempDirectory()) }
        #expect(throws: TrustAnchorsError.self) { try TrustAnchors.load(from: dir.appendingPathComponent("missing")) }
    }
}
