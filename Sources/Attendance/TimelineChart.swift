import Access
import Foundation

/// A person's month as a timeline: one row per day, a bar for each worked interval, the late-night
/// hours shaded, days off tinted, days needing correction marked.
public struct TimelineChart: Sendable {
    public var title: String
    public var month: YearMonth
    public var days: [WorkDay]
    public var calendar: CompanyCalendar
    /// The hours shown across, from 0:00 of the work day; past 24 so that night shifts stay on the
    /// row of the day they started (default 30, i.e. until 6:00 the next morning).
    public var hoursShown: Int
    public var lateNightStartMinute: Int
    public var lateNightEndMinute: Int

    public init(title: String, month: YearMonth, days: [WorkDay], calendar: CompanyCalendar, hoursShown: Int = 30, rules: WorkRules = WorkRules()) {
        self.title = title
        self.month = month
        self.days = days
        self.calendar = calendar
        self.hoursShown = hoursShown
        lateNightStartMinute = rules.lateNightStartMinute
        lateNightEndMinute = rules.lateNightEndMinute
    }

    static let left = 70.0, right = 60.0, top = 40.0, row = 18.0, hourWidth = 22.0

    public func svg() -> String {
        let width = Self.left + Double(hoursShown) * Self.hourWidth + Self.right
        let height = Self.top + Double(month.dayCount) * Self.row + 10
        let plotWidth = Double(hoursShown) * Self.hourWidth
        let x = { (minute: Int) -> Double in Self.left + Double(min(max(minute, 0), self.hoursShown * 60)) / 60 * Self.hourWidth }
        var s = SVG.open(width: width, height: height, title: "\(title) \(month)")
        s += SVG.text(Self.left, 16, "\(title) — \(month)", size: 13, extra: " font-weight=\"bold\"")
        // Late-night bands over the whole chart: 0–5, 22–29, 46–… each day shown.
        s += "<g class=\"late-night\">"
        var dayStart = 0
        while dayStart < hoursShown * 60 {
            for (a, b) in [(dayStart, dayStart + lateNightEndMinute), (dayStart + lateNightStartMinute, dayStart + 1440)] where a < hoursShown * 60 {
                s += SVG.rect(x(a), Self.top, x(b) - x(a), Double(month.dayCount) * Self.row, fill: "#e6e6f5")
            }
            dayStart += 1440
        }
        s += "</g><g class=\"axis\">"
        for h in stride(from: 0, through: hoursShown, by: 3) {
            s += "<line x1=\"\(SVG.n(x(h * 60)))\" y1=\"\(SVG.n(Self.top - 4))\" x2=\"\(SVG.n(x(h * 60)))\" y2=\"\(SVG.n(height - 10))\" stroke=\"#ccc\"/>"
            s += SVG.text(x(h * 60), Self.top - 8, "\(h)", size: 10, anchor: "middle")
        }
        s += "</g>"
        let byDate = Dictionary(days.map { ($0.date, $0) }, uniquingKeysWith: { a, _ in a })
        for (i, date) in month.days.enumerated() {
            let y = Self.top + Double(i) * Self.row
            let kind = calendar.kind(of: date)
            if kind != .workDay {
                s += SVG.rect(Self.left, y, plotWidth, Self.row, fill: kind == .legalHoliday ? "#fbe3e3" : "#f3f3f3", extra: " fill-opacity=\"0.6\"")
            }
            s += SVG.text(4, y + 13, String(format: "%02d/%02d (%@)", date.month, date.day, SVG.weekdayJa[date.weekday.rawValue]), size: 11)
            guard let d = byDate[date] else { continue }
            let midnight = EpochMinute.midnight(date)
            for iv in d.intervals {
                let a = iv.startMinute - midnight, b = iv.endMinute - midnight
                s += SVG.rect(x(a), y + 3, max(1, x(b) - x(a)), Self.row - 6, fill: "#3b6fb6",
                              title: SVG.hm(a) + "–" + SVG.hm(b))
            }
            var label = SVG.hm(d.workedMinutes)
            if d.needsCorrection { label += " !" }
            s += SVG.text(Self.left + plotWidth + 6, y + 13, label, size: 11, extra: d.needsCorrection ? " fill=\"#b00020\"" : "")
        }
        s += "</svg>"
        return s
    }
}
