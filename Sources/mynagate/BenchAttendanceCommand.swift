import Access
import ArgumentParser
import Attendance
import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Server
import ServerCore
import AttendanceServer
import Store
import Vapor
#if canImport(Glibc)
import Glibc
#endif

/// `mynagate bench attendance`: a month's report for everyone from a year of crossings, on SQLite and
/// on PostgreSQL, beside the database computing presence per person itself with one SQL statement.
struct BenchAttendanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attendance",
        abstract: "A month's attendance report for everyone from a year of door crossings (SQLite and PostgreSQL), beside a plain SQL GROUP BY.",
        discussion: """
            Generates --days days of workplace-boundary crossings for --people people ending on \
            2026-11-30 (weekdays; 1 in 20 people on night shifts 21:00–6:00 with 2 crossings a day, \
            everyone else 4: in around 8:00–9:30, out and in for lunch, out between 17:30 and 21:30), \
            about 20 million rows for 20,000 people and a year. They are bulk-loaded into the real \
            schema (the server's migrations; SQLite: multi-row prepared inserts in one transaction; \
            PostgreSQL: COPY), indexes made after. Then a fresh process of this command measures \
            AttendanceService.report for the last month — the code the API and the pages run: read the \
            month's rows, apply corrections, presence, working time per day, week and month for everyone \
            — --runs times, and reports the best and the first, split into read and compute, and its \
            peak memory (getrusage ru_maxrss of that process). The peer is the same month's rows turned \
            into presence minutes per person by the database alone (LEAD() over each person's crossings, \
            then GROUP BY person), timed through the sqlite3 and psql command-line clients.

            PostgreSQL: --postgres URL or MYNAGATE_BENCH_POSTGRES. The database must be a throwaway one: \
            its attendance tables are emptied (refused when it holds employees). Run a release build.
            """
    )

    @ArgumentParser.Option(help: "People.") var people = 20_000
    @ArgumentParser.Option(help: "Days of crossings, ending 2026-11-30.") var days = 365
    @ArgumentParser.Option(help: "Timed runs of the report per database.") var runs = 3
    @ArgumentParser.Option(help: "Directory for the SQLite database (default: a temporary one, removed after).") var dir: String?
    @ArgumentParser.Option(help: "PostgreSQL URL of a throwaway database (or MYNAGATE_BENCH_POSTGRES).") var postgres: String?
    @ArgumentParser.Flag(help: "Only SQLite.") var sqliteOnly = false
    @ArgumentParser.Flag(help: "Keep data already loaded by an earlier run with the same --people and --days.") var reuse = false
    @ArgumentParser.Flag(help: "Print JSON.") var json = false
    @ArgumentParser.Option(help: .hidden) var measure: String?

    static let lastDay = CivilDate(year: 2026, month: 11, day: 30)
    var month: YearMonth { YearMonth(Self.lastDay) }

    func validate() throws {
        guard (1...1_000_000).contains(people), (1...3_660).contains(days), (1...20).contains(runs) else {
            throw ValidationError("--people 1–1000000, --days 1–3660, --runs 1–20")
        }
    }

    struct Measurement: Codable {
        var rows: Int
        var peopleWithDays: Int
        var seconds: [Double]
        var readSeconds: Double
        var computeSeconds: Double
        /// The 36協定 checks for everyone (what the alerts and department pages add to the report): the
        /// earlier months computed and kept (cold), then read back from the kept figures (warm).
        var checkedMonths: Int
        var alertsColdSeconds: Double
        var alertsWarmSeconds: Double
        var peopleWithAlerts: Int
        var maxRSSMegabytes: Double
        var workedMinutes: Int
        var presenceMinutes: Int
    }

    struct Result: Codable {
        var database: String
        var totalRows: Int
        var loadSeconds: Double?
        var indexSeconds: Double?
        var report: Measurement
        var peer: String
        var peerSeconds: Double?
        var peerPresenceMinutes: Int?
    }

    func run() async throws {
        if let measure { return try await self.measureChild(measure) }
        let pgURL = postgres ?? ProcessInfo.processInfo.environment["MYNAGATE_BENCH_POSTGRES"]
        let temporary = dir == nil
        let directory = dir ?? FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-bench-att-\(UUID().uuidString)").path
        defer { if temporary { try? FileManager.default.removeItem(atPath: directory) } }
        var results: [Result] = []
        var targets: [(String, String)] = [("SQLite", directory)]
        if !sqliteOnly, let pgURL { targets.append(("PostgreSQL", pgURL)) }
        for (name, target) in targets {
            var c = ServerConfig()
            c.port = 0
            if name == "SQLite" { c.dataDirectory = target } else { c.databaseURL = target }
            let (total, load, index) = try await prepare(c, name: name)
            let m = try measureInChild(name == "SQLite" ? "sqlite" : "postgres", target: name == "SQLite" ? c.sqlitePath : target)
            let (peerName, peerSeconds, peerPresence) = name == "SQLite" ? peerSQLite(c.sqlitePath) : peerPostgres(target)
            results.append(Result(database: name, totalRows: total, loadSeconds: load, indexSeconds: index, report: m, peer: peerName,
                                  peerSeconds: peerSeconds, peerPresenceMinutes: peerPresence))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
            return
        }
        print("attendance month report \(month): \(people) people, \(days) days of crossings ending \(Self.lastDay)" + (pgURL == nil && !sqliteOnly ? " (PostgreSQL skipped: no --postgres)" : ""))
        for r in results {
            let m = r.report
            let best = m.seconds.min() ?? 0
            print("""
                \(r.database): \(r.totalRows) rows in the table\(r.loadSeconds.map { String(format: ", loaded in %.1f s + indexes %.1f s", $0, r.indexSeconds ?? 0) } ?? " (reused)")
                  report: \(String(format: "%.3f s best, %.3f s median, %.3f s first", best, median(m.seconds), m.seconds.first ?? 0)) of \(m.seconds.count); \(m.rows) rows read, \(m.peopleWithDays) people \
                (read \(String(format: "%.3f", m.readSeconds)) s, compute \(String(format: "%.3f", m.computeSeconds)) s), peak RSS \(String(format: "%.0f", m.maxRSSMegabytes)) MB
                  worked \(m.workedMinutes / 60) h, presence in the month \(m.presenceMinutes / 60) h
                  36協定 checks for everyone (\(m.checkedMonths) earlier months): \(String(format: "%.3f s", m.alertsColdSeconds)) computing and keeping them, \
                \(String(format: "%.3f s", m.alertsWarmSeconds)) from the kept figures; \(m.peopleWithAlerts) people with alerts
                  peer (\(r.peer)): \(r.peerSeconds.map { String(format: "%.3f s", $0) } ?? "not run"), presence \(r.peerPresenceMinutes.map { "\($0 / 60) h" } ?? "—")
                """)
        }
    }

    // MARK: Loading

    /// Migrates, then loads the generated rows unless `--reuse` finds them there. Returns the table's
    /// row count and the load and index times (nil when reused).
    func prepare(_ c: ServerConfig, name: String) async throws -> (Int, Double?, Double?) {
        var env = Environment(name: "production", arguments: ["mynagate"])
        env.arguments = ["mynagate"]
        let app = try await Application.make(env)
        app.logger.logLevel = .error
        do {
            try await configure(app, config: c)
            let sql = app.db as! any SQLDatabase
            let employees = try await sql.raw("SELECT COUNT(*) AS n FROM employees").first()?.decode(column: "n", as: Int.self) ?? 0
            if employees > 0 { throw CLIFailure("\(name): the database holds employees; the bench needs a throwaway database") }
            let marker = "bench_attendance"
            let wanted = "\(people),\(days),\(Self.lastDay)"
            let existing = try await SettingModel.find(marker, on: app.db)?.value
            var load: Double?, index: Double?
            if !(reuse && existing == wanted) {
                try await AttendanceBulkLoad.people((1...people).map { String(format: "E%07d", $0) }, on: app.db)
                let generator = AttendanceCrossingGenerator(people: people, days: days, lastDay: Self.lastDay)
                let bar = ProgressBar(label: "\(name): loading", totalBytes: generator.estimatedRows, unit: "rows")
                let box = AttendanceLoadProgress(bar)
                let clock = ContinuousClock()
                let start = clock.now
                let loadedAt = AttendanceLoadClock()
                try await AttendanceBulkLoad.crossings(on: app.db, progress: { n in
                    box.update(n)
                    if n >= generator.estimatedRows { loadedAt.set(clock.now) }
                }, next: { generator.next() })
                bar?.finish()
                let end = clock.now
                let loaded = loadedAt.get() ?? end
                load = benchSeconds(loaded - start)
                index = benchSeconds(end - loaded)
                if let row = try await SettingModel.find(marker, on: app.db) {
                    row.value = wanted
                    try await row.save(on: app.db)
                } else {
                    try await SettingModel(key: marker, value: wanted).create(on: app.db)
                }
            }
            let total = try await sql.raw("SELECT COUNT(*) AS n FROM \(ident: AttendanceStore.crossingsTable)").first()?.decode(column: "n", as: Int.self) ?? 0
            try await app.asyncShutdown()
            return (total, load, index)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }

    // MARK: Measuring

    /// Runs this command again as `--measure KIND` with the target in the environment, so the report's
    /// peak memory is its own and not the load's.
    func measureInChild(_ kind: String, target: String) throws -> Measurement {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0].hasPrefix("/") ? CommandLine.arguments[0] : FileManager.default.currentDirectoryPath + "/" + CommandLine.arguments[0])
        p.arguments = ["bench", "attendance", "--measure", kind, "--runs", String(runs), "--people", String(people), "--days", String(days)]
        var env = ProcessInfo.processInfo.environment
        env["MYNAGATE_BENCH_TARGET"] = target
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw CLIFailure("the measuring process failed (\(p.terminationStatus))") }
        return try JSONDecoder().decode(Measurement.self, from: data)
    }

    func measureChild(_ kind: String) async throws {
        guard let target = ProcessInfo.processInfo.environment["MYNAGATE_BENCH_TARGET"] else { throw CLIFailure("MYNAGATE_BENCH_TARGET is not set") }
        let app = try await Application.make(Environment(name: "production", arguments: ["mynagate"]))
        app.logger.logLevel = .error
        do {
            var c = ServerConfig()
            if kind == "sqlite" { c.dataDirectory = (target as NSString).deletingLastPathComponent } else { c.databaseURL = target }
            try useDatabase(app, config: c)
            let db = app.db
            let month = self.month
            let clock = ContinuousClock()
            var times: [Double] = []
            var report: MonthReport?
            var rows = 0
            for _ in 0..<runs {
                let start = clock.now
                // What the API's payroll and the pages run: the settings, then everyone's month.
                let context = try await AttendanceContext.load(on: db)
                let r = try await AttendanceService(db: db, events: nil).report(month, people: nil, context: context)
                times.append(benchSeconds(clock.now - start))
                rows = r.crossings.count
                report = r.report
            }
            // The same work in its two halves, once more.
            let context = try await AttendanceContext.load(on: db)
            let window = MonthReport.eventWindow(for: month, calendar: context.calendar)
            let t0 = clock.now
            let names = try await AttendanceReader.names(on: db)
            let crossings = try await AttendanceReader.crossings(from: EpochMinute.of(window.from), until: EpochMinute.of(window.until), names: names, on: db)
            let t1 = clock.now
            let again = MonthReport(month: month, crossings: crossings, calendar: context.calendar, rules: context.rules, presenceRules: context.presenceRules)
            let t2 = clock.now
            // The checks: earlier months from nothing kept (cold), then from the kept figures (warm).
            if let sql = db as? any SQLDatabase { try await sql.raw("DELETE FROM \(ident: AttendanceMonthStore.table)").run() }
            let everyone = names.map { AttendanceService.Person(uuid: UUID(), id: $0.value, number: $0.value.rawValue, name: "", department: "") }
            let t3 = clock.now
            _ = try await AttendanceService(db: db, events: nil).alerts(month, people: everyone, current: again, context: context)
            let t4 = clock.now
            let alerts = try await AttendanceService(db: db, events: nil).alerts(month, people: everyone, current: again, context: context)
            let t5 = clock.now
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            let r = report ?? again
            let m = Measurement(rows: rows, peopleWithDays: r.totals.count, seconds: times, readSeconds: benchSeconds(t1 - t0), computeSeconds: benchSeconds(t2 - t1),
                                checkedMonths: AttendanceService.checkedMonths(month, agreement: context.agreement),
                                alertsColdSeconds: benchSeconds(t4 - t3), alertsWarmSeconds: benchSeconds(t5 - t4), peopleWithAlerts: alerts.count,
                                maxRSSMegabytes: Double(usage.ru_maxrss) / 1024, workedMinutes: r.totals.values.reduce(0) { $0 + $1.workedMinutes },
                                presenceMinutes: r.presence.reduce(0) { $0 + $1.presenceMinutes })
            print(String(decoding: try JSONEncoder().encode(m), as: UTF8.self))
            try await app.asyncShutdown()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }

    // MARK: The peer

    /// Presence per person over the month's own days by the database alone: each entry paired with the
    /// person's next crossing (LEAD), summed per person (GROUP BY), then totalled.
    func peerQuery() -> String {
        let from = EpochMinute.midnight(month.firstDay), until = EpochMinute.midnight(month.lastDay.adding(days: 1))
        return """
            SELECT COUNT(*), SUM(p) FROM (SELECT person, SUM(nxt - minute) AS p FROM (SELECT person, minute, direction, \
            LEAD(minute) OVER (PARTITION BY person ORDER BY minute) AS nxt FROM attendance_crossings \
            WHERE minute >= \(from) AND minute < \(until)) AS x WHERE direction = 1 AND nxt IS NOT NULL GROUP BY person) AS y
            """
    }

    func peerSQLite(_ path: String) -> (String, Double?, Int?) {
        timeTool("sqlite3", [path, peerQuery()], env: [:], label: "sqlite3 CLI, LEAD + GROUP BY")
    }

    func peerPostgres(_ url: String) -> (String, Double?, Int?) {
        guard let u = URLComponents(string: url), let host = u.host else { return ("psql", nil, nil) }
        var args = ["-h", host, "-p", String(u.port ?? 5432), "-qtA", "-F", "|", "-c", peerQuery()]
        if let user = u.user { args += ["-U", user] }
        let db = u.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if !db.isEmpty { args += ["-d", db] }
        // The password goes through the environment, never the command line.
        return timeTool("psql", args, env: u.password.map { ["PGPASSWORD": $0] } ?? [:], label: "psql, LEAD + GROUP BY")
    }

    /// Best wall time of `runs` runs of a command-line client (its start-up included), and the presence total it printed.
    func timeTool(_ tool: String, _ args: [String], env: [String: String], label: String) -> (String, Double?, Int?) {
        var best: Double?
        var presence: Int?
        let clock = ContinuousClock()
        for _ in 0..<runs {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = [tool] + args
            p.environment = ProcessInfo.processInfo.environment.merging(env) { _, b in b }
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            let start = clock.now
            guard (try? p.run()) != nil else { return ("\(tool) not found", nil, nil) }
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            let t = benchSeconds(clock.now - start)
            guard p.terminationStatus == 0 else { return ("\(tool) failed", nil, nil) }
            best = min(best ?? t, t)
            let fields = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|")
            presence = fields.count == 2 ? Int(fields[1]) : nil
        }
        return (label, best, presence)
    }
}

