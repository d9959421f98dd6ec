import Foundation
import MynaCardSim
import SwiftASN1
import Testing
import X509
import CryptoExtras

@Suite("Test JPKI hierarchy and issued certificates")
struct HierarchyTests {
    let auth = try! Certificate(derEncoded: Fixture.state.authCertificate)
    let sign = try! Certificate(derEncoded: Fixture.state.signCertificate)

    @Test func caCertificatesAreSelfSignedTestRoots() throws {
        for ca in [Fixture.hierarchy.authCACertificate, Fixture.hierarchy.signCACertificate] {
            #expect(ca.subject == ca.issuer)
            #expect(ca.signatureAlgorithm == .sha256WithRSAEncryption)
            #expect(ca.publicKey.isValidSignature(ca.signature, for: ca))
            #expect(ca.subject.description.contains("(TEST)"))
            #expect(ca.subject.description.contains("O=JPKI"))
            let rsa = try #require(_RSA.Signing.PublicKey(ca.publicKey))
            #expect(rsa.keySizeInBits == 2048)
            #expect((1...20).contains(try CertificateSummary(der: Array(ca.serializeAsPEM().derBytes)).serialHex.count / 2))
        }
        #expect(Fixture.hierarchy.authCACertificate.subject.description.contains("JPKI for user authentication (TEST)"))
    }

    @Test func authCertificateHoldsNoPersonalData() throws {
        let rdns = Array(auth.subject)
        #expect(rdns.count == 2)
        #expect(auth.subject.description.hasPrefix("CN="))
        #expect(auth.subject.description.hasSuffix(",C=JP"))
        #expect(auth.issuer == Fixture.hierarchy.authCACertificate.subject)
        #expect(Fixture.hierarchy.authCACertificate.publicKey.isValidSignature(auth.signature, for: auth))
        #expect(!auth.subject.description.contains(Fixture.holder.name))
        #expect(try auth.extensions.subjectAlternativeNames == nil)
    }

