/// A corporate number (法人番号): 13 digits whose **first** digit is the check digit (財務省令第70号 第2条).
///
/// Unlike the individual number it is public (the National Tax Agency publishes every one), so it
/// prints normally and may be used as a key.
public struct CorporateNumber: Sendable, Hashable, Comparable {
    /// The 13 digits, check digit first.
    public let digits: String

    /// Parses a number as people type it (full-width digits, spaces and hyphens accepted).
    ///
    /// - Throws: ``NumberError``.
    public init(_ text: some StringProtocol) throws(NumberError) {
        let result = text.withUTF8Buffer { CorporateNumber.validate($0) }
        switch result {
        case .success(let n): self = n
        case .failure(let e): throw e
        }
    }

    init(validated d: SIMD16<UInt8>) {
        var s = ""
        for i in 0..<13 { s.unicodeScalars.append(Unicode.Scalar(d[i] + 0x30)) }
        self.digits = s
    }

    /// Validates UTF-8 bytes without allocating on failure.
    public static func validate(_ utf8: UnsafeBufferPointer<UInt8>) -> Result<CorporateNumber, NumberError> {
        switch DigitScanner.scan(utf8) {
        case .failure(let e): return .failure(e)
        case .success(let s):
            if let e = check(scanned: s) { return .failure(e) }
            return .success(CorporateNumber(validated: s.digits))
        }
    }

    static func check(scanned s: DigitScanner) -> NumberError? {
        guard s.count > 0 else { return .empty }
        guard s.count == 13 else { return .wrongLength(expected: [13], actual: s.count) }
        return checkDigit(base: s.digits, offset: 1) == s.digits[0] ? nil : .checkDigitMismatch
    }

    /// Check digit over the 12 base digits at lanes `offset…offset+11`: Pn is the n-th digit from the
    /// right, Qn = 1 for odd n and 2 for even n, and the digit is 9 − (Σ Pn·Qn mod 9).
    static func checkDigit(base d: SIMD16<UInt8>, offset: Int) -> UInt8 {
        var sum = 0
        for n in 1...12 {
            let p = Int(d[offset + 12 - n])
            sum += p * (n % 2 == 1 ? 1 : 2)
        }
        return UInt8(9 - sum % 9)
    }

    /// The leading check digit for 12 base digits.
    ///
    /// - Throws: ``NumberError/wrongLength(expected:actual:)`` unless exactly 12 digits are given.
    public static func checkDigit(forBase12 text: some StringProtocol) throws(NumberError) -> Int {
        let scanned = text.withUTF8Buffer { DigitScanner.scan($0) }
        switch scanned {
        case .failure(let e): throw e
        case .success(let s):
            guard s.count > 0 else { throw .empty }
            guard s.count == 12 else { throw .wrongLength(expected: [12], actual: s.count) }
            return Int(checkDigit(base: s.digits, offset: 0))
        }
    }

    public static func < (a: CorporateNumber, b: CorporateNumber) -> Bool { a.digits < b.digits }
}

extension CorporateNumber: CustomStringConvertible {
    public var description: String { digits }
}

extension CorporateNumber: Codable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(digits)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        do {
            self = try CorporateNumber(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "invalid corporate number: \(error.message)")
        }
    }
}
