/// One BER-TLV data object (ISO/IEC 7816-4 section 5.2; ISO/IEC 8825-1 for the encoding).
///
/// The My Number card uses tags that a strict DER parser refuses: `FF 10` and `FF 20` write tag numbers
/// below 31 in the multi-byte form, and the text application's `DF21`…`DF25` are private-class tags.
/// This reader accepts any well-formed BER tag and length, because interoperating with the card matters
/// more than canonical form here. It never reads past the bytes it is given.
public struct BERTLV: Sendable, Hashable {
    /// The tag bytes as they appear on the wire, packed big-endian (`0xFF10`, `0xDF21`, `0x30`).
    public var tag: UInt32
    /// The value bytes.
    public var value: [UInt8]
    /// Whether the tag's constructed bit (b6 of the first byte) is set.
    public var isConstructed: Bool

    /// Creates an object from its parts.
    public init(tag: UInt32, value: [UInt8], isConstructed: Bool? = nil) {
        self.tag = tag
        self.value = value
        var first = tag
        while first > 0xFF { first >>= 8 }
        self.isConstructed = isConstructed ?? (first & 0x20 != 0)
    }

    /// Parses consecutive TLV objects from `bytes`, stopping at the end or at padding (`00` or `FF`
    /// where a tag would start and nothing follows that could be a tag, as the card pads its EFs).
    public static func parseAll(_ bytes: some Collection<UInt8>) throws(TLVError) -> [BERTLV] {
        let b = Array(bytes)
        var out: [BERTLV] = []
        var i = 0
        while i < b.count {
            if isPadding(b, from: i) { break }
            let (tlv, next) = try parse(b, at: i)
            out.append(tlv)
            i = next
        }
        return out
    }

    /// Parses the first TLV object of `bytes` and ignores whatever follows it.
    public static func parseFirst(_ bytes: some Collection<UInt8>) throws(TLVError) -> BERTLV {
        try parse(Array(bytes), at: 0).0
    }

    /// The children of a constructed object.
    public func children() throws(TLVError) -> [BERTLV] { try BERTLV.parseAll(value) }

    /// The first child with `tag`, if any.
    public func child(_ tag: UInt32) throws(TLVError) -> BERTLV? {
        try children().first { $0.tag == tag }
    }

    /// Encodes the object (tag, shortest definite length, value).
    public var encoded: [UInt8] {
        var out = BERTLV.tagBytes(tag)
        out += BERTLV.lengthBytes(value.count)
        out += value
        return out
    }

    /// The bytes of a tag as packed in ``tag``.
    public static func tagBytes(_ tag: UInt32) -> [UInt8] {
        var t = tag
        var out: [UInt8] = []
        repeat {
            out.insert(UInt8(t & 0xFF), at: 0)
            t >>= 8
        } while t > 0
        return out
    }

    /// The shortest definite-form encoding of a length.
    public static func lengthBytes(_ n: Int) -> [UInt8] {
        if n < 0x80 { return [UInt8(n)] }
        if n <= 0xFF { return [0x81, UInt8(n)] }
        if n <= 0xFFFF { return [0x82, UInt8(n >> 8), UInt8(n & 0xFF)] }
        return [0x83, UInt8(n >> 16), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)]
    }

    /// Reads a tag and a length only: returns the tag, the header size and the declared value length.
    /// Useful when only the first bytes of a long object have been read (a certificate's header).
    public static func parseHeader(_ bytes: some Collection<UInt8>) throws(TLVError) -> (tag: UInt32, headerLength: Int, valueLength: Int) {
        let b = Array(bytes)
        let (tag, afterTag) = try readTag(b, at: 0)
        let (length, afterLength) = try readLength(b, at: afterTag)
        return (tag, afterLength, length)
    }

    static func isPadding(_ b: [UInt8], from i: Int) -> Bool {
        let pad = b[i]
        guard pad == 0x00 || pad == 0xFF else { return false }
        return b[i...].allSatisfy { $0 == pad }
    }

    static func parse(_ b: [UInt8], at start: Int) throws(TLVError) -> (BERTLV, Int) {
        let (tag, afterTag) = try readTag(b, at: start)
        let (length, afterLength) = try readLength(b, at: afterTag)
        guard length <= b.count - afterLength else {
            throw .truncated(offset: start, declared: length, available: b.count - afterLength)
        }
        let firstByte = b[start]
        let value = Array(b[afterLength..<(afterLength + length)])
        return (BERTLV(tag: tag, value: value, isConstructed: firstByte & 0x20 != 0), afterLength + length)
    }

    static func readTag(_ b: [UInt8], at start: Int) throws(TLVError) -> (UInt32, Int) {
        guard start < b.count else { throw .truncated(offset: start, declared: 1, available: 0) }
        var tag = UInt32(b[start])
        var i = start + 1
        if b[start] & 0x1F == 0x1F {
            // Multi-byte tag: subsequent bytes while b8 is set. Four bytes is far beyond any tag in use.
            repeat {
                guard i < b.count else { throw .truncated(offset: start, declared: i - start + 1, available: b.count - start) }
                guard i - start < 4 else { throw .tagTooLong(offset: start) }
                tag = tag << 8 | UInt32(b[i])
                i += 1
            } while b[i - 1] & 0x80 != 0
        }
        return (tag, i)
    }

    static func readLength(_ b: [UInt8], at start: Int) throws(TLVError) -> (Int, Int) {
        guard start < b.count else { throw .truncated(offset: start, declared: 1, available: 0) }
        let first = b[start]
        if first < 0x80 { return (Int(first), start + 1) }
        if first == 0x80 { throw .indefiniteLength(offset: start) }
        let count = Int(first & 0x7F)
        guard count <= 3 else { throw .lengthTooLong(offset: start) }
        guard start + count < b.count else { throw .truncated(offset: start, declared: count, available: b.count - start - 1) }
        var n = 0
        for k in 1...count { n = n << 8 | Int(b[start + k]) }
        return (n, start + 1 + count)
    }
}

/// Why bytes are not a BER-TLV object.
public enum TLVError: Error, Sendable, Hashable, CustomStringConvertible {
    case truncated(offset: Int, declared: Int, available: Int)
    case indefiniteLength(offset: Int)
    case lengthTooLong(offset: Int)
    case tagTooLong(offset: Int)

    public var description: String {
        switch self {
        case .truncated(let o, let d, let a): return "TLV at offset \(o) needs \(d) bytes but only \(a) remain"
        case .indefiniteLength(let o): return "indefinite length at offset \(o) is not allowed here"
        case .lengthTooLong(let o): return "length at offset \(o) uses more than 3 bytes"
        case .tagTooLong(let o): return "tag at offset \(o) is longer than 4 bytes"
        }
    }
}
