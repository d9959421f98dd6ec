import Access
import Attendance
import Fluent
import Foundation
import Store
import Testing
import Vapor

@Suite("Attendance: settings, alerts, self-reports, payroll, purge", .serialized)
struct AttendanceAdminTests {
    /// 21 weekdays of November 2026 at 8:00–21:30 with a lunch hour out: 750 minutes a day, 270 of them
    /// over 8 hours, so 5,670 minutes (94 h 30) of overtime — over 45 h (a violation without the special
    /// clause) and over 80 h of "hours over 40 a week" (15,750 − 30 × 2,400 / 7 = 5,465 > 4,800): the
    /// worker notice.
    static func longNovember(_ site: AttendanceSite, _ p: AttendanceSite.Person) async throws {
        var taps: [(Date, Bool)] = []
        for day in 1...30 {
            let wd = CivilDate(year: 2026, month: 11, day: day).weekday
            guard wd != .saturday && wd != .sunday else { continue }
            taps += [(AttendanceSite.jst(2026, 11, day, 8), true), (AttendanceSite.jst(2026, 11, day, 12), false),
                     (AttendanceSite.jst(2026, 11, day, 13), true), (AttendanceSite.jst(2026, 11, day, 21, 30), false)]
        }
        #expect(taps.count == 84)
        try await site.cross(p, taps)
    }

