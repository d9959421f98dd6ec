/// Reads two tags from an EXIF TIFF block: Orientation (0x0112, IFD0) and DateTimeOriginal (0x9003,
/// in the Exif IFD pointed to by 0x8769) — CIPA DC-008 (Exif 2.3) section 4.6. Nothing else, and
/// nothing at all when the block is damaged: the date is optional evidence, not a requirement.
enum ExifReader {
    struct Result { var orientation: Int?; var dateTimeOriginal: ExifDateTime? }

    static func read(tiff: [UInt8]) -> Result {
        var out = Result()
        guard tiff.count >= 8 else { return out }
        let little: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return out
        }
        let r = ByteReader(tiff, littleEndian: little)
        guard r.u16(2) == 42, let ifd0 = r.u32(4) else { return out }

        var exifIFD: Int?
        entries(r, at: ifd0) { tag, type, count, valueAt in
            if tag == 0x0112, type == 3, let v = r.u16(valueAt), (1...8).contains(v) { out.orientation = v }
            if tag == 0x8769, type == 4 || type == 13, count == 1 { exifIFD = r.u32(valueAt) }
        }
        if let exifIFD {
            entries(r, at: exifIFD) { tag, type, count, valueAt in
                // ASCII, 20 bytes including the NUL: longer than 4, so the field holds an offset.
                guard tag == 0x9003, type == 2, count >= 19, count <= 64, let offset = r.u32(valueAt),
                      let raw = r.slice(offset, count) else { return }
                out.dateTimeOriginal = ExifDateTime(exif: String(decoding: raw, as: UTF8.self))
            }
        }
        return out
    }

    /// Calls `body(tag, type, count, offsetOfValueField)` for each 12-byte entry of the IFD at `at`.
    private static func entries(_ r: ByteReader, at: Int, _ body: (Int, Int, Int, Int) -> Void) {
        guard let n = r.u16(at), n > 0 else { return }
        for k in 0..<min(n, 512) {  // a real IFD has tens of entries; the cap bounds hostile counts
            let e = at + 2 + 12 * k
            guard let tag = r.u16(e), let type = r.u16(e + 2), let count = r.u32(e + 4), r.u32(e + 8) != nil else { return }
            body(tag, type, count, e + 8)
        }
    }
}
