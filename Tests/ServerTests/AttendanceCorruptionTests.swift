import Fluent
import Foundation
import SQLKit
import Store
import Testing
import Vapor

/// Attendance data the server cannot read is an error over HTTP, never zeros or defaults: payroll and
/// 36協定 figures computed from a person 0 / minute 0 or from the legal defaults would be silently wrong.
@Suite("Attendance: unreadable stored data", .serialized)
struct AttendanceCorruptionTests {
    @Test("stored settings that cannot be read: the settings and a month's figures are refused with the reason, not computed from defaults")
    func corruptSettings() async throws {
        let site = try await AttendanceSite.make()
        defer { Task { await site.server.stop() } }
        let s = site.server
        let p = try await site.person("C1")
        try await site.cross(p, [(AttendanceSite.jst(2026, 11, 2, 9), true), (AttendanceSite.jst(2026, 11, 2, 19), false)])
        _ = try await s.send(.PUT, "/api/v1/attendance/settings", as: site.admin, json: ["monthlyLimitMinutes": 3_000])
        guard let row = try await SettingModel.find("attendance", on: s.app.db) else { Issue.record("no stored settings"); return }
        row.value = "{\"monthlyLimitMinutes\": \"lots\""
        try await row.save(on: s.app.db)

        let settings = try await s.send(.GET, "/api/v1/attendance/settings", as: site.hr)
        #expect(settings.status == .internalServerError)
        #expect(String(decoding: settings.body, as: UTF8.self).contains("stored attendance settings"))
        let month = try await s.send(.GET, "/api/v1/attendance/employees/\(p.id)?month=2026-11", as: site.hr)
        #expect(month.status == .internalServerError)
        #expect(String(decoding: month.body, as: UTF8.self).contains("stored attendance settings"))
    }

    /// SQLite only: PostgreSQL's typed columns cannot hold a crossing that is not an integer.
    @Test("a crossing row that is not integers: the month is refused with the reason, not read as person 0 / minute 0",
          .enabled(if: TestServer.postgresURL == nil))
    func unreadableCrossing() async throws {
        let site = try await AttendanceSite.make()
        defer { Task { await site.server.stop() } }
        let s = site.server
        let p = try await site.person("C2")
        try await site.cross(p, [(AttendanceSite.jst(2026, 11, 2, 9), true), (AttendanceSite.jst(2026, 11, 2, 19), false)])
        guard let sql = s.app.db as? any SQLDatabase else { Issue.record("not SQL"); return }
        try await sql.raw("UPDATE \(ident: AttendanceStore.crossingsTable) SET event = 'damaged' WHERE direction = 0").run()

        let month = try await s.send(.GET, "/api/v1/attendance/employees/\(p.id)?month=2026-11", as: site.hr)
        #expect(month.status == .internalServerError)
        #expect(String(decoding: month.body, as: UTF8.self).contains("attendance crossing"))
    }
}
