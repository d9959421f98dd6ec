import Access
import Foundation
import Testing
@testable import Attendance
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Collects the text and element names of an SVG, failing on anything not well-formed.
final class SVGCheck: NSObject, XMLParserDelegate {
    var elements: [String: Int] = [:]
    var text = ""
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        elements[name, default: 0] += 1
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    static func parse(_ svg: String) -> SVGCheck? {
        let check = SVGCheck()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = check
        return parser.parse() ? check : nil
    }
}

@Suite struct ReportTests {
    static let evilName = "<script>alert('x')</script> & \"Co\""

    @Test func timelineIsWellFormedAndEscaped() throws {
        var xs = Fx.shift(Fx.apr(7), "22:00", "26:00", "26:45", "31:00")
        xs += Fx.xs([(Fx.apr(9), "09:00", .entry)])
        xs += Fx.shift(Fx.apr(10), "09:00", "12:00", "13:00", "18:00")
        let days = Fx.workDays(xs)
        let svg = TimelineChart(title: Self.evilName, month: YearMonth(year: 2026, month: 4), days: days, calendar: Fx.calendar).svg()
        #expect(!svg.contains("<script>"))
        #expect(svg.contains("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; &quot;Co&quot;"))
        let check = try #require(SVGCheck.parse(svg))
        #expect(check.elements["svg"] == 1)
        #expect(check.text.contains(Self.evilName))
        // A label for every day of April; four presence bars (two on the 7th, two on the 10th) each with a
        // tooltip; the 9th (missing exit) shows 0:00 worked and the correction marker.
        #expect(check.text.contains("04/01 (水)") && check.text.contains("04/30 (木)"))
        #expect(check.elements["title"] == 1 + 4)
        #expect(check.text.contains("0:00 !"))
        #expect(check.text.contains("8:00"))
        // The night shift's bar runs past 24:00 on the 7th's row: 22:00–31:00 in minutes from midnight.
        #expect(svg.contains("<title>26:45–31:00</title>"))
    }

    @Test func heatMapIsWellFormedWithLegend() throws {
        let bob: EmployeeID = "bob"
        let days = Fx.workDays(Fx.shift(Fx.apr(7), "09:00", "12:00", "13:00", "18:00") + Fx.shift(Fx.apr(7), "08:00", "23:00", employee: bob))
        let rows = HeatMap.rows(days, people: [(Fx.alice, "山田 花子"), (bob, Self.evilName)], markers: [bob: "⚠ 45h"])
        #expect(rows[0].minutes[Fx.apr(7)] == 480)
        let svg = HeatMap(title: "開発部 <&>", month: YearMonth(year: 2026, month: 4), rows: rows).svg()
        let check = try #require(SVGCheck.parse(svg))
        #expect(!svg.contains("<script>"))
        #expect(check.text.contains(Self.evilName + " ⚠ 45h"))
        #expect(check.text.contains("開発部 <&>"))
        // 2 people × 30 days of cells + 6 legend swatches.
        #expect(check.elements["rect"] == 2 * 30 + HeatMap.steps.count)
        #expect(check.text.contains(">12h"))
        #expect(HeatMap.colour(forMinutes: 480) == "#8fbfe6")
        #expect(HeatMap.colour(forMinutes: 481) == "#f4c36b")
        #expect(HeatMap.colour(forMinutes: 0) == "#f4f4f4")
        #expect(HeatMap.colour(forMinutes: 900) == "#c0392b")
    }

    @Test func escapeDropsCharactersXMLForbids() {
        #expect(SVG.escape("a\u{0}b\u{1B}c") == "abc")
        #expect(SVG.escape("<>&\"'") == "&lt;&gt;&amp;&quot;&apos;")
    }

    @Test func payrollRowsAsCSVAndJSON() throws {
        var xs: [BoundaryCrossing] = []
        for day in 6...10 { xs += Fx.shift(Fx.apr(day), "09:00", "12:00", "13:00", "19:00") }
        let t = WorkTotals.of(Fx.workDays(xs))
        let row = PayrollRow(employeeNumber: "=HYPERLINK(\"x\")", month: YearMonth(year: 2026, month: 4), totals: t)
        #expect(row.overtimeMinutes == 300)
        #expect(row.csvLine == "\"'=HYPERLINK(\"\"x\"\")\",2026-04,5,2700,0,300,0,0,0,0")
        let csv = PayrollRow.csv([row])
        #expect(csv.hasPrefix(PayrollRow.csvHeader + "\r\n"))
        let json = try JSONEncoder().encode(row)
        #expect(try JSONDecoder().decode(PayrollRow.self, from: json) == row)
        let dayRow = WorkDayRow(employeeNumber: "A001", day: Fx.workDays(xs)[0])
        #expect(dayRow.date == "2026-04-06" && dayRow.overtimeMinutes == 60)
    }

    @Test func retentionThreeYears() {
        let perDay = RetentionPolicy(years: 3, completion: .day)
        #expect(perDay.keptThrough(Fx.d(2023, 4, 10)) == Fx.d(2026, 4, 10))
        #expect(!perDay.isPastRetention(Fx.d(2023, 4, 10), on: Fx.d(2026, 4, 10)))
        #expect(perDay.isPastRetention(Fx.d(2023, 4, 10), on: Fx.d(2026, 4, 11)))
        // 29 Feb 2024: no 29 Feb in 2027, so the period ends at the end of February (民法143条2項).
        #expect(perDay.keptThrough(Fx.d(2024, 2, 29)) == Fx.d(2027, 2, 28))
        #expect(perDay.isPastRetention(Fx.d(2024, 2, 29), on: Fx.d(2027, 3, 1)))
        #expect(perDay.firstKeptDay(on: Fx.d(2027, 3, 1)) == Fx.d(2024, 3, 1))
        // Default: completed at the end of the month, so all of April 2023 is kept until 30 April 2026.
        let monthly = RetentionPolicy()
        #expect(monthly.keptThrough(Fx.d(2023, 4, 1)) == Fx.d(2026, 4, 30))
        #expect(monthly.firstKeptDay(on: Fx.d(2026, 5, 1)) == Fx.d(2023, 5, 1))
        #expect(monthly.firstKeptDay(on: Fx.d(2026, 4, 30)) == Fx.d(2023, 4, 1))
        #expect(RetentionPolicy(years: 5).keptThrough(Fx.d(2023, 4, 1)) == Fx.d(2028, 4, 30))
    }
}
