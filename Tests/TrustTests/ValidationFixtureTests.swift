import Crypto
import Foundation
import MynaCardSim
import SwiftASN1
import Testing
import Trust
import X509
import CryptoExtras

/// One test hierarchy for the Trust validation, OCSP and challenge suites, built once: RSA key generation
/// is the slow part. Edge-case certificates are issued here with the test CA's key (read back from the
/// files `TestJPKIHierarchy.save(to:)` writes) and one shared leaf key.
enum ValidationFixture {
    static let now = Date()

    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-trust-\(UUID().uuidString)")
        try! hierarchy.save(to: url)
        return url
    }()

    static let hierarchy: TestJPKIHierarchy = try! TestJPKIHierarchy.generate(now: now)

    static let authCAKey: _RSA.Signing.PrivateKey = try! _RSA.Signing.PrivateKey(
        pemRepresentation: String(contentsOf: directory.appendingPathComponent(TestJPKIHierarchy.FileName.authCAKey), encoding: .utf8))

    static let holder = CardHolder(
        name: "番号 花子", address: "東京都千代田区永田町一丁目1番1号", birthDate: "19900101", sex: .female,
        myNumberDigits: "123456789018")
    static let authPIN = "1234"

    /// A card of the hierarchy.
    static let card: VirtualCardState = try! hierarchy.issueCard(
        holder: holder, authPIN: authPIN, signingPassword: "ABC123", visualPINB: nil, issuedAt: now.addingTimeInterval(-3600))
    /// Another card of the same hierarchy (a valid certificate, but not the key that answers).
    static let otherCard: VirtualCardState = try! hierarchy.issueCard(
        holder: holder, authPIN: authPIN, signingPassword: "ABC123", visualPINB: nil, issuedAt: now.addingTimeInterval(-3600))

    static var cardCertificate: Certificate { try! Certificate(derEncoded: card.authCertificate) }
    static var otherCardCertificate: Certificate { try! Certificate(derEncoded: otherCard.authCertificate) }

    /// Anchors holding the test auth and sign CAs.
    static var anchors: TrustAnchors {
        TrustAnchors([TrustAnchor(certificate: hierarchy.authCACertificate, purpose: .auth),
                      TrustAnchor(certificate: hierarchy.signCACertificate, purpose: .sign)])
    }

    static var validator: CardCertificateValidator { CardCertificateValidator(anchors: anchors, purpose: .auth) }

    /// One key for every edge-case leaf: what is under test is the certificate around it.
    static let leafKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    /// A second root with the same subject as the auth CA and another key: "another hierarchy".
    static let strangerKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    static let strangerRoot: Certificate = {
        let pk = Certificate.PublicKey(strangerKey.publicKey)
        return try! Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: pk,
            notValidBefore: now.addingTimeInterval(-86_400), notValidAfter: now.addingTimeInterval(86_400 * 3650),
            issuer: TestJPKIHierarchy.authCAName, subject: TestJPKIHierarchy.authCAName,
            signatureAlgorithm: .sha256WithRSAEncryption,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: pk)
            },
            issuerPrivateKey: Certificate.PrivateKey(strangerKey))
    }()

    static let authPolicy: ASN1ObjectIdentifier = [1, 2, 392, 200149, 8, 5, 1, 3, 30]

    /// A critical certificatePolicies extension (RFC 5280 4.2.1.4) with `policy` and no qualifier.
    static func policies(_ policy: ASN1ObjectIdentifier) -> Certificate.Extension {
        var s = DER.Serializer()
        try! s.appendConstructedNode(identifier: .sequence) { s in
            try s.appendConstructedNode(identifier: .sequence) { s in try s.serialize(policy) }
        }
        return Certificate.Extension(oid: [2, 5, 29, 32], critical: true, value: s.serializedBytes[...])
    }

    /// An auth-shaped leaf signed by the auth CA (or `signer`), varied one field at a time.
    static func leaf(
        notBefore: Date = now.addingTimeInterval(-3600), notAfter: Date = now.addingTimeInterval(86_400 * 365),
        keyUsage: KeyUsage = KeyUsage(digitalSignature: true), policy: ASN1ObjectIdentifier? = authPolicy,
        isCA: Bool = false, serial: [UInt8] = [0x01, 0x23, 0x45],
        signer: (key: _RSA.Signing.PrivateKey, certificate: Certificate)? = nil, extra: [Certificate.Extension] = []
    ) -> Certificate {
        let issuerKey = signer?.key ?? authCAKey
        let issuerCert = signer?.certificate ?? hierarchy.authCACertificate
        let pk = Certificate.PublicKey(leafKey.publicKey)
        var extensions = try! Certificate.Extensions {
            Critical(keyUsage)
            AuthorityKeyIdentifier(keyIdentifier: try! issuerCert.extensions.subjectKeyIdentifier!.keyIdentifier)
            SubjectKeyIdentifier(hash: pk)
        }
        if let policy { try! extensions.append(policies(policy)) }
        for e in extra { try! extensions.append(e) }
        if isCA { try! extensions.append(Certificate.Extension(BasicConstraints.isCertificateAuthority(maxPathLength: nil), critical: true)) }
        return try! Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(bytes: serial), publicKey: pk,
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: issuerCert.subject,
            subject: try! DistinguishedName { CountryName("JP"); CommonName("0123456789ABCDEF0123456789ABCDEF") },
            signatureAlgorithm: .sha256WithRSAEncryption, extensions: extensions,
            issuerPrivateKey: Certificate.PrivateKey(issuerKey))
    }

    static func der(_ certificate: Certificate) -> [UInt8] {
        var s = DER.Serializer()
        try! s.serialize(certificate)
        return s.serializedBytes
    }

    /// `certificate` with one byte of its signature flipped (the last byte of the DER is in the
    /// signature BIT STRING).
    static func tampered(_ certificate: Certificate) -> [UInt8] {
        var bytes = der(certificate)
        bytes[bytes.count - 1] ^= 0x01
        return bytes
    }
}

/// A revocation source for tests: a fixed answer per serial, `good` otherwise.
struct FixedRevocation: RevocationChecker {
    var answers: [Certificate.SerialNumber: RevocationStatus]
    func status(of serial: Certificate.SerialNumber, issuer: Certificate, at time: Date) async -> RevocationStatus {
        answers[serial] ?? .good
    }
}
