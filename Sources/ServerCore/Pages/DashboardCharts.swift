import Access
import Attendance
import Audit
import Fluent
import Foundation
import Store
import Vapor

/// The dashboard's two charts (issue 21, item 4), drawn on the server with the attendance heat map's
/// SVG writer (``SVG``: every text escaped, no script) and served as images, each beside a table of the
/// same figures for screen readers and for anyone who would rather read them.
enum DashboardCharts {
    /// People inside at the end of each hour of today (Japan time) so far.
    struct HourCount: Encodable, Sendable, Equatable {
        var hour: Int
        var label: String
        var people: Int
    }

    /// Replays today's granted door passages (``DoorPassage``, the one reading of door events every
    /// derived table uses) in the order they happened — the earlier of the door's and the server's
    /// time, as ``WhereaboutsStore`` orders them — and counts who was inside a zone at each hour's end.
    /// A person inside since before midnight counts from their first passage today: the chart reads one
    /// day of the log, not every day before it.
    static func presenceByHour(on db: any Database, doors: [DoorID: Door], now: Date = Date()) async throws -> [HourCount] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = PageTime.zone
        let dayStart = calendar.startOfDay(for: now)
        let models = try await AuditRecordModel.query(on: db).filter(\.$kind == "door.decision")
            .filter(\.$timeMillis >= Int64(dayStart.timeIntervalSince1970 * 1000)).sort(\.$id).all()
        let passages = try models.map(AuditStore.record(from:)).compactMap(DoorPassage.of)
            .sorted { (min($0.time, $0.recorded), $0.event) < (min($1.time, $1.recorded), $1.event) }
        var zoneOf: [EmployeeID: ZoneID] = [:]
        var next = passages.startIndex
        var counts: [HourCount] = []
        let hoursSoFar = min(24, Int(now.timeIntervalSince(dayStart) / 3600) + 1)
        for hour in 0..<hoursSoFar {
            let end = min(now, dayStart.addingTimeInterval(Double(hour + 1) * 3600))
            while next < passages.endIndex, min(passages[next].time, passages[next].recorded) < end {
                let p = passages[next]
                if let door = doors[p.door] { zoneOf[p.employee] = door.to }
                next += 1
            }
            counts.append(HourCount(hour: hour, label: String(format: "%02d:00–%02d:00", hour, hour + 1), people: zoneOf.values.count))
        }
        return counts
    }

    /// Per department: how many people hold an active card, a pending one only, or neither
    /// (``EmployeeSearch/CardState``) — how far the cards have reached.
    struct Adoption: Encodable, Sendable, Equatable {
        var department: String
        var active: Int
        var pending: Int
        var none: Int
        var total: Int { active + pending + none }
    }

    static func cardAdoption(on db: any Database) async throws -> [Adoption] {
        var state: [UUID: EmployeeSearch.CardState] = [:]
        for c in try await CredentialModel.query(on: db).filter(\.$state ~~ ["active", "pending"]).all() {
            if c.state == "active" { state[c.employeeID] = .active } else if state[c.employeeID] == nil { state[c.employeeID] = .pending }
        }
        var rows: [String: Adoption] = [:]
        for e in try await EmployeeModel.query(on: db).filter(\.$status != "retired").all() {
            let d = e.department.isEmpty ? "—" : e.department
            var row = rows[d] ?? Adoption(department: d, active: 0, pending: 0, none: 0)
            switch state[try e.requireID()] {
            case .active: row.active += 1
            case .pending: row.pending += 1
            case .noCard, nil: row.none += 1
            }
            rows[d] = row
        }
        return rows.values.sorted { $0.department < $1.department }
    }

    static let barColour = "#1f5fa8", pendingColour = "#f0a500", noneColour = "#c8c8c8"

    /// A column per hour, its count above it.
    static func presenceSVG(_ counts: [HourCount], title: String) -> String {
        let left = 40.0, top = 30.0, height = 160.0, column = 24.0
        let most = Double(max(1, counts.map(\.people).max() ?? 1))
        var s = SVG.open(width: left + 24 * column + 10, height: top + height + 30, title: title)
        s += SVG.text(4, 16, title, size: 13, extra: " font-weight=\"bold\"")
        s += SVG.rect(left, top + height, 24 * column, 1, fill: "#333")
        for c in counts {
            let h = Double(c.people) / most * (height - 14)
            let x = left + Double(c.hour) * column
            s += SVG.rect(x + 2, top + height - h, column - 4, h, fill: barColour, title: "\(c.label): \(c.people)")
            if c.people > 0 { s += SVG.text(x + column / 2, top + height - h - 3, "\(c.people)", size: 9, anchor: "middle") }
        }
        for hour in stride(from: 0, to: 24, by: 3) {
            s += SVG.text(left + Double(hour) * column + column / 2, top + height + 14, String(format: "%02d", hour), size: 10, anchor: "middle")
        }
        return s + "</svg>"
    }

    /// A bar per department, split into active, pending and none, with a legend.
    static func adoptionSVG(_ rows: [Adoption], title: String, labels: (active: String, pending: String, none: String)) -> String {
        let left = 150.0, top = 30.0, row = 22.0, width = 420.0
        let most = Double(max(1, rows.map(\.total).max() ?? 1))
        let legendY = top + Double(rows.count) * row + 12
        var s = SVG.open(width: left + width + 60, height: legendY + 26, title: title)
        s += SVG.text(4, 16, title, size: 13, extra: " font-weight=\"bold\"")
        for (i, r) in rows.enumerated() {
            let y = top + Double(i) * row
            s += SVG.text(4, y + 14, r.department, size: 11)
            var x = left
            for (count, colour, label) in [(r.active, barColour, labels.active), (r.pending, pendingColour, labels.pending), (r.none, noneColour, labels.none)] where count > 0 {
                let w = Double(count) / most * width
                s += SVG.rect(x, y + 2, w, row - 6, fill: colour, title: "\(r.department) \(label): \(count)")
                x += w
            }
            s += SVG.text(x + 4, y + 14, "\(r.active)/\(r.total)", size: 10)
        }
        for (k, (colour, label)) in [(barColour, labels.active), (pendingColour, labels.pending), (noneColour, labels.none)].enumerated() {
            let x = left + Double(k) * 140
            s += SVG.rect(x, legendY, 14, 14, fill: colour)
            s += SVG.text(x + 18, legendY + 11, label, size: 10)
        }
        return s + "</svg>"
    }
}

/// A chart as an answer (the dashboard's and the attendance pages'): never cached, nothing loaded from
/// elsewhere, never sniffed as another type.
package enum SVGResponse {
    package static func make(_ svg: String) -> Response {
        let res = Response(status: .ok, body: .init(string: svg))
        res.headers.replaceOrAdd(name: .contentType, value: "image/svg+xml; charset=utf-8")
        res.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        res.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        res.headers.replaceOrAdd(name: "Content-Security-Policy", value: "default-src 'none'; style-src 'unsafe-inline'")
        return res
    }
}
