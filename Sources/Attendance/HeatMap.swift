import Access
import Foundation

/// A department's month as a heat map: one row per person, one column per day, the hours worked as a
/// colour, with a legend; a person near or over a limit carries a marker after the name.
public struct HeatMap: Sendable {
    public struct Row: Sendable, Hashable {
        public var name: String
        /// Minutes worked per day of the month.
        public var minutes: [CivilDate: Int]
        /// A short marker shown after the name (e.g. "⚠ 38h"), or empty.
        public var marker: String
        public init(name: String, minutes: [CivilDate: Int], marker: String = "") {
            self.name = name
            self.minutes = minutes
            self.marker = marker
        }
    }

    public var title: String
    public var month: YearMonth
    public var rows: [Row]
    /// Upper bounds (hours) of the colour steps; the last colour is for anything above the last bound.
    public static let steps: [(upTo: Int?, colour: String, label: String)] = [
        (0, "#f4f4f4", "0"), (4, "#d6e8f7", "≤4h"), (8, "#8fbfe6", "≤8h"), (10, "#f4c36b", "≤10h"),
        (12, "#ea8a3c", "≤12h"), (nil, "#c0392b", ">12h"),
    ]

    public init(title: String, month: YearMonth, rows: [Row]) {
        self.title = title
        self.month = month
        self.rows = rows
    }

    /// Rows from work days, one per person, in the order of `people`.
    public static func rows(_ days: [WorkDay], people: [(EmployeeID, String)], markers: [EmployeeID: String] = [:]) -> [Row] {
        var byPerson: [EmployeeID: [CivilDate: Int]] = [:]
        for d in days { byPerson[d.employee, default: [:]][d.date, default: 0] += d.workedMinutes }
        return people.map { Row(name: $0.1, minutes: byPerson[$0.0] ?? [:], marker: markers[$0.0] ?? "") }
    }

    public static func colour(forMinutes m: Int) -> String {
        for s in steps { if let up = s.upTo { if m <= up * 60 { return s.colour } } else { return s.colour } }
        return steps.last!.colour
    }

    static let left = 170.0, top = 44.0, cell = 16.0

    public func svg() -> String {
        let days = month.days
        let width = Self.left + Double(days.count) * Self.cell + 20
        let legendY = Self.top + Double(rows.count) * Self.cell + 16
        let height = legendY + 30
        var s = SVG.open(width: width, height: height, title: "\(title) \(month)")
        s += SVG.text(4, 16, "\(title) — \(month)", size: 13, extra: " font-weight=\"bold\"")
        for (j, d) in days.enumerated() {
            s += SVG.text(Self.left + Double(j) * Self.cell + Self.cell / 2, Self.top - 6, "\(d.day)", size: 9, anchor: "middle",
                          extra: d.weekday == .sunday ? " fill=\"#b00020\"" : "")
        }
        for (i, r) in rows.enumerated() {
            let y = Self.top + Double(i) * Self.cell
            s += "<g class=\"person\">"
            s += SVG.text(4, y + 12, r.marker.isEmpty ? r.name : "\(r.name) \(r.marker)", size: 11)
            for (j, d) in days.enumerated() {
                let m = r.minutes[d] ?? 0
                s += SVG.rect(Self.left + Double(j) * Self.cell, y, Self.cell - 1, Self.cell - 1, fill: Self.colour(forMinutes: m),
                              title: "\(r.name) \(d): \(SVG.hm(m))")
            }
            s += "</g>"
        }
        s += "<g class=\"legend\">"
        for (k, step) in Self.steps.enumerated() {
            let x = Self.left + Double(k) * 56
            s += SVG.rect(x, legendY, 14, 14, fill: step.colour)
            s += SVG.text(x + 18, legendY + 11, step.label, size: 10)
        }
        s += "</g></svg>"
        return s
    }
}
