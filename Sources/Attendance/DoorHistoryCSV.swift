import Access
import Foundation

/// One crossing of the workplace boundary from the access system MynaGate replaces, as exported.
public struct HistoricalCrossing: Sendable, Hashable {
    public var employeeNumber: String
    public var instant: Date
    public var direction: CrossingDirection
    /// The line in the file (1-based): the imported crossing's event id is made from it.
    public var line: Int
}

/// Why one line of a door history file was not imported. It names the line and the field, never what
/// was in it (a column of My Numbers by mistake must not travel on into an answer or a log).
public typealias DoorHistoryLineError = CSVLineError<DoorHistoryLineReason>

/// Why a line of the file was not read (``DoorHistoryLineError``).
public enum DoorHistoryLineReason: String, CSVLineReason {
    case fieldCount = "field_count"
    case employeeNumber = "employee_number"
    case time
    case direction
    case duplicate
    case unterminatedQuote = "unterminated_quote"
    /// Found by the server: no employee has this number.
    case unknownEmployee = "unknown_employee"
    /// Found by the server: on or after the day of this person's first crossing MynaGate recorded itself.
    case overlapsOwnRecords = "overlaps_own_records"
    /// Found by the server: an earlier import holds this crossing (same person, minute, direction).
    case alreadyImported = "already_imported"
    /// Found by the server: later than now.
    case future
    /// Before 2000: no access system MynaGate replaces holds such records, and attendance's
    /// minutes are counted from 1970 (an earlier time is a typo, not history).
    case tooOld = "too_old"

    public var ja: String {
        switch self {
        case .fieldCount: return "項目は「社員番号,日時,方向」(4列目に扉名があってもよい)です"
        case .employeeNumber: return "社員番号がないか、長すぎます(1〜32文字)"
        case .time: return "日時が読めません(例: 2025-04-01 08:59、日本時間)"
        case .direction: return "方向は in/out(入/出)です"
        case .duplicate: return "同じ社員・同じ日時・同じ方向の行がすでにあります"
        case .unterminatedQuote: return "引用符が閉じられていません"
        case .unknownEmployee: return "この社員番号の従業員がいません"
        case .overlapsOwnRecords: return "MynaGate 自身の記録が始まった日以降のため取り込みません"
        case .alreadyImported: return "同じ通過が以前の取り込みで登録済みです"
        case .future: return "未来の日時です"
        case .tooOld: return "2000年より前の日時です"
        }
    }

    public var en: String {
        switch self {
        case .fieldCount: return "3 fields are needed: employee number, time, direction (a 4th, the door's name, may follow)"
        case .employeeNumber: return "the employee number is empty or too long (1–32 characters)"
        case .time: return "the time cannot be read (e.g. 2025-04-01 08:59, Japan time)"
        case .direction: return "the direction is in or out (入 or 出)"
        case .duplicate: return "there is already a line for this person, time and direction"
        case .unterminatedQuote: return "a quote is not closed"
        case .unknownEmployee: return "no employee has this employee number"
        case .overlapsOwnRecords: return "on or after the day of this person's first crossing MynaGate recorded itself; not imported"
        case .alreadyImported: return "an earlier import holds this crossing"
        case .future: return "the time is in the future"
        case .tooOld: return "the time is before 2000"
        }
    }
}

/// Reads the door history file of the access system MynaGate replaces:
///
///     社員番号,日時,方向[,扉名]        E0001,2025-04-01 08:59,in,正面玄関
///
/// The time is Japan time, `YYYY-MM-DD HH:MM[:SS]` or with slashes, or ISO 8601 with its offset; the
/// direction `in`/`out`, `入`/`出`, `entry`/`exit`, `入館`/`退館` or `入室`/`退室`. The door's name is
/// allowed and not kept: attendance needs only the boundary crossing. UTF-8 or Shift_JIS
/// (``CSVText``), an optional header line. Never throws; a bad line becomes a ``DoorHistoryLineError``.
public enum DoorHistoryCSV {
    public struct Parsed: Sendable, Hashable {
        public var crossings: [HistoricalCrossing]
        public var errors: [DoorHistoryLineError]
        /// `nil` when the bytes were neither UTF-8 nor Shift_JIS (then nothing was read).
        public var encoding: String?
    }

