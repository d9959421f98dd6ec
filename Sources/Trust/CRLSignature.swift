import Crypto
import SwiftASN1
import X509
import CryptoExtras

/// The public key a CRL is checked against: the issuer certificate's (RFC 5280 section 6.3.3 (f)).
public struct CRLIssuerKey: Sendable {
    enum Key: Sendable {
        case rsa(_RSA.Signing.PublicKey)
        case p256(P256.Signing.PublicKey)
        case p384(P384.Signing.PublicKey)
    }
    let key: Key
    /// The issuer certificate's subject, to compare with the CRL's issuer field.
    public let subject: DistinguishedName
    /// The issuer's subjectKeyIdentifier, to compare with the CRL's authorityKeyIdentifier.
    public let subjectKeyIdentifier: [UInt8]?
    /// SHA-256 of the issuer's SubjectPublicKeyInfo (``keyDigest(of:)``): which key verified a CRL,
    /// recorded in the index so it answers only for certificates that key issued.
    public let keyDigest: [UInt8]

    /// The key of `certificate` (RSA, P-256 or P-384).
    public init(certificate: Certificate) throws(CRLError) {
        if let k = _RSA.Signing.PublicKey(certificate.publicKey) { key = .rsa(k) }
        else if let k = P256.Signing.PublicKey(certificate.publicKey) { key = .p256(k) }
        else if let k = P384.Signing.PublicKey(certificate.publicKey) { key = .p384(k) }
        else { throw .unsupportedAlgorithm("issuer key type") }
        subject = certificate.subject
        subjectKeyIdentifier = (try? certificate.extensions.subjectKeyIdentifier).flatMap { $0.map { Array($0.keyIdentifier) } }
        keyDigest = try Self.keyDigest(of: certificate)
    }

    /// SHA-256 of `certificate`'s SubjectPublicKeyInfo DER: the identity of a CA key.
    ///
    /// A name does not identify a J-LIS CA (three generations share one, docs/CARD.md "Certificates"),
    /// and a subject key identifier is a label the CA chose (the J-LIS roots' certificates carry no
    /// authority key identifier to compare it with); the key itself does.
    public static func keyDigest(of certificate: Certificate) throws(CRLError) -> [UInt8] {
        var s = DER.Serializer()
        do { try s.serialize(certificate.publicKey) } catch { throw .malformed("cannot encode the issuer's public key: \(error)") }
        return Array(SHA256.hash(data: s.serializedBytes))
    }

    /// Whether `signature` over the digest in `hasher` verifies under `algorithm`.
    func verifies(_ signature: UnsafeRawBufferPointer, digest hasher: TBSHasher, algorithm: CRLSignatureAlgorithm) -> Bool {
        switch (key, hasher) {
        case (.rsa(let k), .sha256(let h)):
            return algorithm.isRSA && k.isValidSignature(.init(rawRepresentation: signature), for: h.finalize(), padding: .insecurePKCS1v1_5)
        case (.rsa(let k), .sha384(let h)):
            return algorithm.isRSA && k.isValidSignature(.init(rawRepresentation: signature), for: h.finalize(), padding: .insecurePKCS1v1_5)
        case (.rsa(let k), .sha512(let h)):
            return algorithm.isRSA && k.isValidSignature(.init(rawRepresentation: signature), for: h.finalize(), padding: .insecurePKCS1v1_5)
        case (.p256(let k), .sha256(let h)):
            guard !algorithm.isRSA, let s = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return k.isValidSignature(s, for: h.finalize())
        case (.p384(let k), .sha384(let h)):
            guard !algorithm.isRSA, let s = try? P384.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return k.isValidSignature(s, for: h.finalize())
        default:
            return false
        }
    }
}

/// The running hash of tbsCertList, fed window by window from the mapping.
enum TBSHasher {
    case sha256(SHA256), sha384(SHA384), sha512(SHA512)

    init(_ algorithm: CRLSignatureAlgorithm) {
        switch algorithm {
        case .sha256WithRSAEncryption, .ecdsaWithSHA256: self = .sha256(SHA256())
        case .sha384WithRSAEncryption, .ecdsaWithSHA384: self = .sha384(SHA384())
        case .sha512WithRSAEncryption: self = .sha512(SHA512())
        }
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .sha256(var h): h.update(bufferPointer: bytes); self = .sha256(h)
        case .sha384(var h): h.update(bufferPointer: bytes); self = .sha384(h)
        case .sha512(var h): h.update(bufferPointer: bytes); self = .sha512(h)
        }
    }
}
