import Crypto
import CryptoExtras

/// The card-verifiable certificates (CVC) and RSA public keys of the two 券面 applications, in the
/// layout a real card uses (soltia48/myna-card `src/data.rs` `CardVerifiableCertificate`, `KeyId`,
/// `RsaPublicKey`):
///
/// ```text
/// 7F 21 82 02 33
///   5F 4E 82 01 29   16 issuer key id ‖ 16 subject key id ‖ 90 03 <e> 91 82 01 00 <n>   (297 bytes)
///   5F 37 82 01 00   RSASSA-PKCS1-v1_5 / SHA-256 by the issuer key over those 297 bytes
/// ```
enum CVC {
    /// A 16-byte key identifier: 7 ASCII digits, `08 05`, 3 ASCII digits, 4 bytes padding
    /// (soltia48 `KeyId`). Production identifiers begin `5`, J-LIS's test hierarchy's `6`; MynaGate's
    /// TEST hierarchy uses `9`, which no card carries, so a test key can never be taken for a real one.
    static func keyID(_ number: String, group: String = "001") -> [UInt8] {
        precondition(number.utf8.count == 7 && group.utf8.count == 3)
        return Array(number.utf8) + [0x08, 0x05] + Array(group.utf8) + [0, 0, 0, 0]
    }

    /// `90 <e> 91 <n>`: the card's own encoding of an RSA public key (soltia48 `RsaPublicKey`).
    static func publicKeyTLV(_ key: _RSA.Signing.PublicKey) -> [UInt8] {
        guard let p = try? key.getKeyPrimitives() else { return [] }
        // The modulus is written as its 256 bytes, without the DER sign byte.
        var n = Array(p.modulus)
        while n.count > key.keySizeInBits / 8, n.first == 0 { n.removeFirst() }
        var e = Array(p.publicExponent)
        while e.count > 1, e.first == 0 { e.removeFirst() }
        return TLV.encode(0x90, e) + TLV.encode(0x91, n)
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message`; 256 zero bytes if the key cannot sign, which no
    /// verifier accepts.
    static func sign(_ message: [UInt8], with key: _RSA.Signing.PrivateKey) -> [UInt8] {
        guard let s = try? key.signature(for: SHA256.hash(data: message), padding: .insecurePKCS1v1_5) else {
            return Array(repeating: 0, count: key.keySizeInBits / 8)
        }
        return Array(s.rawRepresentation)
    }

    /// A certificate over `subject`'s public key, signed by `issuer`.
    static func certificate(issuerKeyID: [UInt8], subjectKeyID: [UInt8], subject: _RSA.Signing.PublicKey,
                            issuer: _RSA.Signing.PrivateKey) -> [UInt8] {
        let body = issuerKeyID + subjectKeyID + publicKeyTLV(subject)
        return TLV.encode(0x7F21, TLV.encode(0x5F4E, body) + TLV.encode(0x5F37, sign(body, with: issuer)))
    }

    /// The value of a `7F21` certificate without its template: what GET DATA answers at the MF
    /// (soltia48 `tests/fixtures/README.md`, `mf-do-F8.bin`).
    static func contents(_ certificate: [UInt8]) -> [UInt8] {
        guard certificate.count > 5, certificate[0] == 0x7F, certificate[1] == 0x21 else { return certificate }
        return Array(certificate.dropFirst(certificate[2] == 0x82 ? 5 : certificate[2] == 0x81 ? 4 : 3))
    }
}
