import Access
import Attendance
import Foundation
import MyNumber

/// Which header of an HR master export holds which field of a person. Headers are matched exactly
/// (after trimming). Employee number and name are required; a field without a header is left as it is.
public struct PeopleColumnMapping: Codable, Sendable, Hashable {
    public var employeeNumber: String
    public var name: String
    public var department: String?
    public var site: String?
    /// The last day of employment (退職日), `YYYY-MM-DD`, `YYYY/M/D` or `YYYYMMDD`.
    public var leavingDate: String?
    /// active, onLeave, retired (or 在職/在籍, 休職, 退職).
    public var status: String?
    /// The birth date (生年月日), `YYYY-MM-DD`, `YYYY/M/D` or `YYYYMMDD`: with the name, what a card's
    /// signing certificate is matched with at enrollment (stored on the vault profile, as the desk's is).
    public var birthDate: String?

    public init(employeeNumber: String, name: String, department: String? = nil, site: String? = nil, leavingDate: String? = nil, status: String? = nil,
                birthDate: String? = nil) {
        (self.employeeNumber, self.name, self.department, self.site, self.leavingDate, self.status, self.birthDate) =
            (employeeNumber, name, department, site, leavingDate, status, birthDate)
    }

    /// The header names this mapping uses, for checking that each is at most 64 characters and not empty.
    var headers: [String] { [employeeNumber, name] + [department, site, leavingDate, status, birthDate].compactMap { $0 } }
    /// Whether it reads a column that ends or changes access (leaving date, status).
    var changesAccess: Bool { leavingDate != nil || status != nil }
    var isWellFormed: Bool { headers.allSatisfy { !$0.isEmpty && $0.count <= 64 } && Set(headers).count == headers.count }
}

/// Header sets we expect from common exports. They are our guesses at what Japanese HR and payroll
/// software writes by default, not vendor specifications: a source whose headers differ saves its own
/// mapping (``PeopleColumnMapping``).
public enum PeoplePreset: String, CaseIterable, Codable, Sendable {
    /// A generic Japanese HR export: 社員番号, 氏名, 所属, 勤務地, 退職日.
    case jaHR = "ja-hr"
    /// A payroll-style export: 従業員番号, 氏名, 部署, 事業所, 退職年月日, 在籍区分.
    case jaPayroll = "ja-payroll"
    /// English headers: employee_number, name, department, site, leaving_date, status.
    case en

    public var mapping: PeopleColumnMapping {
        switch self {
        case .jaHR: PeopleColumnMapping(employeeNumber: "社員番号", name: "氏名", department: "所属", site: "勤務地", leavingDate: "退職日", birthDate: "生年月日")
        case .jaPayroll: PeopleColumnMapping(employeeNumber: "従業員番号", name: "氏名", department: "部署", site: "事業所", leavingDate: "退職年月日", status: "在籍区分",
                                             birthDate: "生年月日")
        case .en: PeopleColumnMapping(employeeNumber: "employee_number", name: "name", department: "department", site: "site", leavingDate: "leaving_date", status: "status",
                                      birthDate: "birth_date")
        }
    }

    /// The first preset whose employee-number and name headers are both in `header`.
    public static func detect(_ header: [String]) -> PeoplePreset? {
        allCases.first { header.contains($0.mapping.employeeNumber) && header.contains($0.mapping.name) }
    }
}

/// One person as the HR master states them. `nil` fields had no column: they are left as they are.
public struct PeopleRow: Sendable, Hashable {
    public var line: Int
    public var employeeNumber: String
    public var name: String
    public var department: String?
    public var site: String?
    /// nil when the column is absent or the cell empty: an empty cell never clears a leaving date.
    public var leavingDate: CivilDate?
    public var status: String?
    /// nil when the column is absent or the cell empty: an empty cell never clears a birth date.
    public var birthDate: CivilDate?

