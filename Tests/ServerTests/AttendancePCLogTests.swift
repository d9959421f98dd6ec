import Access
import Attendance
import Audit
import Fluent
import Foundation
import MyNumber
import Store
import Testing
import Vapor
@testable import AttendanceServer

/// PC logs beside the door record over HTTP (issue 20 item 4): the import (one audited transaction,
/// idempotent), the month's gaps against the door and the self-report, the investigation tasks (opened
/// once per person-day-kind, resolved with a note), the page in Japanese and English, the setting, and
/// hostile input. November 2026, door crossings uploaded as door agents do.
@Suite("Attendance: PC logs beside the door record", .serialized)
struct AttendancePCLogTests {
    /// 12 digits with a valid My Number check digit (the one AttendanceLeaveTests uses; checked below).
    static let myNumber = "482301759600"

    /// P1 on 2 November: PC 8:20–18:20, door 9:00–18:00, self-report 9:00–18:00: the PC started 40 min
    ///     before the entry and the reported start (over 30: two gaps, early 40), and ended 20 min after
    ///     (not over 30).
    /// P2 on 3 November: PC 10:00 (written in UTC, 01:00Z) to a 12:00 lock, no door record: no_door_record.
    /// P1 on 4 November: PC 9:10–17:50 inside the door's 9:00–18:00: nothing.
    /// Line 8 a My Number as the employee number (unknown employee, never echoed); line 9 the 31st of November.
    static let file = """
    社員番号,日時,種別,PC名
    P1,2026-11-02 08:20,logon,PC-1
    P1,2026-11-02 18:20,logoff,PC-1
    P2,2026-11-03T01:00:00Z,logon
    P2,2026-11-03 12:00,ロック
    P1,2026-11-04 09:10,unlock
    P1,2026-11-04 17:50,lock
    \(myNumber),2026-11-04 09:00,logon
    P1,2026-11-31 09:00,logon
    """

