import Access
import Attendance
import Fluent
import Foundation
import Store
import Testing
import Vapor

/// Door history from the previous access system through real HTTP: imported beside MynaGate's own
/// crossings, refused where they would overlap, re-importable without counting twice, taken back.
@Suite("Door history import")
struct DoorHistoryTests {
    static func jst(_ y: Int, _ m: Int, _ d: Int, _ h: Int, _ min: Int = 0) -> Date { AttendanceSite.jst(y, m, d, h, min) }

    @Test("history before a person's own records is imported and marked; overlapping, unknown and future lines are refused by line, never echoed")
    func importAndRefusals() async throws {
        let site = try await AttendanceSite.make()
        let s = site.server
        let p = try await site.person("H001")
        // MynaGate's own records start on 1 April 2026.
        try await site.cross(p, [(Self.jst(2026, 4, 1, 8, 50), true), (Self.jst(2026, 4, 1, 17, 50), false)])
        let file = """
            社員番号,日時,方向,扉
            H001,2026-03-02 08:55,in,旧正面
            H001,2026/03/02 18:05,out
            H001,2026-04-01 09:00,入
            E9999,2026-03-02 09:00,in
            123456789012,2026-03-02 09:00,in
            H001,2099-01-01 09:00,in
            H001,2026-03-03 25:00,in
            H001,2026-04-01 07:00,in
            H001,1969-12-31 09:00,in
            """
        let admin = site.admin
        let r = try await s.send(.POST, "/api/v1/attendance/history", as: admin, raw: Data(file.utf8), contentType: "text/csv")
        #expect(r.status == .ok, "\(r.text)")
        let o = r.object()
        #expect(o["imported"] as? Int == 2)
        let errors = o["errors"] as? [[String: Any]] ?? []
        // Line 9 is earlier than MynaGate's first crossing, but on its day: the two never mix in one day.
        #expect(errors.map { $0["line"] as? Int } == [4, 5, 6, 7, 8, 9, 10])
        #expect(errors.map { $0["reason"] as? String } == ["overlaps_own_records", "unknown_employee", "unknown_employee", "future", "time",
                                                           "overlaps_own_records", "too_old"])
        #expect(o["refused"] as? Int == 7)
        #expect(!r.text.contains("123456789012"))
        // 3 March's month: 8:55 to 18:05 is 550 minutes present, from crossings marked as imported.
        let march = try await site.month(p, "2026-03")
        #expect(AttendanceSite.day(march, "2026-03-02")["presenceMinutes"] as? Int == 550)
        let crossings = march["crossings"] as? [[String: Any]] ?? []
        #expect(crossings.count == 2 && crossings.allSatisfy { $0["imported"] as? Bool == true && ($0["eventId"] as? String ?? "").hasPrefix("-") })
        // April's own crossings are MynaGate's, untouched.
        let april = try await site.month(p, "2026-04")
        #expect((april["crossings"] as? [[String: Any]] ?? []).allSatisfy { $0["imported"] as? Bool == false })
        try await s.app.mynagate.events.flush()
        let records = try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "attendance.history.imported").all()
        let adminName = try await Self.adminName(s)
        #expect(records.count == 1 && records[0].details.contains("\"imported\":\"2\"") && records[0].actor == "user:\(adminName)")
    }

    @Test("the same file again adds nothing; taken back, it can be imported again; only an administrator imports")
    func reimportAndRemove() async throws {
        let site = try await AttendanceSite.make()
        let s = site.server
        let p = try await site.person("H002")
        let file = Data("H002,2026-02-02 09:00,in\nH002,2026-02-02 18:00,out\n".utf8)
        #expect(try await s.send(.POST, "/api/v1/attendance/history", as: site.hr, raw: file, contentType: "text/csv").status == .forbidden)
        let first = try await s.send(.POST, "/api/v1/attendance/history", as: site.admin, raw: file, contentType: "text/csv").object()
        #expect(first["imported"] as? Int == 2 && first["serial"] as? Int == 1)
        let again = try await s.send(.POST, "/api/v1/attendance/history", as: site.admin, raw: file, contentType: "text/csv").object()
        #expect(again["imported"] as? Int == 0)
        #expect((again["errors"] as? [[String: Any]] ?? []).map { $0["reason"] as? String } == ["already_imported", "already_imported"])
        #expect(AttendanceSite.day(try await site.month(p, "2026-02"), "2026-02-02")["presenceMinutes"] as? Int == 540)
        let list = try await s.send(.GET, "/api/v1/attendance/history", as: site.hr).array()
        #expect(list.map { $0["serial"] as? Int } == [2, 1])

        let removed = try await s.send(.DELETE, "/api/v1/attendance/history/1", as: site.admin)
        #expect(removed.object()["removed"] as? Int == 2, "\(removed.text)")
        #expect((try await site.month(p, "2026-02")["crossings"] as? [[String: Any]] ?? []).isEmpty)
        #expect(try await s.send(.DELETE, "/api/v1/attendance/history/9", as: site.admin).status == .notFound)
        let third = try await s.send(.POST, "/api/v1/attendance/history", as: site.admin, raw: file, contentType: "text/csv").object()
        #expect(third["imported"] as? Int == 2)
        // Bytes that are neither UTF-8 nor Shift_JIS are refused whole.
        #expect(try await s.send(.POST, "/api/v1/attendance/history", as: site.admin, raw: Data([0x82, 0xFF, 0xFE, 0x0A]), contentType: "text/csv").status == .unprocessableEntity)
    }

    @Test("exports made per door import one after another; MynaGate's own crossings arriving later for an imported day win; an imported crossing can be corrected, and taking the import back takes its correction")
    func perDoorLateOwnAndCorrections() async throws {
        let site = try await AttendanceSite.make()
        let s = site.server
        let p = try await site.person("H004")
        let admin = site.admin
        // Door A's export has the entries, door B's the exits, of the same days.
        let a = try await s.send(.POST, "/api/v1/attendance/history", as: admin, raw: Data("H004,2026-01-05 09:00,in\nH004,2026-01-06 09:00,in\n".utf8), contentType: "text/csv").object()
        let b = try await s.send(.POST, "/api/v1/attendance/history", as: admin, raw: Data("H004,2026-01-05 18:00,out\nH004,2026-01-06 18:30,out\n".utf8), contentType: "text/csv").object()
        #expect(a["imported"] as? Int == 2 && b["imported"] as? Int == 2)
        var jan = try await site.month(p, "2026-01")
        #expect(AttendanceSite.day(jan, "2026-01-05")["presenceMinutes"] as? Int == 540)
        // An offline door uploads MynaGate's own crossings of 6 January afterwards: that day is theirs.
        try await site.cross(p, [(Self.jst(2026, 1, 6, 8, 30), true), (Self.jst(2026, 1, 6, 17, 30), false)])
        jan = try await site.month(p, "2026-01")
        #expect(AttendanceSite.day(jan, "2026-01-06")["presenceMinutes"] as? Int == 540)  // 8:30–17:30, not mixed with 9:00/18:30
        #expect((AttendanceSite.day(jan, "2026-01-06")["issues"] as? [Any] ?? []).isEmpty)
        // The imported exit of 5 January was a mistake: voided like any crossing.
        let exit = (jan["crossings"] as? [[String: Any]] ?? []).first { $0["at"] as? String == "2026-01-05T09:00:00Z" }?["eventId"] as? String ?? ""
        #expect(exit.hasPrefix("-"))
        let void = try await s.send(.POST, "/api/v1/attendance/corrections", as: site.hr,
                                    json: ["employeeId": p.id, "action": "void", "eventId": exit, "reason": "旧システムの誤記録"])
        #expect(void.status == .created, "\(void.text)")
        #expect(AttendanceSite.day(try await site.month(p, "2026-01"), "2026-01-05")["presenceMinutes"] as? Int != 540)
        // Taking import 2 back takes the correction of its crossing with it.
        #expect(try await s.send(.DELETE, "/api/v1/attendance/history/2", as: admin).object()["removed"] as? Int == 2)
        #expect(try await AttendanceCorrectionModel.query(on: s.app.db).count() == 0)
    }

    @Test("the page lists imports to HR and lets an administrator import, in Japanese and English")
    func page() async throws {
        let site = try await AttendanceSite.make()
        let s = site.server
        _ = try await site.person("H003")
        _ = try await s.send(.POST, "/api/v1/attendance/history", as: site.admin, raw: Data("H003,2026-01-05 09:00,in\n".utf8), contentType: "text/csv")
        let hr = try await s.send(.GET, "/attendance/history", as: site.hr)
        #expect(hr.status == .ok && hr.text.contains("取り込み済み") && !hr.text.contains("history-form"))
        let en = try await s.send(.GET, "/attendance/history?lang=en", as: site.admin)
        #expect(en.text.contains("Imports made") && en.text.contains("history-form"))
    }

    static func adminName(_ s: TestServer) async throws -> String {
        try await UserModel.query(on: s.app.db).filter(\.$role == "admin").first()?.username ?? ""
    }
}
