import Access
import Attendance
import Fluent
import Foundation
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import SQLKit
import Store
import Testing
import Vapor

/// The kept monthly figures behind the 36協定 checks (`attendance_months`): kept once computed for
/// everyone, read back instead of recomputed, and computed again after anything that can change them.
@Suite("Attendance: kept monthly figures for the 36協定 checks", .serialized)
struct AttendanceMonthFiguresTests {
    static func state(_ s: TestServer, _ month: String) async throws -> AttendanceMonthStore.State {
        try await AttendanceMonthStore.state(YearMonth(month)!, on: s.app.db as! any SQLDatabase)
    }

    static func kept(_ s: TestServer, _ month: String) async throws -> [EmployeeID: MonthFigures]? {
        let st = try await state(s, month)
        guard st.figuresVersion == st.version, let blob = st.figures else { return nil }
        return MonthFiguresCache.decode(blob)
    }

    static func alertCodes(_ s: TestServer, _ site: AttendanceSite, _ p: AttendanceSite.Person) async throws -> Set<String> {
        let r = try await s.send(.GET, "/api/v1/attendance/alerts?month=2026-11", as: site.hr)
        #expect(r.status == .ok, "\(r.text)")
        let row = r.array().first { $0["employeeId"] as? String == p.id }
        return Set((row?["alerts"] as? [[String: Any]] ?? []).compactMap { $0["fullCode"] as? String })
    }

