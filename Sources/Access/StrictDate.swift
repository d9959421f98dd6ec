import Foundation

/// Dates and instants read from input (JSON bodies, forms, query parameters), parsed strictly: one
/// form, a real calendar day (`2026-02-30` is refused, not moved to 3 March), and a plausible year.
///
/// Every place that takes a date from a client uses this, so `0000-01-01` cannot make a number
/// disposable at once and year 9999 cannot push a record out of every report. The server's JSON
/// decoder uses ``decodingStrategy``; the door API's decoder can use it too.
public enum StrictDate {
    /// The years a date from input may fall in. Birth dates of living people, hire and leaving dates,
    /// card validity and door events all fit; anything outside is a typo or an attack.
    public static let plausibleYears: ClosedRange<Int> = 1900...2100

    /// What a refused date is told (no input echoed: a date field can be pasted with anything in it).
    public static let dayRule = "a date is YYYY-MM-DD, a real calendar day, in the years 1900–2100"
    public static let instantRule = "a time is ISO 8601 (YYYY-MM-DDTHH:MM:SS with optional fraction, then Z or ±HH:MM), a real calendar day, in the years 1900–2100"

    /// `YYYY-MM-DD` exactly (four-digit year, two-digit month and day), a real day, a plausible year.
    public static func day(_ text: some StringProtocol) -> CivilDate? {
        let u = Array(text.utf8)
        guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"),
              let y = digits(u[0..<4]), let m = digits(u[5..<7]), let d = digits(u[8..<10]) else { return nil }
        return civil(y, m, d)
    }

    /// `YYYY-MM` exactly, a plausible year (for `month=` parameters).
    public static func month(_ text: some StringProtocol) -> (year: Int, month: Int)? {
        let u = Array(text.utf8)
        guard u.count == 7, u[4] == UInt8(ascii: "-"), let y = digits(u[0..<4]), let m = digits(u[5..<7]),
              plausibleYears.contains(y), (1...12).contains(m) else { return nil }
        return (y, m)
    }

    /// An instant: `YYYY-MM-DDTHH:MM:SS`, an optional fraction of 1–9 digits, then `Z` or `±HH:MM`.
    /// Hours 0–23, minutes and seconds 0–59 (no leap second), nothing rolled over.
    public static func instant(_ text: some StringProtocol) -> Date? {
        let u = Array(text.utf8)
        guard u.count >= 20, let date = day(String(decoding: u[0..<10], as: UTF8.self)), u[10] == UInt8(ascii: "T"),
              u[13] == UInt8(ascii: ":"), u[16] == UInt8(ascii: ":"),
              let h = digits(u[11..<13]), let mi = digits(u[14..<16]), let s = digits(u[17..<19]),
              h <= 23, mi <= 59, s <= 59 else { return nil }
        var i = 19
        var fraction = 0.0
        if u[i] == UInt8(ascii: ".") {
            let start = i + 1
            var end = start
            while end < u.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(u[end]) { end += 1 }
            guard (1...9).contains(end - start), let f = Double("0." + String(decoding: u[start..<end], as: UTF8.self)) else { return nil }
            fraction = f
            i = end
        }
        var offset = 0
        if i == u.count - 1, u[i] == UInt8(ascii: "Z") {
            offset = 0
        } else if i == u.count - 6, u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-"), u[i + 3] == UInt8(ascii: ":"),
                  let oh = digits(u[(i + 1)..<(i + 3)]), let om = digits(u[(i + 4)..<(i + 6)]), oh <= 23, om <= 59 {
            offset = (oh * 3600 + om * 60) * (u[i] == UInt8(ascii: "-") ? -1 : 1)
        } else {
            return nil
        }
        let seconds = date.daysSinceEpoch * 86_400 + h * 3600 + mi * 60 + s - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// For `JSONDecoder.dateDecodingStrategy`: a string through ``instant(_:)``, else a decoding
    /// error saying the rule (Vapor answers it with 400).
    public static let decodingStrategy: JSONDecoder.DateDecodingStrategy = .custom { decoder in
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let date = instant(text) else { throw DecodingError.dataCorruptedError(in: c, debugDescription: instantRule) }
        return date
    }

    private static func civil(_ y: Int, _ m: Int, _ d: Int) -> CivilDate? {
        guard plausibleYears.contains(y), (1...12).contains(m), (1...CivilDate.daysIn(month: m, year: y)).contains(d) else { return nil }
        return CivilDate(year: y, month: m, day: d)
    }

    private static func digits(_ bytes: ArraySlice<UInt8>) -> Int? {
        var v = 0
        for b in bytes {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) else { return nil }
            v = v * 10 + Int(b - UInt8(ascii: "0"))
        }
        return bytes.isEmpty ? nil : v
    }
}

extension StrictDate {
    /// A JSON decoder whose dates go through ``decodingStrategy``.
    public static func jsonDecoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = decodingStrategy
        return d
    }
}
