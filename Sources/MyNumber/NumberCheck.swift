/// The two kinds of number MynaGate checks.
public enum NumberKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// 個人番号, 12 digits.
    case individual
    /// 法人番号, 13 digits.
    case corporate
}

/// Validation without keeping the number: the verdict for one typed value, with the kind detected from
/// the digit count (12 individual, 13 corporate) unless it is forced.
///
/// Used by `mynagate number check`, which must report on each line of an HR spreadsheet column without
/// ever echoing a number.
public struct NumberCheck: Sendable, Hashable {
    /// The kind checked (forced or detected); `nil` when the length fits neither.
    public var kind: NumberKind?
    /// `nil` when valid.
    public var error: NumberError?

    /// Whether the value is a valid number of ``kind``.
    public var isValid: Bool { error == nil }

    /// Checks UTF-8 bytes. Allocation-free for valid input and every error except a wrong length.
    public static func check(_ utf8: UnsafeBufferPointer<UInt8>, kind forced: NumberKind? = nil) -> NumberCheck {
        let scanned: DigitScanner
        switch DigitScanner.scan(utf8) {
        case .failure(let e): return NumberCheck(kind: forced, error: e)
        case .success(let s): scanned = s
        }
        let kind: NumberKind
        if let forced {
            kind = forced
        } else if scanned.count == 12 {
            kind = .individual
        } else if scanned.count == 13 {
            kind = .corporate
        } else if scanned.count == 0 {
            return NumberCheck(kind: nil, error: .empty)
        } else {
            return NumberCheck(kind: nil, error: .wrongLength(expected: [12, 13], actual: scanned.count))
        }
        switch kind {
        case .individual:
            switch IndividualNumber.validate(scanned: scanned) {
            case .success: return NumberCheck(kind: .individual, error: nil)
            case .failure(let e): return NumberCheck(kind: .individual, error: e)
            }
        case .corporate:
            return NumberCheck(kind: .corporate, error: CorporateNumber.check(scanned: scanned))
        }
    }

    /// Checks a string.
    public static func check(_ text: some StringProtocol, kind: NumberKind? = nil) -> NumberCheck {
        text.withUTF8Buffer { check($0, kind: kind) }
    }

    /// Creates a verdict.
    public init(kind: NumberKind?, error: NumberError?) {
        self.kind = kind
        self.error = error
    }
}