    @Test("36協定 alerts: over 45 h and the 80 h notice for a past month; a forecast for this month; limits follow the settings")
    func alerts() async throws {
        let site = try await AttendanceSite.make()
        defer { Task { await site.server.stop() } }
        let s = site.server
        let heavy = try await site.person("H1")
        let light = try await site.person("L1")
        try await Self.longNovember(site, heavy)
        try await site.cross(light, [(AttendanceSite.jst(2026, 11, 2, 9), true), (AttendanceSite.jst(2026, 11, 2, 19), false)])

        let m = try await site.month(heavy, "2026-11")
        #expect(AttendanceSite.totals(m)["overtimeMinutes"] == 5_670)
        #expect(AttendanceSite.totals(m)["workedMinutes"] == 15_750)
        let alerts = m["alerts"] as? [[String: Any]] ?? []
        let codes = Set(alerts.compactMap { $0["fullCode"] as? String })
        #expect(codes.contains("violation.monthly_overtime"), "\(codes)")
        #expect(codes.contains("notice.worker_notice"), "\(codes)")
        let notice = alerts.first { $0["code"] as? String == "worker_notice" }
        #expect(notice?["value"] as? Int == 5_465)
        #expect(notice?["limit"] as? Int == 4_800)
        let over = alerts.first { $0["fullCode"] as? String == "violation.monthly_overtime" }
        #expect(over?["value"] as? Int == 5_670)
        #expect(over?["limit"] as? Int == 2_700)
        // The month's alert list: the heavy worker only (the light one has 9 h 10 min − 45 … no alert).
        let list = try await s.send(.GET, "/api/v1/attendance/alerts?month=2026-11", as: site.hr)
        #expect(list.status == .ok, "\(list.text)")
        #expect(list.array().compactMap { $0["employeeNumber"] as? String } == ["H1"])
        // The department: the heavy worker is near (over) a limit; the heat map marks them.
        let dept = try await s.send(.GET, "/api/v1/attendance/department?month=2026-11&name=%E4%BA%BA%E4%BA%8B%E9%83%A8", as: site.hr).object()
        let near = (dept["people"] as? [[String: Any]] ?? []).filter { $0["nearLimit"] as? Bool == true }.compactMap { $0["employeeNumber"] as? String }
        #expect(near == ["H1"])
        expectSVG(try await s.send(.GET, "/api/v1/attendance/department/heatmap.svg?month=2026-11&name=%E4%BA%BA%E4%BA%8B%E9%83%A8", as: site.hr),
                  contains: ["!!", "80h"])
        // The worker sees their own notice.
        let worker = try await s.user(.employee, employee: UUID(uuidString: heavy.id))
        let mine = try await s.send(.GET, "/api/v1/me/attendance?month=2026-11", as: worker).object()
        #expect((mine["alerts"] as? [[String: Any]] ?? []).contains { $0["code"] as? String == "worker_notice" })

        // The agreement's own numbers: a 30-minute monthly limit makes the light worker's overtime
        // (10 h of presence, 60 deemed: 540, 60 over 8 h) a violation too.
        let put = try await s.send(.PUT, "/api/v1/attendance/settings", as: site.admin, json: ["monthlyLimitMinutes": 30])
        #expect(put.status == .ok, "\(put.text)")
        let light11 = try await site.month(light, "2026-11")
        #expect(AttendanceSite.totals(light11)["overtimeMinutes"] == 60)
        #expect((light11["alerts"] as? [[String: Any]] ?? []).contains { $0["fullCode"] as? String == "violation.monthly_overtime" && $0["limit"] as? Int == 30 })
        _ = try await s.send(.PUT, "/api/v1/attendance/settings", as: site.admin, json: ["monthlyLimitMinutes": 2_700])

        // This month so far: 6:00–22:00 on each work day before today (900 minutes worked, 420 over 8 h).
        // The forecast is "so far × work days in the month ÷ work days through today"; it is asserted when
        // the month is early enough for it to reach 45 h before the figure itself is near the limit.
        let today = JapanTime(Date()).date
        let thisMonth = YearMonth(today)
        let calendar = CompanyCalendar()
        var taps: [(Date, Bool)] = []
        var worked = 0
        for d in thisMonth.days where d < today && calendar.kind(of: d) == .workDay {
            taps += [(JapanTime.instant(d, minute: 360), true), (JapanTime.instant(d, minute: 1320), false)]
            worked += 1
        }
        let forecaster = try await site.person("F1")
        try await site.cross(forecaster, taps)
        let current = try await site.month(forecaster, thisMonth.description)
        let soFar = 420 * worked
        #expect(AttendanceSite.totals(current)["overtimeMinutes"] == soFar)
        let elapsed = calendar.workDays(in: thisMonth, through: today), total = calendar.workDays(in: thisMonth)
        let expected = elapsed > 0 && total > elapsed ? (soFar * total + elapsed - 1) / elapsed : soFar
        let forecast = (current["alerts"] as? [[String: Any]] ?? []).first { $0["fullCode"] as? String == "forecast.monthly_overtime" }
        if soFar > 0, soFar < 2_700, expected > 2_700 {
            #expect(forecast?["value"] as? Int == expected, "\(current["alerts"] ?? [])")
        } else {
            #expect(forecast == nil)
        }
    }

