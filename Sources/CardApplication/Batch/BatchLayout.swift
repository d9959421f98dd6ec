/// A value the contractor's CSV can carry. Raw values are stable, so a layout can be saved as JSON.
public enum BatchField: String, Sendable, Hashable, Codable, CaseIterable {
    case rowNumber, applicationFormID
    case familyName, givenName, fullName
    case familyNameKana, givenNameKana, fullNameKana
    case birthDate, postalCode, address, prefecture, city
    case phone, email
    /// The photo's file name inside the package (e.g. `photos/0001.jpg`).
    case photoFileName
    /// The company's employee number — not in the default layout: the contractor does not need it.
    case employeeNumber
    case department
}

/// One CSV column: the field and the header text the contractor expects.
public struct BatchColumn: Sendable, Hashable, Codable {
    public var field: BatchField
    public var header: String

    public init(_ field: BatchField, _ header: String) {
        self.field = field
        self.header = header
    }
}

/// How the CSV's bytes are encoded.
public enum CSVEncoding: String, Sendable, Hashable, Codable {
    /// UTF-8 with a byte-order mark, which Excel needs to open Japanese text correctly.
    case utf8WithBOM
    /// Shift_JIS (Windows-31J as Foundation maps it), still asked for by many Japanese systems.
    case shiftJIS
}

/// How dates are written.
public enum BatchDateStyle: String, Sendable, Hashable, Codable {
    /// 1990-04-01
    case iso
    /// 1990/04/01
    case slashes
    /// 19900401
    case compact
}

/// The contractor's CSV layout: ordered columns with their headers, the encoding and the date style.
/// Configurable because contractors differ; no layout is published, so ``standard`` is MynaGate's
/// own proposal.
public struct BatchLayout: Sendable, Hashable, Codable {
    public var name: String
    public var columns: [BatchColumn]
    public var encoding: CSVEncoding
    public var dateStyle: BatchDateStyle
    /// Whether the first line holds the headers.
    public var includeHeader: Bool

    public init(name: String, columns: [BatchColumn], encoding: CSVEncoding = .utf8WithBOM, dateStyle: BatchDateStyle = .slashes, includeHeader: Bool = true) {
        self.name = name
        self.columns = columns
        self.encoding = encoding
        self.dateStyle = dateStyle
        self.includeHeader = includeHeader
    }

    /// The default layout: what a 交付申請書 asks for, plus contact and the photo file, in Japanese headers.
    /// Data minimisation: no employee number or department, which the contractor has no need for.
    public static let standard = BatchLayout(name: "standard", columns: [
        BatchColumn(.rowNumber, "No"),
        BatchColumn(.applicationFormID, "申請書ID"),
        BatchColumn(.familyName, "氏"),
        BatchColumn(.givenName, "名"),
        BatchColumn(.familyNameKana, "氏（フリガナ）"),
        BatchColumn(.givenNameKana, "名（フリガナ）"),
        BatchColumn(.birthDate, "生年月日"),
        BatchColumn(.postalCode, "郵便番号"),
        BatchColumn(.address, "住所"),
        BatchColumn(.phone, "電話番号"),
        BatchColumn(.email, "メールアドレス"),
        BatchColumn(.photoFileName, "顔写真ファイル名"),
    ])
}
