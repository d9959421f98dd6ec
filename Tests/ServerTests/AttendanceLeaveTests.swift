import Access
import Attendance
import Audit
import FaultInjection
import Fluent
import Foundation
import MyNumber
import Store
import Testing
import Vapor
@testable import AttendanceServer

/// 年次有給休暇 over HTTP: the CSV import (one transaction, audited, idempotent), manual entry, the
/// register with each grant's 5-day status, the alerts, the page in Japanese and English, the purge,
/// and hostile input. Dates are counted from today, as the statuses are.
@Suite("Attendance: annual paid leave (年次有給休暇)", .serialized)
struct AttendanceLeaveTests {
    static var today: CivilDate { AttendanceService.today }
    static func day(_ n: Int) -> String { today.adding(days: n).description }
    /// 12 digits with a valid My Number check digit (hand-computed in AnnualLeaveTests; checked below).
    static let myNumber = "482301759600"

    static func employee(_ s: TestServer, _ hr: TestServer.Identity, _ number: String) async throws -> String {
        let r = try await s.send(.POST, "/api/v1/employees", as: hr, json: ["employeeNumber": number, "name": "休暇 \(number)", "department": "総務部"])
        return try #require(r.object()["id"] as? String, "\(r.text)")
    }

    /// L1: 10 days granted 335 days ago, so the year ends in 29 days (a year minus a day after the grant:
    ///     364 − 335; 30 when a 29 February falls in it): 2 full + 2 half = 3.0 days, 8 hourly hours not counted,
    ///     2.0 short → warning (29 ≤ 60).
    /// L2: 10 days granted 400 days ago (ended 35 days ago), 5 full days within it → ok.
    /// L3: 12 days granted 380 days ago (ended about 15 days ago), 1 day taken → overdue, 4 short.
    /// Line 12 names no employee; line 13 a My Number, with a valid date (unknown employee); line 14
    /// the same number with a bad date.
    static var file: String {
        """
        社員番号,区分,日付,日数・単位,時間数
        L1,grant,\(day(-335)),10
        L1,taken,\(day(-300)),full
        L1,taken,\(day(-200)),full
        L1,taken,\(day(-100)),half
        L1,taken,\(day(-50)),half
        L1,taken,\(day(-40)),hourly,8
        L2,grant,\(day(-400)),10
        L2,taken,\(day(-390)),full
        L2,taken,\(day(-389)),full
        L2,taken,\(day(-388)),full
        ZZ404,taken,\(day(-10)),full
        \(myNumber),grant,\(day(-10)),10
        \(myNumber),grant,2026-13-01,10
        L2,taken,\(day(-387)),full
        L2,taken,\(day(-386)),full
        L3,grant,\(day(-380)),12
        L3,taken,\(day(-370)),full
        """
    }

