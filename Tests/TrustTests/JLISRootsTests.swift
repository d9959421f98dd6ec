import Crypto
import Foundation
import SwiftASN1
import Testing
import Trust
import X509
import CryptoExtras

/// The trust layer against the real J-LIS roots (Tests/TrustTests/Fixtures/JLISRoots, with their sources
/// and fingerprints in its README and in docs/CARD.md "Certificates").
///
/// Three generations of each root share one distinguished name, so the issuer must be chosen by key
/// identifier and signature, never by name. No real card certificate is available here (the JPKI
/// test-card certificates of soltia48/myna-card are binary files this project could not obtain), so
/// the end-to-end cases use leaves shaped like the real ones (docs/CARD.md lists what is known of them)
/// under stand-in generations that reuse the real roots' name, with the real roots loaded beside them.
@Suite("The real J-LIS roots")
struct JLISRootsTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/JLISRoots")
    /// A time at which all three generations are valid (the first expired 2025-10-19).
    static let when = Date(timeIntervalSince1970: 1_704_067_200)  // 2024-01-01T00:00:00Z

    static func anchors() throws -> TrustAnchors { try TrustAnchors.load(from: directory) }

    static func der(_ certificate: Certificate) throws -> [UInt8] {
        var s = DER.Serializer()
        try s.serialize(certificate)
        return s.serializedBytes
    }

    /// The SHA-256 fingerprints of the README and docs/CARD.md, in file order.
    static let fingerprints: [TrustPurpose: [String]] = [
        .auth: ["4DCFC4CA0AAF9FB2A3081B3F0C991C320B3ACC008667A341EEAEC5AF1D58CA7D",
                "0D98DE47FC11B7F67126874B7028B6026A803D2638D6EDFE53176953961FADE6",
                "64114F29620C24ED2631D46476A040E7EE740D956089C00B036A6A8118C322B5"],
        .sign: ["19645405A1FE14377434BD55957628AC4038557C542403A2243F21C706FC9355",
                "79679C33E4CC9319440F1AD120A597FF1844E2EF217063ADB176966FD5E6FBEB",
                "D227F6CDE11D35C5252178F106F843D24651944975413B539FA2FB68DBFA365F"],
    ]

    @Test func theDirectoryLoadsAsAnchorsWithThePublishedFingerprints() throws {
        let anchors = try Self.anchors()
        for purpose in TrustPurpose.allCases {
            let roots = anchors.certificates(for: purpose)
            let digests = try roots.map { try SHA256.hash(data: Self.der($0)).map { String(format: "%02X", $0) }.joined() }
            #expect(digests == Self.fingerprints[purpose])
            // Three generations, one name, three keys.
            #expect(Set(roots.map(\.subject)).count == 1)
            #expect(Set(roots.map(\.publicKey)).count == 3)
            #expect(roots.allSatisfy { $0.subject.description.contains(purpose == .auth ? "JPKI for user authentication" : "JPKI for digital signature") })
        }
    }

    @Test func eachRootIsIssuedByItselfNotBySibling() throws {
        let anchors = try Self.anchors()
        let all = anchors.certificates(for: .auth) + anchors.certificates(for: .sign)
        for root in all {
            let siblings = all.filter { $0 != root && $0.subject == root.subject }
            #expect(siblings.count == 2)
            // The J-LIS roots carry no authority key identifier: all three same-named roots are
            // candidates, and the signature decides.
            #expect(CardCertificateValidator.candidateIssuers(of: root, among: all).count == 3)
            #expect(CardCertificateValidator.issuer(of: root, among: all) == root)
            #expect(CardCertificateValidator.issuer(of: root, among: siblings) == nil)
        }
    }

    @Test(arguments: [TrustPurpose.auth, .sign], [0, 1, 2])
    func aRootDoesNotValidateThroughASibling(purpose: TrustPurpose, generation: Int) async throws {
        // Presented as a leaf against its two siblings only: had the builder chained it through a
        // sibling by name, the verdict would be "a CA certificate" (not-end-entity); it must be that no
        // sibling's key made its signature.
        let roots = try Self.anchors().certificates(for: purpose)
        let siblings = roots.enumerated().filter { $0.offset != generation }.map(\.element)
        let v = CardCertificateValidator(anchors: TrustAnchors(siblings, purpose: purpose), purpose: purpose)
        let result = await v.validate(roots[generation], at: Self.when)
        #expect(result.failure == .badSignature(issuer: roots[generation].issuer.description), "\(result)")
    }

    // MARK: Leaves under three same-named generations, with the real roots loaded beside them

    /// Three stand-in generations per purpose carrying the real roots' name, keys generated here.
    struct Generation {
        var key: _RSA.Signing.PrivateKey
        var certificate: Certificate
    }

    static let generations: [TrustPurpose: [Generation]] = {
        let real = try! anchors()
        var out: [TrustPurpose: [Generation]] = [:]
        for purpose in TrustPurpose.allCases {
            let name = real.certificates(for: purpose)[0].subject
            out[purpose] = (0..<3).map { i in
                let key = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
                let pk = Certificate.PublicKey(key.publicKey)
                // Like the real roots: self-signed, no pathLen, no authority key identifier.
                let certificate = try! Certificate(
                    version: .v3, serialNumber: Certificate.SerialNumber(bytes: [0x7F, UInt8(i + 1)]), publicKey: pk,
                    notValidBefore: when.addingTimeInterval(-86_400 * Double(365 * (3 - i))),
                    notValidAfter: when.addingTimeInterval(86_400 * 3650),
                    issuer: name, subject: name, signatureAlgorithm: .sha256WithRSAEncryption,
                    extensions: try Certificate.Extensions {
                        Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                        Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                        SubjectKeyIdentifier(hash: pk)
                    },
                    issuerPrivateKey: Certificate.PrivateKey(key))
                return Generation(key: key, certificate: certificate)
            }
        }
        return out
    }()

    static let leafKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    /// One DER TLV (definite length).
    static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var length: [UInt8] = []
        var n = content.count
        if n < 0x80 {
            length = [UInt8(n)]
        } else {
            while n > 0 { length.insert(UInt8(n & 0xFF), at: 0); n >>= 8 }
            length.insert(0x80 | UInt8(length.count), at: 0)
        }
        return [tag] + length + content
    }

    /// The GeneralName bytes of `[4] Name`.
    static func directoryName(_ name: DistinguishedName) throws -> [UInt8] {
        var s = DER.Serializer()
        try s.serialize(GeneralName.directoryName(name))
        return s.serializedBytes
    }

    /// issuerAltName DirName `C=JP, O=公的個人認証サービス` (both real end entities carry it, non-critical).
    static func issuerAltName() throws -> Certificate.Extension {
        let name = try DistinguishedName { CountryName("JP"); OrganizationName("公的個人認証サービス") }
        return Certificate.Extension(oid: [2, 5, 29, 18], critical: false, value: tlv(0x30, try directoryName(name))[...])
    }

    /// cRLDistributionPoints with one DirName (non-critical), as the real certificates carry.
    static func crlDistributionPoint(_ name: DistinguishedName) throws -> Certificate.Extension {
        let fullName = tlv(0xA0, try directoryName(name))  // fullName [0] IMPLICIT GeneralNames
        let point = tlv(0x30, tlv(0xA0, fullName))           // DistributionPoint { distributionPoint [0] }
        return Certificate.Extension(oid: [2, 5, 29, 31], critical: false, value: tlv(0x30, point)[...])
    }

    /// A critical certificatePolicies extension with `policy`.
    static func policies(_ policy: ASN1ObjectIdentifier) -> Certificate.Extension {
        var s = DER.Serializer()
        try! s.appendConstructedNode(identifier: .sequence) { s in
            try s.appendConstructedNode(identifier: .sequence) { s in try s.serialize(policy) }
        }
        return Certificate.Extension(oid: [2, 5, 29, 32], critical: true, value: s.serializedBytes[...])
    }

    /// A policy OID standing for whatever J-LIS really asserts on an authentication certificate: no
    /// reference shows it. (The JPKI test cards' signing certificates assert `…8.5.1.0.20` where the
    /// jsrsasign table says `…8.5.1.1.20`, susumutomita/ZeroKeyMate.)
    static let unconfirmedAuthPolicy: ASN1ObjectIdentifier = [1, 2, 392, 200149, 8, 5, 1, 0, 30]
    /// The JPKI test-card signing policy (susumutomita/ZeroKeyMate, measured on a test card).
    static let testCardSignPolicy: ASN1ObjectIdentifier = [1, 2, 392, 200149, 8, 5, 1, 0, 20]

    /// An authentication certificate shaped like the real one (SOLT tests/certificates.rs; the
    /// 2022 openssl dump in docs/CARD.md): subject `C=JP, CN=<23-character id>`, RSA-2048,
    /// sha256WithRSA, keyUsage critical digitalSignature, certificatePolicies critical,
    /// issuerAltName, a DirName CRL distribution point; an authority key identifier when `aki`.
    static func authLeaf(by generation: Generation, aki: Bool, serial: UInt8) throws -> Certificate {
        let pk = Certificate.PublicKey(leafKey.publicKey)
        var extensions = try Certificate.Extensions {
            Critical(KeyUsage(digitalSignature: true))
            SubjectKeyIdentifier(hash: pk)
        }
        if aki { try extensions.append(Certificate.Extension(AuthorityKeyIdentifier(keyIdentifier: try generation.certificate.extensions.subjectKeyIdentifier!.keyIdentifier), critical: false)) }
        try extensions.append(policies(unconfirmedAuthPolicy))
        try extensions.append(try issuerAltName())
        try extensions.append(try crlDistributionPoint(generation.certificate.subject))
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(bytes: [0x01, serial]), publicKey: pk,
            notValidBefore: when.addingTimeInterval(-86_400), notValidAfter: when.addingTimeInterval(86_400 * 1500),
            issuer: generation.certificate.subject,
            subject: try DistinguishedName { CountryName("JP"); CommonName("00000TESTID0013101000Z0") },
            signatureAlgorithm: .sha256WithRSAEncryption, extensions: extensions,
            issuerPrivateKey: Certificate.PrivateKey(generation.key))
    }

    /// A signing certificate shaped like a JPKI test card's: subject `C=JP, L=…, L=…, CN=…`, keyUsage
    /// critical digitalSignature+nonRepudiation, certificatePolicies critical `…8.5.1.0.20`, SAN with
    /// the six otherNames in the card's order (.1 .4 .3 .5 .2 .6), a per-municipality DirName CRL
    /// distribution point.
    static func signLeaf(by generation: Generation) throws -> Certificate {
        let pk = Certificate.PublicKey(leafKey.publicKey)
        let identity: [(UInt8, String)] = [(1, "試験　花子"), (4, "319800217"), (3, "2"), (5, "東京都清瀬市"), (2, "00000"), (6, "000000")]
        let san = SubjectAlternativeNames(try identity.map { n, text in
            GeneralName.otherName(.init(typeID: [1, 2, 392, 200149, 8, 5, 5, UInt(n)], value: try ASN1Any(erasing: ASN1UTF8String(text))))
        })
        let municipality = try DistinguishedName {
            CountryName("JP"); OrganizationName("JPKI"); OrganizationalUnitName("JPKI for digital signature")
            OrganizationalUnitName("CRL Distribution Points"); OrganizationalUnitName("Tokyo-to"); CommonName("Kiyose-shi")
        }
        var extensions = try Certificate.Extensions {
            Critical(KeyUsage(digitalSignature: true, nonRepudiation: true))
            san
        }
        try extensions.append(policies(testCardSignPolicy))
        try extensions.append(try issuerAltName())
        try extensions.append(try crlDistributionPoint(municipality))
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(bytes: [0x02, 0x01]), publicKey: pk,
            notValidBefore: when.addingTimeInterval(-86_400), notValidAfter: when.addingTimeInterval(86_400 * 1500),
            issuer: generation.certificate.subject,
            subject: try DistinguishedName { CountryName("JP"); LocalityName("Tokyo-to"); LocalityName("Kiyose-shi"); CommonName("00000TESTID0013221000Z0") },
            signatureAlgorithm: .sha256WithRSAEncryption, extensions: extensions,
            issuerPrivateKey: Certificate.PrivateKey(generation.key))
    }

    /// The real roots and the stand-in generations of `purpose`, all with one name.
    static func mixedAnchors(_ purpose: TrustPurpose) throws -> TrustAnchors {
        var anchors = try Self.anchors()
        anchors.merge(TrustAnchors(generations[purpose]!.map(\.certificate), purpose: purpose))
        return anchors
    }

    @Test(arguments: [true, false])
    func eachGenerationsLeafChainsToItsOwnIssuer(aki: Bool) async throws {
        let anchors = try Self.mixedAnchors(.auth)
        #expect(Set(anchors.certificates(for: .auth).map(\.subject)).count == 1)
        #expect(anchors.certificates(for: .auth).count == 6)
        let v = CardCertificateValidator(anchors: anchors, purpose: .auth)
        for (i, generation) in Self.generations[.auth]!.enumerated() {
            let leaf = try Self.authLeaf(by: generation, aki: aki, serial: UInt8(i))
            let result = await v.validate(leaf, at: Self.when)
            #expect(result.isValid, "\(result)")
            // The anchor is the generation that signed it, byte for byte: not a sibling, not a real root.
            #expect(try result.chain.map { try $0.map(Self.der) } == [Self.der(leaf), Self.der(generation.certificate)])
        }
    }

    @Test func aRealShapedAuthLeafIsAcceptedAndWouldHaveBeenRefusedByTheOldRule() async throws {
        let anchors = try Self.mixedAnchors(.auth)
        let leaf = try Self.authLeaf(by: Self.generations[.auth]![2], aki: true, serial: 9)
        let accepted = await CardCertificateValidator(anchors: anchors, purpose: .auth).validate(leaf, at: Self.when)
        #expect(accepted.isValid, "\(accepted)")
        // The rule MynaGate had until now: the jsrsasign OID, mandatory. The card would be refused.
        let old = CardCertificateValidator(anchors: anchors, purpose: .auth, policyRule: .known(.require, for: .auth))
        #expect(await old.validate(leaf, at: Self.when).failure
                == .unexpectedPolicy(found: [Self.unconfirmedAuthPolicy.description], required: ["1.2.392.200149.8.5.1.3.30"]))
    }

    @Test func aTestCardShapedSigningLeafIsAcceptedAndWouldHaveBeenRefusedByTheOldRule() async throws {
        let anchors = try Self.mixedAnchors(.sign)
        let leaf = try Self.signLeaf(by: Self.generations[.sign]![1])
        let accepted = await CardCertificateValidator(anchors: anchors, purpose: .sign).validate(leaf, at: Self.when)
        #expect(accepted.isValid, "\(accepted)")
        #expect(accepted.chain?.last == Self.generations[.sign]![1].certificate)
        #expect(SigningCertificateIdentity(certificate: leaf) != nil)
        let old = CardCertificateValidator(anchors: anchors, purpose: .sign, policyRule: .known(.require, for: .sign))
        #expect(await old.validate(leaf, at: Self.when).failure?.category == "policy")
    }

    @Test(arguments: [true, false])
    func aForgedJLISNameIsNotTrustedByName(aki: Bool) async throws {
        // A CA that calls itself "JPKI for user authentication" but is no configured anchor: only the
        // real roots are trusted. It must be refused whether or not its leaf names a key identifier.
        let forger = Self.generations[.auth]![0]
        let leaf = try Self.authLeaf(by: forger, aki: aki, serial: 0x42)
        let result = await CardCertificateValidator(anchors: try Self.anchors(), purpose: .auth).validate(leaf, at: Self.when)
        #expect(!result.isValid)
        #expect(result.failure?.category == (aki ? "unknown-issuer" : "bad-signature"), "\(result)")
    }

    @Test func eachGenerationsCRLAnswersForItsOwnCertificates() async throws {
        // Two same-named generations each publish a CRL; serial 01 23 is revoked by the first only. Keyed
        // by name alone, the second CRL would replace the first (or answer for it).
        let gens = Self.generations[.auth]!
        let serial = Certificate.SerialNumber(bytes: [0x01, 0x23])
        var indexes: [RevocationIndex] = []
        for (i, g) in gens.prefix(2).enumerated() {
            let builder = CRLBuilder(issuer: g.certificate, signer: CRLSigner(rsaKey: g.key), thisUpdate: Self.when.addingTimeInterval(-3600),
                                     nextUpdate: Self.when.addingTimeInterval(86_400), crlNumber: CRLNumber(1))
            let entries = i == 0 ? [CRLEntry(serial: CRLEntry.derSerial(serial), revocationDate: Self.when.addingTimeInterval(-7200), reason: .keyCompromise)] : []
            let crl = try CRLReader(bytes: try builder.der(entries: entries))
            indexes.append(try RevocationIndex.build(from: crl, issuer: try CRLIssuerKey(certificate: g.certificate)))
        }
        for order in [indexes, indexes.reversed()] {
            let checker = CRLRevocationChecker(indexes: order, policy: .failClosed)
            let first = await checker.status(of: serial, issuer: gens[0].certificate, at: Self.when)
            guard case .revoked = first else { Issue.record("first generation: \(first)"); return }
            #expect(await checker.status(of: serial, issuer: gens[1].certificate, at: Self.when) == .good)
            // The third generation published no CRL: unknown, not the answer of a sibling's CRL.
            let third = await checker.status(of: serial, issuer: gens[2].certificate, at: Self.when)
            #expect(third == .unknown(why: "the CRL was signed by another key of this issuer"), "\(third)")
        }
    }

    @Test func theIndexStoreKeepsOneIndexPerGeneration() async throws {
        let gens = Self.generations[.auth]!
        let serial = Certificate.SerialNumber(bytes: [0x01, 0x23])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-jlis-crl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func crl(_ g: Generation, number: UInt64, revoking: Bool) throws -> String {
            let builder = CRLBuilder(issuer: g.certificate, signer: CRLSigner(rsaKey: g.key), thisUpdate: Self.when.addingTimeInterval(-3600),
                                     nextUpdate: Self.when.addingTimeInterval(86_400), crlNumber: CRLNumber(number))
            let entries = revoking ? [CRLEntry(serial: CRLEntry.derSerial(serial), revocationDate: Self.when.addingTimeInterval(-7200))] : []
            let path = dir.appendingPathComponent("gen-\(g.certificate.serialNumber)-\(number).crl").path
            try Data(try builder.der(entries: entries)).write(to: URL(fileURLWithPath: path))
            return path
        }
        let store = RevocationIndexStore(directory: dir.appendingPathComponent("index"))
        let first = try store.importCRL(at: try crl(gens[0], number: 1, revoking: true), issuer: gens[0].certificate)
        _ = try store.importCRL(at: try crl(gens[1], number: 1, revoking: false), issuer: gens[1].certificate)
        #expect(store.stems().count == 2)
        var checker = CRLRevocationChecker(store: store, policy: .failClosed)
        guard case .revoked = await checker.status(of: serial, issuer: gens[0].certificate, at: Self.when) else { Issue.record("generation 1 lost its CRL"); return }
        #expect(await checker.status(of: serial, issuer: gens[1].certificate, at: Self.when) == .good)

        // A store written before the verifying key was in the file name: the first generation's index
        // under the Name + key identifier stem. The next import of that generation's CRL takes it over.
        let legacy = RevocationIndexStore.stem(issuerDER: first.index.header.issuerDER, authorityKeyIdentifier: first.index.header.authorityKeyIdentifier)
        let current = RevocationIndexStore.stem(issuerDER: first.index.header.issuerDER, issuerKeyDigest: try CRLIssuerKey.keyDigest(of: gens[0].certificate))
        #expect(legacy != current)
        for suffix in [".mgidx", ".base.mgidx", ".sources", ".issuer.der"] {
            try FileManager.default.moveItem(atPath: store.directory.appendingPathComponent(current + suffix).path,
                                             toPath: store.directory.appendingPathComponent(legacy + suffix).path)
        }
        _ = try store.importCRL(at: try crl(gens[0], number: 2, revoking: false), issuer: gens[0].certificate)
        #expect(store.stems() == [current, RevocationIndexStore.stem(issuerDER: first.index.header.issuerDER,
                                                                       issuerKeyDigest: try CRLIssuerKey.keyDigest(of: gens[1].certificate))].sorted())
        checker = CRLRevocationChecker(store: store, policy: .failClosed)
        #expect(await checker.status(of: serial, issuer: gens[0].certificate, at: Self.when) == .good)
    }
}
