import Foundation
import Testing
@testable import Trust
import X509
import CryptoExtras

/// A CRL index answers for the key that verified its CRL, and for nothing else (issue 17 review of the
/// same-named J-LIS generations, findings 2 and 3). Each test is an attack the previous code let through.
@Suite("Revocation indexes are tied to the issuer key that verified them", .serialized)
struct RevocationIssuerKeyTests {
    static let when = Date(timeIntervalSince1970: 1_704_067_200)  // 2024-01-01T00:00:00Z
    static let name = try! DistinguishedName { CountryName("JP"); OrganizationName("JPKI"); OrganizationalUnitName("JPKI for user authentication") }
    static let serial = Certificate.SerialNumber(bytes: [0x01, 0x23])

    struct CA {
        var key: _RSA.Signing.PrivateKey
        var certificate: Certificate
    }

    /// Two CAs with one name and their own keys; with `keyIdentifier: false` they carry no subject key
    /// identifier, so their CRLs carry no authority key identifier.
    static func generations(keyIdentifier: Bool) throws -> [CA] {
        try (0..<2).map { i in
            let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            let pk = Certificate.PublicKey(key.publicKey)
            var extensions = try Certificate.Extensions {
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
            }
            if keyIdentifier { try extensions.append(Certificate.Extension(SubjectKeyIdentifier(hash: pk), critical: false)) }
            let certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(bytes: [0x7F, UInt8(i + 1)]), publicKey: pk,
                notValidBefore: when.addingTimeInterval(-86_400), notValidAfter: when.addingTimeInterval(86_400 * 3650),
                issuer: name, subject: name, signatureAlgorithm: .sha256WithRSAEncryption, extensions: extensions,
                issuerPrivateKey: Certificate.PrivateKey(key))
            return CA(key: key, certificate: certificate)
        }
    }

    /// A CRL of `ca` (signed with `signer`'s key when given), numbered `number`, revoking `serials`.
    static func crl(_ ca: CA, signer: CA? = nil, number: UInt64, base: UInt64? = nil, revoking serials: [Certificate.SerialNumber],
                    thisUpdate: Date = when.addingTimeInterval(-3600)) throws -> [UInt8] {
        var builder = CRLBuilder(issuer: ca.certificate, signer: CRLSigner(rsaKey: (signer ?? ca).key), thisUpdate: thisUpdate,
                                 nextUpdate: when.addingTimeInterval(86_400), crlNumber: CRLNumber(number), baseCRLNumber: base.map { CRLNumber($0) })
        // Like the J-LIS roots' certificates, which carry no key identifiers.
        builder.includesAuthorityKeyIdentifier = (try? ca.certificate.extensions.subjectKeyIdentifier) != nil
        return try builder.der(entries: serials.map { CRLEntry(serial: CRLEntry.derSerial($0), revocationDate: when.addingTimeInterval(-7200)) })
    }

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-crl-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func write(_ bytes: [UInt8], in dir: URL, _ name: String) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func aCRLWithoutKeyIdentifierAnswersOnlyForTheKeyThatVerifiedIt() async throws {
        // The J-LIS roots carry no key identifiers. Generation 0 revokes 01 23; generation 1 published no
        // CRL yet. A name-and-AKI match let generation 0's CRL answer for generation 1's certificate.
        let gens = try Self.generations(keyIdentifier: false)
        let crl = try CRLReader(bytes: try Self.crl(gens[0], number: 1, revoking: [Self.serial]))
        #expect(crl.info.authorityKeyIdentifier == nil)
        let index = try RevocationIndex.build(from: crl, issuer: try CRLIssuerKey(certificate: gens[0].certificate))
        #expect(index.header.issuerKeyDigest == (try CRLIssuerKey.keyDigest(of: gens[0].certificate)))
        let checker = CRLRevocationChecker(indexes: [index], policy: .failClosed)
        guard case .revoked = await checker.status(of: Self.serial, issuer: gens[0].certificate, at: Self.when) else { Issue.record("own CRL lost"); return }
        #expect(await checker.status(of: Self.serial, issuer: gens[1].certificate, at: Self.when)
                == .unknown(why: "the CRL was signed by another key of this issuer"))

        // In a store, the two generations' AKI-less CRLs no longer share the Name-only file.
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = RevocationIndexStore(directory: dir.appendingPathComponent("index"))
        _ = try store.importCRL(at: try Self.write(try Self.crl(gens[0], number: 1, revoking: [Self.serial]), in: dir, "g0.crl"), issuer: gens[0].certificate)
        _ = try store.importCRL(at: try Self.write(try Self.crl(gens[1], number: 1, revoking: []), in: dir, "g1.crl"), issuer: gens[1].certificate)
        #expect(store.stems().count == 2)
        let stored = CRLRevocationChecker(store: store, policy: .failClosed)
        guard case .revoked = await stored.status(of: Self.serial, issuer: gens[0].certificate, at: Self.when) else { Issue.record("generation 0's CRL was overwritten"); return }
        #expect(await stored.status(of: Self.serial, issuer: gens[1].certificate, at: Self.when) == .good)
    }

    @Test func aCRLNamingAnotherGenerationsKeyIsRefusedAtImport() async throws {
        // Signed with generation 1's key but naming generation 0's key identifier: verified with
        // generation 1's certificate (the names match), it used to be filed as generation 0's CRL.
        let gens = try Self.generations(keyIdentifier: true)
        let bytes = try Self.crl(gens[0], signer: gens[1], number: 9, revoking: [Self.serial])
        #expect(throws: CRLError.wrongIssuer("the CRL's authority key identifier names another key than the certificate's subject key identifier")) {
            _ = try RevocationIndex.build(from: CRLReader(bytes: bytes), issuer: try CRLIssuerKey(certificate: gens[1].certificate))
        }
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = RevocationIndexStore(directory: dir.appendingPathComponent("index"))
        #expect(throws: CRLError.self) { _ = try store.importCRL(at: try Self.write(bytes, in: dir, "forged.crl"), issuer: gens[1].certificate) }
        #expect(store.stems().isEmpty)
    }

    @Test func aVersion1IndexIsStillReadAndAnswersByNameUntilReimported() async throws {
        let gens = try Self.generations(keyIdentifier: true)
        let crl = try CRLReader(bytes: try Self.crl(gens[0], number: 1, revoking: [Self.serial]))
        var builder = RevocationIndexBuilder()
        try crl.forEachEntry(verifyingWith: try CRLIssuerKey(certificate: gens[0].certificate)) { try builder.add($0) }
        let header = RevocationIndex.Header(issuerDER: crl.info.issuerDER, crlNumber: crl.info.crlNumber, thisUpdate: crl.info.thisUpdate,
                                            nextUpdate: crl.info.nextUpdate, authorityKeyIdentifier: crl.info.authorityKeyIdentifier,
                                            signatureVerified: true, issuerKeyDigest: try CRLIssuerKey.keyDigest(of: gens[0].certificate))
        let old = try RevocationIndex(fileBytes: builder.finish(header: header, layoutVersion: 1).fileBytes)
        #expect(old.header.issuerKeyDigest == nil)
        #expect(old.count == 1)
        let checker = CRLRevocationChecker(indexes: [old], policy: .failClosed)
        guard case .revoked = await checker.status(of: Self.serial, issuer: gens[0].certificate, at: Self.when) else { Issue.record("v1 index not read"); return }
        // Its authority key identifier still tells it from the other generation's certificates.
        #expect(await checker.status(of: Self.serial, issuer: gens[1].certificate, at: Self.when)
                == .unknown(why: "the CRL was signed by another key of this issuer"))
        // Re-imported (version 2, the key recorded), the new index answers, not the old one.
        let fresh = try RevocationIndex.build(from: CRLReader(bytes: try Self.crl(gens[0], number: 2, revoking: [])),
                                              issuer: try CRLIssuerKey(certificate: gens[0].certificate))
        #expect(await CRLRevocationChecker(indexes: [fresh, old], policy: .failClosed).status(of: Self.serial, issuer: gens[0].certificate, at: Self.when) == .good)
        #expect(await CRLRevocationChecker(indexes: [old, fresh], policy: .failClosed).status(of: Self.serial, issuer: gens[0].certificate, at: Self.when) == .good)
    }

    @Test func theNewerCRLOfAKeyAnswersWhateverTheLoadOrder() async throws {
        // CRL 1 revoked 01 23 (on hold), CRL 2 no longer lists it. The later-loaded index used to win, so
        // a file that sorts last rolled the answer back.
        let gens = try Self.generations(keyIdentifier: true)
        let key = try CRLIssuerKey(certificate: gens[0].certificate)
        let older = try RevocationIndex.build(from: CRLReader(bytes: try Self.crl(gens[0], number: 1, revoking: [Self.serial])), issuer: key)
        let newer = try RevocationIndex.build(from: CRLReader(bytes: try Self.crl(gens[0], number: 2, revoking: [])), issuer: key)
        for order in [[older, newer], [newer, older]] {
            #expect(await CRLRevocationChecker(indexes: order, policy: .failClosed).status(of: Self.serial, issuer: gens[0].certificate, at: Self.when) == .good)
        }
    }

    @Test func anOlderIndexUnderAnOldFileNameDoesNotReplaceTheNewerOne() async throws {
        // The store holds CRL 5 (01 23 no longer listed) under the current name, and a leftover CRL 3
        // (01 23 revoked) of the same key under the old Name + key identifier name. Importing delta 6
        // used to move CRL 3 over CRL 5 first: the delta then failed and CRL 3 answered.
        let gens = try Self.generations(keyIdentifier: true)
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = RevocationIndexStore(directory: dir.appendingPathComponent("index"))
        let elsewhere = RevocationIndexStore(directory: dir.appendingPathComponent("old"))
        let three = try elsewhere.importCRL(at: try Self.write(try Self.crl(gens[0], number: 3, revoking: [Self.serial]), in: dir, "3.crl"), issuer: gens[0].certificate)
        _ = try store.importCRL(at: try Self.write(try Self.crl(gens[0], number: 5, revoking: []), in: dir, "5.crl"), issuer: gens[0].certificate)
        let current = try #require(store.stems().first)
        let legacy = RevocationIndexStore.stem(issuerDER: three.index.header.issuerDER, authorityKeyIdentifier: three.index.header.authorityKeyIdentifier)
        for suffix in RevocationIndexStore.suffixes {
            let from = elsewhere.path(current, suffix)
            if FileManager.default.fileExists(atPath: from) { try FileManager.default.copyItem(atPath: from, toPath: store.path(legacy, suffix)) }
        }
        #expect(store.stems().sorted() == [current, legacy].sorted())

        _ = try store.importCRL(at: try Self.write(try Self.crl(gens[0], number: 6, base: 5, revoking: [], thisUpdate: Self.when.addingTimeInterval(-60)), in: dir, "6.crl"),
                                issuer: gens[0].certificate)
        #expect(store.stems() == [current], "the older leftover is deleted, not adopted")
        let loaded = try store.load(stem: current).index
        #expect(loaded.header.crlNumber == CRLNumber(5) && loaded.header.deltaCRLNumber == CRLNumber(6))
        #expect(await CRLRevocationChecker(store: store, policy: .failClosed).status(of: Self.serial, issuer: gens[0].certificate, at: Self.when) == .good)

        // A leftover that is newer than the current index is adopted (the current files replaced).
        let fresh = RevocationIndexStore(directory: dir.appendingPathComponent("fresh"))
        _ = try fresh.importCRL(at: try Self.write(try Self.crl(gens[0], number: 2, revoking: []), in: dir, "2.crl"), issuer: gens[0].certificate)
        for suffix in RevocationIndexStore.suffixes {
            let from = elsewhere.path(current, suffix)
            if FileManager.default.fileExists(atPath: from) { try FileManager.default.copyItem(atPath: from, toPath: fresh.path(legacy, suffix)) }
        }
        _ = try fresh.importCRL(at: try Self.write(try Self.crl(gens[0], number: 4, base: 3, revoking: []), in: dir, "4.crl"), issuer: gens[0].certificate)
        #expect(fresh.stems() == [current])
        #expect(try fresh.load(stem: current).index.header.crlNumber == CRLNumber(3))
    }
}
