import Foundation
import Testing

/// `mynagate attendance report` and `purge` as processes, on the database of a running test server
/// (SQLite in its data directory, or the test PostgreSQL through DATABASE_URL).
@Suite("Attendance on the command line", .serialized)
struct AttendanceCLITests {
    static var executable: URL {
        if let path = ProcessInfo.processInfo.environment["MYNAGATE_BIN"] { return URL(fileURLWithPath: path) }
        // The test bundle lives in the same products directory as the executable.
        var dir = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("mynagate")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir.deleteLastPathComponent()
        }
        return Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("mynagate")
    }

    static func run(_ arguments: [String], server: TestServer) throws -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments + (TestServer.postgresURL == nil ? ["--data", server.directory.path] : [])
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = TestServer.postgresURL
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("report: JSON, the payroll CSV as the API gives it, one person's days, exit 1 over a limit; purge --dry-run")
    func reportAndPurge() async throws {
        let site = try await AttendanceSite.make()
        defer { Task { await site.server.stop() } }
        let s = site.server
        let heavy = try await site.person("H1")
        let light = try await site.person("L1")
        try await AttendanceAdminTests.longNovember(site, heavy)
        try await site.cross(light, [(AttendanceSite.jst(2026, 11, 2, 9), true), (AttendanceSite.jst(2026, 11, 6, 8, 30), true)])
        try await s.app.mynagate.events.flush()

        let json = try Self.run(["attendance", "report", "--month", "2026-11", "--json"], server: s)
        #expect(json.status == 1, "a violation makes the exit status 1")
        let people = (try? JSONSerialization.jsonObject(with: Data(json.out.utf8))) as? [[String: Any]] ?? []
        #expect(people.compactMap { $0["employeeNumber"] as? String } == ["H1", "L1"], "\(json.out)")
        let h1 = people.first?["totals"] as? [String: Any] ?? [:]
        #expect(h1["overtimeMinutes"] as? Int == 5_670)
        #expect((people.first?["alerts"] as? [String])?.contains("notice.worker_notice") == true)

        let csv = try Self.run(["attendance", "report", "--month", "2026-11", "--csv"], server: s)
        let api = try await s.send(.GET, "/api/v1/attendance/payroll?month=2026-11&format=csv", as: site.hr)
        #expect(csv.out == api.text)

        let one = try Self.run(["attendance", "report", "--month", "2026-11", "--employee", "L1"], server: s)
        #expect(one.status == 0, "\(one.out)")
        #expect(one.out.contains("2026-11-02") && one.out.contains("[missing_exit]"), "\(one.out)")
        #expect(!one.out.contains("H1"))
        #expect(try Self.run(["attendance", "report", "--month", "2026-13"], server: s).status == 2)
        #expect(try Self.run(["attendance", "report", "--employee", "nobody"], server: s).status == 1)

        let purge = try Self.run(["attendance", "purge", "--dry-run", "--json"], server: s)
        #expect(purge.status == 0, "\(purge.out)")
        let result = (try? JSONSerialization.jsonObject(with: Data(purge.out.utf8))) as? [String: Any] ?? [:]
        #expect(result["dryRun"] as? Bool == true)
        #expect(result["crossings"] as? Int == 0)
        #expect(result["retentionYears"] as? Int == 3)
    }
}
