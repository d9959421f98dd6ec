import Access
import Fluent
import DoorProtocol
import Foundation
import ServerCore
import Store
import Testing
import Vapor

/// The building's editor pages over real HTTP, posted the way a browser posts them: each a thin adapter
/// over BuildingService (the change is in the policy the doors decide on, and recorded), refusals shown
/// beside the form in the page's language, and only administrators may write.
@Suite("Building pages", .serialized)
struct BuildingPagesTests {
    /// Posts an HTML form; `csrf` is the session's token unless given.
    func post(_ s: TestServer, _ path: String, as who: TestServer.Identity, _ fields: [(String, String)], csrf: String? = nil) async throws -> TestServer.Reply {
        let all = fields + [("csrf", csrf ?? who.csrf ?? "")]
        let body = all.map { k, v in "\(k.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")=\(v.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
            .joined(separator: "&")
        return try await s.send(.POST, path, as: who, raw: Data(body.utf8), contentType: "application/x-www-form-urlencoded", csrf: false)
    }

    func records(_ s: TestServer, _ kind: String) async throws -> [AuditRecordModel] {
        try await s.app.mynagate.events.flush()
        return try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == kind).sort(\.$id).all()
    }

    @Test("a zone, a schedule, a group and a door created through the forms are in the policy the doors decide on, each recorded")
    func createThroughForms() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        #expect(try await s.send(.GET, "/building/zones/new", as: admin).text.contains("name=\"csrf\""))
        let zone = try await post(s, "/building/zones", as: admin, [("id", "lab"), ("name", "研究室"), ("workplaceBoundary", "1"), ("antiPassback", "soft")])
        #expect(zone.status == .seeOther, "\(zone.text)")
        #expect(zone.headers.first(name: .location) == "/building")
        let schedule = try await post(s, "/building/schedules", as: admin, [("id", "weekdays"), ("name", "平日"), ("monday", "08:00-12:00, 13:00-20:00"),
                                                                            ("friday", "08:00-18:00"), ("holidayRule", "closed")])
        #expect(schedule.status == .seeOther, "\(schedule.text)")
        let group = try await post(s, "/building/groups", as: admin, [("id", "researchers"), ("name", "研究員"), ("grant[lab]", "weekdays")])
        #expect(group.status == .seeOther, "\(group.text)")
        let door = try await post(s, "/building/doors", as: admin, [("id", "lab-door"), ("name", "研究室入口"), ("fromZone", ""), ("toZone", "lab"), ("securityLevel", "pin")])
        #expect(door.status == .seeOther, "\(door.text)")

        let policy = await s.app.mynagate.policy.current
        #expect(policy.zones["lab"] == Zone(id: "lab", name: "研究室", isWorkplaceBoundary: true, antiPassback: .soft))
        #expect(policy.schedules["weekdays"]?.windows[.monday] == [TimeWindow("08:00-12:00")!, TimeWindow("13:00-20:00")!])
        #expect(policy.schedules["weekdays"]?.windows[.friday] == [TimeWindow("08:00-18:00")!])
        #expect(policy.groups["researchers"]?.grants == [.init(zone: "lab", schedule: "weekdays")])
        #expect(policy.doors["lab-door"].map(policy.securityLevel(of:)) == .pin)
        #expect(policy.doors["lab-door"]?.from == nil && policy.doors["lab-door"]?.to == "lab")
        for kind in ["config.zone.updated", "config.schedule.updated", "config.group.updated", "config.door.updated"] {
            #expect(try await records(s, kind).first?.actor.hasPrefix("user:admin-") == true, "\(kind) not recorded")
        }

