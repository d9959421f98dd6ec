import Crypto
import SmartCard
import CryptoExtras

/// An RSA public key in the card's own encoding, `90 <exponent> 91 <modulus>` (soltia48/myna-card
/// `src/data.rs` `RsaPublicKey`), as the 券面 applications' certificates and records carry it.
public struct CardRSAPublicKey: Sendable, Hashable {
    /// The public exponent, big-endian.
    public let exponent: [UInt8]
    /// The modulus, big-endian (256 bytes for RSA-2048).
    public let modulus: [UInt8]

    /// Parses the concatenated `90` and `91` objects.
    public init(tlv bytes: [UInt8]) throws(MynaCardError) {
        let items: [BERTLV]
        do { items = try BERTLV.parseAll(bytes) } catch { throw .malformedData("public key: \(error)") }
        guard let e = items.first(where: { $0.tag == 0x90 })?.value, let n = items.first(where: { $0.tag == 0x91 })?.value,
              !e.isEmpty, !n.isEmpty else {
            throw .malformedData("public key lacks tag 90 or 91")
        }
        exponent = e
        modulus = n
    }

    /// Whether `signature` is an RSASSA-PKCS1-v1_5 signature with SHA-256 over `message` by this key.
    /// A key swift-crypto refuses (under 2048 bits, say) verifies nothing.
    public func verifiesPKCS1SHA256(_ signature: [UInt8], over message: [UInt8]) -> Bool {
        guard let key = try? _RSA.Signing.PublicKey(n: modulus, e: exponent) else { return false }
        return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature),
                                    for: SHA256.hash(data: message), padding: .insecurePKCS1v1_5)
    }
}

/// A card-verifiable certificate (CVC) of the 券面 applications' EF `0004`, or of GET DATA `F8` at the MF.
///
/// ```text
/// 7F 21 82 02 33
///   5F 4E 82 01 29   16 issuer key id (証明者鍵ID) ‖ 16 subject key id (被証明者鍵ID) ‖ 90/91 key (297 bytes)
///   5F 37 82 01 00   RSASSA-PKCS1-v1_5/SHA-256 by the issuer key over the 297 bytes of the 5F4E value
/// ```
///
/// Layout and what the signature covers: soltia48/myna-card `src/data.rs` `CardVerifiableCertificate`
/// (`BODY_LEN` 297, `verify_with`). The issuer key is **not** on the card: a reader holds the keys it
/// trusts (``CVCIssuers``) and looks one up by ``issuerKeyID``.
public struct CardVerifiableCertificate: Sendable, Hashable {
    /// 証明者鍵ID: which key signed this certificate (16 bytes).
    public let issuerKeyID: [UInt8]
    /// 被証明者鍵ID: which key it certifies (16 bytes).
    public let subjectKeyID: [UInt8]
    /// The certified key.
    public let publicKey: CardRSAPublicKey
    /// `5F37`.
    public let signature: [UInt8]
    /// Exactly what the signature covers: the `5F4E` value.
    public let signedData: [UInt8]

    /// The body's fixed length: two key ids and an RSA-2048 key (soltia48 `BODY_LEN`).
    public static let bodyLength = 297

    /// Parses a certificate with its `7F21` template (as an EF holds it) or without (as GET DATA answers).
    public init(bytes: [UInt8]) throws(MynaCardError) {
        do {
            var contents = bytes
            if bytes.starts(with: [0x7F, 0x21]) {
                let outer = try BERTLV.parseFirst(bytes)
                contents = outer.value
            }
            let items = try BERTLV.parseAll(contents)
            guard let body = items.first(where: { $0.tag == 0x5F4E })?.value else { throw MynaCardError.malformedData("certificate has no 5F4E") }
            guard let sig = items.first(where: { $0.tag == 0x5F37 })?.value else { throw MynaCardError.malformedData("certificate has no 5F37") }
            // Strict, as soltia48 is: a body of another size is another format, not one to split by guess.
            guard body.count == Self.bodyLength else { throw MynaCardError.malformedData("certificate body is \(body.count) bytes, not 297") }
            issuerKeyID = Array(body[0..<16])
            subjectKeyID = Array(body[16..<32])
            publicKey = try CardRSAPublicKey(tlv: Array(body[32...]))
            signature = sig
            signedData = body
        } catch let e as MynaCardError {
            throw e
        } catch {
            throw .malformedData("certificate: \(error)")
        }
    }

    /// Whether `issuer` signed this certificate.
    public func isSigned(by issuer: CardRSAPublicKey) -> Bool {
        issuer.verifiesPKCS1SHA256(signature, over: signedData)
    }

    /// The printable part of a key id, `9000033/001`, for messages.
    public static func describe(keyID: [UInt8]) -> String {
        guard keyID.count == 16 else { return "?" }
        return String(decoding: keyID[0..<7], as: UTF8.self) + "/" + String(decoding: keyID[9..<12], as: UTF8.self)
    }
}

/// The card-verifiable CA keys a reader trusts for the 券面 applications' EF `0004`, by key id: the
/// counterpart of the JPKI trust anchors. J-LIS does not publish them as files; soltia48/myna-card
/// `src/ca.rs` lists the production keys `5000023` (券面事項確認AP) and `5000033` (券面入力補助AP).
/// MynaGate reads them as self-certified CVCs (issuer = subject), which is how the virtual cards'
/// TEST CA is written (`cvc-ca.cvc` in a hierarchy directory).
public struct CVCIssuers: Sendable {
    let keys: [[UInt8]: CardRSAPublicKey]

    /// No issuer configured: integrity records can be checked against their own certificate, never
    /// the certificate itself.
    public static let none = CVCIssuers(keys: [:])

    init(keys: [[UInt8]: CardRSAPublicKey]) { self.keys = keys }

    /// Trusts the key each self-certified certificate carries under its subject key id.
    ///
    /// - Throws: ``MynaCardError/malformedData(_:)`` when one does not parse, is not self-certified or
    ///   its signature does not verify with its own key.
    public init(certificates: [[UInt8]]) throws(MynaCardError) {
        var keys: [[UInt8]: CardRSAPublicKey] = [:]
        for bytes in certificates {
            let c = try CardVerifiableCertificate(bytes: bytes)
            guard c.issuerKeyID == c.subjectKeyID, c.isSigned(by: c.publicKey) else {
                throw .malformedData("CVC issuer \(CardVerifiableCertificate.describe(keyID: c.subjectKeyID)) is not self-certified")
            }
            keys[c.subjectKeyID] = c.publicKey
        }
        self.keys = keys
    }

    /// The trusted key with `keyID`, if any.
    public func key(for keyID: [UInt8]) -> CardRSAPublicKey? { keys[keyID] }

    /// How many keys are trusted.
    public var count: Int { keys.count }
}
