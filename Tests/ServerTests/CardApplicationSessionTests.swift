import Access
import CardApplication
import Foundation
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Testing
import Vapor

/// Case 2 of the 2016 leaflet end to end over HTTP: applicants grouped by city of residence, a
/// session proposed where a city has enough of them, the date, place and the city's contact agreed,
/// the roster with each person's identity-document checklist, on the day who was checked and who
/// applied, the card by 本人限定受取郵便, and enrollment closing the application.
@Suite("Card applications, case 2: city staff come to the company", .serialized)
struct CardApplicationSessionTests {
    @Test("group by city, propose, agree, roster and checklist, attendance, registered post, enrollment closes")
    func sessionEndToEnd() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        // Six Yokohama residents (different wards: one city), two in Kawasaki.
        let addresses = ["神奈川県横浜市中区港町1-1", "神奈川県横浜市西区みなとみらい2-2-1", "神奈川県横浜市港北区新横浜2-5-5",
                         "神奈川県横浜市青葉区市ケ尾町31-4", "神奈川県横浜市戸塚区戸塚町16-17", "神奈川県横浜市中区日本大通1",
                         "神奈川県川崎市川崎区宮本町1", "神奈川県川崎市中原区小杉町3-245"]
        let families = ["青木", "石田", "上田", "岡本", "金子", "川口", "木村", "久保"]
        var people: [(id: String, login: TestServer.Identity, app: String)] = []
        for (i, address) in addresses.enumerated() {
            let (id, login) = try await CardFixture.person(s, hr: hr, number: "Y\(1000 + i)", name: "\(families[i]) 一郎")
            let app = try await s.send(.POST, "/api/v1/me/card-application", as: login, json: ["route": "onSiteSession"]).object()["id"] as! String
            let d = try await s.send(.PUT, "/api/v1/me/card-application/data", as: login,
                                     json: CardFixture.data(family: families[i], given: "一郎", kanaFamily: "テスト", kanaGiven: "イチロウ", address: address))
            #expect(d.status == .ok, "\(d.text)")
            // No photo: at a session the city's staff handle the photo, so review does not need one.
            let r = try await s.send(.POST, "/api/v1/card-applications/\(app)/review", as: hr, json: ["decision": "accept"])
            #expect(r.status == .ok, "\(r.text)")
            people.append((id, login, app))
        }
        let yokohama = Array(people[0..<6]), kawasaki = Array(people[6..<8])

        // The plan: Yokohama has enough for a session (≥ 5), Kawasaki does not.
        let plan = try await s.send(.GET, "/api/v1/card-sessions/plan", as: hr).object()
        #expect(plan["minimumPerSession"] as? Int == 5)
        let groups = plan["groups"] as? [[String: Any]] ?? []
        #expect(Set(groups.map { "\($0["prefecture"] as? String ?? "")\($0["city"] as? String ?? ""):\($0["count"] as? Int ?? 0)" }) == ["神奈川県横浜市:6", "神奈川県川崎市:2"], "\(groups)")
        #expect((plan["proposals"] as? [[String: Any]])?.map { $0["city"] as? String } == ["横浜市"])
        #expect((plan["needsMoreApplicants"] as? [[String: Any]])?.map { $0["city"] as? String } == ["川崎市"])
        #expect(Set((plan["proposals"] as? [[String: Any]])?.first?["applications"] as? [String] ?? []) == Set(yokohama.map(\.app)))

        // A city receives only its residents: a Kawasaki applicant is refused in Yokohama's session.
        let mixed = try await s.send(.POST, "/api/v1/card-sessions", as: hr, json: ["prefecture": "神奈川県", "city": "横浜市", "applications": [yokohama[0].app, kawasaki[0].app]])
        #expect(mixed.status == .unprocessableEntity && mixed.object()["code"] as? String == "session_wrong_city", "\(mixed.text)")
        #expect(try await s.send(.GET, "/api/v1/card-sessions", as: hr).array().isEmpty, "nothing stored")
        #expect(try await s.send(.POST, "/api/v1/card-sessions", as: hr, json: ["city": "札幌市"]).status == .unprocessableEntity)