    public static func parse(_ data: Data) -> Parsed {
        guard let (text, encoding) = CSVText.decode(data) else { return Parsed(crossings: [], errors: [], encoding: nil) }
        var crossings: [HistoricalCrossing] = []
        var errors: [DoorHistoryLineError] = []
        var seen: Set<String> = []
        var first = true
        for (index, raw) in CSVText.lines(text).enumerated() {
            let number = index + 1
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            // Only the first line may be a header, and only when neither its time nor its direction
            // reads: a first line whose time is mistyped is an error, never skipped without a word.
            let mayBeHeader = first
            first = false
            func fail(_ r: DoorHistoryLineReason) { errors.append(DoorHistoryLineError(line: number, reason: r)) }
            guard let fields = CSVText.splitFields(line) else { fail(.unterminatedQuote); continue }
            if mayBeHeader, fields.count >= 3, time(fields[1]) == nil, direction(fields[2]) == nil { continue }
            guard fields.count == 3 || fields.count == 4 else { fail(.fieldCount); continue }
            guard let instant = time(fields[1]) else { fail(.time); continue }
            let employee = fields[0]
            guard (1...32).contains(employee.unicodeScalars.count) else { fail(.employeeNumber); continue }
            guard let direction = direction(fields[2]) else { fail(.direction); continue }
            guard instant >= earliest else { fail(.tooOld); continue }
            // Attendance counts by the minute: two lines in the same minute are one crossing.
            if !seen.insert("\(employee)\u{0}\(EpochMinute.of(instant))\u{0}\(direction.rawValue)").inserted { fail(.duplicate); continue }
            crossings.append(HistoricalCrossing(employeeNumber: employee, instant: instant, direction: direction, line: number))
        }
        return Parsed(crossings: crossings, errors: errors, encoding: encoding)
    }

    /// The earliest time imported: 2000-01-01 00:00 Japan time.
    static let earliest = JapanTime.instant(CivilDate(year: 2000, month: 1, day: 1))

    /// `in`/`out` and their Japanese and English names; `nil` otherwise.
    static func direction(_ s: String) -> CrossingDirection? {
        switch s.lowercased() {
        case "in", "entry", "入", "入館", "入室": return .entry
        case "out", "exit", "出", "退館", "退室": return .exit
        default: return nil
        }
    }

    /// Japan time `YYYY-MM-DD HH:MM[:SS]`, with `/` or `-` between the date's parts and the month, day
    /// and hour in one or two digits (`2026/3/2 8:55`, as Excel saves it), or ISO 8601 with an offset
    /// (``StrictDate/instant(_:)``). A real calendar day in 1900–2100; `nil` otherwise.
    static func time(_ s: String) -> Date? {
        if let d = StrictDate.instant(s) { return d }
        let parts = s.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2 else { return nil }
        let ymd = parts[0].split(omittingEmptySubsequences: false, whereSeparator: { $0 == "-" || $0 == "/" })
        guard ymd.count == 3, ymd[0].count == 4, (1...2).contains(ymd[1].count), (1...2).contains(ymd[2].count),
              ymd.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let day = StrictDate.day("\(ymd[0])-\(ymd[1].count == 1 ? "0" : "")\(ymd[1])-\(ymd[2].count == 1 ? "0" : "")\(ymd[2])") else { return nil }
        let hms = parts[1].split(separator: ":", omittingEmptySubsequences: false)
        guard hms.count == 2 || hms.count == 3, (1...2).contains(hms[0].count), hms.dropFirst().allSatisfy({ $0.count == 2 }),
              hms.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let h = Int(hms[0]), let m = Int(hms[1]), (0..<24).contains(h), (0..<60).contains(m) else { return nil }
        let sec = hms.count == 3 ? Int(hms[2]) : 0
        guard let sec, (0..<60).contains(sec) else { return nil }
        return JapanTime.instant(day, minute: h * 60 + m).addingTimeInterval(Double(sec))
    }
}
