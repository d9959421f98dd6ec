import Access
import Demo
import Foundation
import Testing

/// Issue 20 item 7: the demo's public holidays are the Cabinet Office's whole published table
/// (syukujitsu.csv, February 2026 update), read by the same importer as the API's holiday import.
@Suite struct DemoHolidaysTests {
    @Test func theWholeTableFrom1955ToNextYear() throws {
        let table = try DemoHolidays.table()
        #expect(table.count == 1_067)
        #expect(table.all.first.map { "\($0.0) \($0.1)" } == "1955-01-01 元日")
        #expect(table.all.last.map { "\($0.0) \($0.1)" } == "2027-11-23 勤労感謝の日")
        // Earlier years are right: 勤労感謝の日 fell on Sunday 23 Nov 2025, so the 24th is a substitute
        // holiday (「休日」 in the table); 1 May 2019, the accession, was 「休日（祝日扱い）」.
        #expect(table.name(of: CivilDate(year: 2025, month: 11, day: 24)) == "休日")
        #expect(table.name(of: CivilDate(year: 2019, month: 5, day: 1)) == "休日（祝日扱い）")
        // The year the demo used to carry by hand is unchanged: its 18 days, the same names.
        let y2026 = table.all.filter { $0.0.year == 2026 }.map { "\($0.0) \($0.1)" }
        #expect(y2026 == ["2026-01-01 元日", "2026-01-12 成人の日", "2026-02-11 建国記念の日", "2026-02-23 天皇誕生日",
                          "2026-03-20 春分の日", "2026-04-29 昭和の日", "2026-05-03 憲法記念日", "2026-05-04 みどりの日",
                          "2026-05-05 こどもの日", "2026-05-06 休日", "2026-07-20 海の日", "2026-08-11 山の日",
                          "2026-09-21 敬老の日", "2026-09-22 休日", "2026-09-23 秋分の日", "2026-10-12 スポーツの日",
                          "2026-11-03 文化の日", "2026-11-23 勤労感謝の日"])
    }
}
