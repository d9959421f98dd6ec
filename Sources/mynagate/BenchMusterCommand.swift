import Access
import AccessServer
import ArgumentParser
import Audit
import Fluent
import Foundation
import SQLKit
import Server
import ServerCore
import Store
import Vapor

/// `mynagate bench muster`: the roll call of everyone inside (who is in which zone, by assembly point),
/// beside a plain SQL query that works the same out from the same door events.
struct BenchMusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "muster",
        abstract: "Who is inside which zone for --people people present, beside a plain SQL query of the same door events (SQLite).",
        discussion: """
            Seeds an organisation of --people people present and --gone more who have left (one \
            boundary zone, --zones zones behind it, three assembly points), then records about five \
            granted passages per person — in through the entrance, between zones, and for the gone, out \
            again — through the server's own event writer, so the hash-chained log and the whereabouts \
            table are written by the code the doors' events go through. Then, --runs times each:

              muster     MusterService.now() and the API's JSON: read the whereabouts, group by assembly \
            point with names, record the look in the event log (one fsync'd append), encode the answer;
              SQL        a plain SQL statement over the same door events in the log: each person's newest \
            granted passage by a door (ROW_NUMBER() over the decisions, json_extract of the door), \
            joined to the doors for the zone it led into, keeping those inside.

            Both must find the same people in the same zones, or the bench fails. Reports the best and \
            the median of each and their ratio. Run a release build.
            """
    )

    @ArgumentParser.Option(help: "People inside.") var people = 10_000
    @ArgumentParser.Option(help: "People who came and left.") var gone = 2_000
    @ArgumentParser.Option(help: "Zones behind the boundary zone.") var zones = 12
    @ArgumentParser.Option(help: "Timed runs of each.") var runs = 5
    @ArgumentParser.Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard (1...200_000).contains(people), (0...200_000).contains(gone), (1...200).contains(zones), (1...50).contains(runs) else {
            throw ValidationError("--people 1–200000, --gone 0–200000, --zones 1–200, --runs 1–50")
        }
    }

    func run() async throws {
        try await BenchScratchServer.run { app in try await measure(app) }
    }

    func measure(_ app: Application) async throws {
        let seedStart = ContinuousClock.now
        _ = try await BenchOrganisation.seed(employees: people + gone, doors: 1, on: app.db)
        try await seedZones(app.db)
        try await app.mynagate.policy.changed()
        let policy = await app.mynagate.policy.current
        let everyone = policy.employees.keys.sorted { $0.rawValue < $1.rawValue }
        let passages = try await recordPassages(everyone, app: app)
        progress("seeded \(everyone.count) people, \(passages) passages in \(BenchDecisionsCommand.format(ContinuousClock.now - seedStart))")

        let muster = MusterService(db: app.db, events: app.mynagate.events, policy: app.mynagate.policy, actor: "system:bench")
        let sql = try requireSQL(app.db)
        var musterTimes: [Duration] = [], sqlTimes: [Duration] = []
        var musterFound: [String: String] = [:], sqlFound: [String: String] = [:]
        let encoder = JSONEncoder()
        for _ in 0..<runs {
            let start = ContinuousClock.now
            let groups = try await muster.now()
            let dto = MusterController.dto(groups, evacuation: nil, policy: await app.mynagate.policy.current)
            _ = try encoder.encode(dto)
            musterTimes.append(ContinuousClock.now - start)
            musterFound = Dictionary(uniqueKeysWithValues: dto.groups.flatMap(\.people).map { ($0.employee, $0.zone) })

            let t = ContinuousClock.now
            let rows = try await sql.raw(Self.peerQuery).all()
            var found: [String: String] = [:]
            for row in rows { found[try row.decode(column: "who", as: String.self)] = try row.decode(column: "zone", as: String.self) }
            sqlTimes.append(ContinuousClock.now - t)
            sqlFound = found
        }
        guard musterFound.count == people, musterFound == sqlFound else {
            throw CLIFailure("the two disagree: the roll call found \(musterFound.count) people inside, the SQL query \(sqlFound.count) (expected \(people))")
        }
        // Taking the roll holds the write turn every door's events wait for: time it, and the end.
        let startedAt = ContinuousClock.now
        let evacuation = try await muster.start(drill: true, note: "")
        let start = ContinuousClock.now - startedAt
        let endedAt = ContinuousClock.now
        _ = try await muster.end(evacuation.id)
        let end = ContinuousClock.now - endedAt
        // Both reload the policy after their commit (every employee and card): timed alone, to tell it
        // from the write itself.
        let reloadAt = ContinuousClock.now
        try await app.mynagate.policy.reload()
        let reload = ContinuousClock.now - reloadAt
        report(muster: musterTimes, sql: sqlTimes, passages: passages, start: start, end: end, reload: reload)
    }

    /// Each person's newest granted passage by a door, from the log itself, and the zone that door led
    /// into. A passage's time is the earlier of the door's (`eventTime`) and the record's, as the roll
    /// call orders them.
    static let peerQuery: SQLQueryString = """
        SELECT substr(r.subject, 10) AS who, d.to_zone AS zone FROM (
          SELECT subject, json_extract(details, '$.door') AS door,
                 ROW_NUMBER() OVER (PARTITION BY subject ORDER BY
                   MIN(COALESCE((julianday(json_extract(details, '$.eventTime')) - 2440587.5) * 86400000.0, time_ms), time_ms) DESC,
                   sequence DESC) AS rn
          FROM audit_records
          WHERE kind = 'door.decision' AND actor LIKE 'door:%' AND subject LIKE 'employee:%' AND json_extract(details, '$.outcome') = 'grant'
        ) r JOIN doors d ON d.id = r.door
        WHERE r.rn = 1 AND d.to_zone IS NOT NULL
        """

    func requireSQL(_ db: any Database) throws -> any SQLDatabase {
        guard let sql = db as? any SQLDatabase else { throw CLIFailure("the database does not speak SQL") }
        return sql
    }

    /// Zones `z01`… behind the seeded boundary zone `office`, a door into each and one out of the
    /// premises, and three assembly points over them.
    func seedZones(_ db: any Database) async throws {
        try await db.transaction { tx in
            for i in 1...zones {
                let z = ZoneModel()
                z.id = String(format: "z%02d", i)
                z.name = "区域 \(i)"
                z.workplaceBoundary = false
                z.myNumberArea = false
                z.antiPassback = "off"
                try await z.create(on: tx)
                let d = DoorModel()
                d.id = String(format: "to-z%02d", i)
                d.name = "区域 \(i) 入口"
                d.fromZone = "office"
                d.toZone = z.id
                try await d.create(on: tx)
            }
            let out = DoorModel()
            out.id = "way-out"
            out.name = "出口"
            out.fromZone = "office"
            try await out.create(on: tx)
            let ids = (1...zones).map { String(format: "z%02d", $0) }
            let thirds = stride(from: 0, to: ids.count, by: max(1, (ids.count + 2) / 3)).map { Array(ids[$0..<min($0 + max(1, (ids.count + 2) / 3), ids.count)]) }
            let points = thirds.enumerated().map { MusterService.Config.Point(id: "p\($0.offset + 1)", name: "集合場所 \($0.offset + 1)", zones: $0.element) }
            let config = MusterService.Config(assemblyPoints: [MusterService.Config.Point(id: "p0", name: "正面", zones: ["office"])] + points,
                                              releaseDoors: [], wardens: [])
            try await MusterService.store(config, on: tx)
        }
    }

    /// Granted passages through the event writer, as door decisions: in, one to four moves between
    /// zones, and out again for the gone. Times are spread over the morning, each person's in order;
    /// one passage in five carries the door's own time 30 s behind the server's, as an offline door's
    /// upload does, so both sides must order by the earlier of the two.
    func recordPassages(_ everyone: [EmployeeID], app: Application) async throws -> Int {
        let events = app.mynagate.events
        let base = Date().addingTimeInterval(-8 * 3_600)
        var rng = SystemRandomNumberGenerator()
        var count = 0
        for (i, who) in everyone.enumerated() {
            var t = base.addingTimeInterval(Double.random(in: 0..<3_600, using: &rng))
            var doors = ["door-00001"]
            for _ in 0..<Int.random(in: 1...4, using: &rng) { doors.append(String(format: "to-z%02d", Int.random(in: 1...zones, using: &rng))) }
            if i >= people { doors.append("way-out") }
            for door in doors {
                var details = ["door": door, "outcome": "grant", "reason": "granted"]
                if count % 5 == 0 {
                    details["eventTime"] = t.addingTimeInterval(-30).formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
                }
                try await events.enqueue(AuditDraft(time: t, kind: "door.decision", actor: "door:\(door)", subject: "employee:\(who.rawValue)",
                                              details: details))
                t.addTimeInterval(Double.random(in: 60..<1_800, using: &rng))
                count += 1
            }
            if count % 5_000 < doors.count {
                try await events.flush()
                progress("recorded \(count) passages")
            }
        }
        try await events.flush()
        return count
    }

    func progress(_ line: String) {
        if !json { print(line) }
    }

    func report(muster: [Duration], sql: [Duration], passages: Int, start: Duration, end: Duration, reload: Duration) {
        func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
        let m = muster.map(ms).sorted(), s = sql.map(ms).sorted()
        let mBest = m[0], mMedian = m[m.count / 2], sBest = s[0], sMedian = s[s.count / 2]
        if json {
            let out: [String: Any] = ["people": people, "gone": gone, "zones": zones, "passages": passages, "runs": runs,
                                      "musterBestMs": mBest, "musterMedianMs": mMedian, "sqlBestMs": sBest, "sqlMedianMs": sMedian,
                                      "ratioMedian": mMedian / sMedian, "startMs": ms(start), "endMs": ms(end), "policyReloadMs": ms(reload)]
            if let data = try? JSONSerialization.data(withJSONObject: out, options: [.sortedKeys]) { print(String(decoding: data, as: UTF8.self)) }
            return
        }
        print("")
        print("who is inside which zone: \(people) present, \(gone) gone, \(passages) passages, \(runs) runs, SQLite")
        print(String(format: "  roll call (MusterService.now + JSON)   best %8.1f ms   median %8.1f ms", mBest, mMedian))
        print(String(format: "  plain SQL over the door events         best %8.1f ms   median %8.1f ms", sBest, sMedian))
        print(String(format: "  ratio (roll call / SQL, median)        %.2f   goal: roll call under 1000 ms: %@", mMedian / sMedian, mMedian < 1000 ? "met" : "NOT met"))
        print(String(format: "  starting a drill (taking the roll of %d) %8.1f ms; ending it %.1f ms; each includes a policy reload (%.1f ms alone)",
                     people, ms(start), ms(end), ms(reload)))
    }
}
