/// Which PIN a file or key is guarded by. Each is an EF of its own on the card.
enum PINSlot: Hashable, Sendable, CaseIterable {
    /// JPKI EF `0018`.
    case auth
    /// JPKI EF `001B`.
    case signing
    /// Text application EF `0011`.
    case text
    /// Visual application EF `0012` (照合番号B).
    case visualB
    /// Visual application EF `0013` (照合番号A).
    case visualA
    /// Visual application EF `0011`: the 生年月日 key, era year YY + MM + DD (soltia48/myna-card
    /// `src/ap/surface.rs` `BIRTH_DATE`).
    case visualBirth
    /// Text application EF `0014`: 照合番号A (the number); opens EF `0001` and `0003` (soltia48
    /// `src/ap/text.rs` `CODE_A`).
    case textA
    /// Text application EF `0015`: 照合番号B; opens EF `0002` and `0003` (soltia48 `CODE_B`).
    case textB
}

/// Which private key a key EF holds.
enum KeySlot: Hashable, Sendable {
    /// JPKI EF `0017`.
    case auth
    /// JPKI EF `001A`.
    case signing
    /// The visual application's own key (``VirtualCardState/visualCardKey``), P2 `00` with the
    /// application selected.
    case visual
}

/// One elementary file as the card's commands see it.
enum CardFile: Sendable {
    /// A transparent EF read with READ BINARY; `guard` lists the PINs any one of which opens it
    /// (empty: free). The visual front side, for one, opens with 照合番号A or B.
    case binary([UInt8], guard: Set<PINSlot>)
    /// A record-structured EF read with READ RECORD (the 共通カードAP's EF `0001`); records from 1.
    case records([[UInt8]])
    /// A PIN EF: VERIFY and CHANGE REFERENCE DATA address it; it cannot be read.
    case pin(PINSlot)
    /// A private-key EF: SIGN uses it after `guard` is verified; it cannot be read.
    case key(KeySlot, guard: PINSlot)
}

/// One application (DF) on the card: its AID and its EFs by file identifier.
struct CardApplication: Sendable {
    enum Kind: Sendable, Hashable { case jpki, text, visual, common, juki }

    let kind: Kind
    let aid: [UInt8]
    let files: [UInt16: CardFile]
}

/// BER-TLV building for the card's EFs, which use tags (`FF 20`, `DF21`) a DER encoder would not.
enum TLV {
    static func encode(_ tag: UInt32, _ value: [UInt8]) -> [UInt8] {
        var out = tagBytes(tag)
        out += lengthBytes(value.count)
        return out + value
    }

    static func tagBytes(_ tag: UInt32) -> [UInt8] {
        var t = tag
        var out: [UInt8] = []
        repeat {
            out.insert(UInt8(t & 0xFF), at: 0)
            t >>= 8
        } while t > 0
        return out
    }

    static func lengthBytes(_ n: Int) -> [UInt8] {
        if n < 0x80 { return [UInt8(n)] }
        if n <= 0xFF { return [0x81, UInt8(n)] }
        if n <= 0xFFFF { return [0x82, UInt8(n >> 8), UInt8(n & 0xFF)] }
        return [0x83, UInt8(n >> 16), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)]
    }

    static func bigEndian16(_ v: Int) -> [UInt8] { [UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

    /// `bytes` followed by `FF` up to the next multiple of `block`: EFs on the card have fixed sizes
    /// larger than their content, and the unused tail reads as `FF`.
    static func padded(_ bytes: [UInt8], toMultipleOf block: Int) -> [UInt8] {
        let size = (bytes.count + block - 1) / block * block
        return bytes + Array(repeating: 0xFF, count: size - bytes.count)
    }

    /// A constructed object whose first child, `indexTag`, holds the 2-byte offsets (from the start of
    /// the EF) of each following child's tag. The offsets are this module's reading of the "header" /
    /// "offsets" DF21 objects, whose real format no public source gives; the size is what matters to a
    /// reader (8 bytes for the text application's four items).
    static func indexed(_ outerTag: UInt32, indexTag: UInt32, children: [(UInt32, [UInt8])]) -> [UInt8] {
        let encodedChildren = children.map { encode($0.0, $0.1) }
        let indexLength = 2 * children.count
        let indexTLVLength = encode(indexTag, Array(repeating: 0, count: indexLength)).count
        let innerLength = indexTLVLength + encodedChildren.reduce(0) { $0 + $1.count }
        let headerLength = tagBytes(outerTag).count + lengthBytes(innerLength).count
        var offsets: [UInt8] = []
        var position = headerLength + indexTLVLength
        for child in encodedChildren {
            offsets += bigEndian16(position)
            position += child.count
        }
        return encode(outerTag, encode(indexTag, offsets) + encodedChildren.flatMap { $0 })
    }
}
