import Access
import Foundation

/// Why one line of a leave file was not read. Never thrown: the file's good lines are still used.
///
/// It names the line and the field, never what was in it: the file comes from another system, and a
/// column holding a My Number by mistake (12 digits where the employee number belongs) must not travel
/// on into a page, an API answer or a log. The self-report errors quote the text; these do not.
public typealias LeaveLineError = CSVLineError<LeaveLineReason>

/// Why a line of the file was not read (``LeaveLineError``).
public enum LeaveLineReason: String, CSVLineReason {
    case fieldCount = "field_count"
    case employeeNumber = "employee_number"
    case record
    case date
    case days
    case kind
    case hours
    case duplicate
    case unterminatedQuote = "unterminated_quote"
    /// No employee has this number (found by the server, which knows the employees).
    case unknownEmployee = "unknown_employee"

    public var ja: String {
        switch self {
        case .fieldCount: return "項目の数が違います(付与は「社員番号,grant,基準日,日数」、取得は「社員番号,taken,日付,full|half|hourly[,時間数]」)"
        case .employeeNumber: return "社員番号がないか、長すぎます(1〜32文字)"
        case .record: return "2列目は grant(付与)か taken(取得)です"
        case .date: return "日付が読めません(例: 2026-04-01)"
        case .days: return "付与日数は1〜40の整数です"
        case .kind: return "取得の単位は full(全日)、half(半日)、hourly(時間単位)のいずれかです"
        case .hours: return "時間単位の取得には1〜8の時間数が必要で、全日・半日には時間数を書きません"
        case .duplicate: return "同じ社員・同じ日の行がすでにあります"
        case .unterminatedQuote: return "引用符が閉じられていません"
        case .unknownEmployee: return "この社員番号の従業員がいません"
        }
    }

    public var en: String {
        switch self {
        case .fieldCount: return "wrong number of fields (a grant is: employee number, grant, grant date, days; leave taken: employee number, taken, date, full|half|hourly[, hours])"
        case .employeeNumber: return "the employee number is empty or too long (1–32 characters)"
        case .record: return "the second field is grant or taken"
        case .date: return "the date cannot be read (e.g. 2026-04-01)"
        case .days: return "the days granted must be a whole number from 1 to 40"
        case .kind: return "leave is taken as full, half or hourly"
        case .hours: return "hourly leave needs 1 to 8 hours; full and half days take no hours"
        case .duplicate: return "there is already a line for this person and day"
        case .unterminatedQuote: return "a quote is not closed"
        case .unknownEmployee: return "no employee has this employee number"
        }
    }
}

/// The result of reading a leave file.
public struct LeaveImport: Sendable, Hashable {
    public var grants: [LeaveGrant]
    /// With the line each came from, so the server can name a line whose employee it does not know.
    public var grantLines: [Int]
    public var taken: [LeaveTaken]
    public var takenLines: [Int]
    public var errors: [LeaveLineError]
    /// `nil` when the bytes were neither UTF-8 nor Shift_JIS (then nothing was read).
    public var encoding: String?
}

/// Reads grants and leave taken from one CSV file, as a payroll or leave system exports them:
///
///     社員番号,grant,基準日,日数                     E0001,grant,2026-04-01,10
///     社員番号,taken,日付,full|half|hourly[,時間数]  E0001,taken,2026-05-07,full   E0001,taken,2026-05-08,hourly,3
///
/// One file for both, so a year's register moves in one import. `付与`/`取得` and `全日`/`半日`/`時間`
/// are read too. UTF-8 (with or without BOM) or Shift_JIS, CRLF or LF, quoted fields, an optional
/// header line (a first line whose second field is neither kind). Never throws, never traps.
public enum AnnualLeaveCSV {
    /// The longest employee number read (the API's bound, `employeeNumber` maxLength 32).
    public static let employeeNumberLength = 32

    public static func parse(_ data: Data) -> LeaveImport {
        var out = LeaveImport(grants: [], grantLines: [], taken: [], takenLines: [], errors: [], encoding: nil)
        guard let (text, encoding) = CSVText.decode(data) else { return out }
        out.encoding = encoding
        var seenGrants: Set<String> = [], seenDays: Set<String> = []
        var firstLine = true
        for (index, raw) in CSVText.lines(text).enumerated() {
            let number = index + 1
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            let isFirst = firstLine
            firstLine = false
            func fail(_ r: LeaveLineReason) { out.errors.append(LeaveLineError(line: number, reason: r)) }
            guard let fields = CSVText.splitFields(line) else { fail(.unterminatedQuote); continue }
            guard fields.count >= 2 else { fail(.fieldCount); continue }
            let record = fields[1].lowercased()
            let isGrant = record == "grant" || record == "付与", isTaken = record == "taken" || record == "取得"
            guard isGrant || isTaken else {
                if isFirst { continue }  // a header line
                fail(.record); continue
            }
            let employee = fields[0]
            guard !employee.isEmpty, employee.unicodeScalars.count <= employeeNumberLength else { fail(.employeeNumber); continue }
            if isGrant {
                guard fields.count == 4 else { fail(.fieldCount); continue }
                guard let date = CivilDate(fields[2]), StrictDate.plausibleYears.contains(date.year) else { fail(.date); continue }
                guard let days = Int(fields[3]), LeaveGrant.dayRange.contains(days) else { fail(.days); continue }
                guard seenGrants.insert("\(employee)\u{0}\(date)").inserted else { fail(.duplicate); continue }
                out.grants.append(LeaveGrant(employeeNumber: employee, grantDate: date, days: days))
                out.grantLines.append(number)
            } else {
                guard fields.count == 4 || fields.count == 5 else { fail(.fieldCount); continue }
                guard let date = CivilDate(fields[2]), StrictDate.plausibleYears.contains(date.year) else { fail(.date); continue }
                guard let kind = Self.kind(fields[3]) else { fail(.kind); continue }
                let hoursText = fields.count == 5 ? fields[4] : ""
                let hours: Int?
                if kind == .hourly {
                    guard let h = Int(hoursText), LeaveTaken.hourRange.contains(h) else { fail(.hours); continue }
                    hours = h
                } else {
                    guard hoursText.isEmpty else { fail(.hours); continue }
                    hours = nil
                }
                guard seenDays.insert("\(employee)\u{0}\(date)").inserted else { fail(.duplicate); continue }
                out.taken.append(LeaveTaken(employeeNumber: employee, date: date, kind: kind, hours: hours))
                out.takenLines.append(number)
            }
        }
        return out
    }

    static func kind(_ text: String) -> LeaveKind? {
        switch text.lowercased() {
        case "full", "全日", "全休": .full
        case "half", "半日", "半休": .half
        case "hourly", "時間", "時間単位": .hourly
        default: nil
        }
    }
}
