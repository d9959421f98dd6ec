// libFuzzer target: the self-report CSV import (Sources/Attendance/SelfReport.swift), which reads files
// an employee or a timesheet system uploads, in UTF-8 or Shift_JIS. The first input byte picks how the
// rest reaches the parser: 0 as raw bytes (UTF-8, Shift_JIS or neither), 1 as text re-encoded in
// Shift_JIS (what Excel in Japan saves), 2 as UTF-8 with a byte-order mark.
// Invariants:
// - every day read is a possible working day: start in 0..<1440, end after start and before 48:00, a
//   break shorter than the time worked, a non-empty trimmed employee number, a date that prints and
//   re-reads as itself and survives day arithmetic;
// - each line gives at most one outcome (a day or an error), with its line number in the file;
// - the days, written back as a CSV, read back as the same days;
// - the same text in Shift_JIS and in UTF-8 reads as the same days.
import Access
import Attendance
import Foundation
import FuzzSupport

/// The process entry (Fuzz/Support/FuzzSupport.c says why each target names its own).
@_cdecl("FuzzSelfReportCSV_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    mynagate_fuzz_main(argc, argv)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = Array(UnsafeRawBufferPointer(start: start, count: count))
    guard let mode = input.first else { return 0 }
    let bytes = Array(input.dropFirst())
    switch mode % 3 {
    case 0:
        _ = check(Data(bytes))
    case 1:
        // Through the exports' own encoder (Access/ShiftJIS), which drops the default-ignorable code
        // points Foundation's Shift_JIS encoder hangs or traps on (found by this target: "a\u{FEFF}").
        let text = ShiftJIS.prepared(String(decoding: bytes, as: UTF8.self))
        guard let sjis = ShiftJIS.encode(text, lossy: false) else { return 0 }
        let fromSJIS = check(sjis)
        // Compare with the UTF-8 reading when Shift_JIS holds the text exactly (some characters map
        // one way only) and the bytes are not also valid UTF-8 (ASCII is both).
        if String(data: sjis, encoding: .shiftJIS) == text, String(data: sjis, encoding: .utf8) == nil {
            guard fromSJIS.encoding == "Shift_JIS" else { fatalError("Shift_JIS not recognised") }
            let fromUTF8 = SelfReportCSV.parse(Data(text.utf8))
            guard fromSJIS.days == fromUTF8.days, fromSJIS.errors.map(\.line) == fromUTF8.errors.map(\.line) else {
                fatalError("the same text reads differently in Shift_JIS and UTF-8")
            }
        }
    default:
        _ = check(Data([0xEF, 0xBB, 0xBF] + bytes))
    }
    return 0
}

private func check(_ data: Data) -> SelfReportImport {
    let result = SelfReportCSV.parse(data)
    var body = data
    if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
    guard let encoding = result.encoding else {
        guard result.days.isEmpty, result.errors.isEmpty else { fatalError("read lines from undecodable bytes") }
        guard String(data: body, encoding: .utf8) == nil else { fatalError("valid UTF-8 not decoded") }
        return result
    }
    if String(data: body, encoding: .utf8) != nil, encoding != "UTF-8" { fatalError("valid UTF-8 read as \(encoding)") }

    var lines = Set<Int>()
    var seen = Set<String>()
    for day in result.days {
        // The parser's contract: a start within the day, an end after it and before 48:00 (times past
        // 24:00 are how Japanese timesheets write the next morning).
        guard (0..<1440).contains(day.startMinute), day.endMinute > day.startMinute, day.endMinute < 2880 else {
            fatalError("impossible times \(day.startMinute)–\(day.endMinute)")
        }
        guard day.breakMinutes >= 0, day.breakMinutes < day.endMinute - day.startMinute, day.reportedWorkMinutes > 0 else {
            fatalError("impossible break \(day.breakMinutes)")
        }
        guard !day.employeeNumber.isEmpty,
              day.employeeNumber.trimmingCharacters(in: .whitespaces) == day.employeeNumber else {
            fatalError("employee number empty or untrimmed")
        }
        guard CivilDate("\(day.date)") == day.date else { fatalError("date \(day.date) does not re-read as itself") }
        guard CivilDate(daysSinceEpoch: day.date.daysSinceEpoch) == day.date else { fatalError("date arithmetic") }
        guard seen.insert("\(day.employeeNumber)\u{0}\(day.date)").inserted else { fatalError("duplicate day") }
        guard day.line >= 1, lines.insert(day.line).inserted else { fatalError("line \(day.line) read twice") }
    }
    for error in result.errors {
        guard error.line >= 1, lines.insert(error.line).inserted else { fatalError("line \(error.line) has two outcomes") }
        guard error.text.count <= 40, !error.ja.isEmpty, !error.en.isEmpty else { fatalError("error text") }
    }

    // Written back as CSV (RFC 4180 quoting, H:MM, the next day as 24+ hours), the days read the same.
    if !result.days.isEmpty {
        func quoted(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        func time(_ m: Int) -> String { "\(m / 60):" + (m % 60 < 10 ? "0" : "") + "\(m % 60)" }
        let csv = result.days.map { d in
            [quoted(d.employeeNumber), "\(d.date)", time(d.startMinute), time(d.endMinute), "\(d.breakMinutes)"].joined(separator: ",")
        }.joined(separator: "\r\n")
        let again = SelfReportCSV.parse(Data(csv.utf8))
        func key(_ d: SelfReportedDay) -> [String] { [d.employeeNumber, "\(d.date)", "\(d.startMinute)", "\(d.endMinute)", "\(d.breakMinutes)"] }
        guard again.errors.isEmpty, again.days.map(key) == result.days.map(key) else {
            fatalError("days written back as CSV read differently: \(again.errors.map(\.en))")
        }
    }
    return result
}
