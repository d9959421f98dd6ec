/// A Japanese era (元号), as the card's data uses them: the birth-date part of 照合番号B is written with
/// the era year, and the signing certificate's date of birth starts with the era's digit.
///
/// ## First days (Gregorian)
/// | era | first day | source |
/// |---|---|---|
/// | 明治 | 1868-01-25 | 明治元年1月1日 (the 改元の詔 of 慶応4年9月8日 made the whole of 慶応4年 明治元年); the day soltia48/myna-card `src/data.rs` `Date::to_era` starts at |
/// | 大正 | 1912-07-30 | java.time.chrono.JapaneseEra `TAISHO` (1912-07-30 – 1926-12-24); .NET `JapaneseCalendar.Eras` |
/// | 昭和 | 1926-12-25 | java.time `SHOWA` (1926-12-25 – 1989-01-07); .NET |
/// | 平成 | 1989-01-08 | java.time `HEISEI` (1989-01-08 – 2019-04-30); 元号を改める政令 (昭和64年政令第1号), in force the next day |
/// | 令和 | 2019-05-01 | java.time `REIWA` (2019-05-01 –); 元号を改める政令 (平成31年政令第143号) |
///
/// On 1912-07-30 and 1926-12-25 the emperor died and the era changed the same day, so those days belong
/// to the new era; on 1989-01-07 the emperor died but the new era began the next day, so that day is
/// 昭和64年. java.time and .NET begin 明治 on 1868-01-01 (a proleptic choice); MynaGate follows
/// myna-card, and the difference matters to nobody alive.
public enum JapaneseEra: Int, Sendable, Hashable, CaseIterable, Codable, Comparable {
    case meiji = 1, taisho, showa, heisei, reiwa

    /// The era's first day, Gregorian.
    public var firstDay: (year: Int, month: Int, day: Int) {
        switch self {
        case .meiji: return (1868, 1, 25)
        case .taisho: return (1912, 7, 30)
        case .showa: return (1926, 12, 25)
        case .heisei: return (1989, 1, 8)
        case .reiwa: return (2019, 5, 1)
        }
    }

    /// 明治, 大正, 昭和, 平成 or 令和.
    public var japaneseName: String {
        switch self {
        case .meiji: return "明治"
        case .taisho: return "大正"
        case .showa: return "昭和"
        case .heisei: return "平成"
        case .reiwa: return "令和"
        }
    }

    /// Meiji, Taisho, Showa, Heisei or Reiwa.
    public var englishName: String {
        switch self {
        case .meiji: return "Meiji"
        case .taisho: return "Taisho"
        case .showa: return "Showa"
        case .heisei: return "Heisei"
        case .reiwa: return "Reiwa"
        }
    }

    /// The era's digit in J-LIS's certificate profile (1 明治 … 5 令和): the signing certificate's date of
    /// birth is this digit followed by the Gregorian `YYYYMMDD`.
    public var digit: Int { rawValue }

    public static func < (a: JapaneseEra, b: JapaneseEra) -> Bool { a.rawValue < b.rawValue }
}

/// A Gregorian date with its Japanese era and era year, e.g. 1980-02-17 = 昭和55年2月17日.
///
/// Year 1 of an era (元年) is year `1`, written `01` in ``yymmdd``.
///
/// Dates before 1873-01-01 are proleptic Gregorian: Japan kept the lunisolar 天保暦 until 明治5年12月2日
/// (1872-12-31), so an 明治 date before 1873 is not the day a document of the time would write.
public struct EraDate: Sendable, Hashable, CustomStringConvertible {
    /// The Gregorian date.
    public let year: Int, month: Int, day: Int
    /// The era the date falls in.
    public let era: JapaneseEra
    /// The year within the era, from 1 (元年).
    public let eraYear: Int

    /// The era date of a Gregorian date.
    ///
    /// - Throws: ``EraDateError/notACalendarDate`` for a day that does not exist (2023-02-29, month 13),
    ///   ``EraDateError/beforeMeiji`` before 1868-01-25.
    public init(year: Int, month: Int, day: Int) throws(EraDateError) {
        guard (1...12).contains(month), (1...Self.daysIn(year: year, month: month)).contains(day) else {
            throw .notACalendarDate
        }
        guard let era = JapaneseEra.allCases.reversed().first(where: { e in
            let f = e.firstDay
            return (year, month, day) >= (f.year, f.month, f.day)
        }) else {
            throw .beforeMeiji
        }
        self.year = year
        self.month = month
        self.day = day
        self.era = era
        self.eraYear = year - era.firstDay.year + 1
    }

    /// Parses 8 ASCII digits `YYYYMMDD`, the form of the card's text application (DF24) and of
    /// ``BasicFourItems/birthDate``.
    ///
    /// - Throws: ``EraDateError/notACalendarDate`` unless it is 8 digits naming a real day, or
    ///   ``EraDateError/beforeMeiji``.
    public init(yyyymmdd: String) throws(EraDateError) {
        let u = Array(yyyymmdd.utf8)
        guard u.count == 8, u.allSatisfy({ (0x30...0x39).contains($0) }) else { throw .notACalendarDate }
        let n = u.map { Int($0 - 0x30) }
        try self.init(year: n[0] * 1000 + n[1] * 100 + n[2] * 10 + n[3], month: n[4] * 10 + n[5], day: n[6] * 10 + n[7])
    }

    /// Era year, month and day as 6 digits (`550217` for 昭和55年2月17日): the first part of 照合番号B.
    public var yymmdd: String {
        Self.twoDigits(eraYear % 100) + Self.twoDigits(month) + Self.twoDigits(day)
    }