    @Test("settings: defaults are the law's, a partial PUT keeps the rest, bad values are refused with every problem named")
    func settings() async throws {
        let site = try await AttendanceSite.make()
        defer { Task { await site.server.stop() } }
        let s = site.server
        let defaults = try await s.send(.GET, "/api/v1/attendance/settings", as: site.hr).object()
        #expect(defaults["monthlyLimitMinutes"] as? Int == 2_700)
        #expect(defaults["yearlyLimitMinutes"] as? Int == 21_600)
        #expect(defaults["specialYearlyLimitMinutes"] as? Int == 43_200)
        #expect(defaults["monthlyCapMinutes"] as? Int == 6_000)
        #expect(defaults["averageLimitMinutes"] as? Int == 4_800)
        #expect(defaults["maxMonthsOverMonthlyLimit"] as? Int == 6)
        #expect(defaults["retentionYears"] as? Int == 3)
        #expect(defaults["legalHoliday"] as? Int == 0)

        // A person with work on Sunday 8 November: legal-holiday work while Sunday is the legal holiday.
        let p = try await site.person("S1")
        try await site.cross(p, [(AttendanceSite.jst(2026, 11, 8, 10), true), (AttendanceSite.jst(2026, 11, 8, 14), false),
                                 (AttendanceSite.jst(2026, 11, 10, 9), true), (AttendanceSite.jst(2026, 11, 10, 13), false)])
        #expect(AttendanceSite.totals(try await site.month(p, "2026-11"))["legalHolidayMinutes"] == 240)

        // Saturday as the legal holiday, the 10th a company holiday, the special clause on.
        let put = try await s.send(.PUT, "/api/v1/attendance/settings", as: site.admin, json: [
            "legalHoliday": 6, "companyHolidays": ["2026-11-10"], "specialClause": true, "monthlyLimitMinutes": 2_400,
        ])
        #expect(put.status == .ok, "\(put.text)")
        let after = try await s.send(.GET, "/api/v1/attendance/settings", as: site.hr).object()
        #expect(after["legalHoliday"] as? Int == 6)
        #expect(after["specialClause"] as? Bool == true)
        #expect(after["monthlyLimitMinutes"] as? Int == 2_400)
        #expect(after["yearlyLimitMinutes"] as? Int == 21_600, "a field left out keeps its value")
        let m = try await site.month(p, "2026-11")
        #expect(AttendanceSite.totals(m)["legalHolidayMinutes"] == 0)
        #expect(AttendanceSite.day(m, "2026-11-08")["kind"] as? String == "company_holiday")
        #expect(AttendanceSite.day(m, "2026-11-10")["kind"] as? String == "company_holiday")
        #expect(AttendanceSite.totals(m)["workedMinutes"] == 480)

        // Refused: out of range, unknown field, wrong type, not an object; nothing changes.
        let bad = try await s.send(.PUT, "/api/v1/attendance/settings", as: site.admin, json: ["legalHoliday": 7, "retentionYears": 0, "warningRatio": 1.5])
        #expect(bad.status == .unprocessableEntity)
        #expect(bad.text.contains("weekdays are 0"), "\(bad.text)")
        #expect(bad.text.contains("retentionYears"), "\(bad.text)")
        #expect(bad.text.contains("warningRatio"), "\(bad.text)")
        #expect(try await s.send(.PUT, "/api/v1/attendance/settings", as: site.admin, json: ["overtimeLimit": 1]).status == .unprocessableEntity)
        #expect(try await s.send(.PUT, "/api/v1/attendance/settings", as: site.admin, json: ["monthlyLimitMinutes": "45h"]).status == .unprocessableEntity)
        #expect(try await s.send(.PUT, "/api/v1/attendance/settings", as: site.admin, json: ["companyHolidays": ["2026-02-30"]]).status == .unprocessableEntity)
        #expect(try await s.send(.PUT, "/api/v1/attendance/settings", as: site.admin, json: [1, 2]).status == .badRequest)
        #expect(try await s.send(.PUT, "/api/v1/attendance/settings", as: site.admin, raw: Data("{".utf8), contentType: "application/json").status == .badRequest)
        #expect(try await s.send(.PUT, "/api/v1/attendance/settings", as: site.hr, json: ["legalHoliday": 0]).status == .forbidden)
        #expect(try await s.send(.GET, "/api/v1/attendance/settings", as: site.hr).object()["legalHoliday"] as? Int == 6)
    }

