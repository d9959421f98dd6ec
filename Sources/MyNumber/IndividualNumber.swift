/// An individual number (個人番号, "My Number"): 12 digits, the last a check digit
/// (総務省令第85号 (平成26年) 第5条).
///
/// ## Privacy by type
/// The number is personal data whose use the law limits (番号法 9条). This type never shows it by accident:
/// `description`, `debugDescription`, string interpolation, `dump` and the default `Encodable`
/// conformance all produce a redaction marker with no digits. The only way to get the digits is
/// ``revealDigits()``, so every place that does it can be found by searching for that one name.
///
/// The type is deliberately not `Hashable` or `Comparable`: the number must never be a key, an index or
/// a sort order (番号法 9条; PPC FAQ Q18-2). Equality is constant-time so that comparing a typed number with a
/// stored one does not leak how many leading digits matched.
public struct IndividualNumber: Sendable {
    /// The 12 digit values 0–9 in lanes 0…11; lanes 12…15 are zero.
    let digits: SIMD16<UInt8>

    /// The marker shown wherever the number would otherwise appear.
    public static let redactionMarker = "<個人番号:非表示>"

    /// Parses a number as people type it: full-width digits, spaces and hyphens are accepted
    /// (see ``IndividualNumber/init(_:)`` details in the module documentation).
    ///
    /// - Throws: ``NumberError``; the error never contains the digits.
    public init(_ text: some StringProtocol) throws(NumberError) {
        let result = text.withUTF8Buffer { IndividualNumber.validate($0) }
        switch result {
        case .success(let n): self = n
        case .failure(let e): throw e
        }
    }

    init(validatedDigits: SIMD16<UInt8>) { self.digits = validatedDigits }

    /// Validates text, returning the error as a value (handy where typed throws do not reach, such as
    /// closures).
    public static func check(_ text: some StringProtocol) -> Result<IndividualNumber, NumberError> {
        text.withUTF8Buffer { validate($0) }
    }

    /// Validates UTF-8 bytes without allocating; the hot path of `mynagate number check`.
    public static func validate(_ utf8: UnsafeBufferPointer<UInt8>) -> Result<IndividualNumber, NumberError> {
        switch DigitScanner.scan(utf8) {
        case .failure(let e): return .failure(e)
        case .success(let s): return validate(scanned: s)
        }
    }

    static func validate(scanned s: DigitScanner) -> Result<IndividualNumber, NumberError> {
        guard s.count > 0 else { return .failure(.empty) }
        guard s.count == 12 else { return .failure(.wrongLength(expected: [12], actual: s.count)) }
        guard checkDigit(s.digits) == s.digits[11] else { return .failure(.checkDigitMismatch) }
        var d = s.digits
        d[12] = 0; d[13] = 0; d[14] = 0; d[15] = 0
        // Twelve zeros satisfy the arithmetic (r = 0 gives check digit 0) but are not a real number.
        guard d != SIMD16<UInt8>() else { return .failure(.notIssued) }
        return .success(IndividualNumber(validatedDigits: d))
    }

    /// The check digit of the first 11 digits in `d` (lanes 0…10).
    ///
    /// Left to right the weights are 6,5,4,3,2,7,6,5,4,3,2; r = Σ mod 11; the digit is 0 when r ≤ 1,
    /// else 11 − r.
    static func checkDigit(_ d: SIMD16<UInt8>) -> UInt8 {
        let weights: SIMD16<UInt16> = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 0, 0, 0, 0, 0]
        let sum = (SIMD16<UInt16>(truncatingIfNeeded: d) &* weights).wrappedSum()
        let r = sum % 11
        return r <= 1 ? 0 : UInt8(11 - r)
    }

    /// The check digit for the first 11 digits of an individual number, for tools that issue or repair
    /// test data. The input is normalised like a full number (full-width digits, separators).
    ///
    /// - Throws: ``NumberError/wrongLength(expected:actual:)`` unless exactly 11 digits are given.
    public static func checkDigit(forFirst11 text: some StringProtocol) throws(NumberError) -> Int {
        let scanned = text.withUTF8Buffer { DigitScanner.scan($0) }
        switch scanned {
        case .failure(let e): throw e
        case .success(let s):
            guard s.count > 0 else { throw .empty }
            guard s.count == 11 else { throw .wrongLength(expected: [11], actual: s.count) }
            return Int(checkDigit(s.digits))
        }
    }

    /// The 12 digits, for the few places that must have them: the vault encrypting a number, and a
    /// designated handler's purpose-bound reveal.
    ///
    /// Every call is a disclosure. Do not log, cache, index or compare the result; compare numbers with
    /// `==`, which is constant-time.
    public func revealDigits() -> String {
        var s = ""
        s.reserveCapacity(12)
        for i in 0..<12 { s.unicodeScalars.append(Unicode.Scalar(digits[i] + 0x30)) }
        return s
    }
}

extension IndividualNumber: Equatable {
    /// Constant-time equality: every lane is compared whatever the earlier lanes held.
    public static func == (a: IndividualNumber, b: IndividualNumber) -> Bool {
        let x = a.digits ^ b.digits
        var acc: UInt8 = 0
        for i in 0..<16 { acc |= x[i] }
        return acc == 0
    }
}

extension IndividualNumber: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { Self.redactionMarker }
    public var debugDescription: String { "IndividualNumber(\(Self.redactionMarker))" }
    /// An empty mirror, so `dump`, `Mirror` and debuggers see no digits.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

extension IndividualNumber: Codable {
    /// Encodes the redaction marker, never the digits: a number that reaches a JSON body, a cache or a
    /// log through `Codable` shows nothing. Code that must transmit the digits (the vault's encryption)
    /// calls ``revealDigits()`` explicitly.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(Self.redactionMarker)
    }

    /// Decodes a number typed by a person (an API request body), validating it like ``init(_:)``.
    /// The error does not contain the input.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        do {
            self = try IndividualNumber(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "invalid individual number: \(error.message)")
        }
    }
}
