import Access
import Fluent
import Foundation
import ServerCore
import Store
import Testing
import Vapor

/// The access explainer over real HTTP: its answers are the decider's on the server's policy, every look
/// is recorded, and only administrators and security officers may look.
@Suite("Access explainer", .serialized)
struct ExplainTests {
    /// The access flow's site (lobby behind `entrance`, the My Number room behind its `pin` door), an
    /// office open on weekdays 08:00–20:00, a staff member and a My Number handler with cards.
    struct Site {
        let server: TestServer
        let admin: TestServer.Identity
        let staff: String
        let handler: String

        static func make() async throws -> Site {
            let s = try await TestServer.start()
            let admin = try await s.user(.admin)
            try await setUpSite(s, admin: admin)
            let weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday"]
            #expect(try await s.send(.PUT, "/api/v1/schedules/business", as: admin, json: ["name": "平日", "holidayRule": "closed",
                "windows": Dictionary(uniqueKeysWithValues: weekdays.map { ($0, ["08:00-20:00"]) })]).status == .ok)
            #expect(try await s.send(.PUT, "/api/v1/zones/office", as: admin, json: ["name": "執務室"]).status == .ok)
            #expect(try await s.send(.PUT, "/api/v1/doors/office", as: admin, json: ["name": "執務室入口", "fromZone": "lobby", "toZone": "office"]).status == .ok)
            #expect(try await s.send(.PUT, "/api/v1/groups/staff", as: admin,
                                     json: ["name": "社員", "grants": [["zone": "lobby", "schedule": "always"], ["zone": "office", "schedule": "business"]]]).status == .ok)
            let (_, staff, _) = try await enroll(s, desk: admin, number: "X0001", groups: ["staff"])
            let (_, handler, _) = try await enroll(s, desk: admin, number: "X0002", groups: ["staff", "handlers"])
            return Site(server: s, admin: admin, staff: staff, handler: handler)
        }

        func explained() async throws -> [AuditRecordModel] {
            try await server.app.mynagate.events.flush()
            return try await AuditRecordModel.query(on: server.app.db).filter(\.$kind == "access.explained").sort(\.$id).all()
        }
    }

    /// The next Thursday in Japan: the test cards were issued a minute ago, so the times asked come after.
    static let day: CivilDate = {
        var d = JapanTime(Date()).date.adding(days: 1)
        while d.weekday != .thursday { d = d.adding(days: 1) }
        return d
    }()

    /// `h:m` that Thursday in Japan, as ISO 8601.
    static func jst(_ h: Int, _ m: Int = 0) -> String {
        JapanTime.instant(day, minute: h * 60 + m).formatted(Date.ISO8601FormatStyle())
    }

    static func answers(_ door: [String: Any]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: (door["people"] as? [[String: Any]] ?? []).map {
            ($0["employeeNumber"] as? String ?? "", ($0["answer"] as? [String: Any])?["reason"] as? String ?? "")
        })
    }

    @Test("who can pass a door: the decider's reasons at the time asked; a pin door says card and PIN, not 'PIN required'; every look recorded")
    func door() async throws {
        let site = try await Site.make()
        let s = site.server
        defer { Task { await s.stop() } }
        let security = try await s.user(.security)
        let open = try await s.send(.GET, "/api/v1/access/explain/door/office?at=\(Self.jst(9))", as: security)
        #expect(open.status == .ok, "\(open.text)")
        #expect(Self.answers(open.object()) == ["X0001": "granted", "X0002": "granted"])
        #expect(open.object()["granted"] as? Int == 2)
        let late = try await s.send(.GET, "/api/v1/access/explain/door/office?at=\(Self.jst(21))", as: security)
        #expect(Self.answers(late.object()) == ["X0001": "outside_schedule", "X0002": "outside_schedule"])
        #expect(late.object()["reasons"] as? [String: Int] == ["outside_schedule": 2])

        let pin = try await s.send(.GET, "/api/v1/access/explain/door/mynumber-room?at=\(Self.jst(9))", as: site.admin).object()
        #expect(pin["securityLevel"] as? String == "pin")
        #expect(Self.answers(pin) == ["X0001": "no_permission", "X0002": "granted"])
        let handler = (pin["people"] as? [[String: Any]] ?? []).first { $0["employeeNumber"] as? String == "X0002" }?["answer"] as? [String: Any]
        #expect(handler?["needs"] as? String == "pin")
        #expect(handler?["outcome"] as? String == "grant")

        let records = try await site.explained()
        #expect(records.map(\.subject) == ["door:office", "door:office", "door:mynumber-room"])
        #expect(records.first?.actor.hasPrefix("user:security-") == true)
        #expect(records.first?.details.contains("\"granted\":\"2\"") == true)
    }

    @Test("a person's doors and the day's windows, from the schedule, each with the decider's reason")
    func employee() async throws {
        let site = try await Site.make()
        let s = site.server
        defer { Task { await s.stop() } }
        let r = try await s.send(.GET, "/api/v1/access/explain/employee/\(site.staff)?at=\(Self.jst(21))", as: site.admin)
        #expect(r.status == .ok, "\(r.text)")
        let body = r.object()
        #expect(body["date"] as? String == Self.day.description)
        #expect(body["hasCard"] as? Bool == true)
        let doors = body["doors"] as? [[String: Any]] ?? []
        #expect(doors.map { $0["door"] as? String ?? "" } == ["entrance", "mynumber-room", "office"])
        let office = try #require(doors.first { $0["door"] as? String == "office" })
        #expect((office["now"] as? [String: Any])?["reason"] as? String == "outside_schedule")
        let windows = (office["windows"] as? [[String: Any]] ?? []).map {
            "\($0["from"] as? String ?? "")-\($0["until"] as? String ?? "") \(($0["answer"] as? [String: Any])?["reason"] as? String ?? "")"
        }
        #expect(windows == ["00:00-08:00 outside_schedule", "08:00-20:00 granted", "20:00-24:00 outside_schedule"])
        #expect(try await site.explained().map(\.subject) == ["employee:\(site.staff)"])
    }

    @Test("refused: hr and employee (and anonymous), a bad time, an unknown door or person — and a refusal records nothing")
    func refusals() async throws {
        let site = try await Site.make()
        let s = site.server
        defer { Task { await s.stop() } }
        for role in [Role.hr, .employee] {
            let who = try await s.user(role)
            #expect(try await s.send(.GET, "/api/v1/access/explain/door/office", as: who).status == .forbidden)
            #expect(try await s.send(.GET, "/api/v1/access/explain/employee/\(site.staff)", as: who).status == .forbidden)
            #expect(try await s.send(.GET, "/building/explain?door=office", as: who).status == .forbidden)
        }
        #expect(try await s.send(.GET, "/api/v1/access/explain/door/office").status == .unauthorized)
        let bad = try await s.send(.GET, "/api/v1/access/explain/door/office?at=tomorrow%3Cscript%3E", as: site.admin)
        #expect(bad.status == .badRequest)
        #expect(!bad.text.contains("script"))
        #expect(try await s.send(.GET, "/api/v1/access/explain/door/nowhere", as: site.admin).status == .notFound)
        #expect(try await s.send(.GET, "/api/v1/access/explain/employee/\(UUID().uuidString)", as: site.admin).status == .notFound)
        #expect(try await s.send(.GET, "/api/v1/access/explain/employee/X0001", as: site.admin).status == .badRequest)
        #expect(try await site.explained().isEmpty)
    }

    @Test("the page: a door, a person by employee number or by name, in Japanese and English; a My Number is refused and never shown")
    func page() async throws {
        let site = try await Site.make()
        let s = site.server
        defer { Task { await s.stop() } }
        let security = try await s.user(.security)
        let door = try await s.send(.GET, "/building/explain?door=mynumber-room&at=\(Self.day)T09:00", as: security)
        #expect(door.status == .ok, "\(door.text)")
        #expect(door.text.contains("<html lang=\"ja\">"))
        #expect(door.text.contains("試験 X0002"))
        #expect(door.text.contains("カードと暗証番号で通れます"))
        #expect(door.text.contains("入室権限がありません"))
        let en = try await s.send(.GET, "/building/explain?door=office&at=\(Self.day)T21:00&lang=en", as: security)
        #expect(en.text.contains("<html lang=\"en\">"))
        #expect(en.text.contains("Denied: outside the permitted hours."))

        let person = try await s.send(.GET, "/building/explain?person=X0001&at=\(Self.day)T09:00", as: security)
        #expect(person.status == .ok)
        #expect(person.text.contains("id=\"explain-person-result\""))
        #expect(person.text.contains("08:00–20:00"))
        let search = try await s.send(.GET, "/building/explain?person=%E8%A9%A6%E9%A8%93", as: security)  // 試験: both match
        #expect(search.text.contains("?person=X0001") && search.text.contains("?person=X0002"))

        let number = TestNumbers.make()
        let refused = try await s.send(.GET, "/building/explain?person=\(number)", as: security)
        #expect(refused.status == .unprocessableEntity)
        #expect(!refused.text.contains(number))
        #expect(try await site.explained().map(\.subject) == ["door:mynumber-room", "door:office", "employee:\(site.staff)"])
    }
}
