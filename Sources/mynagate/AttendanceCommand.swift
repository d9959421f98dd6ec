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

/// `mynagate attendance …`: the month's report and the retention purge, on the server's database
/// (SQLite in `--data`, or `DATABASE_URL`), without starting a server.
struct AttendanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attendance",
        abstract: "Working time from door events: monthly reports and the retention purge.",
        subcommands: [AttendanceReportCommand.self, AttendancePurgeCommand.self]
    )
}

/// Where the attendance commands find the database.
struct AttendanceDatabaseOptions: ParsableArguments {
    @ArgumentParser.Option(help: "Data directory holding mynagate.sqlite (default: the configuration's; DATABASE_URL wins).") var data: String?

    /// Opens the configured database, runs `body`, closes it.
    func withDatabase<T: Sendable>(_ body: @Sendable (any Database) async throws -> T) async throws -> T {
        var c = try ServerConfig.load(file: nil)
        if let data { c.dataDirectory = data }
        if c.databaseURL == nil, !FileManager.default.fileExists(atPath: c.sqlitePath) {
            throw CLIFailure("no database at \(c.sqlitePath) (start `mynagate serve` once to create it)")
        }
        return try await ConfiguredDatabase.with(c, body)
    }
}

struct AttendanceReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "A month's working time per person (or one person's days), with the 36協定 alerts.",
        discussion: """
            Reads the workplace-boundary crossings derived from door events, applies the corrections and \
            the company's attendance settings (calendar, rules, agreement numbers) as the server does. \
            --csv prints the payroll CSV (the same as GET /api/v1/attendance/payroll?format=csv); --json \
            prints one object per person (with --employee: that person's days too). Exit status: 0, or 1 \
            when someone is over a 36協定 limit (so a scheduled job can raise it), 2 usage error.
            """
    )

    @ArgumentParser.Option(help: "The month, YYYY-MM (default: this month in Japan).") var month: String?
    @ArgumentParser.Option(help: "One person, by employee number (社員番号).") var employee: String?
    @ArgumentParser.Option(help: "One department.") var department: String?
    @ArgumentParser.Flag(help: "Print JSON.") var json = false
    @ArgumentParser.Flag(help: "Print the payroll CSV.") var csv = false
    @OptionGroup var database: AttendanceDatabaseOptions

    func validate() throws {
        if json && csv { throw ValidationError("--json and --csv exclude each other") }
        if let month, YearMonth(month) == nil { throw ValidationError("--month is YYYY-MM") }
    }

    struct PersonOut: Encodable {
        var employeeNumber: String
        var name: String
        var department: String
        var totals: PayrollRow
        var alerts: [String]
        var days: [WorkDayRow]?
    }

    func run() async throws {
        let month = self.month.flatMap { YearMonth($0) } ?? YearMonth(AttendanceService.today)
        let (employee, department) = (self.employee, self.department)
        let (people, report, alerts, context) = try await database.withDatabase { db in
            var people = try await AttendanceService(db: db, events: nil).people(department: department)
            if let employee {
                people = people.filter { $0.number == employee }
                guard !people.isEmpty else { throw CLIFailure("no employee numbered \(employee)") }
            }
            let context = try await AttendanceContext.load(on: db)
            let report = try await AttendanceService(db: db, events: nil).report(month, people: employee == nil && department == nil ? nil : people, context: context).report
            let alerts = try await AttendanceService(db: db, events: nil).alerts(month, people: people.filter { report.totals[$0.id] != nil }, current: report, context: context)
            return (people, report, alerts, context)
        }
        // Each person with records, with their totals (looked up once, not unwrapped again below).
        let worked = people.compactMap { p in report.totals[p.id].map { (person: p, totals: $0) } }
        let rows = worked.map { PayrollRow(employeeNumber: $0.person.number, month: month, totals: $0.totals) }
        if csv {
            print(PayrollRow.csv(rows), terminator: "")
        } else if json {
            let out = worked.map { w in
                let p = w.person
                return PersonOut(employeeNumber: p.number, name: p.name, department: p.department, totals: PayrollRow(employeeNumber: p.number, month: month, totals: w.totals),
                          alerts: (alerts[p.id] ?? []).map(\.fullCode),
                          days: employee == nil ? nil : report.days.filter { $0.employee == p.id }.map { WorkDayRow(employeeNumber: p.number, day: $0) })
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(out), as: UTF8.self))
        } else {
            print("\(month): \(worked.count) of \(people.count) people with records")
            print(pad("number", 10) + pad("name", 16) + pad("days", 6, right: true) + pad("worked", 9, right: true) + pad("overtime", 10, right: true)
                  + pad("holiday", 9, right: true) + pad("night", 8, right: true) + pad("fix", 5, right: true) + "  alerts")
            for (p, t) in worked {
                print(pad(p.number, 10) + pad(p.name, 16) + pad("\(t.days)", 6, right: true) + pad(hm(t.workedMinutes), 9, right: true)
                      + pad(hm(t.overtimeMinutes), 10, right: true) + pad(hm(t.legalHolidayMinutes), 9, right: true)
                      + pad(hm(t.lateNightMinutes), 8, right: true) + pad("\(t.daysNeedingCorrection)", 5, right: true)
                      + "  " + (alerts[p.id] ?? []).map(\.en).joined(separator: " "))
            }
            if let p = worked.first?.person, employee != nil {
                print("")
                for d in report.days where d.employee == p.id {
                    let first = d.intervals.first.map { clock($0.startMinute, on: d.date) } ?? "—"
                    let last = d.intervals.last.map { clock($0.endMinute, on: d.date) } ?? "—"
                    print("\(d.date) \(pad(d.kind.rawValue, 16))\(pad(first, 6, right: true))–\(pad(last, 6))\(pad(hm(d.workedMinutes), 7, right: true))"
                          + " ot \(hm(d.overtimeMinutes)) night \(hm(d.lateNightMinutes)) holiday \(hm(d.legalHolidayMinutes))"
                          + d.issues.map { " [\($0.code)]" }.joined())
                }
            }
            _ = context
        }
        if alerts.values.contains(where: { $0.contains { $0.severity == .violation } }) { throw ExitCode(1) }
    }

    func hm(_ m: Int) -> String { String(format: "%d:%02d", m / 60, m % 60) }
    /// Local time of an epoch minute, past 24:00 when it is on a later day than the work day.
    func clock(_ minute: Int, on day: CivilDate) -> String {
        let local = EpochMinute.localDay(minute), m = EpochMinute.minuteOfDay(minute)
        return String(format: "%02d:%02d", m / 60 + (local - day.daysSinceEpoch) * 24, m % 60)
    }
    func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
        let width = s.unicodeScalars.reduce(0) { $0 + ($1.value > 0x2E80 ? 2 : 1) }
        let fill = String(repeating: " ", count: max(0, n - width))
        return right ? fill + s : s + fill
    }
}

