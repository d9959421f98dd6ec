import Foundation
import Testing
import Vapor

@Suite("Attendance pages over real HTTP", .serialized)
struct AttendancePagesTests {
    func post(_ s: TestServer, _ path: String, as who: TestServer.Identity, form: [String: String]) async throws -> TestServer.Reply {
        let body = form.map { k, v in "\(k)=\(v.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return try await s.send(.POST, path, as: who, raw: Data(body.utf8), contentType: "application/x-www-form-urlencoded", csrf: false)
    }

    @Test("everyone's month, a person's month with the timeline and a correction form, the heat map, self-reports, settings, my month")
    func pages() async throws {
        let site = try await AttendanceSite.make()
        defer { Task { await site.server.stop() } }
        let s = site.server
        let a = try await site.person("PG1")
        func jst(_ d: Int, _ h: Int, _ m: Int = 0) -> Date { AttendanceSite.jst(2026, 11, d, h, m) }
        try await site.cross(a, [(jst(2, 9), true), (jst(2, 18, 30), false), (jst(4, 21), true), (jst(5, 6), false), (jst(6, 8, 30), true)])

        let index = try await s.send(.GET, "/attendance?month=2026-11", as: site.hr)
        #expect(index.status == .ok, "\(index.text)")
        #expect(index.text.contains("PG1"))
        #expect(index.text.contains("/attendance/people/\(a.id)?month=2026-11"))

        let month = try await s.send(.GET, "/attendance/people/\(a.id)?month=2026-11", as: site.hr)
        #expect(month.status == .ok, "\(month.text)")
        #expect(month.text.contains("/api/v1/attendance/employees/\(a.id)/timeline.svg?month=2026-11"))
        #expect(month.text.contains("21:00") && month.text.contains("30:00"), "the night shift's exit shows as 30:00 on its work day")
        #expect(month.text.contains("退出の記録がありません"))
        #expect(month.text.contains("name=\"csrf\""))

        // The correction form: refused without a reason (the page again, 422), stored with one.
        let refused = try await post(s, "/attendance/people/\(a.id)/corrections?month=2026-11", as: site.hr,
                                     form: ["csrf": site.hr.csrf!, "action": "add", "direction": "out", "at": "2026-11-06T17:30", "reason": ""])
        #expect(refused.status == .unprocessableEntity)
        let stored = try await post(s, "/attendance/people/\(a.id)/corrections?month=2026-11", as: site.hr,
                                    form: ["csrf": site.hr.csrf!, "action": "add", "direction": "out", "at": "2026-11-06T17:30", "reason": "打刻忘れ"])
        #expect(stored.status == .seeOther, "\(stored.status) \(stored.text)")
        let fixed = try await site.month(a, "2026-11")
        #expect(AttendanceSite.day(fixed, "2026-11-06")["workedMinutes"] as? Int == 480)
        #expect(try await post(s, "/attendance/people/\(a.id)/corrections?month=2026-11", as: site.hr,
                               form: ["action": "add", "direction": "out", "at": "2026-11-06T17:30", "reason": "x"]).status == .forbidden)
        let after = try await s.send(.GET, "/attendance/people/\(a.id)?month=2026-11&lang=en", as: site.hr)
        #expect(after.text.contains("打刻忘れ"))

        let dept = try await s.send(.GET, "/attendance/department?name=%E4%BA%BA%E4%BA%8B%E9%83%A8&month=2026-11", as: site.hr)
        #expect(dept.status == .ok, "\(dept.text)")
        #expect(dept.text.contains("/api/v1/attendance/department/heatmap.svg?"))

        let upload = try await post(s, "/attendance/self-reports", as: site.hr,
                                    form: ["csrf": site.hr.csrf!, "month": "2026-11", "csv": "PG1,2026-11-02,9:00,17:00,60\nPG1,2026-11-99,9:00,17:00,60\n"])
        #expect(upload.status == .ok, "\(upload.text)")
        let gaps = try await s.send(.GET, "/attendance/self-reports?month=2026-11", as: site.hr)
        #expect(gaps.status == .ok)
        #expect(gaps.text.contains("2026-11-02") && gaps.text.contains("PG1"))

        let settings = try await s.send(.GET, "/attendance/settings?lang=en", as: site.hr)
        #expect(settings.status == .ok, "\(settings.text)")
        #expect(settings.text.contains("2700"))

        let me = try await s.user(.employee, employee: UUID(uuidString: a.id))
        let mine = try await s.send(.GET, "/my/attendance?month=2026-11", as: me)
        #expect(mine.status == .ok, "\(mine.text)")
        #expect(mine.text.contains("/api/v1/me/attendance/timeline.svg?month=2026-11"))
        #expect(!mine.text.contains("name=\"reason\""), "an employee gets no correction form")
        #expect(try await s.send(.GET, "/attendance?month=2026-11", as: me).status == .forbidden)
        let nobody = try await s.user(.security)
        #expect(try await s.send(.GET, "/my/attendance", as: nobody).status == .ok)
        #expect(try await s.send(.GET, "/attendance/people/\(a.id)?month=2026-13", as: site.hr).status == .badRequest)
    }
}
