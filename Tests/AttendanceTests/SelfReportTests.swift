import Access
import Foundation
import Testing
@testable import Attendance

@Suite struct SelfReportTests {
    @Test func utf8WithBOMHeaderAndPerLineErrors() {
        let text = """
        社員番号,日付,開始,終了,休憩
        A001,2026-04-07,9:00,18:00,60
        A001,2026/4/8,22:00,7:00,60
        A002,2026-04-07,9:00,18:00
        A003,2026-13-01,9:00,18:00,60
        A004,2026-04-07,25:00,18:00,60
        A005,2026-04-07,9:00,18:61,60
        A006,2026-04-07,9:00,18:00,abc
        A001,2026-04-07,9:00,18:00,60
        "A007,2026-04-07,9:00,18:00,60
        A008,2026-04-07,9:00,9:00,0
        A009,2026-04-07,9:00,10:00,90
        "A,010",2026-04-07,0900,26:30,0
        """
        let data = Data([0xEF, 0xBB, 0xBF]) + Data(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)
        let r = SelfReportCSV.parse(data)
        #expect(r.encoding == "UTF-8")
        #expect(r.days.map(\.employeeNumber) == ["A001", "A001", "A,010"])
        #expect(r.days[1].endMinute == 1860)  // 7:00 the next day
        #expect(r.days[1].reportedWorkMinutes == 480)
        #expect(r.days[2].startMinute == 540 && r.days[2].endMinute == 1590)
        #expect(r.errors.map(\.line) == [4, 5, 6, 7, 8, 9, 10, 11, 12])
        #expect(r.errors.map(\.reason) == [.fieldCount, .date, .start, .end, .breakMinutes, .duplicate, .unterminatedQuote, .endNotAfterStart, .breakTooLong])
        #expect(r.errors[0].ja.hasPrefix("4行目"))
        #expect(r.errors[0].en.hasPrefix("line 4"))
    }

    @Test func shiftJIS() throws {
        let text = "社員番号,日付,開始時刻,終了時刻,休憩分\r\nＡ001,2026/4/7,8:30,17:45,45\r\n"
        let data = try #require(text.data(using: .shiftJIS))
        #expect(String(data: data, encoding: .utf8) == nil)  // really not UTF-8
        let r = SelfReportCSV.parse(data)
        #expect(r.encoding == "Shift_JIS")
        #expect(r.errors.isEmpty)
        #expect(r.days.count == 1)
        #expect(r.days[0].employeeNumber == "Ａ001")
        #expect(r.days[0].reportedWorkMinutes == 510)
    }

    /// Caught by FuzzSelfReportCSV's invariant that a date read prints and re-reads as itself: a year
    /// wider than four digits was accepted, printed modulo 2^32 by `%04d` ("4294969322-04-01" was
    /// stored as 2026-04-01, replacing that day's real report) and overflowed the day arithmetic (a
    /// trap) for the largest years.
    @Test func yearsBeyondFourDigitsAreRefused() {
        let text = "A001,2026-04-01,9:00,18:00,60\nA002,4294969322-04-01,9:00,18:00,60\nA003,9223372036854775807-01-01,9:00,18:00,60\n"
        let r = SelfReportCSV.parse(Data(text.utf8))
        #expect(r.days.map(\.line) == [1])
        #expect(r.errors.map(\.line) == [2, 3])
        #expect(r.errors.map(\.reason) == [.date, .date])
        for d in r.days { #expect(CivilDate(d.date.description) == d.date) }
    }

    /// Caught by FuzzSelfReportCSV's invariant that days written back as CSV read the same: fields
    /// were split on grapheme clusters, so a quote followed by a combining mark (`"` U+0301) was not
    /// a quote and the line read as an unterminated quote. RFC 4180 quotes and commas are code points.
    @Test func quoteBeforeACombiningMarkStillQuotes() {
        let r = SelfReportCSV.parse(Data("\"\u{301}A,1\",2026-04-01,9:00,18:00,0\n".utf8))
        #expect(r.errors.isEmpty)
        #expect(r.days.map(\.employeeNumber) == ["\u{301}A,1"])
    }

    @Test func garbageNeverCrashes() {
        var g = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let bytes = (0..<Int.random(in: 0..<200, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
            let r = SelfReportCSV.parse(Data(bytes))
            #expect(r.days.count <= 200)
        }
        let r = SelfReportCSV.parse(Data("\",,,,\n,,,,\n\n".utf8))
        #expect(r.days.isEmpty)
        #expect(!r.errors.isEmpty)
    }

    @Test func gapsBetweenSelfReportAndDoors() {
        // Door: 8:30–19:10 on the 7th. Reported 9:00–18:00: entry 30 min early (within the margin), exit
        // 70 min late → a gap. On the 8th reported but no door record; on the 9th door record only.
        let presence = PresenceBuilder().days(Fx.shift(Fx.apr(7), "08:30", "19:10") + Fx.shift(Fx.apr(9), "09:00", "18:00"))
        let reports = [
            SelfReportedDay(employeeNumber: "A001", date: Fx.apr(7), startMinute: 540, endMinute: 1080, breakMinutes: 60, line: 2),
            SelfReportedDay(employeeNumber: "A001", date: Fx.apr(8), startMinute: 540, endMinute: 1080, breakMinutes: 60, line: 3),
            SelfReportedDay(employeeNumber: "UNKNOWN", date: Fx.apr(8), startMinute: 540, endMinute: 1080, breakMinutes: 60, line: 4),
        ]
        let gaps = SelfReportComparison.gaps(reports: reports, presence: presence, employees: ["A001": Fx.alice], includeUnreported: true)
        #expect(gaps.map(\.kind) == [.differs, .noDoorRecord, .noSelfReport])
        #expect(gaps[0].startDifferenceMinutes == 30)
        #expect(gaps[0].endDifferenceMinutes == 70)
        #expect(gaps[0].line == 2)
        #expect(gaps[2].date == Fx.apr(9))
        // A wider margin accepts the 7th.
        #expect(SelfReportComparison.gaps(reports: reports, presence: presence, employees: ["A001": Fx.alice], marginMinutes: 70).map(\.kind) == [.noDoorRecord])
    }
}
