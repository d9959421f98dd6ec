/// Why a typed number was refused. No case carries the number or any of its digits, so an error can be
/// logged, shown or serialised without leaking it.
public enum NumberError: Error, Sendable, Hashable {
    /// Nothing but whitespace was given.
    case empty
    /// The character at `position` (1-based, counted in characters of the input as given) is neither a
    /// digit nor an accepted separator.
    case nonDigit(position: Int)
    /// The input has `actual` digits; the kind needs one of `expected`.
    case wrongLength(expected: [Int], actual: Int)
    /// The digits are well formed but the check digit does not match the others.
    case checkDigitMismatch
    /// The input is far longer than any number however it is spaced (more than 4 KiB on one line).
    case tooLong
    /// Twelve zeros pass the check-digit arithmetic but are never issued; they are almost always a
    /// stand-in for a missing value in an HR spreadsheet, so they are refused rather than stored.
    case notIssued

    /// A stable, machine-readable code (`wrong_length`, `non_digit`, …) for JSON output and APIs.
    public var code: String {
        switch self {
        case .empty: return "empty"
        case .nonDigit: return "non_digit"
        case .wrongLength: return "wrong_length"
        case .checkDigitMismatch: return "check_digit_mismatch"
        case .notIssued: return "not_issued"
        case .tooLong: return "too_long"
        }
    }

    /// An English sentence for people.
    public var message: String {
        switch self {
        case .empty: return "no number given"
        case .nonDigit(let p): return "character \(p) is not a digit"
        case .wrongLength(let e, let a):
            let want = e.map(String.init).joined(separator: " or ")
            return "wrong length: \(a) digits, expected \(want)"
        case .checkDigitMismatch: return "check digit does not match"
        case .notIssued: return "all zeros is not an issued number"
        case .tooLong: return "far too long to be a number"
        }
    }

    /// A Japanese sentence for people.
    public var japaneseMessage: String {
        switch self {
        case .empty: return "番号が入力されていません"
        case .nonDigit(let p): return "\(p)文字目が数字ではありません"
        case .wrongLength(let e, let a):
            let want = e.map(String.init).joined(separator: "または")
            return "桁数が違います（\(a)桁、正しくは\(want)桁）"
        case .checkDigitMismatch: return "チェックデジットが一致しません"
        case .notIssued: return "すべて0の番号は付番されません"
        case .tooLong: return "番号としては長すぎます"
        }
    }
}

extension NumberError: CustomStringConvertible {
    public var description: String { message }
}