        // Yokohama's session with all six; the roster carries each person's checklist.
        let created = try await s.send(.POST, "/api/v1/card-sessions", as: hr, json: ["prefecture": "神奈川県", "city": "横浜市"])
        #expect(created.status == .created, "\(created.text)")
        let session = created.object()
        let sid = session["id"] as! String
        #expect(session["status"] as? String == "proposed" || session["status"] as? String == "planned", "\(session["status"] ?? "")")
        #expect(session["cardDelivery"] as? String == "registeredPostToPerson")
        #expect((session["cardDeliveryJa"] as? String)?.contains("本人限定受取郵便") == true)
        let rows = session["rows"] as? [[String: Any]] ?? []
        #expect(rows.count == 6)
        #expect(Set(rows.compactMap { $0["application"] as? String }) == Set(yokohama.map(\.app)))
        let first = rows.first { $0["application"] as? String == yokohama[0].app } ?? [:]
        #expect(first["employeeNumber"] as? String == "Y1000" && first["address"] as? String == addresses[0])
        #expect((first["name"] as? String)?.contains("青木") == true && first["birthDate"] as? String == "1990-04-01")
        let checklist = first["checklistJa"] as? [String] ?? []
        #expect(checklist.contains { $0.contains("運転免許証") } && checklist.contains { $0.contains("2点") }, "\(checklist)")
        #expect((first["checklistEn"] as? [String] ?? []).contains { $0.contains("Passport") })
        // Not again: they are in a session now.
        #expect(try await s.send(.GET, "/api/v1/card-sessions/plan", as: hr).object()["proposals"].map { ($0 as? [Any])?.isEmpty } == true)

        // Nothing can be recorded before a date is agreed.
        let early = try await s.send(.POST, "/api/v1/card-sessions/\(sid)/attendance", as: hr, json: ["application": yokohama[0].app, "documents": ["drivers_license"]])
        #expect(early.status.code >= 400 && early.status.code < 500 && early.object()["code"] as? String == "session_not_agreed", "\(early.text)")

        // The agreement: bad date, bad time, no contact → clear 422s; then the real one.
        let contact: [String: Any] = ["name": "横浜市 市民局 鈴木", "section": "窓口サービス課", "phone": "045-000-0000"]
        #expect(try await s.send(.PUT, "/api/v1/card-sessions/\(sid)/agreement", as: hr, json: ["date": "12/10", "place": "本社 3F 会議室", "contact": contact]).object()["code"] as? String == "date_invalid")
        #expect(try await s.send(.PUT, "/api/v1/card-sessions/\(sid)/agreement", as: hr, json: ["date": "2026-12-10", "startTime": "25:00", "place": "本社 3F 会議室", "contact": contact]).object()["code"] as? String == "time_invalid")
        #expect(try await s.send(.PUT, "/api/v1/card-sessions/\(sid)/agreement", as: hr, json: ["date": "2026-12-10", "place": "本社 3F 会議室", "contact": ["name": " "]]).object()["code"] as? String == "contact_missing")
        let unchanged = try await s.send(.GET, "/api/v1/card-sessions/\(sid)", as: hr).object()
        #expect(unchanged["date"] == nil || unchanged["date"] is NSNull, "nothing stored by the refusals")
        let agreed = try await s.send(.PUT, "/api/v1/card-sessions/\(sid)/agreement", as: hr, json: ["date": "2026-12-10", "startTime": "10:00", "place": "本社 3F 会議室", "contact": contact])
        #expect(agreed.status == .ok, "\(agreed.text)")
        #expect(agreed.object()["date"] as? String == "2026-12-10" && agreed.object()["startTime"] as? String == "10:00" && agreed.object()["place"] as? String == "本社 3F 会議室")
        #expect((agreed.object()["cityContact"] as? [String: Any])?["name"] as? String == "横浜市 市民局 鈴木")

        // The printed roster page shows the people and the checklist.
        let page = try await s.send(.GET, "/card-sessions/\(sid)/roster", as: hr)
        #expect(page.status == .ok && page.text.contains("青木") && page.text.contains("運転免許証") && page.text.contains("本社 3F 会議室"))

