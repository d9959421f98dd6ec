/// What is wrong with one field.
public enum ApplicationDataProblem: Error, Sendable, Hashable {
    case missing
    case formIDNotDigits
    case formIDWrongLength(Int)
    case tooLong(max: Int)
    case nameHasDigitsOrSymbols
    case notKatakana
    case dateUnreadable
    case dateInFuture
    case dateTooOld
    case postalCodeInvalid
    case cityNotFound
    case phoneInvalid
    case emailInvalid
    /// Neither a phone number nor an email address was given.
    case contactMissing
}

/// One problem in one field, with a sentence in Japanese and English for the form.
public struct ApplicationDataIssue: Error, Sendable, Hashable, BilingualMessage {
    public var field: ApplicationField
    public var problem: ApplicationDataProblem

    public init(_ field: ApplicationField, _ problem: ApplicationDataProblem) {
        self.field = field
        self.problem = problem
    }

    public var code: String {
        switch problem {
        case .missing: return "missing"
        case .formIDNotDigits: return "form_id_not_digits"
        case .formIDWrongLength: return "form_id_wrong_length"
        case .tooLong: return "too_long"
        case .nameHasDigitsOrSymbols: return "name_has_digits_or_symbols"
        case .notKatakana: return "not_katakana"
        case .dateUnreadable: return "date_unreadable"
        case .dateInFuture: return "date_in_future"
        case .dateTooOld: return "date_too_old"
        case .postalCodeInvalid: return "postal_code_invalid"
        case .cityNotFound: return "city_not_found"
        case .phoneInvalid: return "phone_invalid"
        case .emailInvalid: return "email_invalid"
        case .contactMissing: return "contact_missing"
        }
    }

    public var japaneseMessage: String {
        let f = field.japaneseName
        switch problem {
        case .missing: return "\(f)を入力してください。"
        case .formIDNotDigits: return "\(f)は数字だけで入力してください（交付申請書の右上にある23桁の数字です）。"
        case .formIDWrongLength(let n): return "\(f)は23桁です（入力は\(n)桁）。交付申請書の右上の数字を確認してください。"
        case .tooLong(let m): return "\(f)は\(m)文字以内で入力してください。"
        case .nameHasDigitsOrSymbols: return "\(f)に数字や記号は使えません。"
        case .notKatakana: return "\(f)はカタカナで入力してください。"
        case .dateUnreadable: return "\(f)は 1990-04-01 のように年・月・日で入力してください。"
        case .dateInFuture: return "\(f)が未来の日付になっています。"
        case .dateTooOld: return "\(f)が古すぎます。入力を確認してください。"
        case .postalCodeInvalid: return "\(f)は7桁の数字で入力してください（例: 100-0001）。"
        case .cityNotFound: return "住所から市区町村が分かりません。市区町村を入力してください。"
        case .phoneInvalid: return "\(f)は 03-1234-5678 のように10桁か11桁の数字で入力してください。"
        case .emailInvalid: return "\(f)の形式が正しくありません。"
        case .contactMissing: return "電話番号かメールアドレスのどちらかを入力してください。"
        }
    }

    public var englishMessage: String {
        let f = field.englishName
        switch problem {
        case .missing: return "Please enter the \(f.lowercased())."
        case .formIDNotDigits: return "\(f) must be digits only (the 23 digits at the top right of the 交付申請書)."
        case .formIDWrongLength(let n): return "\(f) has 23 digits (you entered \(n)). Check the number at the top right of the form."
        case .tooLong(let m): return "\(f) must be at most \(m) characters."
        case .nameHasDigitsOrSymbols: return "\(f) cannot contain digits or symbols."
        case .notKatakana: return "\(f) must be written in katakana."
        case .dateUnreadable: return "Enter the \(f.lowercased()) as year-month-day, e.g. 1990-04-01."
        case .dateInFuture: return "The \(f.lowercased()) is in the future."
        case .dateTooOld: return "The \(f.lowercased()) is too far in the past; please check it."
        case .postalCodeInvalid: return "\(f) must be 7 digits (e.g. 100-0001)."
        case .cityNotFound: return "The city could not be read from the address; please enter the city."
        case .phoneInvalid: return "\(f) must have 10 or 11 digits, e.g. 03-1234-5678."
        case .emailInvalid: return "The \(f.lowercased()) is not valid."
        case .contactMissing: return "Please enter a phone number or an email address."
        }
    }
}

/// Every problem found in one draft (the failure of ``ApplicationDataValidator/validate(_:today:)``).
public struct ApplicationDataIssues: Error, Sendable, Hashable {
    public var issues: [ApplicationDataIssue]
    /// The problems of one field, for marking that input.
    public func issues(for field: ApplicationField) -> [ApplicationDataIssue] { issues.filter { $0.field == field } }
}
