import Crypto
import _CryptoExtras

/// The visual application (券面事項確認): the front side of the card as images, and the number side.
enum VisualApplication {
    /// `D3 92 10 00 31 00 01 01 04 02`.
    static let aid: [UInt8] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02]

    static func make(from state: VirtualCardState) -> CardApplication {
        let key = try? _RSA.Signing.PrivateKey(derRepresentation: state.textSigningKey)
        return CardApplication(kind: .visual, aid: aid, files: [
            0x0002: .binary(frontSideEF(state, key: key), guard: .visualB),
            // The number side exists on every card; MynaGate never opens it (docs/CARD.md).
            0x0005: .binary(numberSideEF(state), guard: .visualA),
            0x0012: .pin(.visualB),
            0x0013: .pin(.visualA),
        ])
    }

    /// EF `0002`: `FF 20 { DF21 offsets, DF22 birth, DF23 sex, DF24 public key, DF25 name image,
    /// DF26 address image, DF27 face photo, DF28 signature, DF29 expiry, DF2A security-code image }`.
    ///
    /// DF24 is the PKCS#1 public key of the card's issuer key and DF28 its RSASSA-PKCS1-v1_5/SHA-256
    /// signature over the encoded DF22…DF27, DF29 and DF2A objects in order. Real cards' signed content
    /// is not public; this choice makes the signature checkable.
    static func frontSideEF(_ state: VirtualCardState, key: _RSA.Signing.PrivateKey?) -> [UInt8] {
        let birth = Array(state.holder.birthDate.utf8)
        let sex = Array(state.holder.sex.rawValue.utf8)
        let publicKey = key.map { Array($0.publicKey.pkcs1DERRepresentation) } ?? []
        let expiry = Array(state.cardExpiry.utf8)
        let signed = TLV.encode(0xDF22, birth) + TLV.encode(0xDF23, sex) + TLV.encode(0xDF24, publicKey)
            + TLV.encode(0xDF25, state.nameImage) + TLV.encode(0xDF26, state.addressImage)
            + TLV.encode(0xDF27, state.faceImage) + TLV.encode(0xDF29, expiry)
            + TLV.encode(0xDF2A, state.securityCodeImage)
        let signature = key.flatMap { try? $0.signature(for: SHA256.hash(data: signed), padding: .insecurePKCS1v1_5) }
            .map { Array($0.rawRepresentation) } ?? Array(repeating: 0, count: 256)
        let body = TLV.indexed(0xFF20, indexTag: 0xDF21, children: [
            (0xDF22, birth), (0xDF23, sex), (0xDF24, publicKey), (0xDF25, state.nameImage),
            (0xDF26, state.addressImage), (0xDF27, state.faceImage), (0xDF28, signature),
            (0xDF29, expiry), (0xDF2A, state.securityCodeImage),
        ])
        return TLV.padded(body, toMultipleOf: 256)
    }

    /// EF `0005`: `FF 40 { DF41 image of the number side }`. Its real layout is not public; it exists so
    /// that the card answers for it as a real one does (readable only after 照合番号A). The image is
    /// derived from the holder's name, not the number, so the bytes cannot be searched for the number.
    static func numberSideEF(_ state: VirtualCardState) -> [UInt8] {
        TLV.padded(TLV.encode(0xFF40, TLV.encode(0xDF41, CardImages.png(seed: "number-side:" + state.holder.name, width: 128, height: 16))),
                   toMultipleOf: 32)
    }
}