    @Test("self-report CSV (Shift_JIS too): imported, bad lines named, gaps beyond the margin flagged")
    func selfReports() async throws {
        let site = try await AttendanceSite.make()
        defer { Task { await site.server.stop() } }
        let s = site.server
        let p = try await site.person("R1")
        func jst(_ y: Int, _ m: Int, _ d: Int, _ h: Int, _ min: Int = 0) -> Date { AttendanceSite.jst(y, m, d, h, min) }
        try await site.cross(p, [(jst(2026, 11, 2, 9), true), (jst(2026, 11, 2, 18), false),
                                 (jst(2026, 11, 3, 9), true), (jst(2026, 11, 3, 18), false),
                                 (jst(2026, 11, 4, 8, 50), true), (jst(2026, 11, 4, 18, 20), false)])
        let csv = """
        社員番号,日付,始業,終業,休憩
        R1,2026-11-02,9:00,18:00,60
        R1,2026-11-03,9:00,17:00,60
        R1,2026-11-04,9:00,18:00,60
        R1,2026-11-05,9:00,18:00,60
        R1,2026-11-31,9:00,18:00,60
        ZZ9,2026-11-02,9:00,18:00,60
        """
        let r = try await s.send(.POST, "/api/v1/attendance/self-reports", as: site.hr, raw: Data(csv.utf8), contentType: "text/csv")
        #expect(r.status == .ok, "\(r.text)")
        #expect(r.object()["imported"] as? Int == 4)
        #expect(r.object()["unknownEmployees"] as? [String] == ["ZZ9"])
        let errors = r.object()["errors"] as? [[String: Any]] ?? []
        #expect(errors.compactMap { $0["line"] as? Int } == [6])

        // The 2nd agrees; the 3rd ends an hour later at the door (60 > 30); the 4th is within 30 minutes
        // at both ends (10 and 20); the 5th has no door record.
        let gaps = try await s.send(.GET, "/api/v1/attendance/self-reports/gaps?month=2026-11", as: site.hr)
        #expect(gaps.status == .ok, "\(gaps.text)")
        let rows = gaps.array()
        #expect(rows.compactMap { $0["date"] as? String } == ["2026-11-03", "2026-11-05"])
        #expect(rows.first?["kind"] as? String == "differs")
        #expect(rows.first?["endDifferenceMinutes"] as? Int == 60)
        #expect(rows.first?["startDifferenceMinutes"] as? Int == 0)
        #expect(rows.first?["employeeNumber"] as? String == "R1")
        #expect(rows.last?["kind"] as? String == "no_door_record")

        // A tighter margin catches the 4th; a re-import of a day replaces it (Shift_JIS, CRLF).
        _ = try await s.send(.PUT, "/api/v1/attendance/settings", as: site.admin, json: ["selfReportMarginMinutes": 15])
        let sjis = "社員番号,日付,始業,終業,休憩\r\nR1,2026-11-03,9:00,18:00,60\r\n".data(using: .shiftJIS)!
        let again = try await s.send(.POST, "/api/v1/attendance/self-reports", as: site.hr, raw: sjis, contentType: "text/csv")
        #expect(again.object()["imported"] as? Int == 1, "\(again.text)")
        #expect(again.object()["encoding"] as? String == "Shift_JIS")
        let tighter = try await s.send(.GET, "/api/v1/attendance/self-reports/gaps?month=2026-11", as: site.hr).array()
        #expect(tighter.compactMap { $0["date"] as? String } == ["2026-11-04", "2026-11-05"])

        // Bad files.
        #expect(try await s.send(.POST, "/api/v1/attendance/self-reports", as: site.hr, raw: Data(), contentType: "text/csv").status == .badRequest)
        #expect(try await s.send(.POST, "/api/v1/attendance/self-reports", as: site.hr, raw: Data([0xFF, 0xFE, 0xFD, 0x80, 0x81]), contentType: "text/csv").status == .unprocessableEntity)
        #expect(try await s.send(.GET, "/api/v1/attendance/self-reports/gaps?month=2026-00", as: site.hr).status == .badRequest)
    }

