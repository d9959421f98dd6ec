/// Why an image header could not be read.
public enum ImageReadError: Error, Sendable, Hashable {
    /// No bytes.
    case empty
    /// Not a format this module recognises.
    case unrecognised
    /// The file ends inside a header.
    case truncated
    /// A JPEG with no frame header (SOF) before the image data, or a header with impossible values.
    case malformed
}

/// Reads image headers without decoding pixels and without any image library: only the fields the
/// photo rules need. Every read is bounds-checked, loops are bounded by the file size, and the
/// parse never allocates more than the input, so garbage or truncated uploads give an error, never
/// a crash.
public enum ImageInspector {
    /// Reads the header of `bytes`.
    public static func inspect(_ bytes: [UInt8]) -> Result<ImageInfo, ImageReadError> {
        guard !bytes.isEmpty else { return .failure(.empty) }
        let format = ImageFormat.detect(bytes)
        var info = ImageInfo(format: format, byteCount: bytes.count)
        let r = ByteReader(bytes)
        switch format {
        case .jpeg:
            return jpeg(bytes, info)
        case .png:
            // IHDR is the first chunk: length(4) "IHDR" width(4) height(4).
            guard let w = r.u32(16), let h = r.u32(20) else { return .failure(.truncated) }
            info.width = w; info.height = h
        case .gif:
            let le = ByteReader(bytes, littleEndian: true)
            guard let w = le.u16(6), let h = le.u16(8) else { return .failure(.truncated) }
            info.width = w; info.height = h
        case .heic, .webp, .bmp, .tiff:
            break  // recognised to say "wrong format"; their sizes are not needed
        case .unknown:
            return .failure(.unrecognised)
        }
        return .success(info)
    }

    /// Walks the JPEG marker segments up to the first SOF (ITU-T T.81 B.2): SOF0–3, 5–7, 9–11, 13–15
    /// carry precision, height, width and component count; APP1 "Exif" carries the EXIF data.
    static func jpeg(_ bytes: [UInt8], _ start: ImageInfo) -> Result<ImageInfo, ImageReadError> {
        var info = start
        let r = ByteReader(bytes)
        var i = 2  // after SOI FFD8
        while i < bytes.count {
            // Markers are FF xx; any number of FF fill bytes may precede one.
            guard bytes[i] == 0xFF else { return .failure(.malformed) }
            while i < bytes.count, bytes[i] == 0xFF { i += 1 }
            guard i < bytes.count else { return .failure(.truncated) }
            let marker = bytes[i]
            i += 1
            // Standalone markers have no length: TEM, RST0–7.
            if marker == 0x01 || (0xD0...0xD7).contains(marker) { continue }
            if marker == 0xD9 { return .failure(.malformed) }  // EOI before any frame
            guard let length = r.u16(i) else { return .failure(.truncated) }
            guard length >= 2 else { return .failure(.malformed) }
            let body = i + 2
            let end = i + length
            switch marker {
            case 0xC0...0xC3, 0xC5...0xC7, 0xC9...0xCB, 0xCD...0xCF:
                guard let h = r.u16(body + 1), let w = r.u16(body + 3), let c = r.u8(body + 5) else { return .failure(.truncated) }
                // Height 0 means "defined later by DNL": legal but no photo tool writes it; treat as unreadable.
                guard h > 0, w > 0, c > 0 else { return .failure(.malformed) }
                info.height = h; info.width = w; info.components = Int(c)
                return .success(info)
            case 0xDA:
                return .failure(.malformed)  // scan data with no frame header
            case 0xE1:
                if end <= bytes.count, let seg = r.slice(body, length - 2), seg.starts(with: Array("Exif\0\0".utf8)) {
                    let exif = ExifReader.read(tiff: Array(seg.dropFirst(6)))
                    info.orientation = info.orientation ?? exif.orientation
                    info.takenAt = info.takenAt ?? exif.dateTimeOriginal
                }
            default:
                break
            }
            guard end <= bytes.count else { return .failure(.truncated) }
            i = end
        }
        return .failure(.truncated)
    }
}