    public init(line: Int, employeeNumber: String, name: String, department: String?, site: String?, leavingDate: CivilDate?, status: String?,
                birthDate: CivilDate? = nil) {
        (self.line, self.employeeNumber, self.name, self.department, self.site, self.leavingDate, self.status, self.birthDate) =
            (line, employeeNumber, name, department, site, leavingDate, status, birthDate)
    }
}

/// Why a line was not read; never the text that was there.
public enum PeopleLineReason: String, CSVLineReason {
    case openQuote = "open_quote", fieldCount = "field_count", employeeNumber = "employee_number", name, textTooLong = "text_too_long"
    case numberRun = "number_run", leavingDate = "leaving_date", status, duplicate, birthDate = "birth_date"

    public var ja: String {
        switch self {
        case .openQuote: "引用符が閉じていません"
        case .fieldCount: "列の数が見出しと違います"
        case .employeeNumber: "社員番号は1〜32文字です"
        case .name: "氏名は1〜100文字です"
        case .textTooLong: "所属・勤務地は100文字までです"
        case .numberRun: "氏名・所属・勤務地に12桁の数字を含めることはできません"
        case .leavingDate: "退職日はYYYY-MM-DD（1900〜2100年の実在する日付）です"
        case .status: "在籍区分は active・onLeave・retired（在職・休職・退職）のいずれかです"
        case .duplicate: "同じ社員番号が前の行にあります"
        case .birthDate: "生年月日はYYYY-MM-DD（1900年以降の実在する過去の日付）です"
        }
    }

    public var en: String {
        switch self {
        case .openQuote: "a quote is not closed"
        case .fieldCount: "the number of fields differs from the header"
        case .employeeNumber: "the employee number must be 1–32 characters"
        case .name: "the name must be 1–100 characters"
        case .textTooLong: "department and site must be at most 100 characters"
        case .numberRun: "name, department and site must not contain a 12-digit number"
        case .leavingDate: "the leaving date: \(StrictDate.dayRule)"
        case .status: "status must be active, onLeave or retired"
        case .duplicate: "the same employee number is on an earlier line"
        case .birthDate: "the birth date is YYYY-MM-DD, a real day from 1900 up to today"
        }
    }
}

/// Reading an HR master export (UTF-8 with or without BOM, or Shift_JIS) into ``PeopleRow``s.
///
/// The My Number rule comes first and covers the whole file: if any cell of any column — mapped or
/// not — is 12 digits with a valid check digit, the file is refused as a whole (``Refusal/myNumberColumn(_:)``),
/// naming the column by its position only. Nothing of such a file is kept: the caller stores and logs
/// nothing, and the refusal carries no cell.
public enum PeopleCSV {
    public static let maxBytes = 16 * 1024 * 1024
    public static let maxRows = 100_000

    /// What makes the whole file unreadable.
    public enum Refusal: Error, Sendable, Equatable {
        case notText
        case tooLarge
        case tooManyRows
        case noHeader
        /// A mapped header (by field name) is not in the file's header row.
        case missingColumn(String)
        /// The header row does not match a preset and no mapping was given.
        case unknownHeaders
        /// Column `n` (1-based) holds at least one My Number.
        case myNumberColumn(Int)
        case badMapping

        public var en: String {
            switch self {
            case .notText: "the file is neither UTF-8 nor Shift_JIS"
            case .tooLarge: "the file is larger than 16 MB; split it"
            case .tooManyRows: "the file has more than \(PeopleCSV.maxRows) lines; split it"
            case .noHeader: "the file has no header row"
            case .missingColumn(let field): "the header row has no column for \(field)"
            case .unknownHeaders: "the header row matches no preset; choose a preset or a saved mapping"
            case .myNumberColumn(let n): "column \(n) holds My Numbers: numbers are collected through the vault only; nothing of this file was stored or logged"
            case .badMapping: "a mapping names each of its columns once, each header 1–64 characters"
            }
        }

