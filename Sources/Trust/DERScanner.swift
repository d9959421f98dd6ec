/// A bounds-checked reader of DER TLVs (ITU-T X.690 section 8.1) over raw bytes, used where
/// swift-asn1's tree parser would materialize too much: the revokedCertificates list of a CRL can hold
/// ten million entries, so it is walked one TLV at a time straight from the mapped file.
///
/// Only what X.509 CRLs use is accepted: single-byte tags and definite lengths in minimal form (DER,
/// X.690 section 10.1). Every read checks the remaining length first, so malformed input ends in a
/// ``CRLError``, never a trap.
struct DERScanner {
    /// The bytes being read; the scanner never reads outside `base[start..<end]`.
    let base: UnsafeRawPointer
    /// The current offset from `base`.
    var position: Int
    /// One past the last readable offset.
    let end: Int

    init(base: UnsafeRawPointer, start: Int, end: Int) {
        self.base = base
        self.position = start
        self.end = end
    }

    /// One TLV: where its header starts, where its content starts, and how long the content is.
    struct Element {
        var tag: UInt8
        var headerStart: Int
        var contentStart: Int
        var contentLength: Int
        var contentEnd: Int { contentStart + contentLength }
    }

    var isAtEnd: Bool { position >= end }

    /// The next tag without consuming it, or nil at the end.
    func peekTag() -> UInt8? {
        position < end ? base.load(fromByteOffset: position, as: UInt8.self) : nil
    }

    /// Reads the next TLV header and skips over its content.
    mutating func read(_ context: StaticString) throws(CRLError) -> Element {
        let start = position
        guard end - position >= 2 else { throw .truncated(context) }
        let tag = base.load(fromByteOffset: position, as: UInt8.self)
        // High tag numbers (low five bits all set) never occur in X.509 CRLs (RFC 5280 appendix A).
        guard tag & 0x1F != 0x1F else { throw .malformed("\(context): multi-byte tag") }
        let first = base.load(fromByteOffset: position + 1, as: UInt8.self)
        var p = position + 2
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7F)
            // 0x80 is BER's indefinite length, forbidden in DER (X.690 section 10.1); more than
            // 6 length bytes would describe more than 256 TiB.
            guard count >= 1 && count <= 6 else { throw .malformed("\(context): unsupported length form") }
            guard end - p >= count else { throw .truncated(context) }
            for i in 0..<count {
                length = length << 8 | Int(base.load(fromByteOffset: p + i, as: UInt8.self))
            }
            // DER requires the shortest length form (X.690 section 10.1).
            guard length >= 0x80, count == 1 || base.load(fromByteOffset: p, as: UInt8.self) != 0 else {
                throw .malformed("\(context): non-minimal length")
            }
            p += count
        }
        guard end - p >= length else { throw .truncated(context) }
        position = p + length
        return Element(tag: tag, headerStart: start, contentStart: p, contentLength: length)
    }

    /// Reads the next TLV and requires its tag.
    mutating func read(_ tag: UInt8, _ context: StaticString) throws(CRLError) -> Element {
        guard let t = peekTag() else { throw .truncated(context) }
        guard t == tag else { throw .malformed("\(context): unexpected tag 0x\(String(t, radix: 16))") }
        return try read(context)
    }

    /// A scanner over the content of `element`.
    func inside(_ element: Element) -> DERScanner {
        DERScanner(base: base, start: element.contentStart, end: element.contentEnd)
    }

    /// The content of `element` as a raw buffer (valid as long as `base` is).
    func content(_ element: Element) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + element.contentStart, count: element.contentLength)
    }

    /// The whole TLV (header and content) of `element` as bytes.
    func encoded(_ element: Element) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: base + element.headerStart, count: element.contentEnd - element.headerStart))
    }
}

/// Writing DER headers: the encoder side of ``DERScanner``, for ``CRLBuilder``.
enum DERHeader {
    /// The number of bytes of a TLV header for content of `length` bytes (X.690 section 8.1.3).
    static func size(contentLength length: Int) -> Int {
        if length < 0x80 { return 2 }
        var n = 0
        var l = length
        while l > 0 { n += 1; l >>= 8 }
        return 2 + n
    }

    /// The total size of a TLV with `length` bytes of content.
    static func total(contentLength length: Int) -> Int { size(contentLength: length) + length }

    /// Appends a tag and a minimal definite length.
    static func append(tag: UInt8, length: Int, to out: inout [UInt8]) {
        out.append(tag)
        if length < 0x80 {
            out.append(UInt8(length))
            return
        }
        var n = 0
        var l = length
        while l > 0 { n += 1; l >>= 8 }
        out.append(0x80 | UInt8(n))
        for i in stride(from: n - 1, through: 0, by: -1) { out.append(UInt8(truncatingIfNeeded: length >> (8 * i))) }
    }
}
