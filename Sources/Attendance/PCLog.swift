import Access
import Foundation

// PC sign-in and sign-off records (パソコンの使用時間の記録): the 2017 guideline (労働時間の適正な把握のために
// 使用者が講ずべき措置に関するガイドライン, 平29.1.20 基発0120第3号, 4(2)) names them, beside the door (IC card)
// record, as an objective record of working time. MynaGate reads them as a third source, to compare
// with the door record and the self-report (``PCLogComparison``); they never change the working time.

/// What a PC logged: a sign-in or unlock starts work at the PC, a sign-off or lock ends it.
public enum PCLogEventKind: String, Sendable, Hashable, Codable, CaseIterable {
    case logon, logoff, lock, unlock

    /// Whether the event starts (logon, unlock) or ends (logoff, lock) a stretch at the PC.
    public var starts: Bool { self == .logon || self == .unlock }

    /// The names the CSV may use: English, and the Japanese that Windows' own logs and tools print.
    public init?(csv text: String) {
        switch text.lowercased() {
        case "logon", "login", "signin", "ログオン", "ログイン", "サインイン": self = .logon
        case "logoff", "logout", "signout", "ログオフ", "ログアウト", "サインアウト": self = .logoff
        case "lock", "ロック": self = .lock
        case "unlock", "ロック解除": self = .unlock
        default: return nil
        }
    }
}

/// One line of a PC log: who, when (to the second), what, and on which PC.
public struct PCLogEvent: Sendable, Hashable, Codable {
    /// The company's employee number (社員番号), as the self-reports are keyed.
    public var employeeNumber: String
    /// Seconds since 1970-01-01T00:00Z: the instant, whatever offset the file wrote it in, so the same
    /// event written in Japan time and in UTC is one event.
    public var second: Int
    public var kind: PCLogEventKind
    /// The PC's name, when the file gives it (empty otherwise).
    public var pc: String

    public init(employeeNumber: String, second: Int, kind: PCLogEventKind, pc: String = "") {
        self.employeeNumber = employeeNumber
        self.second = second
        self.kind = kind
        self.pc = pc
    }

    /// The epoch minute (floor), attendance's clock.
    public var minute: Int { Int((Double(second) / 60).rounded(.down)) }
}

/// Why one line of a PC log was not read. Never thrown: the file's good lines are still used.
///
/// Like ``LeaveLineError`` it names the line and the field, never what was in it: a log exported from
/// another system may carry a My Number where the employee number belongs, and it must not travel on
/// into an answer, a page or a log line.
public typealias PCLogLineError = CSVLineError<PCLogLineReason>

/// Why a line of the file was not read (``PCLogLineError``).
public enum PCLogLineReason: String, CSVLineReason {
    case fieldCount = "field_count"
    case employeeNumber = "employee_number"
    case time
    case event
    case pcName = "pc_name"
    case duplicate
    case unterminatedQuote = "unterminated_quote"
    /// No employee has this number (found by the server, which knows the employees).
    case unknownEmployee = "unknown_employee"

    public var ja: String {
        switch self {
        case .fieldCount: return "項目は「社員番号,日時,種別[,PC名]」の3つか4つです"
        case .employeeNumber: return "社員番号がないか、長すぎます(1〜32文字)"
        case .time: return "日時が読めません(例: 2026-04-01 08:55、2026-04-01T08:55:00+09:00)"
        case .event: return "種別は logon、logoff、lock、unlock(ログオン、ログオフ)のいずれかです"
        case .pcName: return "PC名が長すぎるか(64文字まで)、12桁の数字や制御文字を含んでいます"
        case .duplicate: return "同じ社員・同じ日時・同じ種別の行がすでにあります"
        case .unterminatedQuote: return "引用符が閉じられていません"
        case .unknownEmployee: return "この社員番号の従業員がいません"
        }
    }

    public var en: String {
        switch self {
        case .fieldCount: return "3 or 4 fields are needed: employee number, time, event[, PC name]"
        case .employeeNumber: return "the employee number is empty or too long (1–32 characters)"
        case .time: return "the time cannot be read (e.g. 2026-04-01 08:55 or 2026-04-01T08:55:00+09:00)"
        case .event: return "the event is logon, logoff, lock or unlock"
        case .pcName: return "the PC name is too long (at most 64 characters), or holds a 12-digit number or a control character"
        case .duplicate: return "there is already a line for this person, time and event"
        case .unterminatedQuote: return "a quote is not closed"
        case .unknownEmployee: return "no employee has this employee number"
        }
    }
}

/// The result of reading a PC log.
public struct PCLogImport: Sendable, Hashable {
    public var events: [PCLogEvent]
    /// The line each event came from, so the server can name a line whose employee it does not know.
    public var lines: [Int]
    public var errors: [PCLogLineError]
    /// `nil` when the bytes were neither UTF-8 nor Shift_JIS (then nothing was read).
    public var encoding: String?
}

