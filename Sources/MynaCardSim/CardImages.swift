import Crypto

/// The pictures on the front of a card, as small but well-formed files.
///
/// A real card stores the name and address as PNG images of the printed text and the face as JPEG 2000.
/// The virtual card does not render text: each image is a 1-bit pattern derived from the text it stands
/// for, so two holders get different bytes and a reader can still check that the bytes are a valid file.
enum CardImages {
    /// The 12-byte JPEG 2000 signature box (ISO/IEC 15444-1 annex I.5.1).
    static let jp2Signature: [UInt8] = [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A]

    /// A JPEG 2000 file: the signature box, a File Type box naming `jp2 `, then `payloadSize` bytes
    /// derived from `seed` in a free box, standing in for the codestream.
    static func faceJP2(seed: String, payloadSize: Int = 512) -> [UInt8] {
        var out = jp2Signature
        // File Type box: length 20, 'ftyp', brand 'jp2 ', minor version 0, compatibility 'jp2 '.
        out += [0x00, 0x00, 0x00, 0x14, 0x66, 0x74, 0x79, 0x70, 0x6A, 0x70, 0x32, 0x20,
                0x00, 0x00, 0x00, 0x00, 0x6A, 0x70, 0x32, 0x20]
        let boxLength = 8 + payloadSize
        out += bigEndian32(UInt32(boxLength)) + Array("free".utf8)
        out += pattern(seed: "face:" + seed, count: payloadSize)
        return out
    }

    /// A 1-bit greyscale PNG of `width` × `height` pixels whose pixels are derived from `seed`.
    static func png(seed: String, width: Int = 64, height: Int = 16) -> [UInt8] {
        let rowBytes = (width + 7) / 8
        let bits = pattern(seed: seed, count: rowBytes * height)
        var raw: [UInt8] = []
        raw.reserveCapacity((rowBytes + 1) * height)
        for y in 0..<height {
            raw.append(0)  // filter type None
            raw += bits[(y * rowBytes)..<((y + 1) * rowBytes)]
        }
        var ihdr = bigEndian32(UInt32(width)) + bigEndian32(UInt32(height))
        ihdr += [1, 0, 0, 0, 0]  // bit depth 1, colour type 0 (greyscale), deflate, adaptive filter, no interlace
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        out += chunk("IHDR", ihdr)
        out += chunk("IDAT", zlibStored(raw))
        out += chunk("IEND", [])
        return out
    }

    /// `count` bytes from SHA-256 in counter mode: deterministic for a seed, different across seeds.
    static func pattern(seed: String, count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count + 32)
        var i: UInt32 = 0
        while out.count < count {
            out += SHA256.hash(data: Array(seed.utf8) + bigEndian32(i))
            i += 1
        }
        return Array(out.prefix(count))
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return bigEndian32(UInt32(data.count)) + typeBytes + data + bigEndian32(crc32(typeBytes + data))
    }

    /// A zlib stream (RFC 1950) holding `data` in stored (uncompressed) deflate blocks (RFC 1951 3.2.4).
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let n = min(65_535, data.count - offset)
            let final: UInt8 = offset + n == data.count ? 1 : 0
            out += [final, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += data[offset..<(offset + n)]
            offset += n
        } while offset < data.count
        return out + bigEndian32(adler32(data))
    }

    /// CRC-32 as PNG uses it (ISO 3309 polynomial, reflected, PNG spec annex D).
    static func crc32(_ data: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in data {
            c ^= UInt32(byte)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return c ^ 0xFFFF_FFFF
    }

    static func adler32(_ data: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return b << 16 | a
    }

    static func bigEndian32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }
}
