extension Character {
    /// `0-9`, `a-f` or `A-F` only. `Character.isHexDigit` alone is also true for the full-width digits
    /// and letters (`０`–`９`, `Ａ`–`Ｆ`), which `UInt8(_:radix:)` and the rest of MynaGate do not read:
    /// a full-width serial, ordinary Japanese input, must be refused as not hex, not let through.
    public var isASCIIHexDigit: Bool { isASCII && isHexDigit }
}

extension StringProtocol {
    /// Whether every character is an ASCII hex digit (see ``Swift/Character/isASCIIHexDigit``); true
    /// for the empty string, like `allSatisfy`.
    public var isASCIIHex: Bool { allSatisfy(\.isASCIIHexDigit) }
}