        // Edited: the form shows what is stored, and a save changes it.
        let edit = try await s.send(.GET, "/building/zones/lab", as: admin)
        #expect(edit.text.contains("value=\"研究室\"") && edit.text.contains("id=\"f-workplaceBoundary\" name=\"workplaceBoundary\" value=\"1\" checked"))
        let saved = try await post(s, "/building/zones/lab", as: admin, [("name", "第二研究室"), ("antiPassback", "hard")])
        #expect(saved.status == .seeOther)
        let zoneNow = await s.app.mynagate.policy.current.zones["lab"]
        #expect(zoneNow?.name == "第二研究室" && zoneNow?.isWorkplaceBoundary == false && zoneNow?.antiPassback == .hard)
        let overview = try await s.send(.GET, "/building", as: admin)
        #expect(overview.text.contains("第二研究室") && overview.text.contains("/building/doors/lab-door"))
        // A create never overwrites: the id is taken.
        let again = try await post(s, "/building/zones", as: admin, [("id", "lab"), ("name", "上書き")])
        #expect(again.status == .conflict)
        #expect(await s.app.mynagate.policy.current.zones["lab"]?.name == "第二研究室")
        #expect(try await s.send(.GET, "/building/doors/no-such", as: admin).status == .notFound)
    }

    @Test("a door's own schedule is chosen in the editor, refused when it names no schedule or the door leads outside, in the policy, in the door's snapshot only for an agent that decides it, kept by a body without the field and cleared by null")
    func doorSchedule() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        _ = try await post(s, "/building/zones", as: admin, [("id", "lab"), ("name", "研究室")])
        _ = try await post(s, "/building/schedules", as: admin, [("id", "nights"), ("name", "夜間なし"), ("monday", "00:00-00:01"), ("holidayRule", "closed")])
        let unknown = try await post(s, "/building/doors", as: admin, [("id", "lab-door"), ("name", "研究室入口"), ("toZone", "lab"), ("schedule", "no-such")])
        #expect(unknown.status == .unprocessableEntity, "\(unknown.text)")
        #expect(await s.app.mynagate.policy.current.doors["lab-door"] == nil)
        let form = try await s.send(.GET, "/building/doors/new", as: admin)
        #expect(form.text.contains("id=\"f-schedule\"") && form.text.contains("value=\"nights\""))
        let door = try await post(s, "/building/doors", as: admin, [("id", "lab-door"), ("name", "研究室入口"), ("toZone", "lab"), ("schedule", "nights")])
        #expect(door.status == .seeOther, "\(door.text)")
        let policy = await s.app.mynagate.policy.current
        #expect(policy.doors["lab-door"]?.schedule == "nights")
        let listed = try await s.send(.GET, "/api/v1/doors", as: admin)
        #expect(listed.array().first { $0["id"] as? String == "lab-door" }?["schedule"] as? String == "nights", "\(listed.text)")
        #expect(try await s.send(.GET, "/building/doors/lab-door", as: admin).text.contains("<option value=\"nights\" selected>"))
        // The door's agent gets the schedule with the door, though no group grants the zone through it —
        // if it says it decides door hours: an older agent would drop the field and open outside them.
        let token = try await s.send(.POST, "/api/v1/doors/lab-door/token", as: admin)
        let agent = TestServer.Identity(bearer: token.object()["token"] as? String)
        let old = try await s.send(.GET, "/api/v1/doors/lab-door/snapshot", as: agent)
        #expect(old.status == .conflict && old.object()["code"] as? String == "agent_too_old", "\(old.text)")
        let snap = try await s.send(.GET, "/api/v1/doors/lab-door/snapshot?features=doorSchedule", as: agent)
        let body = try DoorWire.decoder().decode(DoorSnapshot.self, from: snap.body)
        #expect(body.policy.doors.first { $0.id == "lab-door" }?.schedule == "nights")
        #expect(body.policy.schedules.map(\.id) == ["nights"])
        // A body without the field (a client older than door hours) keeps them; null clears them.
        let renamed = try await s.send(.PUT, "/api/v1/doors/lab-door", as: admin, json: ["name": "研究室入口（東）", "toZone": "lab"])
        #expect(renamed.status == .ok && renamed.object()["schedule"] as? String == "nights", "\(renamed.text)")
        #expect(await s.app.mynagate.policy.current.doors["lab-door"]?.schedule == "nights")
        // A door leading outside takes no hours: leaving is never refused.
        let exit = try await s.send(.PUT, "/api/v1/doors/lab-exit", as: admin, json: ["name": "出口", "fromZone": "lab", "schedule": "nights"])
        #expect(exit.status == .unprocessableEntity, "\(exit.text)")
        let cleared = try await s.send(.PUT, "/api/v1/doors/lab-door", as: admin, json: ["name": "研究室入口", "toZone": "lab", "schedule": NSNull()])
        #expect(cleared.status == .ok, "\(cleared.text)")
        #expect(await s.app.mynagate.policy.current.doors["lab-door"]?.schedule == nil)
    }

    @Test("a bad schedule window is refused beside the form, in Japanese and in English, and nothing is written")
    func badWindow() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        let ja = try await post(s, "/building/schedules", as: admin, [("id", "late"), ("name", "夜間"), ("monday", "20:00-08:00")])
        #expect(ja.status == .unprocessableEntity)
        #expect(ja.text.contains("時間帯は曜日ごとに「HH:MM-HH:MM」"))
        #expect(ja.text.contains("value=\"20:00-08:00\""), "the form did not come back as posted")
        _ = try await s.send(.GET, "/building?lang=en", as: admin)
        let en = try await post(s, "/building/schedules", as: admin, [("id", "late"), ("name", "night"), ("tuesday", "25:00-26:00")])
        #expect(en.status == .unprocessableEntity)
        #expect(en.text.contains("windows: weekday names"))
        #expect(await s.app.mynagate.policy.current.schedules["late"] == nil)
        #expect(try await records(s, "config.schedule.updated").isEmpty)
        // A door into a zone that does not exist; a name holding a My Number, which is never shown again.
        let door = try await post(s, "/building/doors", as: admin, [("id", "d1"), ("name", "扉"), ("toZone", "nowhere")])
        #expect(door.status == .unprocessableEntity)
        let number = TestNumbers.make()
        let named = try await post(s, "/building/zones", as: admin, [("id", "z1"), ("name", "区域\(number)")])
        #expect(named.status == .unprocessableEntity)
        #expect(!named.text.contains(number))
        #expect(await s.app.mynagate.policy.current.zones.isEmpty)
    }

    @Test("only administrators write: security, hr and employee are refused, and a form without its CSRF token is refused")
    func refusals() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        for role in [Role.security, .hr, .employee] {
            let who = try await s.user(role)
            for path in ["/building/zones", "/building/doors", "/building/groups", "/building/schedules"] {
                let r = try await post(s, path, as: who, [("id", "x"), ("name", "x")])
                #expect(r.status == .forbidden, "\(role) \(path): \(r.status)")
            }
            #expect(try await s.send(.GET, "/building/zones/new", as: who).status == .forbidden)
        }
        #expect(try await s.send(.GET, "/building", as: try await s.user(.security)).status == .ok)
        #expect(try await s.send(.GET, "/building", as: try await s.user(.hr)).status == .forbidden)
        let admin = try await s.user(.admin)
        let forged = try await post(s, "/building/zones", as: admin, [("id", "x"), ("name", "x")], csrf: String(repeating: "0", count: 64))
        #expect(forged.status == .forbidden)
        let missing = try await s.send(.POST, "/building/zones", as: admin, raw: Data("id=x&name=x".utf8), contentType: "application/x-www-form-urlencoded", csrf: false)
        #expect(missing.status == .forbidden)
        #expect(await s.app.mynagate.policy.current.zones.isEmpty)
    }

    /// Posts `file` as a browser posts a file form (multipart), with the session's CSRF token.
    func upload(_ s: TestServer, as who: TestServer.Identity, _ file: Data) async throws -> TestServer.Reply {
        let boundary = "----mynagate\(UUID().uuidString)"
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(who.csrf ?? "")\r\n".utf8)
        body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"syukujitsu.csv\"\r\nContent-Type: text/csv\r\n\r\n".utf8)
        body += file + Data("\r\n--\(boundary)--\r\n".utf8)
        return try await s.send(.POST, "/building/holidays", as: who, raw: body, contentType: "multipart/form-data; boundary=\(boundary)", csrf: false)
    }

    @Test("the Cabinet Office holiday CSV uploaded in Shift_JIS is in the policy and recorded; a bad line is refused by its number; security may only look")
    func holidays() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        let csv = try #require(ShiftJIS.encode("国民の祝日・休日月日,国民の祝日・休日名称\r\n2027/1/1,元日\r\n2027/1/11,成人の日\r\n", lossy: false))
        let r = try await upload(s, as: admin, csv)
        #expect(r.status == .seeOther, "\(r.text)")
        #expect(r.headers.first(name: .location) == "/building/holidays")
        #expect(await s.app.mynagate.policy.current.holidays.name(of: CivilDate(year: 2027, month: 1, day: 11)) == "成人の日")
        #expect(try await records(s, "config.holidays.imported").count == 1)
        let page = try await s.send(.GET, "/building/holidays", as: admin)
        #expect(page.text.contains("成人の日") && page.text.contains("内閣府"))

        let bad = try await upload(s, as: admin, Data("2027/2/11,建国記念の日\nnot a date,x\n".utf8))
        #expect(bad.status == .unprocessableEntity)
        #expect(bad.text.contains("2行目"))
        #expect(await s.app.mynagate.policy.current.holidays.name(of: CivilDate(year: 2027, month: 2, day: 11)) == nil)
        #expect(try await upload(s, as: admin, Data()).status == .unprocessableEntity)

        let security = try await s.user(.security)
        #expect(try await s.send(.GET, "/building/holidays", as: security).status == .ok)
        #expect(!(try await s.send(.GET, "/building/holidays", as: security).text.contains("holidays-form")))
        #expect(try await upload(s, as: security, csv).status == .forbidden)
        #expect(try await records(s, "config.holidays.imported").count == 1)
    }
}
