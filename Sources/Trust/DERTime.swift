/// UTCTime and GeneralizedTime as X.509 uses them (RFC 5280 sections 4.1.2.5.1, 4.1.2.5.2 and 5.1.2.4):
/// always UTC with a trailing `Z`, seconds present, no fractional seconds. Converted to and from seconds
/// since 1970 without Foundation calendars, because ten million entries each carry a date.
enum DERTime {
    static let utcTimeTag: UInt8 = 0x17
    static let generalizedTimeTag: UInt8 = 0x18

    /// Seconds since 1970-01-01T00:00:00Z for a Time's content bytes.
    static func seconds(tag: UInt8, _ bytes: UnsafeRawBufferPointer) throws(CRLError) -> Int64 {
        var i = 0
        func digits(_ n: Int) -> Int? {
            var v = 0
            for k in 0..<n {
                let c = bytes[i + k] &- 0x30
                guard c <= 9 else { return nil }
                v = v * 10 + Int(c)
            }
            i += n
            return v
        }
        let year: Int
        switch tag {
        case utcTimeTag:
            guard bytes.count == 13, let yy = digits(2) else { throw .malformed("UTCTime must be YYMMDDHHMMSSZ") }
            // RFC 5280 section 4.1.2.5.1: YY >= 50 is 19YY, otherwise 20YY.
            year = yy >= 50 ? 1900 + yy : 2000 + yy
        case generalizedTimeTag:
            guard bytes.count == 15, let yyyy = digits(4) else { throw .malformed("GeneralizedTime must be YYYYMMDDHHMMSSZ") }
            year = yyyy
        default:
            throw .malformed("a time must be UTCTime or GeneralizedTime")
        }
        guard let month = digits(2), let day = digits(2), let hour = digits(2), let minute = digits(2),
              let second = digits(2), bytes[i] == 0x5A /* Z */ else {
            throw .malformed("malformed time")
        }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 60 else {
            throw .malformed("time out of range")
        }
        return Int64(daysFromCivil(year: year, month: month, day: day)) * 86_400
            + Int64(hour * 3600 + minute * 60 + second)
    }

    /// The Time encoding RFC 5280 section 5.1.2.4 requires for a CRL: UTCTime through 2049,
    /// GeneralizedTime from 2050. Returns the tag and the content bytes.
    static func encode(_ seconds: Int64) -> (tag: UInt8, bytes: [UInt8]) {
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let rest = Int(seconds - Int64(days) * 86_400)
        let (y, m, d) = civilFromDays(days)
        var out: [UInt8] = []
        out.reserveCapacity(15)
        func put(_ v: Int, _ width: Int) {
            var div = 1
            for _ in 1..<width { div *= 10 }
            var v = v
            for _ in 0..<width { out.append(UInt8(0x30 + v / div)); v %= div; div /= 10 }
        }
        let tag: UInt8
        if y >= 1950 && y <= 2049 {
            tag = utcTimeTag
            put(y % 100, 2)
        } else {
            tag = generalizedTimeTag
            put(y, 4)
        }
        put(m, 2); put(d, 2); put(rest / 3600, 2); put(rest / 60 % 60, 2); put(rest % 60, 2)
        out.append(0x5A)
        return (tag, out)
    }

    /// GeneralizedTime content for `seconds` (the invalidityDate extension is always GeneralizedTime,
    /// RFC 5280 section 5.3.2).
    static func generalized(_ seconds: Int64) -> [UInt8] {
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let rest = Int(seconds - Int64(days) * 86_400)
        let (y, m, d) = civilFromDays(days)
        var s = ""
        func pad(_ v: Int, _ w: Int) { let t = String(v); s += String(repeating: "0", count: max(0, w - t.count)) + t }
        pad(y, 4); pad(m, 2); pad(d, 2); pad(rest / 3600, 2); pad(rest / 60 % 60, 2); pad(rest % 60, 2)
        s += "Z"
        return Array(s.utf8)
    }

    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar. Counts from 0000-03-01 so that the
    /// leap day falls at the end of the counting year; 146 097 days is one 400-year Gregorian cycle.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let shiftedMonth = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of ``daysFromCivil(year:month:day:)``.
    static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
