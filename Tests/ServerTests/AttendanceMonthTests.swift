import Access
import Attendance
import DoorProtocol
import Fluent
import Foundation
import Store
import Testing
import Vapor

/// A site for attendance: the lobby is the workplace boundary, `entrance` leads into it from outside
/// and `exit` out of it, each door with its agent token. Crossings are made the way door agents make
/// them: events uploaded to `/api/v1/doors/{door}/events`, so the server derives them by its real path.
struct AttendanceSite {
    let server: TestServer
    let admin: TestServer.Identity
    let hr: TestServer.Identity
    let entrance: TestServer.Identity
    let exit: TestServer.Identity

    struct Person {
        let id: String
        let number: String
        let serial: String
    }

    /// When the fixture's doors and cards are taken to have been in service since: the tests upload
    /// months of history, which the server quarantines unless the door was registered and the card
    /// enrolled and valid before it (security issue 14, H1).
    static let inServiceSince = Date(timeIntervalSince1970: 1_577_836_800)  // 2020-01-01

    static func make() async throws -> AttendanceSite {
        let s = try await TestServer.start { c, _ in c.doorEventMaxAgeDays = 3_650 }
        let admin = try await s.user(.admin)
        try await setUpSite(s, admin: admin)
        let out = try await s.send(.PUT, "/api/v1/doors/exit", as: admin, json: ["name": "通用口(出)", "fromZone": "lobby"])
        #expect(out.status == .ok, "\(out.text)")
        let a = try await s.send(.POST, "/api/v1/doors/entrance/token", as: admin).object()["token"] as? String
        let b = try await s.send(.POST, "/api/v1/doors/exit/token", as: admin).object()["token"] as? String
        for door in ["entrance", "exit"] {
            let registered = try #require(try await SettingModel.find("door_registered:\(door)", on: s.app.db))
            registered.value = inServiceSince.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
            try await registered.save(on: s.app.db)
        }
        return AttendanceSite(server: s, admin: admin, hr: try await s.user(.hr), entrance: .init(bearer: a), exit: .init(bearer: b))
    }

    func person(_ number: String) async throws -> Person {
        let (holder, id, _) = try await enroll(server, desk: admin, number: number, groups: ["staff"])
        let serial = try await holder.serialHex
        try await CredentialModel.query(on: server.app.db).filter(\.$serial == serial)
            .set(\.$createdAt, to: Self.inServiceSince).set(\.$notBefore, to: Self.inServiceSince)
            .set(\.$stateChangedAt, to: Self.inServiceSince).update()
        return Person(id: id, number: number, serial: try await holder.serialHex)
    }

    /// Japan time.
    static func jst(_ y: Int, _ m: Int, _ d: Int, _ h: Int, _ min: Int = 0) -> Date {
        JapanTime.instant(CivilDate(year: y, month: m, day: d), minute: h * 60 + min)
    }

    /// Uploads granted crossings as the door agents would (offline decisions from their outbox):
    /// `true` = in through the entrance, `false` = out through the exit.
    func cross(_ p: Person, _ taps: [(Date, Bool)]) async throws {
        for (inward, door) in [(true, "entrance"), (false, "exit")] {
            let events = taps.filter { $0.1 == inward }.map { t in
                DoorEvent(time: t.0, door: DoorID(rawValue: door), serial: p.serial, outcome: .grant, reason: inward ? "granted" : "exit_to_outside",
                          employee: EmployeeID(rawValue: p.id), offline: true, snapshotVersion: 1)
            }
            for start in stride(from: 0, to: events.count, by: 500) {
                let batch = DoorEventBatch(events: Array(events[start..<min(start + 500, events.count)]))
                let r = try await server.send(.POST, "/api/v1/doors/\(door)/events", as: inward ? entrance : exit,
                                              raw: try DoorWire.encoder().encode(batch), contentType: "application/json")
                #expect(r.status == .ok, "\(r.text)")
            }
        }
    }

    func month(_ p: Person, _ month: String, as who: TestServer.Identity? = nil) async throws -> [String: Any] {
        let r = try await server.send(.GET, "/api/v1/attendance/employees/\(p.id)?month=\(month)", as: who ?? hr)
        #expect(r.status == .ok, "\(r.text)")
        return r.object()
    }