    @Test("payroll export: JSON and CSV rows per person, hand-computed; bad format refused")
    func payroll() async throws {
        let site = try await AttendanceSite.make()
        defer { Task { await site.server.stop() } }
        let s = site.server
        let a = try await site.person("P1")
        let b = try await site.person("P2")
        _ = try await site.person("P3")  // no crossings: no row
        func jst(_ y: Int, _ m: Int, _ d: Int, _ h: Int, _ min: Int = 0) -> Date { AttendanceSite.jst(y, m, d, h, min) }
        // P1: Mon 2 Nov 9:00–20:00 with a lunch hour out (600 worked, 120 over), Sun 8 Nov 20:00 – Mon 1:00
        // (holiday work until 24:00: 240, 120 of it late night; then 60 ordinary late-night minutes).
        try await site.cross(a, [(jst(2026, 11, 2, 9), true), (jst(2026, 11, 2, 12), false), (jst(2026, 11, 2, 13), true), (jst(2026, 11, 2, 20), false),
                                 (jst(2026, 11, 8, 20), true), (jst(2026, 11, 9, 1), false)])
        try await site.cross(b, [(jst(2026, 11, 3, 9), true), (jst(2026, 11, 3, 15), false)])
        let json = try await s.send(.GET, "/api/v1/attendance/payroll?month=2026-11", as: site.hr)
        #expect(json.status == .ok, "\(json.text)")
        #expect(json.headers.first(name: .cacheControl) == "no-store")
        let rows = json.array()
        #expect(rows.compactMap { $0["employeeNumber"] as? String } == ["P1", "P2"])
        let p1 = rows.first ?? [:]
        #expect(p1["workedMinutes"] as? Int == 600 + 300)
        #expect(p1["overtimeMinutes"] as? Int == 120)
        #expect(p1["legalHolidayMinutes"] as? Int == 240)
        #expect(p1["lateNightMinutes"] as? Int == 180)
        #expect(p1["lateNightLegalHolidayMinutes"] as? Int == 120)
        #expect(p1["days"] as? Int == 2)
        #expect(rows.last?["workedMinutes"] as? Int == 360)
        let csv = try await s.send(.GET, "/api/v1/attendance/payroll?month=2026-11&format=csv", as: site.admin)
        #expect(csv.status == .ok)
        #expect(csv.headers.first(name: .contentType)?.hasPrefix("text/csv") == true)
        #expect(csv.headers.first(name: .contentDisposition)?.contains("payroll-2026-11.csv") == true)
        let lines = csv.text.split(separator: "\r\n").map(String.init)
        #expect(lines.first == PayrollRow.csvHeader)
        #expect(lines.dropFirst().first == "P1,2026-11,2,900,0,120,240,180,120,0")
        #expect(lines.count == 3)
        #expect(try await s.send(.GET, "/api/v1/attendance/payroll?month=2026-11&format=xml", as: site.hr).status == .badRequest)
        #expect(try await s.send(.GET, "/api/v1/attendance/payroll?month=26-11", as: site.hr).status == .badRequest)
        let employee = try await s.user(.employee)
        #expect(try await s.send(.GET, "/api/v1/attendance/payroll?month=2026-11", as: employee).status == .forbidden)
        try await s.app.mynagate.events.flush()
        #expect(try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "attendance.payroll.exported").count() == 2)
    }