        // On the day. One photo ID is enough; one non-photo ID is not; two are.
        func attend(_ app: String, _ body: [String: Any]) async throws -> TestServer.Reply {
            var b = body
            b["application"] = app
            return try await s.send(.POST, "/api/v1/card-sessions/\(sid)/attendance", as: hr, json: b)
        }
        let p0 = try await attend(yokohama[0].app, ["documents": ["drivers_license"], "applied": true])
        #expect(p0.status == .ok, "\(p0.text)")
        let p1 = try await attend(yokohama[1].app, ["documents": ["health_insurance"], "applied": true])
        #expect(p1.status == .unprocessableEntity && p1.object()["code"] as? String == "identity_insufficient", "\(p1.text)")
        #expect(try await CardFixture.stage(s, hr, yokohama[1].app) == "reviewed", "nothing recorded")
        #expect(try await attend(yokohama[1].app, ["documents": ["health_insurance", "pension"], "applied": true]).status == .ok)
        let p2 = try await attend(yokohama[2].app, ["applied": true])
        #expect(p2.status == .conflict && p2.object()["code"] as? String == "identity_not_checked", "\(p2.text)")
        #expect(try await attend(yokohama[2].app, ["documents": ["library_card"]]).object()["code"] as? String == "document_unknown")
        #expect(try await attend(kawasaki[0].app, ["documents": ["passport"], "applied": true]).status.code >= 400)
        // Checked but not (yet) applied.
        let checked = try await attend(yokohama[3].app, ["documents": ["passport"]])
        #expect(checked.status == .ok)
        let after = try await s.send(.GET, "/api/v1/card-sessions/\(sid)", as: hr).object()
        let afterRows = after["rows"] as? [[String: Any]] ?? []
        func row(_ app: String) -> [String: Any] { afterRows.first { $0["application"] as? String == app } ?? [:] }
        #expect(row(yokohama[0].app)["identityChecked"] as? Bool == true && row(yokohama[0].app)["applied"] as? Bool == true)
        #expect(row(yokohama[3].app)["identityChecked"] as? Bool == true && row(yokohama[3].app)["applied"] as? Bool == false)
        #expect(row(yokohama[4].app)["identityChecked"] as? Bool == false)
        #expect(Set(after["applied"] as? [String] ?? []) == [yokohama[0].app, yokohama[1].app])
        #expect(try await CardFixture.stage(s, hr, yokohama[0].app) == "appliedAtSession")

        // The card comes by registered post; no visit to the city office, so no cardReceived.
        let me = yokohama[0].login
        #expect(try await s.send(.POST, "/api/v1/me/card-application/events", as: me, json: ["event": "cardReceived"]).status == .conflict)
        #expect(try await s.send(.POST, "/api/v1/me/card-application/events", as: me, json: ["event": "cardMailed"]).object()["stage"] as? String == "cardMailed")
        // Person 1: the notice first, then the post; a reminder is due while waiting.
        #expect(try await s.send(.POST, "/api/v1/card-applications/\(yokohama[1].app)/events", as: hr, json: ["event": "noticeReceived"]).status == .ok)
        #expect(try await s.send(.GET, "/api/v1/card-reminders?afterDays=0", as: hr).array().map { $0["application"] as? String } == [yokohama[1].app])

        // Enrolling person 0's card through the real path closes the application.
        try await CardFixture.enroll(s, desk: hr, employee: yokohama[0].id)
        #expect(try await CardFixture.stage(s, hr, yokohama[0].app) == "enrolled")
        #expect(try await s.send(.GET, "/api/v1/me/card-status", as: me).object()["status"] as? String == "enrolled")
        // A person still waiting for a session enrolls a card they got on their own: closed too.
        try await CardFixture.enroll(s, desk: hr, employee: kawasaki[1].id)
        #expect(try await CardFixture.stage(s, hr, kawasaki[1].app) == "enrolled")
        #expect(try await CardFixture.stage(s, hr, yokohama[1].app) == "noticeReceived", "others untouched")
    }
}
