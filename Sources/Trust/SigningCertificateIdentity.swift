import Crypto
import Foundation
import SwiftASN1
import X509

/// The holder's name and birth date as a JPKI signing certificate (署名用電子証明書) carries them, for
/// binding a card to a person at enrollment.
///
/// The signing certificate puts the holder's basic items in subjectAltName otherNames (J-LIS profile, as
/// summarised in `shared/docs/domain.md` §3): `1.2.392.200149.8.5.5.1` name, `.4` birth date, `.3` sex,
/// `.5` address, each a UTF8String. The birth date is read in the era-prefixed form `EYYYYMMDD` (one era
/// digit, 1 明治 … 5 令和, then the Gregorian date) that the emulator issues; a bare `YYYYMMDD` is accepted
/// too, since no reference we have shows a real certificate's bytes for this field. Only the name and the
/// birth date are kept; the address and sex are never read into memory here.
public struct SigningCertificateIdentity: Sendable, Hashable {
    /// The name as written in the certificate.
    public var name: String
    /// The birth date, `YYYY-MM-DD`.
    public var birthDate: String

    static let nameOID: ASN1ObjectIdentifier = [1, 2, 392, 200149, 8, 5, 5, 1]
    static let birthDateOID: ASN1ObjectIdentifier = [1, 2, 392, 200149, 8, 5, 5, 4]

    public init(name: String, birthDate: String) {
        self.name = name
        self.birthDate = birthDate
    }

    /// Reads the name and birth date from `certificate`'s subjectAltName.
    ///
    /// - Returns: `nil` when either is missing or the birth date is not a real calendar date.
    public init?(certificate: Certificate) {
        guard let san = try? certificate.extensions.subjectAlternativeNames else { return nil }
        var name: String?, birth: String?
        for entry in san {
            guard case .otherName(let other) = entry, let value = other.value,
                  let text = try? ASN1UTF8String(asn1Any: value) else { continue }
            if other.typeID == Self.nameOID { name = String(text) }
            if other.typeID == Self.birthDateOID { birth = Self.isoDate(String(text)) }
        }
        guard let name, !name.isEmpty, let birth else { return nil }
        self.init(name: name, birthDate: birth)
    }

    /// `EYYYYMMDD` or `YYYYMMDD` as `YYYY-MM-DD`, refusing impossible dates.
    static func isoDate(_ text: String) -> String? {
        guard text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let digits: Substring
        switch text.count {
        case 9: digits = text.dropFirst()
        case 8: digits = Substring(text)
        default: return nil
        }
        guard let y = Int(digits.prefix(4)), let m = Int(digits.dropFirst(4).prefix(2)), let d = Int(digits.suffix(2)),
              (1868...2200).contains(y), (1...12).contains(m), d >= 1 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        guard let date = calendar.date(from: DateComponents(year: y, month: m, day: d)),
              calendar.component(.day, from: date) == d else { return nil }
        return String(format: "%04d-%02d-%02d", y, m, d)
    }

    /// Whether this identity is the person an HR record describes: the same name once spaces (ASCII and
    /// full-width) are removed and compatibility forms folded (NFKC), and the same birth date.
    public func matches(name hrName: String, birthDate hrBirthDate: String) -> Bool {
        Self.folded(name) == Self.folded(hrName) && !Self.folded(name).isEmpty && birthDate == hrBirthDate
    }

    /// What a credential bound by this certificate keeps of it: a SHA-256 of the folded name and the
    /// birth date (not the values), so a later change to the HR record can be noticed
    /// (``matches(name:birthDate:)`` on the same terms).
    public static func fingerprint(name: String, birthDate: String) -> String {
        SHA256.hash(data: Data((folded(name) + "|" + birthDate).utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func folded(_ name: String) -> String {
        name.precomposedStringWithCompatibilityMapping.unicodeScalars
            .filter { !CharacterSet.whitespacesAndNewlines.contains($0) }
            .map(String.init).joined()
    }
}