/// The middle value (the mean of the two middle ones for an even count).
func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    guard !s.isEmpty else { return 0 }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func benchSeconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

/// Makes a day of crossings at a time, deterministically (a fixed-seed generator).
final class AttendanceCrossingGenerator: @unchecked Sendable {
    let people: Int
    let days: Int
    let firstDay: CivilDate
    private var day = 0
    private var event: Int64 = 0
    private var state: UInt64 = 0x9E37_79B9_7F4A_7C15

    init(people: Int, days: Int, lastDay: CivilDate) {
        self.people = people
        self.days = days
        self.firstDay = lastDay.adding(days: -(days - 1))
    }

    /// Weekdays × (4 crossings, or 2 for the night-shift twentieth).
    var estimatedRows: Int {
        var weekdays = 0
        for d in 0..<days where ![.saturday, .sunday].contains(firstDay.adding(days: d).weekday) { weekdays += 1 }
        let night = people / 20
        return weekdays * ((people - night) * 4 + night * 2)
    }

    private func random(_ n: Int) -> Int64 {
        // splitmix64
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int64((z ^ (z >> 31)) % UInt64(n))
    }

    func next() -> AttendanceBulkLoad.Rows? {
        while day < days {
            let date = firstDay.adding(days: day)
            day += 1
            if date.weekday == .saturday || date.weekday == .sunday { continue }
            let midnight = Int64(EpochMinute.midnight(date))
            var rows = AttendanceBulkLoad.Rows()
            rows.reserve(people * 4)
            func add(_ p: Int, _ minute: Int64, _ entry: Bool) {
                event += 1
                rows.append(person: Int32(p), minute: minute, entry: entry, event: event)
            }
            for p in 1...people {
                if p % 20 == 0 {
                    add(p, midnight + 21 * 60 + random(30), true)
                    add(p, midnight + 30 * 60 + random(30), false)
                } else {
                    let lunch = midnight + 12 * 60 + random(30)
                    add(p, midnight + 8 * 60 + random(90), true)
                    add(p, lunch, false)
                    add(p, lunch + 45 + random(30), true)
                    add(p, midnight + 17 * 60 + 30 + random(240), false)
                }
            }
            return rows
        }
        return nil
    }
}

/// The progress bar behind a lock (the loader calls it from the database's thread).
final class AttendanceLoadProgress: @unchecked Sendable {
    private let bar: ProgressBar?
    private let lock = NSLock()
    init(_ bar: ProgressBar?) { self.bar = bar }
    func update(_ n: Int) { lock.withLock { bar?.update(processedBytes: n, items: n) } }
}

final class AttendanceLoadClock: @unchecked Sendable {
    private var value: ContinuousClock.Instant?
    private let lock = NSLock()
    func set(_ v: ContinuousClock.Instant) { lock.withLock { if value == nil { value = v } } }
    func get() -> ContinuousClock.Instant? { lock.withLock { value } }
}
