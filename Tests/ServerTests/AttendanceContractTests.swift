import Foundation
import Testing
import Vapor

/// The attendance routes' query parameters and settings body, as the OpenAPI document states them
/// (Resources/OpenAPI/attendance.*.yaml), over real HTTP (issue 16, schemathesis findings): a parameter
/// that is present is read or refused (400), never quietly taken as the default month or setting.
@Suite("Attendance: API contract", .serialized)
struct AttendanceContractTests {
    @Test("?month= empty, named twice or not YYYY-MM is 400 on every month route, not this month; absent is still this month")
    func monthReadOrRefused() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let made = try await s.send(.POST, "/api/v1/employees", as: hr, json: ["employeeNumber": "AC001", "name": "契約 一郎", "department": "総務部", "groups": [String]()])
        #expect(made.status == .created || made.status == .ok, "\(made.text)")
        let id = try #require(made.object()["id"] as? String)
        let me = try await s.user(.employee, employee: UUID(uuidString: id))
        let routes: [(String, TestServer.Identity)] = [
            ("/api/v1/me/attendance", me), ("/api/v1/me/attendance/timeline.svg", me),
            ("/api/v1/attendance/employees/\(id)", hr), ("/api/v1/attendance/employees/\(id)/timeline.svg", hr),
            ("/api/v1/attendance/payroll", hr), ("/api/v1/attendance/self-reports/gaps", hr),
        ]
        for (path, who) in routes {
            for query in ["month=", "month=2026-11&month=2026-12", "month=2026-13"] {
                let r = try await s.send(.GET, "\(path)?\(query)", as: who)
                #expect(r.status == .badRequest, "\(path)?\(query): \(r.status) \(r.text.prefix(200))")
            }
            #expect(try await s.send(.GET, path, as: who).status == .ok, "\(path)")
            #expect(try await s.send(.GET, "\(path)?month=2026-11", as: who).status == .ok, "\(path)")
        }
        // The payroll's format is json or csv; anything else (or both) is 400.
        for query in ["format=xml", "format=", "format=csv&format=json"] {
            #expect(try await s.send(.GET, "/api/v1/attendance/payroll?\(query)", as: hr).status == .badRequest, "\(query)")
        }
    }

    @Test("a setting sent as null is refused (422), not reset to the built-in default")
    func settingNullRefused() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        let set = try await s.send(.PUT, "/api/v1/attendance/settings", as: admin, json: ["workerNoticeMinutes": 3_000])
        #expect(set.status == .ok, "\(set.text)")
        let null = try await s.send(.PUT, "/api/v1/attendance/settings", as: admin, json: ["workerNoticeMinutes": NSNull()])
        #expect(null.status == .unprocessableEntity, "\(null.status) \(null.text)")
        let after = try await s.send(.GET, "/api/v1/attendance/settings", as: admin).object()
        #expect(after["workerNoticeMinutes"] as? Int == 3_000, "\(after["workerNoticeMinutes"] ?? "none")")
    }

    @Test("the purge refuses a body whose dryRun is not a boolean (400) and deletes nothing")
    func purgeDryRunTyped() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        let r = try await s.send(.POST, "/api/v1/attendance/purge", as: admin, raw: Data(#"{"dryRun": {}}"#.utf8), contentType: "application/json")
        #expect(r.status == .badRequest, "\(r.status) \(r.text)")
    }

    @Test("a self-report file of which no line can be imported is 422 with the lines as issues (without their text), not 200 imported 0")
    func selfReportNothingUsable() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let r = try await s.send(.POST, "/api/v1/attendance/self-reports", as: hr, raw: Data("-150".utf8), contentType: "text/csv")
        #expect(r.status == .unprocessableEntity, "\(r.status) \(r.text)")
        #expect(r.object()["code"] as? String == "no_usable_line", "\(r.text)")
        #expect((r.object()["issues"] as? [[String: Any]])?.first?["field"] as? String == "line 1", "\(r.text)")
        #expect(!r.text.contains("-150"), "\(r.text)")
    }
}
