import Access
import Foundation

/// Checks an ``ApplicationDraft`` and normalises it (full-width digits, half-width or hiragana kana,
/// full-width spaces), reporting every problem at once so the form can mark all fields together.
public struct ApplicationDataValidator: Sendable {
    /// Longest name part accepted. The card prints long names in a smaller font, so this is only a
    /// guard against pasted text, not a card rule.
    public var maxNameLength = 40
    public var maxAddressLength = 200
    /// Longest phone text (digits and separators) accepted: 11 digits and their hyphens or brackets.
    public var maxPhoneLength = 20
    /// Oldest plausible age.
    public var maxAgeYears = 130

    public init() {}

    /// Returns the validated data or every problem found.
    /// - Parameter today: the day in Japan, for the birth-date checks.
    public func validate(_ d: ApplicationDraft, today: CivilDate) -> Result<ApplicationData, ApplicationDataIssues> {
        var issues: [ApplicationDataIssue] = []

        var formID: ApplicationFormID?
        if !d.applicationFormID.trimmingWhitespace().isEmpty {
            do { formID = try ApplicationFormID(d.applicationFormID) } catch { issues.append(.init(.applicationFormID, error)) }
        }

        // Lengths are counted as the API document's maxLength counts them: code points of the text as
        // sent. Characters after folding spaces let one "character" of a thousand combining marks pass.
        func name(_ text: String, _ field: ApplicationField) -> String {
            let s = collapseSpaces(text)
            if s.isEmpty { issues.append(.init(field, .missing)) }
            else if text.unicodeScalars.count > maxNameLength { issues.append(.init(field, .tooLong(max: maxNameLength))) }
            // Names in kanji, kana or Latin letters (foreign residents); digits and most symbols are typos.
            else if s.unicodeScalars.contains(where: { CharacterSet.decimalDigits.contains($0) || "!\"#$%&()*+,/:;<=>?@[\\]^_`{|}~".unicodeScalars.contains($0) }) {
                issues.append(.init(field, .nameHasDigitsOrSymbols))
            }
            return s
        }
        func kana(_ text: String, _ field: ApplicationField) -> String {
            let s = Self.katakana(collapseSpaces(text.precomposedStringWithCompatibilityMapping))
            if s.isEmpty { issues.append(.init(field, .missing)) }
            else if text.unicodeScalars.count > maxNameLength { issues.append(.init(field, .tooLong(max: maxNameLength))) }
            else if !s.unicodeScalars.allSatisfy(Self.isKatakanaOrSpace) { issues.append(.init(field, .notKatakana)) }
            return s
        }
        let family = name(d.familyName, .familyName)
        let given = name(d.givenName, .givenName)
        let familyKana = kana(d.familyNameKana, .familyNameKana)
        let givenKana = kana(d.givenNameKana, .givenNameKana)

        var birth: CivilDate?
        let birthText = d.birthDate.precomposedStringWithCompatibilityMapping.trimmingWhitespace()
        if birthText.isEmpty { issues.append(.init(.birthDate, .missing)) }
        else if let b = CivilDate(birthText) {
            if b > today { issues.append(.init(.birthDate, .dateInFuture)) }
            else if b.year < today.year - maxAgeYears { issues.append(.init(.birthDate, .dateTooOld)) }
            else { birth = b }
        } else { issues.append(.init(.birthDate, .dateUnreadable)) }

        var postal: String?
        let postalDigits = d.postalCode.precomposedStringWithCompatibilityMapping.filter { $0 != "-" && $0 != "〒" && !$0.isWhitespace && $0 != "ー" && $0 != "−" }
        if !postalDigits.isEmpty {
            if postalDigits.count == 7, postalDigits.allSatisfy(\.isASCIIDigit) { postal = postalDigits }
            else { issues.append(.init(.postalCode, .postalCodeInvalid)) }
        }

        let address = collapseSpaces(d.address)
        if address.isEmpty { issues.append(.init(.address, .missing)) }
        else if d.address.unicodeScalars.count > maxAddressLength { issues.append(.init(.address, .tooLong(max: maxAddressLength))) }
        var municipality: Municipality?
        let explicitCity = collapseSpaces(d.city)
        if d.city.unicodeScalars.count > maxAddressLength {
            // Bounded like the address it stands in for: the city goes into the batch CSV and the session plan.
            issues.append(.init(.city, .tooLong(max: maxAddressLength)))
        } else if !explicitCity.isEmpty {
            // An explicit city wins; the prefecture still comes from the address when it has one.
            let parsed = Municipality.parse(address: explicitCity)
            let pref = parsed?.prefecture ?? Municipality.parse(address: address)?.prefecture
            municipality = Municipality(prefecture: pref, city: parsed?.city ?? explicitCity)
        } else if !address.isEmpty {
            municipality = Municipality.parse(address: address)
            if municipality == nil { issues.append(.init(.city, .cityNotFound)) }
        }

        var phone: String?
        let phoneText = d.phone.precomposedStringWithCompatibilityMapping.filter { !$0.isWhitespace }
            .replacingOccurrences(of: "ー", with: "-").replacingOccurrences(of: "−", with: "-")
        if d.phone.unicodeScalars.count > maxPhoneLength {
            // Bounded as sent: 30 spaces are not an empty phone.
            issues.append(.init(.phone, .phoneInvalid))
        } else if !phoneText.isEmpty {
            let digits = phoneText.filter(\.isASCIIDigit)
            // 10 or 11 digits with a few separators fit in `maxPhoneLength`; more is not a phone number
            // (any count of hyphens around 11 digits used to pass).
            if d.phone.unicodeScalars.count <= maxPhoneLength, phoneText.allSatisfy({ $0.isASCIIDigit || $0 == "-" || $0 == "(" || $0 == ")" }),
               digits.first == "0", (10...11).contains(digits.count) {
                phone = phoneText
            } else { issues.append(.init(.phone, .phoneInvalid)) }
        }
        var email: String?
        let emailText = d.email.precomposedStringWithCompatibilityMapping.trimmingWhitespace()
        if d.email.unicodeScalars.count > 254 {
            issues.append(.init(.email, .emailInvalid))
        } else if !emailText.isEmpty {
            if Self.isEmailAddress(emailText) {
                email = emailText
            } else { issues.append(.init(.email, .emailInvalid)) }
        }
        if phoneText.isEmpty && emailText.isEmpty { issues.append(.init(.phone, .contactMissing)) }

        guard issues.isEmpty, let birth, let municipality else { return .failure(ApplicationDataIssues(issues: issues)) }
        return .success(ApplicationData(
            applicationFormID: formID, familyName: family, givenName: given, familyNameKana: familyKana,
            givenNameKana: givenKana, birthDate: birth, postalCode: postal, address: address,
            municipality: municipality, phone: phone, email: email))
    }

