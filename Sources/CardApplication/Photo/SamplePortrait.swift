import Access
import Foundation

/// A real, decodable baseline JPEG of a stylised portrait (a head and shoulders on a pale background,
/// drawn in 8×8-pixel blocks), for the demo and for tests: browsers show it, ``ImageInspector`` reads it,
/// and ``PhotoValidator`` judges it like any upload. Not a face photo anyone could apply with.
///
/// How: every 8×8 block is one flat colour, so only its DC coefficient is non-zero (ITU-T T.81 A.3.3:
/// with all quantisation values 1, DC = 8 × (value − 128)); the DC differences are Huffman-coded with
/// the standard luminance DC table (T.81 K.3) and each block's AC part is a single end-of-block code.
/// Three components (YCbCr, no subsampling). An EXIF block carries DateTimeOriginal when asked, and a
/// comment segment pads the file to `minimumBytes` (real photos are never a few kilobytes).
public enum SamplePortrait {
    /// The JPEG's bytes.
    /// - Parameters:
    ///   - width, height: pixels (any size; partial blocks are cropped by decoders).
    ///   - takenAt: written as EXIF DateTimeOriginal (10:00) when given.
    ///   - minimumBytes: the file is padded with a JPEG comment up to this size.
    public static func jpeg(width: Int = 480, height: Int = 616, takenAt: CivilDate? = nil, minimumBytes: Int = 24 * 1024) -> [UInt8] {
        var out: [UInt8] = [0xFF, 0xD8]
        func segment(_ marker: UInt8, _ body: [UInt8]) {
            out += [0xFF, marker, UInt8((body.count + 2) >> 8), UInt8((body.count + 2) & 0xFF)]
            out += body
        }
        if let d = takenAt { segment(0xE1, Array("Exif\0\0".utf8) + exif(d)) }
        // Quantisation table 0: all ones.
        segment(0xDB, [0x00] + [UInt8](repeating: 1, count: 64))
        segment(0xC0, [8, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF), 3,
                       1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0])
        // DC table 0 (standard luminance), AC table 0 with one code "0" for end-of-block.
        segment(0xC4, [0x00] + dcBits + Array(0...11))
        segment(0xC4, [0x10, 1] + [UInt8](repeating: 0, count: 15) + [0x00])
        let scanHeader: [UInt8] = [3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0]
        let data = scan(width: width, height: height)
        let fixed = out.count + 4 + scanHeader.count + data.count + 2
        var padding = max(0, minimumBytes - fixed - 4)
        while padding > 0 {
            let n = min(padding, 65_000)
            segment(0xFE, [UInt8](repeating: 0x20, count: n))
            padding -= n + 4
        }
        segment(0xDA, scanHeader)
        out += data
        out += [0xFF, 0xD9]
        return out
    }

    static let dcBits: [UInt8] = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]

    /// Canonical Huffman codes (T.81 C.2) of the DC table: (code, length) by category.
    static let dcCodes: [(UInt32, Int)] = {
        var codes: [(UInt32, Int)] = []
        var code: UInt32 = 0
        for (i, n) in dcBits.enumerated() {
            for _ in 0..<n { codes.append((code, i + 1)); code += 1 }
            code <<= 1
        }
        return codes
    }()

    /// The colour of the block at (bx, by), as RGB.
    static func colour(_ x: Double, _ y: Double) -> (Double, Double, Double) {
        // x, y in 0…1 across the picture.
        let head = pow((x - 0.5) / 0.22, 2) + pow((y - 0.42) / 0.25, 2)
        let hair = pow((x - 0.5) / 0.24, 2) + pow((y - 0.34) / 0.22, 2)
        let shoulders = pow((x - 0.5) / 0.48, 2) + pow((y - 1.05) / 0.3, 2)
        if head <= 1 {
            if abs(y - 0.42) < 0.02 && abs(abs(x - 0.5) - 0.08) < 0.025 { return (60, 45, 40) }  // eyes
            if abs(y - 0.56) < 0.012 && abs(x - 0.5) < 0.06 { return (170, 90, 90) }  // mouth
            return (236, 200, 170)
        }
        if hair <= 1 && y < 0.42 { return (50, 40, 35) }
        if shoulders <= 1 { return (40, 55, 85) }
        return (214, 226, 238)
    }

    static func scan(width: Int, height: Int) -> [UInt8] {
        var w = BitWriter()
        var previous = [0, 0, 0]
        let bw = (width + 7) / 8, bh = (height + 7) / 8
        for by in 0..<bh {
            for bx in 0..<bw {
                let (r, g, b) = colour((Double(bx) + 0.5) / Double(bw), (Double(by) + 0.5) / Double(bh))
                let ycc = [0.299 * r + 0.587 * g + 0.114 * b,
                           -0.168_736 * r - 0.331_264 * g + 0.5 * b + 128,
                           0.5 * r - 0.418_688 * g - 0.081_312 * b + 128]
                for c in 0..<3 {
                    let dc = 8 * (Int(ycc[c].rounded()) - 128)
                    let diff = dc - previous[c]
                    previous[c] = dc
                    let magnitude = abs(diff)
                    let category = magnitude == 0 ? 0 : (Int.bitWidth - magnitude.leadingZeroBitCount)
                    let (code, length) = dcCodes[category]
                    w.write(code, length)
                    if category > 0 {
                        let bits = diff > 0 ? diff : diff + (1 << category) - 1
                        w.write(UInt32(bits), category)
                    }
                    w.write(0, 1)  // end of block
                }
            }
        }
        return w.finish()
    }

    /// A big-endian TIFF block with IFD0 → Exif IFD → DateTimeOriginal.
    static func exif(_ d: CivilDate) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func u32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        var t: [UInt8] = Array("MM".utf8) + u16(42) + u32(8)
        t += u16(1) + u16(0x8769) + u16(4) + u32(1) + u32(26) + u32(0)  // IFD0: the Exif IFD's offset
        t += u16(1) + u16(0x9003) + u16(2) + u32(20) + u32(44) + u32(0)  // Exif IFD: DateTimeOriginal at 44
        t += Array("\(d.year):\(two(d.month)):\(two(d.day)) 10:00:00".utf8) + [0]
        return t
    }

    struct BitWriter {
        var bytes: [UInt8] = []
        var acc: UInt32 = 0
        var count = 0

        mutating func write(_ value: UInt32, _ length: Int) {
            for i in stride(from: length - 1, through: 0, by: -1) {
                acc = acc << 1 | (value >> UInt32(i) & 1)
                count += 1
                if count == 8 { emit() }
            }
        }

        private mutating func emit() {
            let b = UInt8(acc & 0xFF)
            bytes.append(b)
            if b == 0xFF { bytes.append(0x00) }  // byte stuffing (T.81 F.1.2.3)
            acc = 0
            count = 0
        }

        mutating func finish() -> [UInt8] {
            while count != 0 { write(1, 1) }  // pad with ones
            return bytes
        }
    }
}
