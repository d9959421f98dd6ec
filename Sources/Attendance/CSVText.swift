import Foundation

/// The text of a CSV file handed over by another system (payroll, a leave system, a timesheet):
/// decoding and splitting, shared by every attendance import (``SelfReportCSV``, ``AnnualLeaveCSV``)
/// so there is one reading of quotes and encodings to get right.
public enum CSVText {
    /// UTF-8 with or without its BOM, else Shift_JIS (what Excel in Japan saves); `nil` when the bytes
    /// are neither — the caller refuses the file, never reads it as something else.
    public static func decode(_ data: Data) -> (text: String, encoding: String)? {
        var bytes = data
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        if let t = String(data: bytes, encoding: .utf8) { return (t, "UTF-8") }
        if let t = String(data: bytes, encoding: .shiftJIS) { return (t, "Shift_JIS") }
        return nil
    }

    /// The lines, CRLF, LF or CR; empty ones kept so line numbers are the file's.
    public static func lines(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
    }

    /// Splits one CSV line (RFC 4180 quoting, `""` for a quote), trimming spaces; `nil` for an open quote.
    ///
    /// Works on Unicode scalars, not characters: RFC 4180's quotes and commas are code points, and as
    /// grapheme clusters a quote followed by a combining mark (`"` U+0301) would not be a quote.
    public static func splitFields(_ line: String) -> [String]? {
        var fields: [String] = []
        var current = String.UnicodeScalarView()
        var quoted = false
        var scalars = line.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func field() -> String { String(current).trimmingCharacters(in: .whitespaces) }
        while let c = pending ?? scalars.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let n = scalars.next() {
                        if n == "\"" { current.append("\"") } else { quoted = false; pending = n }
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(field())
                current = String.UnicodeScalarView()
            } else {
                current.append(c)
            }
        }
        if quoted { return nil }
        fields.append(field())
        return fields
    }
}
