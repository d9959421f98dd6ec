import Crypto
import _CryptoExtras

/// The text application (券面事項入力補助): the individual number and the four basic items as text.
enum TextApplication {
    /// `D3 92 10 00 31 00 01 01 04 08`.
    static let aid: [UInt8] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08]

    static func make(from state: VirtualCardState) -> CardApplication {
        let number = numberEF(state.holder)
        let basic = basicFourEF(state.holder)
        let key = try? _RSA.Signing.PrivateKey(derRepresentation: state.textSigningKey)
        return CardApplication(kind: .text, aid: aid, files: [
            0x0001: .binary(number, guard: .text),
            0x0002: .binary(basic, guard: .text),
            0x0003: .binary(signatureEF(number: number, basic: basic, key: key), guard: .text),
            0x0004: .binary(cardVerifiableCertificate(key: key), guard: nil),
            0x0011: .pin(.text),
        ])
    }

    /// EF `0001`: `FF 10 0C` + the 12 digits, `FF`-padded to 17 bytes (the padded size is assumed).
    static func numberEF(_ holder: CardHolder) -> [UInt8] {
        let digits = Array(holder.myNumberDigits.utf8.prefix(12))
        return TLV.encode(0xFF10, digits) + Array(repeating: 0xFF, count: 2)
    }

    /// EF `0002`: `FF 20 { DF21 header (8), DF22 name, DF23 address, DF24 birth, DF25 sex }`, padded.
    static func basicFourEF(_ holder: CardHolder) -> [UInt8] {
        let body = TLV.indexed(0xFF20, indexTag: 0xDF21, children: [
            (0xDF22, Array(holder.name.utf8)),
            (0xDF23, Array(holder.address.utf8)),
            (0xDF24, Array(holder.birthDate.utf8)),
            (0xDF25, Array(holder.sex.rawValue.utf8)),
        ])
        return TLV.padded(body, toMultipleOf: 32)
    }

    /// EF `0003`: `FF 30 { DF31 SHA-256(EF 0001), DF32 SHA-256(EF 0002), DF33 signature }`.
    ///
    /// What a real card signs here is not public (docs/CARD.md, "Unknown"). Following jsapdu's reading of
    /// DF31/DF32 as the digests of the two EFs (their full bytes, padding included), this card signs the
    /// concatenation of the two digests with RSASSA-PKCS1-v1_5/SHA-256 under the issuer key it holds.
    /// With a 2048-bit key the EF is 336 bytes, the size observed on real cards (domain.md).
    static func signatureEF(number: [UInt8], basic: [UInt8], key: _RSA.Signing.PrivateKey?) -> [UInt8] {
        let d1 = Array(SHA256.hash(data: number))
        let d2 = Array(SHA256.hash(data: basic))
        let signature = key.flatMap { try? $0.signature(for: SHA256.hash(data: d1 + d2), padding: .insecurePKCS1v1_5) }
        let sig = signature.map { Array($0.rawRepresentation) } ?? Array(repeating: 0, count: 256)
        return TLV.encode(0xFF30, TLV.encode(0xDF31, d1) + TLV.encode(0xDF32, d2) + TLV.encode(0xDF33, sig))
    }

    /// EF `0004`: a card-verifiable certificate (ISO/IEC 7816-8 style, tag `7F21`) for the key that signs
    /// EF `0003`: profile, authority reference, the RSA public key (modulus `81`, exponent `82`), holder
    /// reference, and a signature (`5F37`) over the body by the same key. Its real content is not public;
    /// the shape lets a reader check the tags it expects.
    static func cardVerifiableCertificate(key: _RSA.Signing.PrivateKey?) -> [UInt8] {
        guard let key, let primitives = try? key.publicKey.getKeyPrimitives() else {
            return TLV.encode(0x7F21, [])
        }
        let publicKey = TLV.encode(0x7F49, TLV.encode(0x81, Array(primitives.modulus)) + TLV.encode(0x82, Array(primitives.publicExponent)))
        let body = TLV.encode(0x7F4E,
            TLV.encode(0x5F29, [0x00])
            + TLV.encode(0x42, Array("JPMGTEST0001".utf8))
            + publicKey
            + TLV.encode(0x5F20, Array("JPMGTEXTAP01".utf8)))
        let signature = (try? key.signature(for: SHA256.hash(data: body), padding: .insecurePKCS1v1_5))
            .map { Array($0.rawRepresentation) } ?? []
        return TLV.encode(0x7F21, body + TLV.encode(0x5F37, signature))
    }
}
