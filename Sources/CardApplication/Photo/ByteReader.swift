/// Bounds-checked big/little-endian reads over a byte array: every read returns `nil` past the end,
/// so truncated or hostile files end the parse instead of crashing it.
struct ByteReader {
    let bytes: [UInt8]
    var littleEndian = false

    init(_ bytes: [UInt8], littleEndian: Bool = false) {
        self.bytes = bytes
        self.littleEndian = littleEndian
    }

    func u8(_ at: Int) -> UInt8? { at >= 0 && at < bytes.count ? bytes[at] : nil }

    func u16(_ at: Int) -> Int? {
        guard at >= 0, at <= bytes.count - 2 else { return nil }
        let a = Int(bytes[at]), b = Int(bytes[at + 1])
        return littleEndian ? a | b << 8 : a << 8 | b
    }

    func u32(_ at: Int) -> Int? {
        guard at >= 0, at <= bytes.count - 4 else { return nil }
        let a = Int(bytes[at]), b = Int(bytes[at + 1]), c = Int(bytes[at + 2]), d = Int(bytes[at + 3])
        return littleEndian ? a | b << 8 | c << 16 | d << 24 : a << 24 | b << 16 | c << 8 | d
    }

    func slice(_ at: Int, _ count: Int) -> [UInt8]? {
        guard at >= 0, count >= 0, at <= bytes.count - count else { return nil }
        return Array(bytes[at..<(at + count)])
    }
}
