import Crypto
import Foundation
import CryptoExtras

/// The visual application (券面事項確認): the front side of the card as images, the number side, and the
/// age record, as soltia48/myna-card `src/ap/surface.rs` lays them out.
///
/// Two keys are involved (soltia48 `AgeRecord`, `CardFace`, `MyNumberImage`): the issuer key certified in
/// EF `0004` signs the records (here ``VirtualCardState/textSigningKey``, the same key that signs the
/// text application's EF `0003`), and the application's own key (``VirtualCardState/visualCardKey``),
/// whose public half the records carry, is what a `genuine` door challenges: `80 2A 00 00` with the
/// application selected signs with it, without a credential (``VirtualMynaCard``, docs/CARD.md).
enum VisualApplication {
    /// `D3 92 10 00 31 00 01 01 04 02`.
    static let aid: [UInt8] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02]

    static func make(from state: VirtualCardState) -> CardApplication {
        let issuer = try? _RSA.Signing.PrivateKey(derRepresentation: state.textSigningKey)
        let own = state.visualCardKey.flatMap { try? _RSA.Signing.PrivateKey(derRepresentation: $0) }
        let ownPublic = own.map { CVC.publicKeyTLV($0.publicKey) } ?? []
        var files: [UInt16: CardFile] = [
            // Either 照合番号 opens the front side (soltia48 `CARD_FACE`; its fixture was read with A).
            0x0002: .binary(frontSideEF(state, publicKey: ownPublic), guard: [.visualA, .visualB]),
            0x0003: .binary(apBasicData(state), guard: []),
            // The number side exists on every card; MynaGate never opens it (docs/CARD.md).
            0x0005: .binary(numberSideEF(state, publicKey: ownPublic, issuer: issuer), guard: [.visualA]),
            0x0012: .pin(.visualB),
            0x0013: .pin(.visualA),
        ]
        if state.visualBirthKey != nil {
            files[0x0001] = .binary(ageRecord(state, publicKey: ownPublic, issuer: issuer), guard: [.visualBirth])
            files[0x0011] = .pin(.visualBirth)
        }
        if let cvc = state.cardVerifiableCertificate { files[0x0004] = .binary(Array(cvc), guard: []) }
        return CardApplication(kind: .visual, aid: aid, files: files)
    }

    /// A signature by `issuer`, or 256 zero bytes (which verify against nothing) without one.
    static func signature(_ message: [UInt8], _ issuer: _RSA.Signing.PrivateKey?) -> [UInt8] {
        issuer.map { CVC.sign(message, with: $0) } ?? Array(repeating: 0, count: 256)
    }

    /// EF `0001`, the age record: `FF 10 82 02 1E { DF11 YYYYMMDD, DF12 90/91 key, DF13 signature over
    /// DF11‖DF12 as written }` (soltia48 `AgeRecord`, fixture `surface-0001.bin`).
    static func ageRecord(_ state: VirtualCardState, publicKey: [UInt8], issuer: _RSA.Signing.PrivateKey?) -> [UInt8] {
        let signed = TLV.encode(0xDF11, Array(state.holder.birthDate.utf8)) + TLV.encode(0xDF12, publicKey)
        return TLV.encode(0xFF10, signed + TLV.encode(0xDF13, signature(signed, issuer)))
    }

    /// EF `0002`: `FF 20 { DF21 offsets, DF22 birth, DF23 sex, DF24 key (90/91), DF25 name image,
    /// DF26 address image, DF27 face photo, DF28 signature, DF29 expiry, DF2A security-code image }`.
    ///
    /// DF28 is PKCS#1 v1.5 over a SHA-256 DigestInfo whose OCTET STRING holds three digests: of the
    /// DF22–DF24 TLVs, the DF25–DF26 TLVs and the DF27 TLV; DF29 and DF2A follow it and are not covered
    /// (soltia48 `CardFace`, `data.rs` `sha256_digest_info`).
    static func frontSideEF(_ state: VirtualCardState, publicKey: [UInt8]) -> [UInt8] {
        let birth = Array(state.holder.birthDate.utf8)
        let sex = Array(state.holder.sex.rawValue.utf8)
        let expiry = Array(state.cardExpiry.utf8)
        let first = TLV.encode(0xDF22, birth) + TLV.encode(0xDF23, sex) + TLV.encode(0xDF24, publicKey)
        let second = TLV.encode(0xDF25, state.nameImage) + TLV.encode(0xDF26, state.addressImage)
        let third = TLV.encode(0xDF27, state.faceImage)
        let digests = [first, second, third].flatMap { Array(SHA256.hash(data: $0)) }
        let digestInfo = sha256DigestInfo(digests)
        // The issuer key signs a DigestInfo it is given, as the JPKI keys do: the raw signer pads it.
        let sig = (try? RawRSASigner(der: state.textSigningKey)).flatMap { $0.sign(digestInfo: digestInfo) }
            ?? Array(repeating: 0, count: 256)
        let body = TLV.indexed(0xFF20, indexTag: 0xDF21, children: [
            (0xDF22, birth), (0xDF23, sex), (0xDF24, publicKey), (0xDF25, state.nameImage),
            (0xDF26, state.addressImage), (0xDF27, state.faceImage), (0xDF28, sig),
            (0xDF29, expiry), (0xDF2A, state.securityCodeImage),
        ])
        return TLV.padded(body, toMultipleOf: 256)
    }

    /// `30 len 30 0D 06 09 <sha256> 05 00 04 len <digest>`, with the length taken from `digest`
    /// (soltia48 `sha256_digest_info`: the front side puts three digests in one).
    static func sha256DigestInfo(_ digest: [UInt8]) -> [UInt8] {
        let algorithm: [UInt8] = [0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00]
        return TLV.encode(0x30, algorithm + TLV.encode(0x04, digest))
    }

    /// EF `0003`, AP basic data: `FF 30 { DF31 06 03 0E 01, DF32 key id, DF33 version, DF34 municipality
    /// code, DF35 16-byte key id + 256 bytes }` (soltia48 `src/ap/surface.rs` `ApBasicData`). The meaning of
    /// DF32, DF33 and DF35 is not established; TEST placeholders stand in (version `01`, 256 zero bytes).
    static func apBasicData(_ state: VirtualCardState) -> [UInt8] {
        let code = state.municipalityCode ?? VirtualCardState.testMunicipalityCode
        return TLV.encode(0xFF30,
            TLV.encode(0xDF31, [0x06, 0x03, 0x0E, 0x01])
            + TLV.encode(0xDF32, CVC.keyID("9000024"))
            + TLV.encode(0xDF33, [0x01])
            + TLV.encode(0xDF34, Array(code.utf8))
            + TLV.encode(0xDF35, CVC.keyID("9000025") + Array(repeating: 0, count: 256)))
    }

    /// EF `0005`: `FF 40 { DF41 image of the number side, DF42 key (90/91), DF43 signature over DF41‖DF42 }`
    /// (soltia48 `MyNumberImage`). The image is derived from the holder's name, not the number, so the
    /// bytes cannot be searched for the number.
    static func numberSideEF(_ state: VirtualCardState, publicKey: [UInt8], issuer: _RSA.Signing.PrivateKey?) -> [UInt8] {
        let image = CardImages.png(seed: "number-side:" + state.holder.name, width: 72, height: 12)
        let signed = TLV.encode(0xDF41, image) + TLV.encode(0xDF42, publicKey)
        return TLV.padded(TLV.encode(0xFF40, signed + TLV.encode(0xDF43, signature(signed, issuer))), toMultipleOf: 32)
    }
}

