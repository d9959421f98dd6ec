import Crypto
import Foundation
import CryptoExtras

/// The text application (券面事項入力補助): the individual number and the four basic items as text.
enum TextApplication {
    /// `D3 92 10 00 31 00 01 01 04 08`.
    static let aid: [UInt8] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08]

    static func make(from state: VirtualCardState) -> CardApplication {
        let number = numberEF(state.holder)
        let basic = basicFourTLV(state.holder)
        let key = try? _RSA.Signing.PrivateKey(derRepresentation: state.textSigningKey)
        // 照合番号A opens the number, B the 4 items, either the integrity record; only the PIN opens both
        // (soltia48/myna-card `src/ap/text.rs` `read_attributes`, `tests/fixtures/README.md`).
        let pin: Set<PINSlot> = [.text]
        let a: Set<PINSlot> = state.textPINA == nil ? [] : [.textA]
        let b: Set<PINSlot> = state.textPINB == nil ? [] : [.textB]
        var files: [UInt16: CardFile] = [
            0x0001: .binary(number, guard: pin.union(a)),
            0x0002: .binary(TLV.padded(basic, toMultipleOf: 32), guard: pin.union(b)),
            0x0003: .binary(integrityRecord(numberFile: number, basicFour: basic, key: key), guard: pin.union(a).union(b)),
            0x0005: .binary(apBasicData, guard: []),
            0x0011: .pin(.text),
        ]
        if let cvc = state.cardVerifiableCertificate { files[0x0004] = .binary(Array(cvc), guard: []) }
        if !a.isEmpty { files[0x0014] = .pin(.textA) }
        if !b.isEmpty { files[0x0015] = .pin(.textB) }
        return CardApplication(kind: .text, aid: aid, files: files)
    }

    /// EF `0001`: `FF 10 0C` + the 12 digits + `FF FF`, 17 bytes physically (soltia48/myna-card
    /// `src/card.rs` `read_binary_physical`, `tests/fixtures/text-0001-physical.bin`).
    static func numberEF(_ holder: CardHolder) -> [UInt8] {
        let digits = Array(holder.myNumberDigits.utf8.prefix(12))
        return TLV.encode(0xFF10, digits) + Array(repeating: 0xFF, count: 2)
    }

    /// EF `0002` without its filler: `FF 20 { DF21 offsets (8), DF22 name, DF23 address, DF24 birth,
    /// DF25 sex }` (soltia48 `src/ap/text.rs` `Attributes`).
    static func basicFourTLV(_ holder: CardHolder) -> [UInt8] {
        TLV.indexed(0xFF20, indexTag: 0xDF21, children: [
            (0xDF22, Array(holder.name.utf8)),
            (0xDF23, Array(holder.address.utf8)),
            (0xDF24, Array(holder.birthDate.utf8)),
            (0xDF25, Array(holder.sex.rawValue.utf8)),
        ])
    }

    /// EF `0002` as the card holds it: the object, `FF`-padded.
    static func basicFourEF(_ holder: CardHolder) -> [UInt8] {
        TLV.padded(basicFourTLV(holder), toMultipleOf: 32)
    }

    /// What `DF32` digests: the `FF20` value after the `DF21` offset table, i.e. `DF22` to the end of the
    /// object — no outer header, no table, no filler (soltia48 `Attributes::digest_source`; AokiApp/jsapdu
    /// `examples/mynacard/src/utils.ts` `calculateBasicFourHash` slices from the first offset to the
    /// object's end).
    static func basicFourDigestSource(_ tlv: [UInt8]) -> [UInt8] {
        // FF 20 <len>: the header is 3 bytes below 128 bytes of value, 4 (81 xx) or 5 (82 xx xx) above.
        let headerLength = 2 + (tlv[2] < 0x80 ? 1 : 1 + Int(tlv[2] & 0x7F))
        let tableLength = 3 + Int(tlv[headerLength + 2])  // DF 21 08 <8 bytes>
        return Array(tlv[(headerLength + tableLength)...])
    }

    /// EF `0003`, the integrity record (soltia48 `src/ap/text.rs` `IntegrityRecord`):
    ///
    /// ```text
    /// FF 30 82 01 4B
    ///   DF 31 20 <SHA-256 of the physical 17 bytes of EF 0001>
    ///   DF 32 20 <SHA-256 of EF 0002's FF20 value after the DF21 table>
    ///   DF 33 82 01 00 <RSASSA-PKCS1-v1_5/SHA-256 over the DF31 and DF32 TLVs as written>
    /// ```
    ///
    /// 336 bytes. The signer is the issuer key certified in EF `0004` (``VirtualCardState/textSigningKey``).
    static func integrityRecord(numberFile: [UInt8], basicFour: [UInt8], key: _RSA.Signing.PrivateKey?) -> [UInt8] {
        let signed = TLV.encode(0xDF31, Array(SHA256.hash(data: numberFile)))
            + TLV.encode(0xDF32, Array(SHA256.hash(data: basicFourDigestSource(basicFour))))
        let signature = key.map { CVC.sign(signed, with: $0) } ?? Array(repeating: 0, count: 256)
        return TLV.encode(0xFF30, signed + TLV.encode(0xDF33, signature))
    }

    /// EF `0005`, AP basic data: `FF 40 { DF41 01 03 0E 01, DF42 key id, DF43 128 bytes }` (soltia48
    /// `src/ap/text.rs` `ApBasicData`; DF41 byte 1 `03` = extended Lc/Le supported). What DF42 names and
    /// what DF43 holds (32 bytes then 96 `FF` on real cards) are not established: a TEST key id and 32
    /// zero bytes stand in.
    static let apBasicData: [UInt8] = TLV.encode(0xFF40,
        TLV.encode(0xDF41, [0x01, 0x03, 0x0E, 0x01])
        + TLV.encode(0xDF42, CVC.keyID("9000034"))
        + TLV.encode(0xDF43, Array(repeating: 0, count: 32) + Array(repeating: 0xFF, count: 96)))
}