    /// e.g. `昭和55年2月17日`, with 元年 for year 1.
    public var japanese: String {
        "\(era.japaneseName)\(eraYear == 1 ? "元" : String(eraYear))年\(month)月\(day)日"
    }

    public var description: String { japanese }

    static func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }

    static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// Why a date or the parts of 照合番号B were refused. Nothing has been sent to a card.
public enum EraDateError: Error, Sendable, Hashable {
    /// Not 8 digits naming a real Gregorian day.
    case notACalendarDate
    /// Before 明治 (1868-01-25): no era MynaGate knows.
    case beforeMeiji
    /// The era year needs more than 2 digits (an era past its 99th year).
    case eraYearTooLarge
    /// The card's expiry year is not a 4-digit year on or after the birth year.
    case expiryYearInvalid
    /// The security code (セキュリティコード) is not 4 ASCII digits.
    case securityCodeInvalid

    /// The reason in Japanese, for the person typing the parts.
    public var japaneseMessage: String {
        switch self {
        case .notACalendarDate: return "生年月日が正しい日付（西暦YYYYMMDD）ではありません。"
        case .beforeMeiji: return "生年月日が明治より前です。"
        case .eraYearTooLarge: return "和暦の年が2桁に収まりません。"
        case .expiryYearInvalid: return "有効期限の年は西暦4桁で、生まれ年以降です。"
        case .securityCodeInvalid: return "セキュリティコードは数字4桁です。"
        }
    }

    /// The reason in English.
    public var englishMessage: String {
        switch self {
        case .notACalendarDate: return "The birth date is not a real date (Gregorian YYYYMMDD)."
        case .beforeMeiji: return "The birth date is before the Meiji era."
        case .eraYearTooLarge: return "The era year does not fit in two digits."
        case .expiryYearInvalid: return "The expiry year must be a 4-digit Gregorian year, not before the birth year."
        case .securityCodeInvalid: return "The security code is 4 digits."
        }
    }
}

/// 照合番号B, the key of the visual application (EF `0012`), built from what is printed on the card's
/// front: the birth date with its **Japanese-era** year (`YYMMDD`), the card's expiry year (Gregorian
/// `YYYY`) and the 4-digit security code (セキュリティコード).
///
/// Born 1980-02-17 (昭和55), card expiring in 2035, security code 2285 → `55021720352285`: the value
/// soltia48/myna-card (`src/data.rs` `verification_code_b`, README "Reading a card") confirmed on a card.
/// A Gregorian `800217…` is wrong and costs one of the 10 tries.
///
/// The value never prints: `description`, `debugDescription` and `dump` show the era's name only — not
/// the era year (the birth year, and 2 of the 14 digits), the date or the code.
public struct VisualPINB: Sendable, Hashable {
    /// The birth date with its era; ``EraDate/yymmdd`` is the first part. Internal: an ``EraDate``
    /// describes itself in full, and this one is part of a PIN. The caller that built it from a
    /// birth date already holds that date.
    let birthDate: EraDate
    /// The era of the birth date (the one part shown: it is what a holder gets wrong, and it is shared
    /// with everyone born in the same 30-odd years).
    public var era: JapaneseEra { birthDate.era }
    /// The card's expiry year, Gregorian.
    public let expiryYear: Int
    let securityCode: String

    /// Checks the three printed parts.
    ///
    /// - Parameters:
    ///   - birthDate: `YYYYMMDD`, Gregorian (as on the text application and the card's front in 西暦).
    ///   - expiryYear: the year of the card's expiry date (有効期限), e.g. 2035.
    ///   - securityCode: the 4 digits printed as セキュリティコード.
    /// - Throws: ``EraDateError``; nothing has been sent to a card.
    public init(birthDate: String, expiryYear: Int, securityCode: String) throws(EraDateError) {
        try self.init(birthDate: try EraDate(yyyymmdd: birthDate), expiryYear: expiryYear, securityCode: securityCode)
    }

    /// Checks the parts with the birth date already as an ``EraDate``.
    public init(birthDate: EraDate, expiryYear: Int, securityCode: String) throws(EraDateError) {
        guard birthDate.eraYear <= 99 else { throw .eraYearTooLarge }
        guard (1000...9999).contains(expiryYear), expiryYear >= birthDate.year else { throw .expiryYearInvalid }
        let code = Array(securityCode.utf8)
        guard code.count == 4, code.allSatisfy({ (0x30...0x39).contains($0) }) else { throw .securityCodeInvalid }
        self.birthDate = birthDate
        self.expiryYear = expiryYear
        self.securityCode = securityCode
    }

    /// The 14 digits the card compares. Give them only to the card (or a virtual card's state); never log them.
    public var digits: String {
        birthDate.yymmdd + String(expiryYear) + securityCode
    }

    /// The PIN to send (``PINKind/visualB``).
    public var pin: PIN {
        // 6 + 4 + 4 ASCII digits by construction (era year ≤ 99, a 4-digit year, a checked code).
        PIN(checked: Array(digits.utf8), kind: .visualB)
    }
}

extension VisualPINB: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The era's name only: the era year is the birth year and two of the 14 digits.
    public var description: String {
        "照合番号B(\(birthDate.era.japaneseName), <非表示>)"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["era": birthDate.era.englishName], displayStyle: .struct)
    }
}

extension PIN {
    /// 照合番号B from the parts printed on the card's front; see ``VisualPINB``.
    ///
    /// - Throws: ``EraDateError`` for a part that is not valid; nothing has been sent to a card.
    public static func visualB(birthDate: String, expiryYear: Int, securityCode: String) throws(EraDateError) -> PIN {
        try VisualPINB(birthDate: birthDate, expiryYear: expiryYear, securityCode: securityCode).pin
    }
}
