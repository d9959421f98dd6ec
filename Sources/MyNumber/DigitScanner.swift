/// Turns what people type into digits, without allocating.
///
/// Accepted around the number: ASCII whitespace, the ideographic space U+3000, a UTF-8 byte-order mark
/// (Excel writes one at the start of a CSV), and one pair of double quotes (a quoted CSV cell).
/// Accepted between digits: spaces (ASCII and U+3000), tabs, and the hyphens people actually type in
/// Japan: `-`, U+2010–U+2015, U+2212 (minus), U+FF0D (全角ハイフン), and U+30FC / U+FF70 (長音符, which an
/// IME often produces for a hyphen). Full-width digits U+FF10–U+FF19 count as digits.
///
/// The scanner works on UTF-8 bytes so that the streaming checker can validate a million lines a second
/// and so that there is exactly one parser behind every entry point.
struct DigitScanner {
    /// Up to 16 digit values (0–9); only the first `count` (at most 16) are meaningful.
    var digits = SIMD16<UInt8>()
    /// How many digits were seen (may exceed 16; then `digits` holds the first 16).
    var count = 0

    /// Scans `bytes`; on a character that is not allowed, returns `.nonDigit` with its position.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<DigitScanner, NumberError> {
        var s = DigitScanner()
        var start = 0
        var end = bytes.count
        // Trim leading whitespace and a byte-order mark, trailing whitespace.
        while start < end {
            if isASCIIWhitespace(bytes[start]) { start += 1; continue }
            if end - start >= 3, bytes[start] == 0xE3, bytes[start + 1] == 0x80, bytes[start + 2] == 0x80 { start += 3; continue }
            if end - start >= 3, bytes[start] == 0xEF, bytes[start + 1] == 0xBB, bytes[start + 2] == 0xBF { start += 3; continue }
            break
        }
        while end > start {
            if isASCIIWhitespace(bytes[end - 1]) { end -= 1; continue }
            if end - start >= 3, bytes[end - 3] == 0xE3, bytes[end - 2] == 0x80, bytes[end - 1] == 0x80 { end -= 3; continue }
            break
        }
        if end - start >= 2, bytes[start] == 0x22, bytes[end - 1] == 0x22 {
            start += 1
            end -= 1
        }
        var i = start
        while i < end {
            let b = bytes[i]
            if b &- 0x30 < 10 {
                s.append(b &- 0x30)
                i += 1
                continue
            }
            if b == 0x20 || b == 0x2D || b == 0x09 { i += 1; continue }
            if b >= 0xE0, i + 2 < end {
                let b1 = bytes[i + 1], b2 = bytes[i + 2]
                switch (b, b1) {
                case (0xEF, 0xBC) where b2 >= 0x90 && b2 <= 0x99:  // U+FF10–FF19 full-width digits
                    s.append(b2 &- 0x90)
                    i += 3
                    continue
                case (0xEF, 0xBC) where b2 == 0x8D,  // U+FF0D full-width hyphen-minus
                    (0xE3, 0x80) where b2 == 0x80,  // U+3000 ideographic space
                    (0xE2, 0x80) where b2 >= 0x90 && b2 <= 0x95,  // U+2010–2015 hyphens and dashes
                    (0xE2, 0x88) where b2 == 0x92,  // U+2212 minus sign
                    (0xE3, 0x83) where b2 == 0xBC,  // U+30FC katakana prolonged sound mark
                    (0xEF, 0xBD) where b2 == 0xB0:  // U+FF70 half-width prolonged sound mark
                    i += 3
                    continue
                default: break
                }
            }
            return .failure(.nonDigit(position: characterPosition(of: i, in: bytes)))
        }
        return .success(s)
    }

    mutating func append(_ d: UInt8) {
        if count < 16 { digits[count] = d }
        count += 1
    }

    static func isASCIIWhitespace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    /// 1-based position in Unicode scalars of the byte at `index` (a UTF-8 lead byte).
    static func characterPosition(of index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var n = 1
        for k in 0..<index where bytes[k] & 0xC0 != 0x80 { n += 1 }
        // A leading byte-order mark is invisible to the person who typed the line.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF, index >= 3 { n -= 1 }
        return n
    }
}

extension StringProtocol {
    /// Runs `body` over this text's UTF-8 bytes, copying only when the storage is not contiguous.
    func withUTF8Buffer<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = self.utf8.withContiguousStorageIfAvailable(body) { return r }
        var copy = String(self)
        return copy.withUTF8(body)
    }
}