/// The 共通カードAP (`D3 92 10 00 31 00 01 01 01 00`) and the 住基AP (`D3 92 10 00 31 00 01 01 04 01`):
/// selectable, as on a real card (soltia48/myna-card `src/ap/common.rs`, `src/ap/juki.rs`). Only the
/// common application's EF `0001` record 1 is emulated — `01 1C` + serial (15) + municipality code (5) +
/// expiry `YYYYMMDD`, readable without a PIN. Their PINs (`001C`), keys and other EFs are not.
enum OtherApplications {
    static let commonAID: [UInt8] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00]
    static let jukiAID: [UInt8] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x01]

    static func common(from state: VirtualCardState) -> CardApplication {
        let info = (state.cardSerial ?? "") + (state.municipalityCode ?? VirtualCardState.testMunicipalityCode) + state.cardExpiry
        return CardApplication(kind: .common, aid: commonAID, files: [
            0x0001: .records([[0x01, UInt8(info.utf8.count)] + Array(info.utf8)]),
        ])
    }

    static func juki() -> CardApplication {
        CardApplication(kind: .juki, aid: jukiAID, files: [:])
    }
}

extension VirtualCardState {
    /// The visual application's own public key as the age record carries it (`90 <e> 91 <n>`): what an
    /// enrollment stores for `genuine` doors. `nil` for a card without the key.
    public var visualCardPublicKey: [UInt8]? {
        guard let der = visualCardKey, let key = try? _RSA.Signing.PrivateKey(derRepresentation: der) else { return nil }
        return CVC.publicKeyTLV(key.publicKey)
    }
}