struct AttendancePurgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Delete attendance records older than the retention (default 3 years) and record the purge in the event log.",
        discussion: """
            Crossings, corrections and self-reports of days before the first kept day go, in one \
            transaction with an `attendance.purged` record (counts and the date, no personal data) in the \
            hash-chained log. The door events themselves stay in the log. --dry-run only counts.
            """
    )

    @ArgumentParser.Flag(help: "Count what would be purged; change nothing.") var dryRun = false
    @ArgumentParser.Flag(help: "Print JSON.") var json = false
    @OptionGroup var database: AttendanceDatabaseOptions

    func run() async throws {
        let dryRun = self.dryRun
        let r = try await database.withDatabase { db in
            try await AttendanceService(db: db, events: nil).purge(dryRun: dryRun, actor: "cli:\(ProcessInfo.processInfo.userName)")
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(r), as: UTF8.self))
        } else {
            print("\(r.dryRun ? "would purge" : "purged") records of days before \(r.before) (retention \(r.retentionYears) years): "
                  + "\(r.crossings) crossings, \(r.corrections) corrections, \(r.selfReports) self-reports; "
                  + "leave register: \(r.leaveGrants) grants dated before \(r.leaveBefore), \(r.leaveDays) leave days"
                  + "; PC logs: \(r.pcLogEvents) events, \(r.pcLogTasks) investigation tasks"
                  + (r.auditSequence.map { "; recorded as event \($0)" } ?? ""))
        }
    }
}