    @Test("import, register and statuses (warning, ok, overdue), idempotent re-import, alerts, page in Japanese and English")
    func importAndRegister() async throws {
        // The number really is a valid My Number, so the checks below test what they claim.
        #expect((try? IndividualNumber(Self.myNumber)) != nil)
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        for n in ["L1", "L2", "L3"] { _ = try await Self.employee(s, hr, n) }
        LogCapture.installed
        let capture = LogCapture.shared.open()
        let bom = Data([0xEF, 0xBB, 0xBF]) + Data(Self.file.utf8)
        let r = try await s.send(.POST, "/api/v1/attendance/leave/import", as: hr, raw: bom, contentType: "text/csv")
        #expect(r.status == .ok, "\(r.text)")
        #expect(r.object()["grants"] as? Int == 3)
        // Days: L1 5 (hourly included), L2 5, L3 1 = 11; rows changed: 3 grants + 11 days.
        #expect(r.object()["days"] as? Int == 11)
        #expect(r.object()["changed"] as? Int == 14)
        #expect(r.object()["encoding"] as? String == "UTF-8")
        let errors = r.object()["errors"] as? [[String: Any]] ?? []
        #expect(errors.compactMap { $0["line"] as? Int } == [12, 13, 14])
        #expect(errors.compactMap { $0["reason"] as? String } == ["unknown_employee", "unknown_employee", "date"])
        #expect(!r.text.contains(Self.myNumber) && !r.text.contains("ZZ404"), "a field's text is never echoed: \(r.text)")

        // The same file again changes nothing; its record says so.
        let again = try await s.send(.POST, "/api/v1/attendance/leave/import", as: hr, raw: bom, contentType: "text/csv")
        #expect(again.object()["changed"] as? Int == 0, "\(again.text)")
        #expect(try await LeaveGrantModel.query(on: s.app.db).count() == 3)
        #expect(try await LeaveDayModel.query(on: s.app.db).count() == 11)

        let register = try await s.send(.GET, "/api/v1/attendance/leave", as: hr)
        #expect(register.status == .ok, "\(register.text)")
        let rows = Dictionary(register.array().map { ($0["employeeNumber"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        #expect(rows["L1"]?["status"] as? String == "warning")
        #expect(rows["L1"]?["takenDays"] as? Double == 3.0)
        #expect(rows["L1"]?["stillNeededDays"] as? Double == 2.0)
        #expect(rows["L1"]?["hourlyHours"] as? Int == 8)
        // 29 days, or 30 when a 29 February falls in the year.
        let end = LeaveGrant(employeeNumber: "L1", grantDate: Self.today.adding(days: -335), days: 10).lastDay
        #expect(rows["L1"]?["daysToDeadline"] as? Int == end.daysSinceEpoch - Self.today.daysSinceEpoch)
        #expect(rows["L1"]?["deadline"] as? String == end.description)
        #expect((rows["L1"]?["taken"] as? [Any])?.count == 5, "hourly leave stays in the register")
        #expect(rows["L2"]?["status"] as? String == "ok")
        #expect(rows["L3"]?["status"] as? String == "overdue")
        #expect(rows["L3"]?["stillNeededDays"] as? Double == 4.0)

        // The alerts: L1 a warning, L3 a violation, L2 nothing about leave.
        let alerts = try await s.send(.GET, "/api/v1/attendance/alerts", as: hr).array()
        func leave(_ n: String) -> [String: Any]? {
            (alerts.first { $0["employeeNumber"] as? String == n }?["alerts"] as? [[String: Any]])?.first { $0["code"] as? String == "annual_leave" }
        }
        #expect(leave("L1")?["severity"] as? String == "warning")
        #expect(leave("L1")?["value"] as? Int == 6 && leave("L1")?["limit"] as? Int == 10, "half days")
        #expect((leave("L1")?["ja"] as? String)?.contains("あと2日") == true)
        #expect(leave("L3")?["severity"] as? String == "violation")
        #expect(leave("L2") == nil)

        // The page, Japanese by default and English with ?lang=en.
        let ja = try await s.send(.GET, "/attendance/leave", as: hr)
        #expect(ja.status == .ok)
        for text in ["期限が近い", "5日取得済み", "期限切れ(未達)", "data-status=\"warning\"", "leave-import-form", "leave-grant-form", "leave-day-form"] {
            #expect(ja.text.contains(text), "\(text)")
        }
        let en = try await s.send(.GET, "/attendance/leave?lang=en", as: hr)
        for text in ["Deadline near", "5 days taken", "Overdue (not met)", "8 h"] { #expect(en.text.contains(text), "\(text)") }

        // Two records, counts only; no trace of the number anywhere in the log or the server's log lines.
        try await s.app.mynagate.events.flush()
        let records = try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "attendance.leave.imported").all()
        #expect(records.count == 2)
        #expect(records.allSatisfy { !$0.details.contains(Self.myNumber) })
        let lines = LogCapture.shared.close(capture)
        #expect(!lines.contains { $0.contains(Self.myNumber) })
    }

    @Test("hostile input: an employee cannot import or read the register (403), a file in neither encoding, a file with no usable line, fields out of bounds")
    func hostileInput() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let id = try await Self.employee(s, hr, "H1")
        let worker = try await s.user(.employee, employee: UUID(uuidString: id))
        let csv = Data("H1,grant,\(Self.day(-10)),10\n".utf8)
        #expect(try await s.send(.POST, "/api/v1/attendance/leave/import", as: worker, raw: csv, contentType: "text/csv").status == .forbidden)
        #expect(try await s.send(.GET, "/api/v1/attendance/leave", as: worker).status == .forbidden)
        #expect(try await s.send(.POST, "/api/v1/attendance/leave/grants", as: worker,
                                 json: ["employeeNumber": "H1", "grantDate": Self.day(-10), "days": 10]).status == .forbidden)
        #expect(try await s.send(.GET, "/attendance/leave", as: worker).status == .forbidden)
        #expect(try await LeaveGrantModel.query(on: s.app.db).count() == 0)

        // Neither UTF-8 nor Shift_JIS: 422, nothing written, no record.
        let junk = try await s.send(.POST, "/api/v1/attendance/leave/import", as: hr, raw: Data([0xFF, 0xFE, 0xFD, 0x80, 0x81]), contentType: "text/csv")
        #expect(junk.status == .unprocessableEntity, "\(junk.text)")
        // No usable line: 422 naming the lines, never the number.
        let bad = try await s.send(.POST, "/api/v1/attendance/leave/import", as: hr,
                                   raw: Data("\(Self.myNumber),grant,\(Self.day(-10)),10\nH1,grant,\(Self.myNumber),10\n".utf8), contentType: "text/csv")
        #expect(bad.status == .unprocessableEntity)
        #expect(bad.object()["code"] as? String == "no_usable_line")
        #expect(!bad.text.contains(Self.myNumber), "\(bad.text)")
        // A body with nothing but a (would-be) header line is refused too, not "0 imported" (schemathesis ST201 sent `[null, null]`).
        let headerOnly = try await s.send(.POST, "/api/v1/attendance/leave/import", as: hr, raw: Data("[null, null]".utf8), contentType: "text/csv")
        #expect(headerOnly.status == .unprocessableEntity, "\(headerOnly.text)")
        try await s.app.mynagate.events.flush()
        #expect(try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "attendance.leave.imported").count() == 2, "the files with no usable line were read and recorded (0 applied); the junk file wrote nothing")

        // Shift_JIS with CRLF is read.
        let sjis = try #require("社員番号,区分,日付,日数\r\nH1,付与,\(Self.day(-10)),10\r\nH1,取得,\(Self.day(-5)),半日\r\n".data(using: .shiftJIS))
        let read = try await s.send(.POST, "/api/v1/attendance/leave/import", as: hr, raw: sjis, contentType: "text/csv")
        #expect(read.object()["encoding"] as? String == "Shift_JIS" && read.object()["grants"] as? Int == 1 && read.object()["days"] as? Int == 1, "\(read.text)")

        // Manual entry: good ones stored; each bound refused by name; an unknown number not echoed.
        #expect(try await s.send(.POST, "/api/v1/attendance/leave/days", as: hr, json: ["employeeNumber": "H1", "date": Self.day(-4), "kind": "hourly", "hours": 2]).status == .created)
        #expect(try await s.send(.POST, "/api/v1/attendance/leave/days", as: hr, json: ["employeeNumber": "H1", "date": Self.day(-3), "kind": "hourly"]).status == .unprocessableEntity)
        #expect(try await s.send(.POST, "/api/v1/attendance/leave/days", as: hr, json: ["employeeNumber": "H1", "date": Self.day(-3), "kind": "full", "hours": 2]).status == .unprocessableEntity)
        #expect(try await s.send(.POST, "/api/v1/attendance/leave/grants", as: hr, json: ["employeeNumber": "H1", "grantDate": Self.day(-10), "days": 41]).status == .unprocessableEntity)
        #expect(try await s.send(.POST, "/api/v1/attendance/leave/grants", as: hr, json: ["employeeNumber": String(repeating: "x", count: 33), "grantDate": Self.day(-10), "days": 10]).status == .unprocessableEntity)
        let unknown = try await s.send(.POST, "/api/v1/attendance/leave/grants", as: hr, json: ["employeeNumber": Self.myNumber, "grantDate": Self.day(-10), "days": 10])
        #expect(unknown.status == .unprocessableEntity && unknown.object()["code"] as? String == "unknown_employee")
        #expect(!unknown.text.contains(Self.myNumber))
        // The page's form: a grant for 11 days replaces the imported one (same date).
        let form = try await s.form("/attendance/leave/grants", as: hr, ["employeeNumber": "H1", "grantDate": Self.day(-10), "days": "11"])
        #expect(form.status == .seeOther, "\(form.text)")
        // The worker sees their own grant: 11 days, 0.5 taken (the hourly 2 hours not counted).
        let mine = try await s.send(.GET, "/api/v1/me/attendance/leave", as: worker).array()
        #expect(mine.count == 1)
        #expect(mine.first?["days"] as? Int == 11 && mine.first?["takenDays"] as? Double == 0.5 && mine.first?["hourlyHours"] as? Int == 2, "\(mine)")
        #expect(mine.first?["status"] as? String == "pending")
    }

    @Test("the purge removes the register's rows 3 years after the end of their grant year, and keeps the rest")
    func purge() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr), admin = try await s.user(.admin)
        _ = try await Self.employee(s, hr, "P1")
        // A grant's year ends a year minus a day after it and is kept 3 years after that: a grant made
        // 4 years and 30 days ago ended 3 years and ~31 days ago (gone); 4 years less 30 days ago, kept.
        let t = Self.today
        let old = CivilDate(year: t.year - 4, month: t.month, day: min(t.day, 28)).adding(days: -30)
        let kept = CivilDate(year: t.year - 4, month: t.month, day: min(t.day, 28)).adding(days: 30)
        let csv = "P1,grant,\(old),10\nP1,taken,\(old.adding(days: 5)),full\nP1,grant,\(kept),10\nP1,taken,\(kept.adding(days: 5)),full\n"
        #expect(try await s.send(.POST, "/api/v1/attendance/leave/import", as: hr, raw: Data(csv.utf8), contentType: "text/csv").status == .ok)
        let dry = try await s.send(.POST, "/api/v1/attendance/purge", as: admin, json: ["dryRun": true])
        #expect(dry.object()["leaveGrants"] as? Int == 1 && dry.object()["leaveDays"] as? Int == 1, "\(dry.text)")
        #expect(try await LeaveGrantModel.query(on: s.app.db).count() == 2)
        let done = try await s.send(.POST, "/api/v1/attendance/purge", as: admin, json: [String: String]())
        #expect(done.status == .ok, "\(done.text)")
        #expect(done.object()["leaveGrants"] as? Int == 1 && done.object()["leaveDays"] as? Int == 1)
        #expect(try await LeaveGrantModel.query(on: s.app.db).all().map(\.grantDate) == [kept.description])
        #expect(try await LeaveDayModel.query(on: s.app.db).all().map(\.date) == [kept.adding(days: 5).description])
        try await s.app.mynagate.events.flush()
        let record = try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "attendance.purged").first()
        #expect(record?.details.contains("\"leaveGrants\":\"1\"") == true, "\(record?.details ?? "")")
    }

    @Test("an import whose event-log record cannot be written stores nothing; mended, it stores the lines with their one record")
    func importAndItsRecordAreOneWrite() async throws {
        let plan = FaultPlan()
        let s = try await TestServer.start(faults: plan)
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        _ = try await Self.employee(s, hr, "F1")
        let csv = Data("F1,grant,\(Self.day(-10)),10\nF1,taken,\(Self.day(-5)),full\n".utf8)
        plan.add(.init(.insert, table: "audit_records", times: nil))
        let refused = try await s.send(.POST, "/api/v1/attendance/leave/import", as: hr, raw: csv, contentType: "text/csv")
        plan.mend()
        #expect(refused.status.code >= 500, "\(refused.status) \(refused.text)")
        #expect(try await LeaveGrantModel.query(on: s.app.db).count() == 0, "no grant without its record")
        #expect(try await LeaveDayModel.query(on: s.app.db).count() == 0)
        let again = try await s.send(.POST, "/api/v1/attendance/leave/import", as: hr, raw: csv, contentType: "text/csv")
        #expect(again.status == .ok && again.object()["changed"] as? Int == 2, "\(again.text)")
        try await s.app.mynagate.events.flush()
        #expect(try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "attendance.leave.imported").count() == 1)
    }
}