    @Test("kept for everyone once computed, read back, and computed again after a late door event, a correction or new settings")
    func keptAndInvalidated() async throws {
        let site = try await AttendanceSite.make()
        defer { Task { await site.server.stop() } }
        let s = site.server
        let a = try await site.person("K1")
        let b = try await site.person("K2")
        func jst(_ m: Int, _ d: Int, _ h: Int) -> Date { AttendanceSite.jst(2026, m, d, h) }
        // October: 10 weekdays of 8:00–20:00 for K1; September one day; November one day for each.
        var taps: [(Date, Bool)] = [(jst(9, 1, 9), true), (jst(9, 1, 18), false), (jst(11, 2, 9), true), (jst(11, 2, 18), false)]
        for d in [1, 2, 5, 6, 7, 8, 9, 12, 13, 14] { taps += [(jst(10, d, 8), true), (jst(10, d, 20), false)] }
        try await site.cross(a, taps)
        try await site.cross(b, [(jst(11, 2, 9), true), (jst(11, 2, 17), false)])

        // Nothing kept before anyone asks.
        #expect(try await Self.state(s, "2026-10").figures == nil)
        #expect(try await Self.alertCodes(s, site, a).isEmpty)
        // The checks of November read the agreement year from April: each month is now kept, at its version.
        for m in 4...10 {
            let st = try await Self.state(s, String(format: "2026-%02d", m))
            #expect(st.figures != nil && st.figuresVersion == st.version, "2026-\(m): \(st)")
        }
        let october = try #require(try await Self.kept(s, "2026-10"))
        let direct = AttendanceSite.totals(try await site.month(a, "2026-10"))
        #expect(october[EmployeeID(rawValue: a.id)]?.overtimeMinutes == direct["overtimeMinutes"])
        #expect(october[EmployeeID(rawValue: a.id)]?.workedMinutes == direct["workedMinutes"])
        #expect((direct["workedMinutes"] ?? 0) > 0)
        #expect(october[EmployeeID(rawValue: b.id)] == nil, "no working time in October")
        #expect(try await Self.kept(s, "2026-09")?[EmployeeID(rawValue: a.id)]?.workedMinutes == AttendanceSite.totals(try await site.month(a, "2026-09"))["workedMinutes"])

        // What is kept is what the checks read: 500 hours of October overtime written into the kept
        // figures (at the same version) make a yearly-limit violation appear.
        let sql = s.app.db as! any SQLDatabase
        let st10 = try await Self.state(s, "2026-10")
        var forged = october
        forged[EmployeeID(rawValue: a.id)] = MonthFigures(overtimeMinutes: 30_000, holidayMinutes: 0, workedMinutes: 40_000)
        try await AttendanceMonthStore.store(YearMonth(year: 2026, month: 10), version: st10.version, context: st10.figuresContext!, figures: MonthFiguresCache.encode(forged), on: sql)
        #expect(try await Self.alertCodes(s, site, a).contains("violation.yearly_overtime"))

        // A door event decided offline on 15 October and uploaded now: October changes, so it is
        // computed again (the forged figures go); September is untouched and stays kept.
        let sep = try await Self.state(s, "2026-09")
        try await site.cross(a, [(jst(10, 15, 8), true), (jst(10, 15, 20), false)])
        let after = try await Self.state(s, "2026-10")
        #expect(after.version > st10.version)
        #expect(after.figures(context: st10.figuresContext!) == nil)
        #expect(try await Self.alertCodes(s, site, a).isEmpty)
        let october2 = try #require(try await Self.kept(s, "2026-10"))
        let direct2 = AttendanceSite.totals(try await site.month(a, "2026-10"))
        #expect(october2[EmployeeID(rawValue: a.id)]?.workedMinutes == direct2["workedMinutes"])
        #expect((direct2["workedMinutes"] ?? 0) > (direct["workedMinutes"] ?? 0), "the 15th counts now")
        let sep2 = try await Self.state(s, "2026-09")
        #expect(sep2.version == sep.version && sep2.figuresVersion == sep.figuresVersion)

        // A correction (voiding the 15th's exit) changes October again.
        let crossings = try await site.month(a, "2026-10")["crossings"] as? [[String: Any]] ?? []
        let exit15 = try #require(crossings.first { ($0["direction"] as? String) == "out" && ($0["at"] as? String ?? "").hasPrefix("2026-10-15") })
        let void = try await s.send(.POST, "/api/v1/attendance/corrections", as: site.hr, json: [
            "employeeId": a.id, "action": "void", "eventId": exit15["eventId"] as? String ?? "", "reason": "tapped twice",
        ])
        #expect(void.status == .created, "\(void.text)")
        #expect(try await Self.state(s, "2026-10").version > after.version)
        _ = try await Self.alertCodes(s, site, a)
        let direct3 = AttendanceSite.totals(try await site.month(a, "2026-10"))
        #expect(direct3["workedMinutes"] == direct["workedMinutes"], "the 15th has no exit now, so no working time")
        #expect(try await Self.kept(s, "2026-10")?[EmployeeID(rawValue: a.id)]?.workedMinutes == direct3["workedMinutes"])

        // New settings: the kept figures were computed with the old ones, so all are computed again.
        let changed = try await s.send(.PUT, "/api/v1/attendance/settings", as: site.admin, json: ["companyHolidays": ["2026-10-05"]])
        #expect(changed.status == .ok, "\(changed.text)")
        _ = try await Self.alertCodes(s, site, a)
        let st10b = try await Self.state(s, "2026-10")
        #expect(st10b.figuresContext != st10.figuresContext)
        let direct4 = AttendanceSite.totals(try await site.month(a, "2026-10"))
        #expect(try await Self.kept(s, "2026-10")?[EmployeeID(rawValue: a.id)]?.workedMinutes == direct4["workedMinutes"])
        #expect(try await Self.kept(s, "2026-10")?[EmployeeID(rawValue: a.id)]?.overtimeMinutes == direct4["overtimeMinutes"])
    }

    @Test("a person's own page computes that person alone and keeps nothing")
    func onePersonKeepsNothing() async throws {
        let site = try await AttendanceSite.make()
        defer { Task { await site.server.stop() } }
        let a = try await site.person("P1")
        _ = try await site.person("P2")
        try await site.cross(a, [(AttendanceSite.jst(2026, 10, 1, 9), true), (AttendanceSite.jst(2026, 10, 1, 18), false)])
        _ = try await site.month(a, "2026-11")
        #expect(try await Self.state(site.server, "2026-10").figures == nil)
    }

