import Crypto
typealias SymmetricKeyAlias = SymmetricKey
import Access
import Foundation
import MyNumber
@testable import Vault

/// A valid individual number built from its first 11 digits with the published check-digit rule.
func testNumber(_ first11: String) throws -> IndividualNumber {
    let check = try IndividualNumber.checkDigit(forFirst11: first11)
    return try IndividualNumber(first11 + String(check))
}

/// The 12 digits of a test number, for privacy assertions only.
func digitsOf(_ first11: String) throws -> String {
    first11 + String(try IndividualNumber.checkDigit(forFirst11: first11))
}

let firstDigits = ["12345678901", "62149832025", "31415926535"]

/// 09:00 on `date` in Japan.
func jst(_ date: CivilDate, hour: Int = 9) -> Date { JapanTime.instant(date, minute: hour * 60) }

func d(_ y: Int, _ m: Int, _ day: Int) -> CivilDate { CivilDate(year: y, month: m, day: day) }

func randomKey() -> Data { Data(base64Encoded: Keyring.generateKeyBase64())! }

/// Every way a value might show itself: description, debug description, dump, and JSON if encodable.
func renderings(_ value: Any) -> [String] {
    var out = [String(describing: value), String(reflecting: value)]
    var dumped = ""
    dump(value, to: &dumped)
    out.append(dumped)
    if let e = value as? any Encodable {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        if let data = try? enc.encode(e) { out.append(String(decoding: data, as: UTF8.self)) }
    }
    return out
}

/// The forms a leaked number could take in text: plain, spaced, hyphenated (4-4-4), full-width.
func leakForms(_ digits: String) -> [String] {
    let a = Array(digits)
    let g = [String(a[0..<4]), String(a[4..<8]), String(a[8..<12])]
    let fullWidth = String(digits.unicodeScalars.map { Character(Unicode.Scalar($0.value - 0x30 + 0xFF10)!) })
    return [digits, g.joined(separator: " "), g.joined(separator: "-"), fullWidth]
}

/// A provider that ignores the context, like a naive KMS: lets a test reach the number layer's own
/// associated-data check.
struct ContextIgnoringProvider: KeyEncryptionKeyProvider {
    let inner: Keyring
    var currentKeyID: KeyID { inner.currentKeyID }
    func hasKey(_ id: KeyID) -> Bool { inner.hasKey(id) }
    func wrap(_ dataKey: SymmetricKeyAlias, context: Data) async throws(VaultCryptoError) -> WrappedDataKey {
        try inner.wrapNow(dataKey, context: Data())
    }
    func unwrap(_ wrapped: WrappedDataKey, context: Data) async throws(VaultCryptoError) -> SymmetricKeyAlias {
        try inner.unwrapNow(wrapped, context: Data())
    }
}