        public var ja: String {
            switch self {
            case .notText: "ファイルがUTF-8でもShift_JISでもありません"
            case .tooLarge: "ファイルが16MBを超えています。分けて取り込んでください"
            case .tooManyRows: "ファイルの行数が\(PeopleCSV.maxRows)行を超えています。分けて取り込んでください"
            case .noHeader: "見出し行がありません"
            case .missingColumn(let field): "見出し行に\(field)の列がありません"
            case .unknownHeaders: "見出し行がどのプリセットにも合いません。プリセットか保存した対応を選んでください"
            case .myNumberColumn(let n): "\(n)列目にマイナンバーが含まれています。マイナンバーは保管庫でのみ収集します。このファイルは何も保存・記録していません"
            case .badMapping: "列の対応は各列を一度ずつ、見出しは1〜64文字で指定してください"
            }
        }
    }

    public struct Parsed: Sendable {
        public var encoding: String
        public var mapping: PeopleColumnMapping
        public var rows: [PeopleRow]
        public var errors: [CSVLineError<PeopleLineReason>]
    }

    /// Parses `data` with `mapping`, or with the preset its header row matches when `mapping` is nil.
    public static func parse(_ data: Data, mapping given: PeopleColumnMapping?) throws(Refusal) -> Parsed {
        guard data.count <= maxBytes else { throw .tooLarge }
        guard let (text, encoding) = CSVText.decode(data) else { throw .notText }
        var lines = CSVText.lines(text)
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard lines.count <= maxRows + 1 else { throw .tooManyRows }
        // Split every line first: the My Number scan must see every cell before any row is kept.
        var split: [[String]?] = []
        split.reserveCapacity(lines.count)
        for l in lines { split.append(l.isEmpty ? [] : CSVText.splitFields(String(l))) }
        for fields in split {
            guard let fields else { continue }
            for (i, cell) in fields.enumerated() where looksLikeMyNumber(cell) { throw .myNumberColumn(i + 1) }
        }
        guard let headerFields = split.first ?? nil, headerFields.contains(where: { !$0.isEmpty }) else { throw .noHeader }
        let header = headerFields.map { $0.trimmingCharacters(in: .whitespaces) }
        guard var mapping = given ?? PeoplePreset.detect(header)?.mapping else { throw .unknownHeaders }
        guard mapping.isWellFormed else { throw .badMapping }
        // A preset's optional columns may be absent (an export without sites is still that export);
        // a mapping saved for a source names exactly its columns, so a missing one is refused.
        if PeoplePreset.allCases.contains(where: { $0.mapping == mapping }) {
            for field in [\PeopleColumnMapping.department, \.site, \.leavingDate, \.status, \.birthDate] where mapping[keyPath: field].map({ !header.contains($0) }) ?? false {
                mapping[keyPath: field] = nil
            }
        }
        func column(_ name: String?, field: String) throws(Refusal) -> Int? {
            guard let name else { return nil }
            guard let i = header.firstIndex(of: name) else { throw .missingColumn(field) }
            return i
        }
        guard let numberAt = try column(mapping.employeeNumber, field: "employeeNumber"), let nameAt = try column(mapping.name, field: "name") else { throw .badMapping }
        let deptAt = try column(mapping.department, field: "department"), siteAt = try column(mapping.site, field: "site")
        let leavingAt = try column(mapping.leavingDate, field: "leavingDate"), statusAt = try column(mapping.status, field: "status")
        let birthAt = try column(mapping.birthDate, field: "birthDate")
        let today = JapanTime(Date()).date

        var rows: [PeopleRow] = [], errors: [CSVLineError<PeopleLineReason>] = [], seen: Set<String> = []
        rows.reserveCapacity(split.count)
        for (index, fields) in split.enumerated().dropFirst() {
            let line = index + 1
            guard let fields else { errors.append(.init(line: line, reason: .openQuote)); continue }
            if fields.isEmpty || fields.allSatisfy(\.isEmpty) { continue }
            guard fields.count == header.count else { errors.append(.init(line: line, reason: .fieldCount)); continue }
            let number = fields[numberAt], name = fields[nameAt]
            let dept = deptAt.map { fields[$0] }, site = siteAt.map { fields[$0] }
            guard (1...32).contains(number.count) else { errors.append(.init(line: line, reason: .employeeNumber)); continue }
            // An employee number holding a 12-digit run is a My Number in the wrong column (or one
            // disguised: `'1234…`, `No.1234…`): never stored, never recorded.
            guard !FreeText.containsNumberRun(number) else { errors.append(.init(line: line, reason: .numberRun)); continue }
            guard (1...100).contains(name.count) else { errors.append(.init(line: line, reason: .name)); continue }
            guard (dept ?? "").count <= 100, (site ?? "").count <= 100 else { errors.append(.init(line: line, reason: .textTooLong)); continue }
            // Free text reaches the event log with its before and after values: a 12-digit run is refused.
            guard ![name, dept ?? "", site ?? ""].contains(where: FreeText.containsNumberRun) else { errors.append(.init(line: line, reason: .numberRun)); continue }
            var leaving: CivilDate?
            if let leavingAt, !fields[leavingAt].isEmpty {
                guard let d = CivilDate(fields[leavingAt]), StrictDate.plausibleYears.contains(d.year) else { errors.append(.init(line: line, reason: .leavingDate)); continue }
                leaving = d
            }
            var status: String?
            if let statusAt, !fields[statusAt].isEmpty {
                guard let s = statusWords[fields[statusAt]] else { errors.append(.init(line: line, reason: .status)); continue }
                status = s
            }
            var birth: CivilDate?
            if let birthAt, !fields[birthAt].isEmpty {
                guard let d = CivilDate(fields[birthAt]), d.year >= 1900, d <= today else { errors.append(.init(line: line, reason: .birthDate)); continue }
                birth = d
            }
            guard seen.insert(number).inserted else { errors.append(.init(line: line, reason: .duplicate)); continue }
            rows.append(PeopleRow(line: line, employeeNumber: number, name: name, department: dept, site: site, leavingDate: leaving, status: status,
                                  birthDate: birth))
        }
        return Parsed(encoding: encoding, mapping: mapping, rows: rows, errors: errors)
    }

