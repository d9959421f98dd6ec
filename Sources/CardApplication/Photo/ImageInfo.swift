import Access

/// What the header of an image says: format, pixel size, colour components and, for JPEG, the EXIF
/// date the photo was taken and its orientation.
public struct ImageInfo: Sendable, Hashable, Codable {
    public var format: ImageFormat
    public var byteCount: Int
    /// Pixel width as stored (before EXIF orientation).
    public var width: Int?
    /// Pixel height as stored.
    public var height: Int?
    /// JPEG colour components: 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK.
    public var components: Int?
    /// EXIF Orientation (1…8), when present.
    public var orientation: Int?
    /// EXIF DateTimeOriginal, when present and readable.
    public var takenAt: ExifDateTime?

    /// Width and height as the photo is shown: EXIF orientations 5–8 rotate by 90°, which phones use
    /// for portrait photos stored landscape — without this a correct portrait photo would fail the
    /// proportion check.
    public var displaySize: (width: Int, height: Int)? {
        guard let width, let height else { return nil }
        if let o = orientation, (5...8).contains(o) { return (height, width) }
        return (width, height)
    }
}

/// EXIF's "YYYY:MM:DD HH:MM:SS", local time of the camera with no zone. Read as a day in Japan: a
/// few hours' error cannot matter against a six-month limit.
public struct ExifDateTime: Sendable, Hashable, Codable, CustomStringConvertible {
    public var date: CivilDate
    public var minuteOfDay: Int

    /// Parses the EXIF text; `nil` for blanks ("0000:00:00 00:00:00", spaces) and impossible dates.
    public init?(exif text: String) {
        let t = text.trimmingCharacters(in: ["\0", " "])
        let scalars = Array(t.unicodeScalars)
        guard scalars.count >= 19, scalars[4] == ":", scalars[7] == ":", scalars[10] == " ", scalars[13] == ":", scalars[16] == ":" else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r {
                guard let d = scalars[i].properties.numericType != nil ? Int(String(scalars[i])) : nil else { return nil }
                v = v * 10 + d
            }
            return v
        }
        guard let y = num(0..<4), let m = num(5..<7), let d = num(8..<10), let h = num(11..<13), let mi = num(14..<16),
              y > 0, (1...12).contains(m), (1...CivilDate.daysIn(month: m, year: y)).contains(d), h < 24, mi < 60 else { return nil }
        date = CivilDate(year: y, month: m, day: d)
        minuteOfDay = h * 60 + mi
    }

    public var description: String { "\(date) \(minuteOfDay / 60):\(minuteOfDay % 60 < 10 ? "0" : "")\(minuteOfDay % 60)" }
}
