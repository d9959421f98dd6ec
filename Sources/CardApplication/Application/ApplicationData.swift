import Access

/// What an employee types into the application form, as raw text (the server posts form fields).
/// ``ApplicationDataValidator`` turns it into ``ApplicationData`` or a list of problems.
public struct ApplicationDraft: Sendable, Hashable, Codable {
    /// The 23-digit 申請書ID, empty when the person has no 交付申請書 at hand (the city or contractor
    /// then issues one; the leaflet notes the form can also be downloaded from J-LIS).
    public var applicationFormID = ""
    public var familyName = ""
    public var givenName = ""
    public var familyNameKana = ""
    public var givenNameKana = ""
    /// `YYYY-MM-DD`, `YYYY/M/D` or `YYYYMMDD` (full-width digits accepted).
    public var birthDate = ""
    /// 7 digits, hyphen optional; may be empty.
    public var postalCode = ""
    /// The address of residence (住民票の住所), starting with the prefecture if possible.
    public var address = ""
    /// The municipality, when the person states it; otherwise it is read from ``address``.
    public var city = ""
    public var phone = ""
    public var email = ""

    public init(
        applicationFormID: String = "", familyName: String = "", givenName: String = "", familyNameKana: String = "",
        givenNameKana: String = "", birthDate: String = "", postalCode: String = "", address: String = "",
        city: String = "", phone: String = "", email: String = ""
    ) {
        self.applicationFormID = applicationFormID
        self.familyName = familyName
        self.givenName = givenName
        self.familyNameKana = familyNameKana
        self.givenNameKana = givenNameKana
        self.birthDate = birthDate
        self.postalCode = postalCode
        self.address = address
        self.city = city
        self.phone = phone
        self.email = email
    }
}

/// Validated, normalised application data. Only ``ApplicationDataValidator`` makes one, so holding
/// one means every rule passed. Ordinary personal information — no My Number.
public struct ApplicationData: Sendable, Hashable, Codable {
    public internal(set) var applicationFormID: ApplicationFormID?
    public internal(set) var familyName: String
    public internal(set) var givenName: String
    /// Full-width katakana.
    public internal(set) var familyNameKana: String
    /// Full-width katakana.
    public internal(set) var givenNameKana: String
    public internal(set) var birthDate: CivilDate
    /// 7 ASCII digits, or `nil`.
    public internal(set) var postalCode: String?
    public internal(set) var address: String
    public internal(set) var municipality: Municipality
    /// ASCII digits and hyphens, or `nil`.
    public internal(set) var phone: String?
    public internal(set) var email: String?

    /// Family and given name with a full-width space, as Japanese forms print them.
    public var fullName: String { familyName + "\u{3000}" + givenName }
    /// Family and given kana with a full-width space.
    public var fullNameKana: String { familyNameKana + "\u{3000}" + givenNameKana }
}

/// A field of the application form, for pointing a message at the right input.
public enum ApplicationField: String, Sendable, Hashable, Codable, CaseIterable {
    case applicationFormID, familyName, givenName, familyNameKana, givenNameKana, birthDate, postalCode, address, city, phone, email

    var japaneseName: String {
        switch self {
        case .applicationFormID: return "申請書ID"
        case .familyName: return "氏"
        case .givenName: return "名"
        case .familyNameKana: return "氏（フリガナ）"
        case .givenNameKana: return "名（フリガナ）"
        case .birthDate: return "生年月日"
        case .postalCode: return "郵便番号"
        case .address: return "住所"
        case .city: return "市区町村"
        case .phone: return "電話番号"
        case .email: return "メールアドレス"
        }
    }

    var englishName: String {
        switch self {
        case .applicationFormID: return "Application form ID"
        case .familyName: return "Family name"
        case .givenName: return "Given name"
        case .familyNameKana: return "Family name (kana)"
        case .givenNameKana: return "Given name (kana)"
        case .birthDate: return "Date of birth"
        case .postalCode: return "Postal code"
        case .address: return "Address"
        case .city: return "City"
        case .phone: return "Phone number"
        case .email: return "Email address"
        }
    }
}