    @Test("a purge forgets the months it emptied")
    func purgeForgets() async throws {
        let site = try await AttendanceSite.make()
        defer { Task { await site.server.stop() } }
        let s = site.server
        let p = try await site.person("Q1")
        let old = JapanTime(Date()).date.year - 4
        try await site.cross(p, [(AttendanceSite.jst(old, 6, 1, 9), true), (AttendanceSite.jst(old, 6, 1, 17), false)])
        let r = try await s.send(.GET, "/api/v1/attendance/alerts?month=\(old)-12", as: site.hr)
        #expect(r.status == .ok, "\(r.text)")
        #expect(try await Self.kept(s, "\(old)-06")?[EmployeeID(rawValue: p.id)]?.workedMinutes == 435)
        let done = try await s.send(.POST, "/api/v1/attendance/purge", as: site.admin, json: [String: String]())
        #expect(done.status == .ok, "\(done.text)")
        let gone = try await Self.state(s, "\(old)-06")
        #expect(gone.version == 0 && gone.figures == nil)
    }

    @Test("a crossing touches exactly the months whose reports read it, whatever the week start")
    func touchedMonths() {
        func months(_ y: Int, _ m: Int, _ d: Int) -> [String] {
            AttendanceMonthStore.months(touchedOn: CivilDate(year: y, month: m, day: d)).sorted().map(\.description)
        }
        #expect(months(2026, 11, 1) == ["2026-10", "2026-11"], "a night shift from 31 October ends on the 1st")
        #expect(months(2026, 11, 2) == ["2026-11"])
        #expect(months(2026, 11, 23) == ["2026-11"])
        #expect(months(2026, 11, 24) == ["2026-11", "2026-12"], "December's first week can start a week before the 1st")
        #expect(months(2026, 12, 31) == ["2026-12", "2027-01"])
        #expect(months(2027, 1, 1) == ["2026-12", "2027-01"])
        // Against the report's own window: every month whose window holds a day is among the day's months.
        for start in Weekday.allCases {
            let calendar = CompanyCalendar(weekStart: start)
            var missed: [String] = []
            for offset in 0..<400 {
                let day = CivilDate(year: 2026, month: 1, day: 1).adding(days: offset)
                let touched = AttendanceMonthStore.months(touchedOn: day)
                for k in -2...2 {
                    let m = YearMonth(day).adding(months: k)
                    let w = MonthReport.eventWindow(for: m, calendar: calendar)
                    let (from, until) = (JapanTime.instant(day), JapanTime.instant(day.adding(days: 1)))
                    if from < w.until && until > w.from && !touched.contains(m) { missed.append("\(day) \(m)") }
                }
            }
            #expect(missed.isEmpty, "week start \(start): \(missed.prefix(5))")
        }
    }

    @Test("the stored form: read back as written; anything else is refused, not guessed")
    func storedForm() {
        let figures: [EmployeeID: MonthFigures] = [
            EmployeeID(rawValue: "8F1D2C3B-0000-4000-8000-000000000001"): MonthFigures(overtimeMinutes: 2_701, holidayMinutes: 480, workedMinutes: 12_345),
            EmployeeID(rawValue: "8F1D2C3B-0000-4000-8000-000000000002"): MonthFigures(overtimeMinutes: 0, holidayMinutes: 0, workedMinutes: 0),
        ]
        let data = MonthFiguresCache.encode(figures)
        #expect(MonthFiguresCache.decode(data) == figures)
        #expect(MonthFiguresCache.decode(MonthFiguresCache.encode([:])) == [:])
        #expect(MonthFiguresCache.decode(data.dropLast()) == nil)
        #expect(MonthFiguresCache.decode(data + Data([0])) == nil)
        #expect(MonthFiguresCache.decode(Data("MGF1".utf8) + data.dropFirst(4)) == nil, "another form's mark")
        let long: [EmployeeID: MonthFigures] = [EmployeeID(rawValue: String(repeating: "x", count: 300)): MonthFigures(overtimeMinutes: 1, holidayMinutes: 2, workedMinutes: 3)]
        #expect(MonthFiguresCache.decode(MonthFiguresCache.encode(long)) == long, "no id is dropped")
        #expect(MonthFiguresCache.decode(Data()) == nil)
    }
}
