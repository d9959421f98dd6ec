import MynaCard
import SwiftASN1
import X509

/// The parts of the JPKI certificate profile the test hierarchy imitates: object identifiers and the
/// extensions swift-certificates has no typed form for.
///
/// ## Object identifiers (sources)
/// The arc `1.2.392.200149.8.5` belongs to J-LIS's JPKI. Policy and personal-data identifiers below are
/// taken from the JPKI OID table of the jsrsasign JPKI add-on (`jpki-cp-sign-class20`,
/// `jpki-cp-auth-class30`, `jpki-pd-*`), and agree with J-LIS's 署名用認証局運用規程 which gives the signing
/// policy arc `1.2.392.200149.8.5.1.1.X`. They have not been checked against a certificate read from a
/// real card in this project.
///
/// ## Personal data in the signing certificate (SAN otherName)
/// Sources disagree on `.5` and `.6`: one version of the jsrsasign table has `.5` = address and `.6` =
/// substitute characters of the address, another swaps them. This module follows the first, which a
/// second, independent Go reader of real cards also uses:
///
/// | OID | content | encoding here |
/// |---|---|---|
/// | `1.2.392.200149.8.5.5.1` | name (氏名) | UTF8String |
/// | `1.2.392.200149.8.5.5.2` | substitute characters of the name | not written |
/// | `1.2.392.200149.8.5.5.3` | sex | UTF8String `1`, `2` or `9` (the text application's codes) |
/// | `1.2.392.200149.8.5.5.4` | date of birth | UTF8String, era digit + `YYYYMMDD` |
/// | `1.2.392.200149.8.5.5.5` | address (住所) | UTF8String |
/// | `1.2.392.200149.8.5.5.6` | substitute characters of the address | not written |
///
/// The date of birth's form (one era digit — 1 明治, 2 大正, 3 昭和, 4 平成, 5 令和 — then the Gregorian
/// date) is the one J-LIS's profile specification 3.2 gives, as cited by projects that verify real signing
/// certificates.
enum JPKIProfile {
    /// Policy of the user-authentication certificate (`jpki-cp-auth-class30`).
    static let authPolicy: ASN1ObjectIdentifier = [1, 2, 392, 200149, 8, 5, 1, 3, 30]
    /// Policy of the signing certificate (`jpki-cp-sign-class20`).
    static let signPolicy: ASN1ObjectIdentifier = [1, 2, 392, 200149, 8, 5, 1, 1, 20]

    static let name: ASN1ObjectIdentifier = [1, 2, 392, 200149, 8, 5, 5, 1]
    static let sex: ASN1ObjectIdentifier = [1, 2, 392, 200149, 8, 5, 5, 3]
    static let dateOfBirth: ASN1ObjectIdentifier = [1, 2, 392, 200149, 8, 5, 5, 4]
    static let address: ASN1ObjectIdentifier = [1, 2, 392, 200149, 8, 5, 5, 5]

    static let certificatePoliciesOID: ASN1ObjectIdentifier = [2, 5, 29, 32]
    static let crlDistributionPointsOID: ASN1ObjectIdentifier = [2, 5, 29, 31]
    static let cpsQualifierOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 2, 1]

    /// Where the test hierarchy says its CPS is. `.invalid` (RFC 2606) so that nothing ever resolves it.
    static let cpsURI = "http://jpki-test.mynagate.invalid/cps.html"

    /// A critical certificatePolicies extension (RFC 5280 4.2.1.4) with one policy and a CPS pointer.
    /// JPKI marks it critical so that relying parties that do not know the policy refuse the certificate.
    static func certificatePolicies(_ policy: ASN1ObjectIdentifier) throws -> Certificate.Extension {
        var s = DER.Serializer()
        try s.appendConstructedNode(identifier: .sequence) { s in       // CertificatePolicies
            try s.appendConstructedNode(identifier: .sequence) { s in   // PolicyInformation
                try s.serialize(policy)
                try s.appendConstructedNode(identifier: .sequence) { s in       // policyQualifiers
                    try s.appendConstructedNode(identifier: .sequence) { s in   // PolicyQualifierInfo
                        try s.serialize(cpsQualifierOID)
                        try s.serialize(ASN1IA5String(cpsURI))
                    }
                }
            }
        }
        return Certificate.Extension(oid: certificatePoliciesOID, critical: true, value: s.serializedBytes[...])
    }

    /// A cRLDistributionPoints extension (RFC 5280 4.2.1.13) with one distribution point per name.
    static func crlDistributionPoints(_ names: [GeneralName]) throws -> Certificate.Extension {
        var s = DER.Serializer()
        try s.appendConstructedNode(identifier: .sequence) { s in
            for name in names {
                try s.appendConstructedNode(identifier: .sequence) { s in  // DistributionPoint
                    // distributionPoint [0] EXPLICIT-by-CHOICE DistributionPointName, fullName [0] GeneralNames
                    try s.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) { s in
                        try s.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) { s in
                            try s.serialize(name)
                        }
                    }
                }
            }
        }
        return Certificate.Extension(oid: crlDistributionPointsOID, critical: false, value: s.serializedBytes[...])
    }

    /// One SAN otherName carrying a UTF8String.
    static func otherName(_ oid: ASN1ObjectIdentifier, _ text: String) throws -> GeneralName {
        .otherName(GeneralName.OtherName(typeID: oid, value: try ASN1Any(erasing: ASN1UTF8String(text))))
    }

    /// The era digit + `YYYYMMDD` form of a birth date; `nil` before 明治 (1868-01-25) or for a date that
    /// does not exist. The era comes from MynaCard's ``EraDate``, the one place that knows the boundaries.
    static func eraDate(_ yyyymmdd: String) -> String? {
        guard let d = try? EraDate(yyyymmdd: yyyymmdd) else { return nil }
        return String(d.era.digit) + yyyymmdd
    }

    /// The era year `YY` + `MM` + `DD` of a birth date, as the visual application's 生年月日 key and the
    /// first six digits of 照合番号B take it (soltia48/myna-card `src/data.rs` `verification_code_b`:
    /// 1980-02-17 → `550217`); `nil` before 明治.
    static func eraYYMMDD(_ yyyymmdd: String) -> String? {
        guard let withEra = eraDate(yyyymmdd), let era = withEra.first.flatMap({ Int(String($0)) }),
              let d = CivilDate(yyyymmdd: yyyymmdd) else { return nil }
        let firstYear = [1: 1868, 2: 1912, 3: 1926, 4: 1989, 5: 2019][era] ?? d.year
        let year = d.year - firstYear + 1
        guard (1...99).contains(year) else { return nil }
        return String(format: "%02d%02d%02d", year, d.month, d.day)
    }
}