    @Test func authCertificateExtensions() throws {
        let ku = try #require(try auth.extensions.keyUsage)
        #expect(ku.digitalSignature && !ku.nonRepudiation && !ku.keyCertSign)
        #expect(auth.extensions.first { $0.oid == [2, 5, 29, 15] }?.critical == true)
        let policies = try #require(auth.extensions.first { $0.oid == [2, 5, 29, 32] })
        #expect(policies.critical)
        let root = try DER.parse(policies.value)
        guard case .constructed(let infos) = root.content, let info = infos.first(where: { _ in true }),
              case .constructed(let fields) = info.content, let first = fields.first(where: { _ in true }) else {
            Issue.record("certificatePolicies is not a SEQUENCE OF SEQUENCE"); return
        }
        #expect(try ASN1ObjectIdentifier(derEncoded: first) == [1, 2, 392, 200149, 8, 5, 1, 3, 30])
        #expect(try auth.extensions.authorityKeyIdentifier?.keyIdentifier
                == Fixture.hierarchy.authCACertificate.extensions.subjectKeyIdentifier?.keyIdentifier)
        #expect(try auth.extensions.subjectKeyIdentifier != nil)
    }

    @Test func validityEndsAtFifthBirthdayAfterIssue() {
        // Born 15 June 1990, issued 1 April 2024: birthdays after issue are 2024 (1st) … 2028 (5th).
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(secondsFromGMT: 9 * 3600)!
        let end = cal.dateComponents([.year, .month, .day], from: auth.notValidAfter)
        #expect(end.year == 2028 && end.month == 6 && end.day == 15)
        #expect(auth.notValidBefore == Fixture.issuedAt)
        #expect(sign.notValidAfter == auth.notValidAfter)
        // The card itself: 10th birthday for an adult.
        #expect(Fixture.state.cardExpiry == "20330615")
    }

    @Test func signingCertificateCarriesTheFourItems() throws {
        let ku = try #require(try sign.extensions.keyUsage)
        #expect(ku.digitalSignature && ku.nonRepudiation)
        #expect(sign.extensions.first { $0.oid == [2, 5, 29, 15] }?.critical == true)
        #expect(sign.extensions.first { $0.oid == [2, 5, 29, 32] }?.critical == true)
        let san = try #require(try sign.extensions.subjectAlternativeNames)
        var values: [ASN1ObjectIdentifier: String] = [:]
        for name in san {
            guard case .otherName(let other) = name, let any = other.value else { continue }
            values[other.typeID] = try String(ASN1UTF8String(asn1Any: any))
        }
        #expect(values[[1, 2, 392, 200149, 8, 5, 5, 1]] == "番号\u{3000}花子")
        #expect(values[[1, 2, 392, 200149, 8, 5, 5, 3]] == "2")
        #expect(values[[1, 2, 392, 200149, 8, 5, 5, 4]] == "419900615")
        #expect(values[[1, 2, 392, 200149, 8, 5, 5, 5]] == "東京都千代田区霞が関１－２－３")
        #expect(sign.subject.description.contains("L=Tokyo-to"))
        #expect(Fixture.hierarchy.signCACertificate.publicKey.isValidSignature(sign.signature, for: sign))
    }

    @Test func certificatesAreRealisticInSize() {
        for der in [Fixture.state.authCertificate, Fixture.state.signCertificate] {
            #expect(der[0] == 0x30 && der[1] == 0x82)
            #expect(Int(der[2]) << 8 | Int(der[3]) == der.count - 4)
            #expect((1000...2000).contains(der.count))
        }
    }

    @Test func forcedSerialsIncludingEdgeCases() throws {
        let h = Fixture.hierarchy
        let leadingZero: [UInt8] = [0x00, 0x8F, 0x01, 0x02]
        let twenty: [UInt8] = [0x7F] + Array(repeating: 0xEE, count: 19)
        for serial in [leadingZero, twenty, [0x01]] {
            let state = try h.issueCard(holder: Fixture.holder, authPIN: "0000", signingPassword: "PASSWORD1",
                                        issuedAt: Fixture.issuedAt, serial: serial)
            let der = state.authCertificate
            // 30 82 LL LL 30 82 LL LL A0 03 02 01 02 02 <len> <serial>: within the first 40 bytes.
            #expect(Array(der[8..<14]) == [0xA0, 0x03, 0x02, 0x01, 0x02, 0x02])
            #expect(Int(der[14]) == serial.count)
            #expect(Array(der[15..<(15 + serial.count)]) == serial)
            #expect(15 + serial.count <= 40)
            let hex = serial.map { String(format: "%02X", $0) }.joined()
            #expect(try CertificateSummary(der: der).serialHex == hex)
        }
        #expect(throws: VirtualCardError.self) {
            try h.issueCard(holder: Fixture.holder, authPIN: "0000", signingPassword: "PASSWORD1", serial: Array(repeating: 1, count: 21))
        }
        #expect(throws: VirtualCardError.self) {
            try h.issueCard(holder: Fixture.holder, authPIN: "0000", signingPassword: "PASSWORD1", serial: [0x80])
        }
    }

    @Test func malformedPINsAreRefusedAtIssue() {
        let h = Fixture.hierarchy
        #expect(throws: VirtualCardError.self) { try h.issueCard(holder: Fixture.holder, authPIN: "12345", signingPassword: "ABC123") }
        #expect(throws: VirtualCardError.self) { try h.issueCard(holder: Fixture.holder, authPIN: "1234", signingPassword: "abc123") }
        #expect(throws: VirtualCardError.self) { try h.issueCard(holder: Fixture.holder, authPIN: "1234", signingPassword: "ABC12") }
        #expect(throws: VirtualCardError.self) {
            try h.issueCard(holder: Fixture.holder, authPIN: "1234", signingPassword: "ABC123", visualPINB: "123")
        }
    }

    @Test func visualPINBIsDerivedFromTheFront() {
        let s = Fixture.state
        // Born 1990-06-15 = 平成2年: the birth part is the era year (soltia48/myna-card src/data.rs
        // `verification_code_b`), not the Gregorian 900615.
        #expect(s.visualPINB.value == "020615" + "2033" + s.securityCode)
        #expect(s.textPIN.value == Fixture.authPIN)
        #expect(s.authPIN.maxTries == 3 && s.signingPassword.maxTries == 5 && s.visualPINB.maxTries == 10)
    }

    @Test func saveAndLoadRoundTrip() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mynacardsim-ca-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Fixture.hierarchy.save(to: dir)
        for name in ["auth-ca.pem", "auth-ca-key.pem", "sign-ca.pem", "sign-ca-key.pem"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path))
        }
        let perms = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("auth-ca-key.pem").path)[.posixPermissions] as? Int
        #expect(perms == 0o600)
        let loaded = try TestJPKIHierarchy.load(from: dir)
        #expect(loaded.authCACertificate == Fixture.hierarchy.authCACertificate)
        #expect(loaded.signCACertificate == Fixture.hierarchy.signCACertificate)
        #expect(throws: VirtualCardError.self) { try TestJPKIHierarchy.load(from: dir.appendingPathComponent("missing")) }
    }

    @Test func randomSerialsVaryInLength() throws {
        // Issuing is slow, so sample the serial form through a few cards only.
        var lengths = Set<Int>()
        for _ in 0..<3 {
            let s = try Fixture.hierarchy.issueCard(holder: CardHolder.random(), authPIN: "1111", signingPassword: "ZZ9999")
            let len = Int(s.authCertificate[14])
            #expect((1...20).contains(len))
            lengths.insert(len)
        }
        #expect(!lengths.isEmpty)
    }
}
