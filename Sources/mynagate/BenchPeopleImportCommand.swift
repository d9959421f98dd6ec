import ArgumentParser
import Foundation
import Server
import ServerCore
import Store
import Vapor

/// `mynagate bench people-import`: an HR master export of --rows people previewed and applied into a
/// fresh SQLite database, beside the sqlite3 shell's `.import` of the same file.
struct BenchPeopleImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "people-import",
        abstract: "Preview and apply an HR master CSV of --rows people into a fresh SQLite database, beside `sqlite3 .import` of the same file.",
        discussion: """
            Writes a CSV of --rows people (ja-hr headers: 社員番号,氏名,所属,勤務地,退職日,生年月日; one in 20 \
            with a leaving date, everyone with a birth date), then, in a fresh data directory with the server's migrations run:

              preview    parse (UTF-8, the My Number scan of every cell, line checks) and compare with the \
            people stored (none): PeopleImport.parse + preview;
              apply      the same, then create every person, record the leaving dates (validity and the \
            vault profile), write everyone's birth date to their vault profile, and seal one event-log record per person plus the summary, in one transaction \
            (PeopleImport.applyAudited, what `mynagate import people --apply` runs);
              again      the same file applied a second time (nothing changes: one summary record);
              sqlite3    `sqlite3 FILE.db` with `.mode csv` and `.import` of the same file into a new \
            table: no checks, no comparison, no audit — the floor for getting these rows into SQLite.

            Reports each time and the ratio apply / sqlite3. Run a release build.
            """
    )

    @ArgumentParser.Option(help: "People in the file.") var rows = 50_000
    @ArgumentParser.Option(help: "The sqlite3 shell to compare with.") var sqlite3 = "/usr/bin/sqlite3"
    @ArgumentParser.Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard (1...PeopleCSV.maxRows).contains(rows) else { throw ValidationError("--rows 1–\(PeopleCSV.maxRows)") }
    }

    static func csv(rows: Int) -> Data {
        var out = "社員番号,氏名,所属,勤務地,退職日,生年月日\n"
        out.reserveCapacity(rows * 60)
        let departments = ["総務部", "人事部", "経理部", "営業部", "開発部", "製造部", "品質保証部", "購買部"]
        let sites = ["本社", "大阪", "名古屋", "福岡", "札幌"]
        for i in 1...rows {
            let leaving = i % 20 == 0 ? "2026-03-31" : ""
            let birth = "\(1960 + i % 40)-\(String(format: "%02d", 1 + i % 12))-\(String(format: "%02d", 1 + i % 28))"
            out += "E\(String(format: "%06d", i)),社員 \(i),\(departments[i % departments.count]),\(sites[i % sites.count]),\(leaving),\(birth)\n"
        }
        return Data(out.utf8)
    }

    func run() async throws {
        var env = Environment(name: "production", arguments: ["mynagate"])
        try ServerLogging.bootstrap(from: &env)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = Self.csv(rows: rows)
        let file = dir.appendingPathComponent("people.csv")
        try data.write(to: file)
        var c = ServerConfig()
        c.dataDirectory = dir.appendingPathComponent("data").path
        c.port = 0
        let app = try await Application.make(env)
        let times: (preview: Duration, apply: Duration, again: Duration, created: Int)
        do {
            try await configure(app, config: c)
            let sha = PeopleImport.sha256(data)
            var start = ContinuousClock.now
            let previewed = try await PeopleImport.preview(try PeopleImport.parse(data, mapping: nil), sha256: sha, isAdmin: true, on: app.db)
            let preview = ContinuousClock.now - start
            guard previewed.new == rows else { throw CLIFailure("the preview found \(previewed.new) new people, not \(rows)") }
            start = ContinuousClock.now
            _ = try await PeopleImport.applyAudited(try PeopleImport.parse(data, mapping: nil), sha256: sha, actor: "system:bench", on: app.db)
            let apply = ContinuousClock.now - start
            let created = try await EmployeeModel.query(on: app.db).count()
            guard created == rows else { throw CLIFailure("the apply stored \(created) people, not \(rows)") }
            start = ContinuousClock.now
            let second = try await PeopleImport.applyAudited(try PeopleImport.parse(data, mapping: nil), sha256: sha, actor: "system:bench", on: app.db)
            let again = ContinuousClock.now - start
            guard second.unchanged == rows else { throw CLIFailure("the second apply changed something") }
            times = (preview, apply, again, created)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
        let peer = try sqliteImport(file, database: dir.appendingPathComponent("peer.db"))
        report(times.preview, times.apply, times.again, peer, bytes: data.count)
    }

    /// `sqlite3 DB` reading `.mode csv` and `.import FILE people` on stdin, timed around the process.
    func sqliteImport(_ file: URL, database: URL) throws -> Duration {
        guard FileManager.default.isExecutableFile(atPath: sqlite3) else { throw CLIFailure("no sqlite3 shell at \(sqlite3)") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: sqlite3)
        p.arguments = [database.path, ".mode csv", ".import \(file.path) people", "SELECT count(*) FROM people;"]
        let out = Pipe()
        p.standardOutput = out
        let start = ContinuousClock.now
        try p.run()
        p.waitUntilExit()
        let elapsed = ContinuousClock.now - start
        let counted = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard p.terminationStatus == 0, counted == String(rows) else { throw CLIFailure("sqlite3 .import failed (status \(p.terminationStatus))") }
        return elapsed
    }

    func report(_ preview: Duration, _ apply: Duration, _ again: Duration, _ peer: Duration, bytes: Int) {
        func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
        if json {
            let out: [String: Any] = ["rows": rows, "bytes": bytes, "previewMs": ms(preview), "applyMs": ms(apply), "againMs": ms(again),
                                      "sqlite3ImportMs": ms(peer), "ratioApplyToSqlite3": ms(apply) / ms(peer)]
            if let data = try? JSONSerialization.data(withJSONObject: out, options: [.sortedKeys]) { print(String(decoding: data, as: UTF8.self)) }
            return
        }
        print("people from the HR master: \(rows) rows, \(bytes) bytes, fresh SQLite")
        print(String(format: "  preview (parse, My Number scan, compare)          %9.1f ms", ms(preview)))
        print(String(format: "  apply (create, leavers, a record per change)      %9.1f ms", ms(apply)))
        print(String(format: "  the same file again (nothing changes)             %9.1f ms", ms(again)))
        print(String(format: "  sqlite3 .import of the same file                  %9.1f ms", ms(peer)))
        print(String(format: "  ratio apply / sqlite3 .import                     %9.1f", ms(apply) / ms(peer)))
    }
}
