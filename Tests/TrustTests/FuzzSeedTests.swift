import Foundation
import MynaCardSim
import SwiftASN1
import Testing
@testable import Trust
import X509
import CryptoExtras

/// Writes the fuzz test PKI (Fuzz/PKI) and the seed corpora of the trust fuzz targets (Fuzz/Corpus/Fuzz*)
/// from the real builders: CRLBuilder, RevocationIndexBuilder, OCSPResponder, TestJPKIHierarchy.
/// Runs only when asked, because it writes into the source tree:
///   MYNAGATE_FUZZ_SEEDS=1 swift test --filter FuzzSeeds
/// The PKI is made once and then read back, so regenerating the corpora keeps the anchors the
/// committed seeds were signed with (the targets compare accepted responses and chains with them).
@Suite("FuzzSeeds: trust fuzz corpora", .enabled(if: ProcessInfo.processInfo.environment["MYNAGATE_FUZZ_SEEDS"] != nil))
struct FuzzSeedTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz")
    static let pki = fuzz.appendingPathComponent("PKI")
    /// The instant the PKI was made at: the CAs are valid from a day before, the cards from it, and the
    /// targets judge at the CA's notBefore + 2 days.
    static let made = Date(timeIntervalSince1970: 1_775_001_600)  // 2026-04-01T00:00:00Z
    static let holder = CardHolder(name: "番号 花子", address: "東京都千代田区永田町一丁目1番1号", birthDate: "19900101", sex: .female,
                                   myNumberDigits: "123456789018")

    struct PKI {
        var hierarchy: TestJPKIHierarchy
        var caKey: _RSA.Signing.PrivateKey
        var card: Certificate
        var otherCard: Certificate
        var signCard: Certificate
        var judgedAt: Date { hierarchy.authCACertificate.notValidBefore.addingTimeInterval(2 * 86_400) }
    }

    static func pkiFiles() throws -> PKI {
        let fm = FileManager.default
        if !fm.fileExists(atPath: pki.appendingPathComponent(TestJPKIHierarchy.FileName.authCA).path) {
            let h = try TestJPKIHierarchy.generate(now: made)
            try h.save(to: pki)
            for (name, issuedAt) in [("card-auth", made), ("card-auth-2", made)] {
                let state = try h.issueCard(holder: holder, authPIN: "1234", signingPassword: "ABC123", visualPINB: nil, issuedAt: issuedAt)
                try Data(state.authCertificate).write(to: pki.appendingPathComponent(name + ".der"))
                if name == "card-auth" { try Data(state.signCertificate).write(to: pki.appendingPathComponent("sign-card.der")) }
            }
        }
        let h = try TestJPKIHierarchy.load(from: pki)
        let key = try _RSA.Signing.PrivateKey(pemRepresentation: String(contentsOf: pki.appendingPathComponent(TestJPKIHierarchy.FileName.authCAKey), encoding: .utf8))
        func cert(_ name: String) throws -> Certificate { try Certificate(derEncoded: Array(Data(contentsOf: pki.appendingPathComponent(name)))) }
        return PKI(hierarchy: h, caKey: key, card: try cert("card-auth.der"), otherCard: try cert("card-auth-2.der"), signCard: try cert("sign-card.der"))
    }

    static func write(_ target: String, _ seeds: [String: [UInt8]]) throws {
        let dir = fuzz.appendingPathComponent("Corpus").appendingPathComponent(target)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, bytes) in seeds { try Data(bytes).write(to: dir.appendingPathComponent("seed-" + name)) }
    }

    static func der(_ c: Certificate) throws -> [UInt8] {
        var s = DER.Serializer()
        try s.serialize(c)
        return s.serializedBytes
    }

    @Test func writeTrustSeeds() throws {
        let p = try Self.pkiFiles()
        let ca = p.hierarchy.authCACertificate
        let signer = CRLSigner(rsaKey: p.caKey)
        let t = p.judgedAt
        let builder = CRLBuilder(issuer: ca, signer: signer, thisUpdate: t.addingTimeInterval(-3600), nextUpdate: t.addingTimeInterval(86_400),
                                 crlNumber: CRLNumber(7))
        let entries = [
            CRLEntry(certificateSerial: p.otherCard.serialNumber, revocationDate: t.addingTimeInterval(-7200), reason: .keyCompromise,
                     invalidityDate: t.addingTimeInterval(-86_400)),
            CRLEntry(serial: [0x00, 0x80, 0x01], revocationDate: t.addingTimeInterval(-7300), reason: .certificateHold),
            CRLEntry(serial: [0x01], revocationDate: t.addingTimeInterval(-7400)),
            CRLEntry(serial: Array(repeating: 0x42, count: 20), revocationDate: Date(timeIntervalSince1970: 2_600_000_000), reason: .superseded),
        ]
        let empty = try builder.der(entries: [CRLEntry]())
        let small = try builder.der(entries: entries)
        let synthetic = try builder.der(entries: SyntheticRevocations(count: 300, seed: 16, latest: t))
        var deltaBuilder = builder
        deltaBuilder.crlNumber = CRLNumber(8)
        deltaBuilder.baseCRLNumber = CRLNumber(7)
        let delta = try deltaBuilder.der(entries: [
            CRLEntry(serial: [0x01], revocationDate: t.addingTimeInterval(-60), reason: .removeFromCRL),
            CRLEntry(certificateSerial: p.card.serialNumber, revocationDate: t.addingTimeInterval(-30), reason: .affiliationChanged),
        ])
        let pem = Array(("-----BEGIN X509 CRL-----\n" + Data(small).base64EncodedString(options: .lineLength64Characters) + "\n-----END X509 CRL-----\n").utf8)
        try Self.write("FuzzCRLReader", ["empty": empty, "small": small, "synthetic300": synthetic, "delta": delta, "small.pem": pem])
        try Self.write("FuzzDERScanner", ["crl-small": small, "crl-delta": delta, "card": try Self.der(p.card), "ca": try Self.der(ca)])

        // Index files (mode byte 0) from the CRLs, and a builder entry list (mode byte 1).
        let smallIndex = try RevocationIndex.build(from: CRLReader(bytes: small), issuer: CRLIssuerKey(certificate: ca))
        let bigIndex = try RevocationIndex.build(from: CRLReader(bytes: synthetic), issuer: nil)
        let merged = try smallIndex.applying(delta: CRLReader(bytes: delta), issuer: nil)
        var list: [UInt8] = [1]
        for (serial, seconds, code) in [([UInt8]([0x01]), UInt32(1_700_000_000), UInt8(0x01)), ([0x00, 0x80, 0x01], 1_700_000_100, 0x1F),
                                        ([0x12, 0x34, 0x56, 0x78], 1_700_000_200, 0x06), ([0x12, 0x34, 0x56, 0x79], 1_700_000_300, 0x0F)] {
            list.append(UInt8(serial.count - 1))
            list += serial
            list += [UInt8(seconds >> 24), UInt8(seconds >> 16 & 0xFF), UInt8(seconds >> 8 & 0xFF), UInt8(seconds & 0xFF), code]
        }
        try Self.write("FuzzRevocationIndex", ["small": [0] + smallIndex.fileBytes, "synthetic300": [0] + bigIndex.fileBytes,
                                               "merged-delta": [0] + merged.fileBytes, "entries": list])

        // OCSP: answers about the fuzz card, for the nonce the target asks with.
        let nonce: [UInt8] = Array(0..<32)
        let id = try OCSPCertificateID(serial: p.card.serialNumber, issuer: ca, hashAlgorithm: .sha1)
        let request = try OCSPRequestMessage(certificateID: id, nonce: nonce).derEncoded()
        let otherRequest = try OCSPRequestMessage(certificateID: OCSPCertificateID(serial: p.otherCard.serialNumber, issuer: ca, hashAlgorithm: .sha256), nonce: nil).derEncoded()
        func responder(_ status: OCSPCertificateStatus, validity: TimeInterval? = 3600) -> OCSPResponder {
            OCSPResponder(issuer: ca, signingKey: Certificate.PrivateKey(p.caKey), statuses: [p.card.serialNumber: status], validity: validity)
        }
        let at = t.addingTimeInterval(-600)
        try Self.write("FuzzOCSPResponse", [
            "good": try responder(.good).respond(to: request, at: at),
            "revoked": try responder(.revoked(time: t.addingTimeInterval(-86_400), reason: .keyCompromise)).respond(to: request, at: at),
            "unknown": try responder(.unknown).respond(to: request, at: at),
            "no-nonce": try responder(.good).respond(to: request, at: at, nonce: .omit),
            "no-next-update": try responder(.good, validity: nil).respond(to: request, at: at),
            "other-card": try responder(.good).respond(to: otherRequest, at: at),
            "try-later": try OCSPResponder.unsigned(status: 3),
            "request": request,
        ])

        // Paths: the card alone, the card with the CA offered as an intermediate, PEM, another CA's card.
        let card = try Self.der(p.card)
        try Self.write("FuzzCertificatePath", [
            "card": card, "card-and-ca": card + (try Self.der(ca)), "card-and-sign-ca": card + (try Self.der(p.hierarchy.signCACertificate)),
            "card.pem": Array((try p.card.serializeAsPEM().pemString + "\n").utf8), "sign-card": try Self.der(p.signCard),
            "other-card": try Self.der(p.otherCard),
        ])
    }
}
