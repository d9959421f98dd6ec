import ArgumentParser
import Fluent
import Foundation
import SQLKit
import Server
import ServerCore
import Store
import Vapor

/// `mynagate bench employees`: the `/employees` page's reads (``EmployeeSearch/results(on:)``) for
/// each kind of list — first page, deepest page, searches, each filter, card states, a combination —
/// beside the same statements written by hand in SQL on the same SQLite database (issue 21, item 3:
/// each list under 200 ms at 50,000 people).
struct BenchEmployeesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "employees",
        abstract: "The employees list's searches, filters and paging for --people people, beside plain SQL of the same queries (SQLite).",
        discussion: """
            Seeds --people people with cards (20 departments, 5 sites; 1 in 25 on leave, 1 in 50 retired; \
            per ten people 6 with an active card, 1 pending, 1 suspended, 2 none) into a fresh SQLite \
            database migrated as the server migrates it. Then, --runs times each list:

              page   EmployeeSearch.results: what the /employees page reads for one request (a page of 50 \
            through Fluent, the match count, the shown people's card states, the departments and sites \
            for the filter menus);
              SQL    the same five statements written by hand, run through SQLKit on the same connection.

            Both must find the same people and the same count, or the bench fails. Reports the median \
            of each, their ratio, and whether the page met 200 ms. Run a release build.
            """
    )

    @ArgumentParser.Option(help: "People.") var people = 50_000
    @ArgumentParser.Option(help: "Timed runs of each list.") var runs = 9
    @ArgumentParser.Flag(help: "Print JSON.") var json = false

    func validate() throws {
        // Below 5,000 some lists (page 2 of a combined filter) are empty and would time nothing.
        guard (5_000...500_000).contains(people), (1...50).contains(runs) else { throw ValidationError("--people 5000–500000, --runs 1–50") }
    }

    /// One list as a person would ask for it.
    struct Case {
        var label: String
        var search: EmployeeSearch
    }

    var cases: [Case] {
        let lastPage = (people + 49) / 50
        // The last hundred numbers (E0049900–E0049999 at 50,000 people): a prefix that matches at any size.
        let prefix = String(format: "E%05d", (people - 1) / 100)
        return [
            Case(label: "first page, no filter", search: EmployeeSearch()),
            Case(label: "last page (page \(lastPage)), no filter", search: EmployeeSearch(page: lastPage)),
            Case(label: "number prefix q=\(prefix)", search: EmployeeSearch(text: prefix)),
            Case(label: "name part q=佐藤 4", search: EmployeeSearch(text: "佐藤 4")),
            Case(label: "department=部署07", search: EmployeeSearch(department: "部署07")),
            Case(label: "site=拠点3", search: EmployeeSearch(site: "拠点3")),
            Case(label: "status=onLeave", search: EmployeeSearch(status: "onLeave")),
            Case(label: "card=active", search: EmployeeSearch(card: .active)),
            Case(label: "card=pending", search: EmployeeSearch(card: .pending)),
            Case(label: "card=none", search: EmployeeSearch(card: EmployeeSearch.CardState.noCard)),
            Case(label: "card=none, last page", search: EmployeeSearch(card: EmployeeSearch.CardState.noCard, page: (people * 3 / 10 + 49) / 50)),
            Case(label: "department+site+card=pending, page 2", search: EmployeeSearch(department: "部署01", site: "拠点1", card: .pending, page: 2)),
        ]
    }

    func run() async throws {
        try await BenchScratchServer.run { app in try await measure(app) }
    }

    func measure(_ app: Application) async throws {
        let seedStart = ContinuousClock.now
        try await seed(app.db)
        guard let sql = app.db as? any SQLDatabase else { throw CLIFailure("the database does not speak SQL") }
        try await sql.raw("ANALYZE").run()
        if !json { print("seeded \(people) people in \(BenchDecisionsCommand.format(ContinuousClock.now - seedStart))") }

        var lines: [(label: String, page: Double, sql: Double, total: Int)] = []
        for c in cases {
            var pageTimes: [Double] = [], sqlTimes: [Double] = []
            var pageFound: ([String], Int) = ([], 0), sqlFound: ([String], Int) = ([], 0)
            for _ in 0..<runs {
                let t = ContinuousClock.now
                let r = try await c.search.results(on: app.db)
                pageTimes.append(Self.ms(ContinuousClock.now - t))
                pageFound = (r.people.map(\.employeeNumber), r.total)
                let u = ContinuousClock.now
                sqlFound = try await peer(c.search, sql)
                sqlTimes.append(Self.ms(ContinuousClock.now - u))
            }
            guard pageFound == sqlFound, !pageFound.0.isEmpty else {
                throw CLIFailure("\(c.label): the page found \(pageFound.0.count) of \(pageFound.1), the SQL \(sqlFound.0.count) of \(sqlFound.1)")
            }
            lines.append((c.label, Self.median(pageTimes), Self.median(sqlTimes), pageFound.1))
        }
        report(lines)
    }

    /// People `E0000001`… with departments, sites, statuses, names and cards spread by their number,
    /// 2,000 to a transaction (one transaction of 50,000 people and their cards holds the only writer
    /// connection longer than the pool lets another task wait for it in a debug build).
    func seed(_ db: any Database) async throws {
        let now = Date()
        let surnames = ["山田", "佐藤", "鈴木", "高橋"]
        for start in stride(from: 1, through: people, by: 2_000) {
            try await db.transaction { tx in
                var rows: [EmployeeModel] = [], cards: [CredentialModel] = []
                for n in start..<min(start + 2_000, people + 1) {
                    let e = EmployeeModel(employeeNumber: String(format: "E%07d", n), name: "\(surnames[n % 4]) \(n)",
                                          department: String(format: "部署%02d", n % 20), site: "拠点\(n % 5)",
                                          status: n % 50 == 0 ? "retired" : n % 25 == 0 ? "onLeave" : "active")
                    let id = UUID()
                    e.id = id
                    rows.append(e)
                    // Per ten people: 6 with an active card, 1 pending, 1 suspended, 2 without.
                    guard ![3, 4].contains(n % 10) else { continue }
                    let c = CredentialModel()
                    c.employeeID = id
                    c.kind = "jpkiAuth"
                    c.issuer = "CN=Bench Auth CA, C=JP"
                    c.serial = String(format: "%032X", n)
                    c.certificate = Data()
                    c.notBefore = now.addingTimeInterval(-86_400)
                    c.notAfter = now.addingTimeInterval(5 * 365 * 86_400)
                    c.state = n % 10 == 1 ? "pending" : n % 10 == 2 ? "suspended" : "active"
                    c.suspensionReason = n % 10 == 2 ? "securityOfficer" : nil
                    c.stateChangedAt = now
                    cards.append(c)
                }
                for chunk in rows.chunked(500) { try await Array(chunk).create(on: tx) }
                for chunk in cards.chunked(500) { try await Array(chunk).create(on: tx) }
            }
        }
    }

    /// The page's five reads as plain SQL: the page of people, the count, their cards, the departments, the sites.
    func peer(_ s: EmployeeSearch, _ sql: any SQLDatabase) async throws -> ([String], Int) {
        var conditions: [SQLQueryString] = []
        if let text = s.text {
            let e = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            conditions.append("(employee_number LIKE \(bind: e + "%") ESCAPE '\\' OR name LIKE \(bind: "%" + e + "%") ESCAPE '\\')")
        }
        if let d = s.department { conditions.append("department = \(bind: d)") }
        if let site = s.site { conditions.append("site = \(bind: site)") }
        if let st = s.status { conditions.append("status = \(bind: st)") }
        let has = { (state: String) -> SQLQueryString in "EXISTS (SELECT 1 FROM credentials c WHERE c.employee_id = employees.id AND c.state = \(bind: state))" }
        switch s.card {
        case nil: break
        case .active: conditions.append(has("active"))
        case .pending: conditions.append("\(has("pending")) AND NOT \(has("active"))")
        case .noCard: conditions.append("NOT EXISTS (SELECT 1 FROM credentials c WHERE c.employee_id = employees.id AND c.state IN ('active', 'pending'))")
        }
        var whereClause: SQLQueryString = "1 = 1"
        for c in conditions { whereClause = "\(whereClause) AND \(c)" }
        let rows = try await sql.raw("""
            SELECT id, employee_number FROM employees WHERE \(whereClause) ORDER BY employee_number LIMIT \(unsafeRaw: String(s.pageSize)) OFFSET \(unsafeRaw: String((s.page - 1) * s.pageSize))
            """).all()
        let numbers = try rows.map { try $0.decode(column: "employee_number", as: String.self) }
        let ids = try rows.map { try $0.decode(column: "id", as: UUID.self) }
        let total = try await sql.raw("SELECT COUNT(*) AS n FROM employees WHERE \(whereClause)").first()?.decode(column: "n", as: Int.self) ?? -1
        if !ids.isEmpty {
            var list: SQLQueryString = "\(bind: ids[0])"
            for id in ids.dropFirst() { list = "\(list), \(bind: id)" }
            _ = try await sql.raw("SELECT employee_id, state FROM credentials WHERE employee_id IN (\(list)) AND state IN ('active', 'pending')").all()
        }
        _ = try await sql.raw("SELECT DISTINCT department FROM employees").all()
        _ = try await sql.raw("SELECT DISTINCT site FROM employees").all()
        return (numbers, total)
    }

    static func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
    static func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

    func report(_ lines: [(label: String, page: Double, sql: Double, total: Int)]) {
        let worst = lines.map(\.page).max() ?? 0
        if json {
            let out: [String: Any] = ["people": people, "runs": runs, "worstPageMedianMs": worst, "goalMet": worst < 200,
                                      "lists": lines.map { ["list": $0.label, "matches": $0.total, "pageMedianMs": $0.page, "sqlMedianMs": $0.sql,
                                                            "ratio": $0.page / $0.sql] }]
            if let data = try? JSONSerialization.data(withJSONObject: out, options: [.sortedKeys]) { print(String(decoding: data, as: UTF8.self)) }
            return
        }
        print("")
        print("the employees list at \(people) people, \(runs) runs each, medians, SQLite")
        print("  list                                          matches   page (ms)   plain SQL (ms)   ratio")
        for l in lines {
            print(String(format: "  %@ %8d   %9.1f   %14.1f   %5.2f", l.label.padding(toLength: 44, withPad: " ", startingAt: 0), l.total, l.page, l.sql, l.page / l.sql))
        }
        print(String(format: "  slowest list %.1f ms; goal: every list under 200 ms: %@", worst, worst < 200 ? "met" : "NOT met"))
    }
}