/// Reads a PC sign-in/sign-off log:
///
///     社員番号,日時,種別[,PC名]     E0001,2026-11-02 08:12,logon,PC-0123
///                                   E0001,2026-11-02T19:40:05+09:00,ログオフ
///
/// Times are Japan time as `YYYY-MM-DD HH:MM[:SS]` (or `/` in the date, as Excel writes it), or ISO
/// 8601 with `T` and an offset (`Z`, `+09:00`). UTF-8 with or without BOM, or Shift_JIS; quoted
/// fields; an optional header line (a first line whose time does not read). Never throws, never traps.
public enum PCLogCSV {
    /// The longest employee number read (the same bound as the leave import's).
    public static let employeeNumberLength = 32
    /// The longest PC name kept.
    public static let pcNameLength = 64

    public static func parse(_ data: Data) -> PCLogImport {
        var out = PCLogImport(events: [], lines: [], errors: [], encoding: nil)
        guard let (text, encoding) = CSVText.decode(data) else { return out }
        out.encoding = encoding
        var seen: Set<String> = []
        var firstLine = true
        for (index, raw) in CSVText.lines(text).enumerated() {
            let number = index + 1
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            let isFirst = firstLine
            firstLine = false
            func fail(_ r: PCLogLineReason) { out.errors.append(PCLogLineError(line: number, reason: r)) }
            guard let fields = CSVText.splitFields(line) else { fail(.unterminatedQuote); continue }
            // Only a first line without a digit in its time (or, of another shape, in the whole line) is a
            // header: a first line whose time is mistyped is an error, never dropped without a word.
            guard fields.count == 3 || fields.count == 4 else {
                if isFirst, !line.contains(where: { $0.isASCII && $0.isNumber }) { continue }
                fail(.fieldCount); continue
            }
            guard let second = instant(fields[1]) else {
                if isFirst, !fields[1].contains(where: { $0.isASCII && $0.isNumber }) { continue }
                fail(.time); continue
            }
            let employee = fields[0]
            guard !employee.isEmpty, employee.unicodeScalars.count <= employeeNumberLength else { fail(.employeeNumber); continue }
            guard let kind = PCLogEventKind(csv: fields[2]) else { fail(.event); continue }
            let pc = fields.count == 4 ? fields[3] : ""
            guard pc.unicodeScalars.count <= pcNameLength else { fail(.pcName); continue }
            guard seen.insert("\(employee)\u{0}\(second)\u{0}\(kind.rawValue)").inserted else { fail(.duplicate); continue }
            out.events.append(PCLogEvent(employeeNumber: employee, second: second, kind: kind, pc: pc))
            out.lines.append(number)
        }
        return out
    }

    /// Seconds since the epoch for `YYYY-MM-DD HH:MM[:SS]` (Japan time) or
    /// `YYYY-MM-DDTHH:MM[:SS](Z|±HH:MM)`; `nil` for anything else, for a date outside 1900–2100,
    /// and for a `T` form without an offset (whose zone the file does not say).
    static func instant(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces)
        let iso = t.contains("T")
        let parts = t.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "T" || $0 == " " })
        guard parts.count == 2, let date = CivilDate(parts[0]), StrictDate.plausibleYears.contains(date.year) else { return nil }
        var clock = Substring(parts[1])
        var offsetSeconds = JapanTime.offsetSeconds
        if iso {
            if clock.hasSuffix("Z") {
                offsetSeconds = 0
                clock = clock.dropLast()
            } else if let sign = clock.lastIndex(where: { $0 == "+" || $0 == "-" }) {
                let zone = clock[clock.index(after: sign)...].split(separator: ":", omittingEmptySubsequences: false)
                guard zone.count == 2, zone.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCIIDigit) }),
                      let h = Int(zone[0]), let m = Int(zone[1]), (0...14).contains(h), (0..<60).contains(m) else { return nil }
                offsetSeconds = (h * 3600 + m * 60) * (clock[sign] == "-" ? -1 : 1)
                clock = clock[..<sign]
            } else {
                return nil
            }
        }
        let hms = clock.split(separator: ":", omittingEmptySubsequences: false)
        guard hms.count == 2 || hms.count == 3,
              hms.allSatisfy({ ($0.count == 2 || ($0.count == 1 && $0 == hms[0])) && $0.allSatisfy(\.isASCIIDigit) }),
              let h = Int(hms[0]), let m = Int(hms[1]), (0..<24).contains(h), (0..<60).contains(m) else { return nil }
        var s = 0
        if hms.count == 3 {
            guard hms[2].count == 2, hms[2].allSatisfy(\.isASCIIDigit), let sec = Int(hms[2]), (0..<60).contains(sec) else { return nil }
            s = sec
        }
        return date.daysSinceEpoch * 86_400 + h * 3600 + m * 60 + s - offsetSeconds
    }
}

extension Character {
    /// 0–9 only: `Int("+5")` and full-width digits must not pass as a time.
    var isASCIIDigit: Bool { isASCII && isNumber }
}