    static let statusWords: [String: String] = [
        "active": "active", "onLeave": "onLeave", "retired": "retired",
        "在職": "active", "在籍": "active", "休職": "onLeave", "退職": "retired",
    ]

    /// A cell that holds a My Number: a run of exactly 12 digits (any script's decimal digits; spaces
    /// and hyphens between them, as ``FreeText/containsNumberRun(_:)`` reads a run) with a valid check
    /// digit, wherever it stands in the cell — alone, or behind what exports put before a number to keep
    /// its leading zeros (`'123…`, `="123…"`) or a label (`No.123…`). Cheap for most cells: a cell
    /// with fewer than 12 bytes is not scanned.
    package static func looksLikeMyNumber(_ cell: String) -> Bool {
        guard cell.utf8.count >= 12 else { return false }
        var run: [Int] = []
        func isMyNumber(_ digits: [Int]) -> Bool {
            guard digits.count == 12 else { return false }
            if case .success = IndividualNumber.check(digits.map(String.init).joined()) { return true }
            return false
        }
        for ch in cell {
            if ch.unicodeScalars.count == 1, let scalar = ch.unicodeScalars.first, scalar.properties.numericType == .decimal,
               let value = scalar.properties.numericValue {
                run.append(Int(value))
            } else if !(run.count > 0 && (ch == "-" || ch == " " || ch == "ー" || ch == "－" || ch == "　")) {
                if isMyNumber(run) { return true }
                run = []
            }
        }
        return isMyNumber(run)
    }
}
