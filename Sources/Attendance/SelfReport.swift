import Access
import Foundation

/// One line of a self-reported hours file (自己申告): what the person says they worked.
public struct SelfReportedDay: Sendable, Hashable, Codable {
    /// The company's employee number (社員番号), as in `Access.Employee.employeeNumber`.
    public var employeeNumber: String
    public var date: CivilDate
    /// Minutes after midnight of `date`.
    public var startMinute: Int
    /// Minutes after midnight of `date`; above 1440 when the work ended the next day.
    public var endMinute: Int
    public var breakMinutes: Int
    /// The line in the file (1-based), to point back at it.
    public var line: Int

    public init(employeeNumber: String, date: CivilDate, startMinute: Int, endMinute: Int, breakMinutes: Int, line: Int = 0) {
        self.employeeNumber = employeeNumber
        self.date = date
        self.startMinute = startMinute
        self.endMinute = endMinute
        self.breakMinutes = breakMinutes
        self.line = line
    }

    public var reportedWorkMinutes: Int { endMinute - startMinute - breakMinutes }
}

/// Why one line of a self-report file was not read. Never thrown: the file's good lines are still used.
public struct SelfReportLineError: Sendable, Hashable, Codable, Error {
    public enum Reason: String, Sendable, Hashable, Codable {
        case fieldCount = "field_count"
        case employeeNumber = "employee_number"
        case date
        case start
        case end
        case breakMinutes = "break_minutes"
        case endNotAfterStart = "end_not_after_start"
        case breakTooLong = "break_too_long"
        case duplicate
        case unterminatedQuote = "unterminated_quote"
    }
    public var line: Int
    public var reason: Reason
    /// The offending text (cut to 40 characters), to show the user what was read.
    public var text: String

    public var ja: String {
        let what: String
        switch reason {
        case .fieldCount: what = "項目は「社員番号,日付,開始,終了,休憩(分)」の5つが必要です"
        case .employeeNumber: what = "社員番号がありません"
        case .date: what = "日付が読めません(例: 2026-04-01)"
        case .start: what = "開始時刻が読めません(例: 9:00)"
        case .end: what = "終了時刻が読めません(例: 18:00、翌日は 26:00 も可)"
        case .breakMinutes: what = "休憩は分の整数で書いてください"
        case .endNotAfterStart: what = "終了が開始より後ではありません"
        case .breakTooLong: what = "休憩が勤務時間より長くなっています"
        case .duplicate: what = "同じ社員・同じ日の行がすでにあります"
        case .unterminatedQuote: what = "引用符が閉じられていません"
        }
        return "\(line)行目: \(what)(「\(text)」)"
    }
    public var en: String {
        let what: String
        switch reason {
        case .fieldCount: what = "5 fields are needed: employee number, date, start, end, break minutes"
        case .employeeNumber: what = "the employee number is empty"
        case .date: what = "the date cannot be read (e.g. 2026-04-01)"
        case .start: what = "the start time cannot be read (e.g. 9:00)"
        case .end: what = "the end time cannot be read (e.g. 18:00; 26:00 for the next day)"
        case .breakMinutes: what = "the break must be a whole number of minutes"
        case .endNotAfterStart: what = "the end is not after the start"
        case .breakTooLong: what = "the break is longer than the time worked"
        case .duplicate: what = "there is already a line for this person and day"
        case .unterminatedQuote: what = "a quote is not closed"
        }
        return "line \(line): \(what) (\"\(text)\")"
    }
}

/// The result of reading a self-report file: the lines read and an error for each line that was not.
public struct SelfReportImport: Sendable, Hashable {
    public var days: [SelfReportedDay]
    public var errors: [SelfReportLineError]
    /// `nil` when the bytes were neither UTF-8 nor Shift_JIS (then nothing was read).
    public var encoding: String?
}

/// Reads self-reported hours: `employee number, date, start, end, break minutes` per line, CSV.
public enum SelfReportCSV {
    /// Parses `data`: UTF-8 with or without BOM, or Shift_JIS (what Excel in Japan saves); CRLF or LF;
    /// an optional header line; quoted fields. Never throws and never traps: a bad line becomes a
    /// ``SelfReportLineError`` and the rest is still read.
    ///
    /// Times are `H:MM` or `HHMM`; an end before the start means the next day (a night shift), and
    /// times past 24:00 (`26:30`) are accepted, as Japanese timesheets write them.
    public static func parse(_ data: Data) -> SelfReportImport {
        guard let (text, encoding) = CSVText.decode(data) else { return SelfReportImport(days: [], errors: [], encoding: nil) }
        var days: [SelfReportedDay] = []
        var errors: [SelfReportLineError] = []
        var seen: Set<String> = []
        let lines = CSVText.lines(text)
        for (index, raw) in lines.enumerated() {
            let number = index + 1
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            func fail(_ r: SelfReportLineError.Reason, _ t: String) { errors.append(SelfReportLineError(line: number, reason: r, text: String(t.prefix(40)))) }
            guard let fields = CSVText.splitFields(line) else { fail(.unterminatedQuote, line); continue }
            if fields.count != 5 { fail(.fieldCount, line); continue }
            guard let date = CivilDate(fields[1]) else {
                if index == 0 || (index == 1 && lines[0].isEmpty) { continue }  // a header line
                fail(.date, fields[1]); continue
            }
            let employee = fields[0]
            if employee.isEmpty { fail(.employeeNumber, line); continue }
            guard let start = parseTime(fields[2]), start < 1440 else { fail(.start, fields[2]); continue }
            guard var end = parseTime(fields[3]) else { fail(.end, fields[3]); continue }
            if end < start { end += 1440 }  // ended the next day
            if end == start { fail(.endNotAfterStart, line); continue }
            guard let pause = Int(fields[4].isEmpty ? "0" : fields[4]), pause >= 0 else { fail(.breakMinutes, fields[4]); continue }
            if pause >= end - start { fail(.breakTooLong, line); continue }
            if !seen.insert("\(employee)\u{0}\(date)").inserted { fail(.duplicate, line); continue }
            days.append(SelfReportedDay(employeeNumber: employee, date: date, startMinute: start, endMinute: end, breakMinutes: pause, line: number))
        }
        return SelfReportImport(days: days, errors: errors, encoding: encoding)
    }

    /// `H:MM`, `HH:MM` or `HHMM`, hours up to 47; `nil` otherwise.
    static func parseTime(_ s: String) -> Int? {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        let h: Int?, m: Int?
        if parts.count == 2 {
            guard parts[1].count == 2 else { return nil }
            (h, m) = (Int(parts[0]), Int(parts[1]))
        } else if s.count == 4, s.allSatisfy(\.isASCII) {
            (h, m) = (Int(s.prefix(2)), Int(s.suffix(2)))
        } else {
            return nil
        }
        guard let h, let m, (0..<48).contains(h), (0..<60).contains(m) else { return nil }
        return h * 60 + m
    }
}
