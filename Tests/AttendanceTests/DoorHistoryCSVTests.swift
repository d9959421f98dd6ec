import Access
import Foundation
import Testing
@testable import Attendance

/// The previous access system's door history file, read by hand-worked lines.
@Suite("Door history CSV")
struct DoorHistoryCSVTests {
    @Test("Japan time with dashes or slashes, seconds optional, or ISO 8601 with its offset; in/out in English and Japanese")
    func formats() {
        let file = """
            社員番号,日時,方向,扉名
            E1,2025-04-01 08:59,in,正面玄関
            E1,2025/04/01 18:00:30,退館
            E2,2025-04-01T00:05:00Z,入
            E2,2025-04-01T18:00:00+09:00,exit
            """
        let r = DoorHistoryCSV.parse(Data(file.utf8))
        #expect(r.errors.isEmpty)
        #expect(r.encoding == "UTF-8")
        // 08:59 Japan time is 23:59 UTC the day before.
        #expect(r.crossings.map(\.instant) == [Date(timeIntervalSince1970: 1_743_465_540), Date(timeIntervalSince1970: 1_743_498_030),
                                               Date(timeIntervalSince1970: 1_743_465_900), Date(timeIntervalSince1970: 1_743_498_000)])
        #expect(r.crossings.map(\.direction) == [.entry, .exit, .entry, .exit])
        #expect(r.crossings.map(\.line) == [2, 3, 4, 5])
    }

    @Test("bad lines are errors by line and reason; the rest is read; Shift_JIS is read too")
    func errors() throws {
        let file = """
            E1,2025-04-01 08:59,in
            E1,2025-04-01 24:00,in
            E1,2025-02-30 09:00,in
            E1,2025-04-01 09:00,sideways
            E1,2025-04-01 09:00
            ,2025-04-01 09:00,in
            E1,2025-04-01 08:59,in
            "E1,2025-04-01 09:00,in
            """
        let r = DoorHistoryCSV.parse(Data(file.utf8))
        #expect(r.crossings.count == 1)
        #expect(r.errors.map(\.line) == [2, 3, 4, 5, 6, 7, 8])
        #expect(r.errors.map(\.reason) == [.time, .time, .direction, .fieldCount, .employeeNumber, .duplicate, .unterminatedQuote])
        let sjis = try #require("E1,2025-04-01 08:59,入\n".data(using: .shiftJIS))
        let s = DoorHistoryCSV.parse(sjis)
        #expect(s.encoding == "Shift_JIS" && s.crossings.map(\.direction) == [.entry])
        #expect(DoorHistoryCSV.parse(Data([0x82, 0xFF, 0xFE])).encoding == nil)
    }

    @Test("dates and hours as Excel saves them; only a first line with no time and no direction is a header; before 2000 is too old; one minute is one crossing")
    func excelAndHeader() {
        let r = DoorHistoryCSV.parse(Data("E1,2026/3/2 8:55,in\nE1,2026/3/2 8:55:40,in\nE1,1999-12-31 23:59,out\n".utf8))
        #expect(r.crossings.map(\.instant) == [AttendanceTestsTime.jst(2026, 3, 2, 8, 55)])
        #expect(r.errors.map(\.reason) == [.duplicate, .tooOld])
        // A mistyped time on the first line is an error, not a header skipped without a word.
        let typo = DoorHistoryCSV.parse(Data("E1,2026-13-02 08:55,in\nE1,2026-03-02 18:00,out\n".utf8))
        #expect(typo.errors.map(\.line) == [1] && typo.crossings.count == 1)
    }

    @Test("an error names the line and the reason only, never the text")
    func noEcho() {
        let r = DoorHistoryCSV.parse(Data("E1,2025-04-01 08:59,in\n123456789012,not a time,in\n123456789012,2025-04-01 09:00,in,扉,余分\n".utf8))
        #expect(r.errors.map(\.reason) == [.time, .fieldCount])
        #expect(r.errors.allSatisfy { !$0.ja.contains("1234") && !$0.en.contains("1234") })
    }
}

enum AttendanceTestsTime {
    static func jst(_ y: Int, _ m: Int, _ d: Int, _ h: Int, _ min: Int) -> Date {
        JapanTime.instant(CivilDate(year: y, month: m, day: d), minute: h * 60 + min)
    }
}
