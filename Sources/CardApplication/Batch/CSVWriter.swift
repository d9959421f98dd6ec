import Access
import Foundation

/// Why a CSV could not be written.
public enum CSVError: Error, Sendable, Hashable, BilingualMessage {
    /// A character has no Shift_JIS code (e.g. some rare kanji, emoji). Row 0 is the header.
    case notEncodable(row: Int, column: String, text: String)

    public var code: String { "csv_not_encodable" }
    public var japaneseMessage: String {
        if case .notEncodable(let r, let c, let t) = self { return "\(r)行目の「\(c)」（\(t)）にShift_JISで表せない文字があります。UTF-8で出力するか、文字を確認してください。" }
        return ""
    }
    public var englishMessage: String {
        if case .notEncodable(let r, let c, let t) = self { return "Row \(r), column \"\(c)\" (\(t)) has a character Shift_JIS cannot encode. Use UTF-8 or check the text." }
        return ""
    }
}

/// Writes CSV as RFC 4180 says: CRLF line ends, fields with a comma, a double quote, CR or LF enclosed
/// in double quotes, inner quotes doubled.
public enum CSVWriter {
    /// One field through the project's one CSV rule, ``Access/CSVField/escape(_:)``: quoted when needed,
    /// and a leading `=`, `+`, `-`, `@`, tab or CR defused with an apostrophe. The applicant types the
    /// address and e-mail, and HR and the contractor open this file in a spreadsheet.
    public static func field(_ s: String) -> String { CSVField.escape(s) }

    /// The text of the rows, each line ended by CRLF (the last one too).
    public static func text(_ rows: [[String]]) -> String {
        rows.map { $0.map(field).joined(separator: ",") + "\r\n" }.joined()
    }

    /// The bytes of `rows` in `encoding`. `headers` name the columns in error messages.
    public static func encode(_ rows: [[String]], encoding: CSVEncoding, headers: [String] = []) throws(CSVError) -> Data {
        switch encoding {
        case .utf8WithBOM:
            return Data([0xEF, 0xBB, 0xBF]) + Data(text(rows).utf8)
        case .shiftJIS:
            var out = Data()
            for (r, row) in rows.enumerated() {
                var cells: [String] = []
                for (c, cell) in row.enumerated() {
                    let mapped = ShiftJIS.prepared(cell)
                    // Check each cell so the error can say which one.
                    guard ShiftJIS.encode(mapped, lossy: false) != nil else {
                        throw .notEncodable(row: r, column: c < headers.count ? headers[c] : "\(c + 1)", text: cell)
                    }
                    cells.append(field(mapped))
                }
                // Every cell encoded alone above; the separators are ASCII.
                guard let line = ShiftJIS.encode(cells.joined(separator: ",") + "\r\n", lossy: false) else {
                    throw .notEncodable(row: r, column: "", text: "")
                }
                out += line
            }
            return out
        }
    }
}