    static func day(_ month: [String: Any], _ date: String) -> [String: Any] {
        (month["days"] as? [[String: Any]] ?? []).first { $0["date"] as? String == date } ?? [:]
    }

    static func totals(_ month: [String: Any]) -> [String: Int] {
        (month["totals"] as? [String: Any] ?? [:]).compactMapValues { $0 as? Int }
    }

    func doorRecords() async throws -> Int {
        try await server.app.mynagate.events.flush()
        return try await AuditRecordModel.query(on: server.app.db).filter(\.$kind == "door.decision").count()
    }
}

/// Checks an SVG answer: the content type, the XML is well formed, the root is `<svg>`.
func expectSVG(_ r: TestServer.Reply, contains: [String] = []) {
    #expect(r.status == .ok, "\(r.text)")
    #expect(r.headers.first(name: .contentType)?.hasPrefix("image/svg+xml") == true)
    #expect(r.headers.first(name: .cacheControl) == "no-store")
    let text = r.text
    #expect(text.contains("<svg") && text.hasSuffix("</svg>") || text.hasSuffix("</svg>\n"), "not an SVG: \(text.prefix(200))")
    #expect(XMLCheck.wellFormed(text), "the SVG is not well-formed XML")
    for c in contains { #expect(text.contains(c), "SVG lacks \(c)") }
}

@Suite("Attendance: a person's month from real door events", .serialized)
struct AttendanceMonthTests {
    /// November 2026 for one person, every figure hand-computed (Sunday is the legal holiday; no public
    /// holidays are loaded in a test database, so 3 and 23 November are work days here):
    ///
    /// | day | crossings | presence | break (seen / deemed) | worked | overtime | late night | holiday |
    /// |---|---|---|---|---|---|---|---|
    /// | Mon 2 | in 9:00, out 12:00, in 13:00, out 18:30 | 510 | 60 / 0 | 510 | 30 | 0 | 0 |
    /// | Wed 4 | in 21:00, out Thu 6:00 (night shift, one work day) | 540 | 0 / 60 | 480 | 0 | 420 | 0 |
    /// | Fri 6 | in 8:30, no exit | 0, flagged missing_exit | | 0 | | | |
    /// | Sun 8 | in 10:00, out 14:00 (legal holiday) | 240 | 0 / 0 | 240 | 0 | 0 | 240 |
    /// | Mon 9 | in 9:00, out 17:00 | 480 | 0 / 45 | 435 | 0 | 0 | 0 |
    ///
    /// Night shift: 21:00–22:00 and 5:00–6:00 are daytime (120), 22:00–5:00 late night (420); nine hours
    /// need a 60-minute break (労基法34条), deemed taken, and taken from daytime minutes. Mon 9: eight hours
    /// of presence need 45 minutes, leaving 435. Weeks (from Sunday): 480 + 480 + 0 counted, below 40 h.
    @Test("night shift, legal-holiday work, missing exit flagged; corrections are separate records and the door events stay")
    func personMonth() async throws {
        let site = try await AttendanceSite.make()
        defer { Task { await site.server.stop() } }
        let s = site.server
        let a = try await site.person("A1")
        let b = try await site.person("B1")
        func jst(_ y: Int, _ m: Int, _ d: Int, _ h: Int, _ min: Int = 0) -> Date { AttendanceSite.jst(y, m, d, h, min) }
        try await site.cross(a, [
            (jst(2026, 11, 2, 9), true), (jst(2026, 11, 2, 12), false), (jst(2026, 11, 2, 13), true), (jst(2026, 11, 2, 18, 30), false),
            (jst(2026, 11, 4, 21), true), (jst(2026, 11, 5, 6), false),
            (jst(2026, 11, 6, 8, 30), true),
            (jst(2026, 11, 8, 10), true), (jst(2026, 11, 8, 14), false),
            (jst(2026, 11, 9, 9), true), (jst(2026, 11, 9, 17), false),
        ])
        try await site.cross(b, [(jst(2026, 11, 2, 9), true), (jst(2026, 11, 2, 17), false)])
        let doorRecords = try await site.doorRecords()
        #expect(doorRecords == 13)

        let m = try await site.month(a, "2026-11")
        #expect(m["employeeNumber"] as? String == "A1")
        #expect(m["month"] as? String == "2026-11")
        #expect((m["crossings"] as? [[String: Any]])?.count == 11)
        let mon = AttendanceSite.day(m, "2026-11-02")
        #expect(mon["kind"] as? String == "work_day")
        #expect(mon["presenceMinutes"] as? Int == 510)
        #expect(mon["breakMinutes"] as? Int == 60)
        #expect(mon["deemedBreakMinutes"] as? Int == 0)
        #expect(mon["workedMinutes"] as? Int == 510)
        #expect(mon["overtimeMinutes"] as? Int == 30)
        #expect(mon["lateNightMinutes"] as? Int == 0)
        let night = AttendanceSite.day(m, "2026-11-04")
        #expect(night["presenceMinutes"] as? Int == 540)
        #expect(night["deemedBreakMinutes"] as? Int == 60)
        #expect(night["workedMinutes"] as? Int == 480)
        #expect(night["overtimeMinutes"] as? Int == 0)
        #expect(night["lateNightMinutes"] as? Int == 420)
        #expect(night["firstEntry"] as? String == "2026-11-04T12:00:00Z")  // 21:00 JST
        #expect(night["lastExit"] as? String == "2026-11-04T21:00:00Z")    // 6:00 JST the next day
        #expect(AttendanceSite.day(m, "2026-11-05").isEmpty, "the night shift's morning is not a day of its own")
        let fri = AttendanceSite.day(m, "2026-11-06")
        #expect(fri["workedMinutes"] as? Int == 0)
        let issues = fri["issues"] as? [[String: Any]] ?? []
        #expect(issues.map { $0["code"] as? String } == ["missing_exit"])
        #expect((issues.first?["ja"] as? String)?.contains("退出") == true)
        let sunday = AttendanceSite.day(m, "2026-11-08")
        #expect(sunday["kind"] as? String == "legal_holiday")
        #expect(sunday["workedMinutes"] as? Int == 240)
        #expect(sunday["legalHolidayMinutes"] as? Int == 240)
        #expect(sunday["overtimeMinutes"] as? Int == 0)
        let mon9 = AttendanceSite.day(m, "2026-11-09")
        #expect(mon9["workedMinutes"] as? Int == 435)
        #expect(mon9["deemedBreakMinutes"] as? Int == 45)
        #expect(AttendanceSite.totals(m) == ["days": 5, "workedMinutes": 1665, "withinLegalOvertimeMinutes": 0, "overtimeMinutes": 30,
                                             "legalHolidayMinutes": 240, "overtimeAndHolidayMinutes": 270, "lateNightMinutes": 420,
                                             "daysNeedingCorrection": 1, "restShortfallDays": 0])
        // No rest under 11 h: Wed 4 from Mon 2's 18:30 is 50 h 30; Fri 6 from Thu 6:00 is 26 h 30; Sun 8
        // follows Fri 6's missing exit (not measured); Mon 9 from Sun 14:00 is 19 h.
        #expect(AttendanceSite.day(m, "2026-11-06")["restMinutes"] as? Int == 26 * 60 + 30)
        #expect(AttendanceSite.day(m, "2026-11-08")["restMinutes"] == nil)

        // Corrections: the missing exit added, the 9th's exit moved; who and why kept.
        let missing = issues.first?["eventId"] as? String ?? ""
        let add = try await s.send(.POST, "/api/v1/attendance/corrections", as: site.hr, json: [
            "employeeId": a.id, "action": "add", "direction": "out", "at": "2026-11-06T08:30:00Z", "reason": "退出打刻忘れ(本人申告、上長確認)",
        ])
        #expect(add.status == .created, "\(add.text)")
        #expect((add.object()["correctedBy"] as? String)?.hasPrefix("user:hr-") == true)
        #expect(add.object()["reason"] as? String == "退出打刻忘れ(本人申告、上長確認)")
        let exit9 = (m["crossings"] as? [[String: Any]] ?? []).first { $0["at"] as? String == "2026-11-09T08:00:00Z" }?["eventId"] as? String ?? ""
        #expect(!exit9.isEmpty && exit9 != missing)
        let move = try await s.send(.POST, "/api/v1/attendance/corrections", as: site.admin, json: [
            "employeeId": a.id, "action": "move", "eventId": exit9, "at": "2026-11-09T08:15:00Z", "reason": "後片付けで残っていた",
        ])
        #expect(move.status == .created, "\(move.text)")

        let fixed = try await site.month(a, "2026-11")
        let fri2 = AttendanceSite.day(fixed, "2026-11-06")
        #expect(fri2["presenceMinutes"] as? Int == 540)  // 8:30–17:30
        #expect(fri2["workedMinutes"] as? Int == 480)
        #expect((fri2["issues"] as? [Any])?.isEmpty == true)
        // 8 h 15 min of presence: 45 minutes deemed, 450 worked.
        #expect(AttendanceSite.day(fixed, "2026-11-09")["workedMinutes"] as? Int == 450)
        #expect(AttendanceSite.totals(fixed)["workedMinutes"] == 1665 + 480 - 435 + 450)
        #expect(AttendanceSite.totals(fixed)["daysNeedingCorrection"] == 0)
        let corrections = fixed["corrections"] as? [[String: Any]] ?? []
        #expect(corrections.map { $0["action"] as? String } == ["add", "move"])
        #expect(corrections.allSatisfy { ($0["correctedBy"] as? String)?.hasPrefix("user:") == true && !($0["reason"] as? String ?? "").isEmpty })
        // The door record as stored: the same 11 crossings, the moved exit still at 17:00.
        let stored = fixed["crossings"] as? [[String: Any]] ?? []
        #expect(stored.count == 11)
        #expect(stored.contains { $0["eventId"] as? String == exit9 && $0["at"] as? String == "2026-11-09T08:00:00Z" })
        #expect(try await site.doorRecords() == doorRecords)
        let verify = try await s.send(.GET, "/api/v1/audit/verify", as: site.admin)
        #expect(verify.object()["intact"] as? Bool == true)
        try await s.app.mynagate.events.flush()
        #expect(try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "attendance.corrected").count() == 2)

        // The other person's month is theirs alone.
        let other = try await site.month(b, "2026-11")
        #expect(AttendanceSite.totals(other)["workedMinutes"] == 435)
        #expect((other["corrections"] as? [Any])?.isEmpty == true)

        // Refused corrections: no reason, an event that is not this person's, a missing direction, an unknown action or person.
        let bEvent = (other["crossings"] as? [[String: Any]])?.first?["eventId"] as? String ?? ""
        for (body, status) in [
            (["employeeId": a.id, "action": "add", "direction": "out", "at": "2026-11-06T08:30:00Z", "reason": "  "], HTTPStatus.unprocessableEntity),
            (["employeeId": a.id, "action": "void", "eventId": bEvent, "reason": "x"], .unprocessableEntity),
            (["employeeId": a.id, "action": "add", "at": "2026-11-06T08:30:00Z", "reason": "x"], .unprocessableEntity),
            (["employeeId": a.id, "action": "delete", "eventId": missing, "reason": "x"], .unprocessableEntity),
            (["employeeId": UUID().uuidString, "action": "void", "eventId": missing, "reason": "x"], .notFound),
            (["action": "void"], .badRequest),
        ] as [([String: String], HTTPStatus)] {
            let r = try await s.send(.POST, "/api/v1/attendance/corrections", as: site.hr, json: body)
            #expect(r.status == status, "\(body): \(r.status) \(r.text)")
        }

        // Charts: the person's timeline, the department's heat map.
        expectSVG(try await s.send(.GET, "/api/v1/attendance/employees/\(a.id)/timeline.svg?month=2026-11", as: site.hr), contains: ["A1"])
        expectSVG(try await s.send(.GET, "/api/v1/attendance/department/heatmap.svg?month=2026-11&name=\("人事部".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!)", as: site.hr),
                  contains: ["A1", "B1"])
        let dept = try await s.send(.GET, "/api/v1/attendance/department?month=2026-11&name=%E4%BA%BA%E4%BA%8B%E9%83%A8", as: site.hr)
        #expect(dept.status == .ok, "\(dept.text)")
        let rows = dept.object()["people"] as? [[String: Any]] ?? []
        #expect(rows.compactMap { $0["employeeNumber"] as? String } == ["A1", "B1"])

        // Bad input.
        #expect(try await s.send(.GET, "/api/v1/attendance/employees/\(a.id)?month=2026-13", as: site.hr).status == .badRequest)
        #expect(try await s.send(.GET, "/api/v1/attendance/employees/\(a.id)?month=november", as: site.hr).status == .badRequest)
        #expect(try await s.send(.GET, "/api/v1/attendance/employees/not-a-uuid", as: site.hr).status == .badRequest)
        #expect(try await s.send(.GET, "/api/v1/attendance/employees/\(UUID().uuidString)", as: site.hr).status == .notFound)
        #expect(try await s.send(.GET, "/api/v1/attendance/department?month=2026-11", as: site.hr).status == .badRequest)
        #expect(try await s.send(.GET, "/api/v1/attendance/department?name=nobody", as: site.hr).status == .notFound)
        // An employee reads only their own month.
        let employee = try await s.user(.employee, employee: UUID(uuidString: a.id))
        #expect(try await s.send(.GET, "/api/v1/attendance/employees/\(a.id)?month=2026-11", as: employee).status == .forbidden)
        let mine = try await s.send(.GET, "/api/v1/me/attendance?month=2026-11", as: employee)
        #expect(mine.status == .ok, "\(mine.text)")
        #expect(AttendanceSite.totals(mine.object())["workedMinutes"] == 2160)
        expectSVG(try await s.send(.GET, "/api/v1/me/attendance/timeline.svg?month=2026-11", as: employee))
        let unlinked = try await s.user(.employee)
        #expect(try await s.send(.GET, "/api/v1/me/attendance", as: unlinked).status == .notFound)
    }

    /// 勤務間インターバル through the API and the month page, hand-worked (minimum 660 min, the default):
    ///
    /// | day | crossings | rest before it |
    /// |---|---|---|
    /// | Sat 31 Oct | in 9:00, out 23:00 | (first day in the data) |
    /// | Sun 1 Nov | in 8:00, out 12:00 | 23:00 → 8:00 = 540, 120 short (measured from October) |
    /// | Mon 2 | in 8:00, out 23:30 | 12:00 → 8:00 = 1200 |
    /// | Tue 3 | in 8:30, out 18:00 | 23:30 → 8:30 = 540, 120 short |
    /// | Wed 4 | in 9:00, out 18:00 | 18:00 → 9:00 = 900 |
    @Test("勤務間インターバル: a rest short of 11 h is flagged on its day, counted in the month and on the alerts, and shown on the page in Japanese and English")
    func restBetweenWorkDays() async throws {
        let site = try await AttendanceSite.make()
        defer { Task { await site.server.stop() } }
        let s = site.server
        let a = try await site.person("R1")
        func jst(_ y: Int, _ m: Int, _ d: Int, _ h: Int, _ min: Int = 0) -> Date { AttendanceSite.jst(y, m, d, h, min) }
        try await site.cross(a, [
            (jst(2026, 10, 31, 9), true), (jst(2026, 10, 31, 23), false),
            (jst(2026, 11, 1, 8), true), (jst(2026, 11, 1, 12), false),
            (jst(2026, 11, 2, 8), true), (jst(2026, 11, 2, 23, 30), false),
            (jst(2026, 11, 3, 8, 30), true), (jst(2026, 11, 3, 18), false),
            (jst(2026, 11, 4, 9), true), (jst(2026, 11, 4, 18), false),
        ])
        let m = try await site.month(a, "2026-11")
        let rest = { (date: String) in (AttendanceSite.day(m, date)["restMinutes"] as? Int, AttendanceSite.day(m, date)["restShortfallMinutes"] as? Int) }
        #expect(rest("2026-11-01") == (540, 120))
        #expect(rest("2026-11-02") == (1200, 0))
        #expect(rest("2026-11-03") == (540, 120))
        #expect(rest("2026-11-04") == (900, 0))
        #expect(AttendanceSite.totals(m)["restShortfallDays"] == 2)
        let alert = (m["alerts"] as? [[String: Any]] ?? []).first { $0["code"] as? String == "rest_interval" }
        #expect(alert?["value"] as? Int == 2 && alert?["limit"] as? Int == 660 && alert?["severity"] as? String == "warning", "\(m["alerts"] ?? "")")
        #expect((alert?["ja"] as? String)?.contains("勤務間インターバル") == true)
        // The alerts list for everyone has it too.
        let all = try await s.send(.GET, "/api/v1/attendance/alerts?month=2026-11", as: site.hr).array()
        #expect(all.contains { row in (row["alerts"] as? [[String: Any]] ?? []).contains { $0["code"] as? String == "rest_interval" } })

        for (lang, column, short) in [("ja", "勤務間インターバル", "不足"), ("en", "Rest before the day", "short")] {
            let page = try await s.send(.GET, "/attendance/people/\(a.id)?month=2026-11&lang=\(lang)", as: site.hr)
            #expect(page.status == .ok)
            #expect(page.text.contains(column) && page.text.contains(short), "\(lang)")
            #expect(page.text.contains(#"<strong id="total-rest-short" class="alert-on">2</strong>"#), "\(lang)")
            #expect(page.text.contains(#"<td class="rest alert-on">9:00 <strong>"#), "\(lang)")
        }
        // A minimum of 9 hours: nothing is short, no alert.
        #expect(try await s.send(.PUT, "/api/v1/attendance/settings", as: site.admin, json: ["minimumRestMinutes": 540]).status == .ok)
        let relaxed = try await site.month(a, "2026-11")
        #expect(AttendanceSite.totals(relaxed)["restShortfallDays"] == 0)
        #expect(!(relaxed["alerts"] as? [[String: Any]] ?? []).contains { $0["code"] as? String == "rest_interval" })
        #expect(try await s.send(.PUT, "/api/v1/attendance/settings", as: site.admin, json: ["minimumRestMinutes": 1441]).status == .unprocessableEntity)
    }

    @Test("an online decision at the entrance becomes a crossing of this month; a denied tap and an inner door do not")
    func onlineDecision() async throws {
        let site = try await AttendanceSite.make()
        defer { Task { await site.server.stop() } }
        let s = site.server
        let a = try await site.person("C1")
        let tap = try await s.send(.POST, "/api/v1/doors/entrance/decisions", as: site.entrance, json: ["serial": a.serial])
        #expect(tap.object()["outcome"] as? String == "grant", "\(tap.text)")
        // A card nobody enrolled: denied, so no crossing.
        _ = try await s.send(.POST, "/api/v1/doors/entrance/decisions", as: site.entrance, json: ["serial": "0123456789ABCDEF"])
        // The My Number room's door is inside the premises: not a crossing (and this person may not enter it).
        let inner = try await s.send(.POST, "/api/v1/doors/mynumber-room/token", as: site.admin).object()["token"] as? String
        _ = try await s.send(.POST, "/api/v1/doors/mynumber-room/decisions", as: .init(bearer: inner), json: ["serial": a.serial])
        let employee = try await s.user(.employee, employee: UUID(uuidString: a.id))
        let mine = try await s.send(.GET, "/api/v1/me/attendance", as: employee)
        #expect(mine.status == .ok, "\(mine.text)")
        let crossings = mine.object()["crossings"] as? [[String: Any]] ?? []
        #expect(crossings.count == 1)
        #expect(crossings.first?["direction"] as? String == "in")
        let at = (crossings.first?["at"] as? String).flatMap { try? Date($0, strategy: .iso8601) }
        #expect(at.map { abs($0.timeIntervalSinceNow) < 120 } == true)
    }
}

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Well-formedness of a small XML document, with Foundation's parser.
enum XMLCheck {
    static func wellFormed(_ text: String) -> Bool {
        let parser = XMLParser(data: Data(text.utf8))
        let root = RootName()
        parser.delegate = root
        return parser.parse() && root.name == "svg"
    }

    final class RootName: NSObject, XMLParserDelegate {
        var name: String?
        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
                    attributes attributeDict: [String: String] = [:]) {
            if name == nil { name = elementName }
        }
    }
}