    @Test("purge after the retention: old crossings, corrections and self-reports go, with a record of the purge; door events stay")
    func purge() async throws {
        let site = try await AttendanceSite.make()
        defer { Task { await site.server.stop() } }
        let s = site.server
        let p = try await site.person("Q1")
        func jst(_ y: Int, _ m: Int, _ d: Int, _ h: Int, _ min: Int = 0) -> Date { AttendanceSite.jst(y, m, d, h, min) }
        // Four years ago, and last month.
        let old = JapanTime(Date()).date.year - 4
        try await site.cross(p, [(jst(old, 6, 1, 9), true), (jst(old, 6, 1, 17), false), (jst(2026, 11, 2, 9), true), (jst(2026, 11, 2, 17), false)])
        let add = try await s.send(.POST, "/api/v1/attendance/corrections", as: site.hr, json: [
            "employeeId": p.id, "action": "add", "direction": "out", "at": "\(old)-06-02T08:00:00Z", "reason": "old",
        ])
        #expect(add.status == .created, "\(add.text)")
        _ = try await s.send(.POST, "/api/v1/attendance/self-reports", as: site.hr, raw: Data("Q1,\(old)-06-01,9:00,17:00,45\nQ1,2026-11-02,9:00,17:00,45\n".utf8), contentType: "text/csv")
        let doorRecords = try await site.doorRecords()

        let dry = try await s.send(.POST, "/api/v1/attendance/purge", as: site.admin, json: ["dryRun": true])
        #expect(dry.status == .ok, "\(dry.text)")
        #expect(dry.object()["crossings"] as? Int == 2)
        #expect(dry.object()["corrections"] as? Int == 1)
        #expect(dry.object()["selfReports"] as? Int == 1)
        #expect(dry.object()["auditSequence"] == nil)
        let oldMonth = "\(old)-06"
        #expect(AttendanceSite.totals(try await site.month(p, oldMonth))["workedMinutes"] == 435)

        // A garbled body is refused, not read as "no body" (which would purge for real).
        let garbled = try await s.send(.POST, "/api/v1/attendance/purge", as: site.admin, raw: Data([0]), contentType: "application/json")
        #expect(garbled.status == .badRequest, "\(garbled.text)")
        let nullDry = try await s.send(.POST, "/api/v1/attendance/purge", as: site.admin, raw: Data(#"{"dryRun": null}"#.utf8), contentType: "application/json")
        #expect(nullDry.status == .badRequest, "\(nullDry.text)")
        // An added crossing takes no eventId: one sent is refused, not ignored.
        let addWithEvent = try await s.send(.POST, "/api/v1/attendance/corrections", as: site.hr, json: [
            "employeeId": p.id, "action": "add", "direction": "in", "at": "2026-11-03T08:00:00Z", "reason": "x", "eventId": "",
        ])
        #expect(addWithEvent.status == .unprocessableEntity, "\(addWithEvent.text)")
        #expect(AttendanceSite.totals(try await site.month(p, oldMonth))["workedMinutes"] == 435)

        let done = try await s.send(.POST, "/api/v1/attendance/purge", as: site.admin, json: [String: String]())
        #expect(done.status == .ok, "\(done.text)")
        #expect(done.object()["crossings"] as? Int == 2)
        #expect(done.object()["retentionYears"] as? Int == 3)
        let sequence = done.object()["auditSequence"] as? Int
        #expect(sequence != nil)
        let gone = try await site.month(p, oldMonth)
        #expect((gone["crossings"] as? [Any])?.isEmpty == true)
        #expect((gone["corrections"] as? [Any])?.isEmpty == true)
        #expect(AttendanceSite.totals(try await site.month(p, "2026-11"))["workedMinutes"] == 435)
        // The record of the purge, in the hash-chained log; the door events themselves stay.
        try await s.app.mynagate.events.flush()
        let record = try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "attendance.purged").first()
        #expect(record?.id.map(Int.init) == sequence)
        let details = (try? JSONDecoder().decode([String: String].self, from: Data((record?.details ?? "").utf8))) ?? [:]
        #expect(details["crossings"] == "2" && details["corrections"] == "1" && details["selfReports"] == "1", "\(details)")
        #expect(try await site.doorRecords() == doorRecords)
        #expect(try await s.send(.GET, "/api/v1/audit/verify", as: site.admin).object()["intact"] as? Bool == true)
        // Only an administrator purges.
        #expect(try await s.send(.POST, "/api/v1/attendance/purge", as: site.hr, json: [String: String]()).status == .forbidden)
        let again = try await s.send(.POST, "/api/v1/attendance/purge", as: site.admin, json: ["dryRun": true])
        #expect(again.object()["crossings"] as? Int == 0)
    }
}