    /// Hiragana to katakana (same block, 0x60 apart), so people may type either.
    static func katakana(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            if (0x3041...0x3096).contains(u.value) { out.append(Unicode.Scalar(u.value + 0x60)!) } else { out.append(u) }
        }
        return String(out)
    }

    static func isKatakanaOrSpace(_ u: Unicode.Scalar) -> Bool {
        (0x30A1...0x30FA).contains(u.value) || u.value == 0x30FC /* ー */ || u.value == 0x30FB /* ・ */ || u.value == 0x3000
    }

    /// Trims, turns runs of ASCII or full-width spaces into one full-width space (the form's convention).
    /// An address as mail systems accept it (RFC 5322 dot-atom, which is what people type): a local
    /// part of letters, digits and `!#$%&'*+/=?^_`{|}~-` in dot-separated runs, and a domain of
    /// letter/digit/hyphen labels (none starting or ending with a hyphen) ending in a letters-only
    /// top-level label; at most 64 + 254 characters. Quotes, parentheses, spaces and non-ASCII are
    /// refused, and so is a local part starting with a spreadsheet formula character (`= + - @`): the
    /// address goes into the contractor's CSV, and no real address needs it.
    public static func isEmailAddress(_ text: String) -> Bool {
        guard text.count <= 254, text.allSatisfy(\.isASCII) else { return false }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        let local = parts[0], domain = parts[1]
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-")
        guard (1...64).contains(local.count), let first = local.first, !"=+-@".contains(first) else { return false }
        let localRuns = local.split(separator: ".", omittingEmptySubsequences: false)
        guard localRuns.allSatisfy({ !$0.isEmpty && $0.allSatisfy { atext.contains($0) } }) else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, let top = labels.last, top.count >= 2, top.allSatisfy(\.isLetter) else { return false }
        return labels.allSatisfy { l in
            (1...63).contains(l.count) && l.first != "-" && l.last != "-" && l.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }
        }
    }

    private func collapseSpaces(_ s: String) -> String {
        s.trimmingWhitespace().split(whereSeparator: { $0 == " " || $0 == "\u{3000}" }).joined(separator: "\u{3000}")
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
