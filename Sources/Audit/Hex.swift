extension Sequence where Element == UInt8 {
    /// The bytes as lowercase hex, two digits each, no separators: how hashes and fingerprints are
    /// written in the event log and the database. (`String(format: "%02x")` per byte spent a fifth of a
    /// 50,000-record append on formatting alone.)
    public var lowercaseHex: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(underestimatedCount * 2)
        for b in self {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
