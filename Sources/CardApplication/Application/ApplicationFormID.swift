import Foundation

/// The 23-digit 申請書ID printed on the 個人番号カード交付申請書 (the form mailed with the number notice).
///
/// It identifies the form, not the person: it is not the My Number and the number cannot be worked
/// out from it, so it may be stored and sent to the contractor.
///
/// Check digit: none is published. Searches of public material (J-LIS / マイナンバーカード総合サイト
/// explanations relayed by e.g. news.mynavi.jp 2021-07-11 and systeminvest-lab.com) describe it only
/// as "23桁の数字"; the only published check-digit formulas are the My Number's (総務省令第85号) and
/// the corporate number's. So only the length and the digits are checked, and a mistyped ID is caught
/// by the contractor, not here.
public struct ApplicationFormID: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The number of digits.
    public static let length = 23

    /// The 23 ASCII digits.
    public let digits: String

    /// Reads what a person typed: full-width digits (０-９) are accepted and normalised, and the spaces
    /// and hyphens people copy from the form's grouping are ignored.
    public init(_ text: String) throws(ApplicationDataProblem) {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x30...0x39: out.unicodeScalars.append(scalar); count += 1
            case 0xFF10...0xFF19: out.unicodeScalars.append(Unicode.Scalar(scalar.value - 0xFF10 + 0x30)!); count += 1
            case 0x20, 0x3000, 0x2D, 0xFF0D, 0x2010, 0x2212, 0x30FC: continue  // separators, incl. full-width ones
            default: throw .formIDNotDigits
            }
        }
        guard count == Self.length else { throw .formIDWrongLength(count) }
        digits = out
    }

    public var description: String { digits }
}
