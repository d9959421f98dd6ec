/// One field of a CSV file that people open in a spreadsheet, written the same way by every export
/// (payroll, events, the vault's export, the contractor batch): it lives here, in the lowest module
/// they all depend on, so there is one rule to get right.
public enum CSVField {
    /// The characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection"): `=`,
    /// `+`, `-`, `@`, and a leading tab or carriage return, which some spreadsheets skip before
    /// looking for one of the others.
    public static let formulaTriggers: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]

    /// Defuses a formula with a leading apostrophe, then quotes the field as RFC 4180 says when it
    /// holds a comma, a double quote, CR or LF, or when it was defused (so the apostrophe is visibly
    /// part of the text). Inner quotes are doubled.
    public static func escape(_ s: String) -> String {
        var v = s
        let defused = v.first.map { formulaTriggers.contains($0) } ?? false
        if defused { v = "'" + v }
        if defused || v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return v
    }

    /// One line of fields joined by commas, without the line end.
    public static func line(_ fields: [String]) -> String {
        fields.map(escape).joined(separator: ",")
    }
}