    @Test("import, gaps against the door and the self-report, one task per person-day-kind, resolve, idempotent re-import, page in Japanese and English, the margin setting")
    func importGapsAndTasks() async throws {
        #expect((try? IndividualNumber(Self.myNumber)) != nil)
        let site = try await AttendanceSite.make()
        defer { Task { await site.server.stop() } }
        let s = site.server, hr = site.hr
        let p1 = try await site.person("P1")
        _ = try await site.person("P2")
        func jst(_ d: Int, _ h: Int, _ m: Int = 0) -> Date { AttendanceSite.jst(2026, 11, d, h, m) }
        try await site.cross(p1, [(jst(2, 9), true), (jst(2, 18), false), (jst(4, 9), true), (jst(4, 18), false)])
        let report = try await s.send(.POST, "/api/v1/attendance/self-reports", as: hr, raw: Data("P1,2026-11-02,9:00,18:00,60\n".utf8), contentType: "text/csv")
        #expect(report.status == .ok, "\(report.text)")
        LogCapture.installed
        let capture = LogCapture.shared.open()

        let r = try await s.send(.POST, "/api/v1/attendance/pc-logs", as: hr, raw: Data([0xEF, 0xBB, 0xBF]) + Data(Self.file.utf8), contentType: "text/csv")
        #expect(r.status == .ok, "\(r.text)")
        #expect(r.object()["events"] as? Int == 6 && r.object()["added"] as? Int == 6 && r.object()["tasksOpened"] as? Int == 3, "\(r.text)")
        let errors = r.object()["errors"] as? [[String: Any]] ?? []
        #expect(errors.compactMap { $0["line"] as? Int } == [8, 9])
        #expect(errors.compactMap { $0["reason"] as? String } == ["unknown_employee", "time"])
        #expect(!r.text.contains(Self.myNumber), "a field's text is never echoed: \(r.text)")

        // The same file again adds nothing and opens nothing.
        let again = try await s.send(.POST, "/api/v1/attendance/pc-logs", as: hr, raw: Data(Self.file.utf8), contentType: "text/csv")
        #expect(again.object()["added"] as? Int == 0 && again.object()["tasksOpened"] as? Int == 0, "\(again.text)")
        #expect(try await PCLogEventModel.query(on: s.app.db).count() == 6)

        let gaps = try await s.send(.GET, "/api/v1/attendance/pc-logs/gaps?month=2026-11", as: hr)
        #expect(gaps.status == .ok, "\(gaps.text)")
        let rows = gaps.array()
        #expect(rows.compactMap { $0["kind"] as? String } == ["outside_door", "outside_self_report", "no_door_record"])
        #expect(rows.compactMap { $0["date"] as? String } == ["2026-11-02", "2026-11-02", "2026-11-03"])
        #expect(rows.compactMap { $0["employeeNumber"] as? String } == ["P1", "P1", "P2"])
        #expect(rows.first?["earlyMinutes"] as? Int == 40 && rows.first?["lateMinutes"] == nil)
        #expect(rows.dropFirst().first?["earlyMinutes"] as? Int == 40)
        // Generating the report again opens nothing more: one task per person-day-kind.
        #expect(try await PCLogTaskModel.query(on: s.app.db).count() == 3)

        let tasks = try await s.send(.GET, "/api/v1/attendance/pc-logs/tasks", as: hr).array()
        #expect(tasks.count == 3 && tasks.allSatisfy { $0["status"] as? String == "open" })
        let id = try #require(tasks.first?["id"] as? String)
        // A note with a My Number is refused and not repeated; an empty one too.
        let withNumber = try await s.send(.POST, "/api/v1/attendance/pc-logs/tasks/\(id)/resolve", as: hr, json: ["note": "本人確認 \(Self.myNumber)"])
        #expect(withNumber.status == .unprocessableEntity && !withNumber.text.contains(Self.myNumber), "\(withNumber.text)")
        #expect(try await s.send(.POST, "/api/v1/attendance/pc-logs/tasks/\(id)/resolve", as: hr, json: ["note": "  "]).status == .unprocessableEntity)
        #expect(try await s.send(.POST, "/api/v1/attendance/pc-logs/tasks/\(id)/resolve", as: hr,
                                 json: ["note": String(repeating: "あ", count: 501)]).status == .unprocessableEntity)
        let resolved = try await s.send(.POST, "/api/v1/attendance/pc-logs/tasks/\(id)/resolve", as: hr, json: ["note": "始業前のメール確認。労働時間として扱う。"])
        #expect(resolved.status == .ok, "\(resolved.text)")
        #expect(resolved.object()["status"] as? String == "resolved" && (resolved.object()["resolvedBy"] as? String)?.hasPrefix("user:") == true)
        #expect(try await s.send(.POST, "/api/v1/attendance/pc-logs/tasks/\(id)/resolve", as: hr, json: ["note": "二度目"]).status == .conflict)
        #expect(try await s.send(.POST, "/api/v1/attendance/pc-logs/tasks/\(UUID().uuidString)/resolve", as: hr, json: ["note": "x"]).status == .notFound)
        #expect(try await s.send(.GET, "/api/v1/attendance/pc-logs/tasks", as: hr).array().count == 2)
        #expect(try await s.send(.GET, "/api/v1/attendance/pc-logs/tasks?status=all", as: hr).array().count == 3)
        #expect(try await s.send(.GET, "/api/v1/attendance/pc-logs/tasks?status=done", as: hr).status == .badRequest)
        // A resolved investigation is not reopened by the same gap.
        _ = try await s.send(.GET, "/api/v1/attendance/pc-logs/gaps?month=2026-11", as: hr)
        #expect(try await PCLogTaskModel.query(on: s.app.db).count() == 3)

        // The page, Japanese by default and English with ?lang=en; its resolve form.
        let ja = try await s.send(.GET, "/attendance/pc-logs?month=2026-11", as: hr)
        #expect(ja.status == .ok)
        for text in ["入退場記録の外", "入退場記録なし", "開始が40分早い", "pclog-import-form", "pclog-resolve-form", "基発0120第3号"] {
            #expect(ja.text.contains(text), "\(text)")
        }
        let en = try await s.send(.GET, "/attendance/pc-logs?month=2026-11&lang=en", as: hr)
        for text in ["Outside the door record", "No door record", "started 40 min earlier", "Open investigations"] { #expect(en.text.contains(text), "\(text)") }
        let index = try await s.send(.GET, "/attendance", as: hr)
        #expect(index.text.contains("/attendance/pc-logs"))
        let open = try await s.send(.GET, "/api/v1/attendance/pc-logs/tasks", as: hr).array()
        let second = try #require(open.first?["id"] as? String)
        let form = try await s.form("/attendance/pc-logs/tasks/\(second)/resolve", as: hr, ["note": "在宅勤務の申請あり。", "month": "2026-11"])
        #expect(form.status == .seeOther, "\(form.text)")
        let formNumber = try await s.form("/attendance/pc-logs/tasks/\(try #require(open.last?["id"] as? String))/resolve", as: hr,
                                          ["note": Self.myNumber, "month": "2026-11"])
        #expect(formNumber.status == .unprocessableEntity && !formNumber.text.contains(Self.myNumber))
        #expect(try await s.send(.GET, "/api/v1/attendance/pc-logs/tasks", as: hr).array().count == 1)

        // The margin is a setting (0–240): at 45 the 40 minutes are no longer a gap.
        let tooWide = try await s.send(.PUT, "/api/v1/attendance/settings", as: site.admin, json: ["pcLogMarginMinutes": 241])
        #expect(tooWide.status == .unprocessableEntity, "\(tooWide.text)")
        let wider = try await s.send(.PUT, "/api/v1/attendance/settings", as: site.admin, json: ["pcLogMarginMinutes": 45])
        #expect(wider.status == .ok, "\(wider.text)")
        let fewer = try await s.send(.GET, "/api/v1/attendance/pc-logs/gaps?month=2026-11", as: hr).array()
        #expect(fewer.compactMap { $0["kind"] as? String } == ["no_door_record"])

        // Records: the counts, the opening, the resolutions; no trace of the number anywhere.
        try await s.app.mynagate.events.flush()
        let kinds = ["attendance.pc_log.imported", "attendance.pc_log.tasks_opened", "attendance.pc_log.task_resolved"]
        let records = try await AuditRecordModel.query(on: s.app.db).filter(\.$kind ~~ kinds).all()
        #expect(records.filter { $0.kind == kinds[0] }.count == 2)
        #expect(records.filter { $0.kind == kinds[1] }.count == 1)
        #expect(records.filter { $0.kind == kinds[2] }.count == 2)
        #expect(records.allSatisfy { !$0.details.contains(Self.myNumber) })
        let notes = try await PCLogTaskModel.query(on: s.app.db).all().compactMap(\.note)
        #expect(notes.count == 2 && notes.allSatisfy { !$0.contains(Self.myNumber) })
        let lines = LogCapture.shared.close(capture)
        #expect(!lines.contains { $0.contains(Self.myNumber) })
    }

    @Test("hostile input: an employee gets 403 everywhere, bytes in neither encoding, a file with no usable line, Shift_JIS read")
    func hostileInput() async throws {
        let site = try await AttendanceSite.make()
        defer { Task { await site.server.stop() } }
        let s = site.server, hr = site.hr
        let h1 = try await site.person("H1")
        let worker = try await s.user(.employee, employee: UUID(uuidString: h1.id))
        let csv = Data("H1,2026-11-02 08:00,logon\n".utf8)
        #expect(try await s.send(.POST, "/api/v1/attendance/pc-logs", as: worker, raw: csv, contentType: "text/csv").status == .forbidden)
        #expect(try await s.send(.GET, "/api/v1/attendance/pc-logs/gaps?month=2026-11", as: worker).status == .forbidden)
        #expect(try await s.send(.GET, "/api/v1/attendance/pc-logs/tasks", as: worker).status == .forbidden)
        #expect(try await s.send(.POST, "/api/v1/attendance/pc-logs/tasks/\(UUID().uuidString)/resolve", as: worker, json: ["note": "x"]).status == .forbidden)
        #expect(try await s.send(.GET, "/attendance/pc-logs", as: worker).status == .forbidden)
        #expect(try await PCLogEventModel.query(on: s.app.db).count() == 0)

        // Neither UTF-8 nor Shift_JIS: 422, nothing written, no record.
        let junk = try await s.send(.POST, "/api/v1/attendance/pc-logs", as: hr, raw: Data([0xFF, 0xFE, 0xFD, 0x80, 0x81]), contentType: "text/csv")
        #expect(junk.status == .unprocessableEntity, "\(junk.text)")
        // No usable line: 422 naming the lines, never the number (here in the employee column, then in the time column).
        let bad = try await s.send(.POST, "/api/v1/attendance/pc-logs", as: hr,
                                   raw: Data("\(Self.myNumber),2026-11-02 08:00,logon\nH1,\(Self.myNumber),logon\n".utf8), contentType: "text/csv")
        #expect(bad.status == .unprocessableEntity)
        #expect(bad.object()["code"] as? String == "no_usable_line")
        #expect(!bad.text.contains(Self.myNumber), "\(bad.text)")
        #expect(try await PCLogEventModel.query(on: s.app.db).count() == 0)
        try await s.app.mynagate.events.flush()
        #expect(try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "attendance.pc_log.imported").count() == 1,
                "the file with no usable line was read and recorded (0 events); the junk file wrote nothing")

        // Shift_JIS with CRLF and the Japanese event names: read; no door record that day, so one gap and one task.
        let sjis = try #require("社員番号,日時,種別\r\nH1,2026-11-02 08:00,ログオン\r\nH1,2026-11-02 17:00,ログオフ\r\n".data(using: .shiftJIS))
        let read = try await s.send(.POST, "/api/v1/attendance/pc-logs", as: hr, raw: sjis, contentType: "text/csv")
        #expect(read.status == .ok, "\(read.text)")
        #expect(read.object()["encoding"] as? String == "Shift_JIS" && read.object()["added"] as? Int == 2 && read.object()["tasksOpened"] as? Int == 1)
        // A PC-name column holding a My Number (a misaligned export) is a bad line: not stored, not echoed.
        let misaligned = try await s.send(.POST, "/api/v1/attendance/pc-logs", as: hr,
                                          raw: Data("H1,2026-11-06 09:00,logon,\(Self.myNumber)\nH1,2026-11-06 18:00,logoff,PC-01\n".utf8), contentType: "text/csv")
        #expect(misaligned.status == .ok, "\(misaligned.text)")
        #expect((misaligned.object()["errors"] as? [[String: Any]] ?? []).map { $0["reason"] as? String } == ["pc_name"])
        #expect(misaligned.object()["added"] as? Int == 1 && !misaligned.text.contains(Self.myNumber))
        #expect(try await PCLogEventModel.query(on: s.app.db).all().allSatisfy { !$0.pc.contains(Self.myNumber) })
        // The page's import form reads the same text.
        let page = try await s.form("/attendance/pc-logs", as: hr, ["csv": "H1,2026-11-05 09:00,logon", "month": "2026-11"])
        #expect(page.status == .ok && page.text.contains("pclog-imported"), "\(page.status)")
        #expect(try await s.send(.GET, "/api/v1/attendance/pc-logs/gaps?month=bad", as: hr).status == .badRequest)
    }

    /// Retention 3 years from the end of the record's month: a PC day of January 2020 (and its task) is
    /// past it on any day this test runs after 2023; one of a month ago is kept.
    @Test("the purge deletes PC events and investigation tasks past retention, with the rest of attendance")
    func purge() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr), admin = try await s.user(.admin)
        let made = try await s.send(.POST, "/api/v1/employees", as: hr, json: ["employeeNumber": "Q1", "name": "PC Q1", "department": "総務部"])
        #expect(made.status == .created || made.status == .ok, "\(made.text)")
        let recent = AttendanceService.today.adding(days: -30)
        let csv = "Q1,2020-01-06 09:00,logon\nQ1,2020-01-06 18:00,logoff\nQ1,\(recent) 09:00,logon\n"
        let r = try await s.send(.POST, "/api/v1/attendance/pc-logs", as: hr, raw: Data(csv.utf8), contentType: "text/csv")
        // No door record on either day: one task each.
        #expect(r.status == .ok && r.object()["added"] as? Int == 3 && r.object()["tasksOpened"] as? Int == 2, "\(r.text)")
        let dry = try await s.send(.POST, "/api/v1/attendance/purge", as: admin, json: ["dryRun": true])
        #expect(dry.object()["pcLogEvents"] as? Int == 2 && dry.object()["pcLogTasks"] as? Int == 1, "\(dry.text)")
        #expect(try await PCLogEventModel.query(on: s.app.db).count() == 3)
        let done = try await s.send(.POST, "/api/v1/attendance/purge", as: admin, json: [String: String]())
        #expect(done.status == .ok && done.object()["pcLogEvents"] as? Int == 2 && done.object()["pcLogTasks"] as? Int == 1, "\(done.text)")
        #expect(try await PCLogEventModel.query(on: s.app.db).all().map(\.date) == [recent.description])
        #expect(try await PCLogTaskModel.query(on: s.app.db).all().map(\.date) == [recent.description])
        try await s.app.mynagate.events.flush()
        let record = try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "attendance.purged").first()
        #expect(record?.details.contains("\"pcLogEvents\":\"2\"") == true, "\(record?.details ?? "")")
    }
}
