import Foundation
import Testing
import Vapor

/// Limits the OpenAPI document states for the card-application routes, enforced by the server over
/// real HTTP (issue 16): where the document and the server disagreed, the server gained the limit.
@Suite("Card applications: the server enforces the documented limits", .serialized)
struct CardApplicationContractTests {
    /// Two applicants of one city for case 2, reviewed, so the planner has a group to divide.
    static func twoApplicants(_ s: TestServer, _ hr: TestServer.Identity) async throws {
        for (i, family) in ["青木", "石田"].enumerated() {
            let (_, login) = try await CardFixture.person(s, hr: hr, number: "P\(2000 + i)", name: "\(family) 一郎")
            let app = try await s.send(.POST, "/api/v1/me/card-application", as: login, json: ["route": "onSiteSession"]).object()["id"] as! String
            let d = try await s.send(.PUT, "/api/v1/me/card-application/data", as: login,
                                     json: CardFixture.data(family: family, given: "一郎", kanaFamily: "テスト", kanaGiven: "イチロウ", address: "神奈川県横浜市中区港町1-1"))
            #expect(d.status == .ok, "\(d.text)")
            #expect(try await s.send(.POST, "/api/v1/card-applications/\(app)/review", as: hr, json: ["decision": "accept"]).status == .ok)
        }
    }

    @Test("a huge ?maximum= on the session plan is refused with 400, not an arithmetic overflow that stops the server")
    func planMaximumBounded() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        try await Self.twoApplicants(s, hr)
        for query in ["maximum=\(Int.max)", "maximum=0", "maximum=10001", "minimum=10001", "minimum=1&maximum=\(Int.max)"] {
            let r = try await s.send(.GET, "/api/v1/card-sessions/plan?\(query)", as: hr)
            #expect(r.status == .badRequest, "\(query): \(r.status) \(r.text)")
        }
        // The server is still up, and in-range values plan as before (minimum 1, maximum 1: two sessions of one).
        let ok = try await s.send(.GET, "/api/v1/card-sessions/plan?minimum=1&maximum=1", as: hr)
        #expect(ok.status == .ok, "\(ok.text)")
        #expect((ok.object()["proposals"] as? [[String: Any]])?.count == 2, "\(ok.text)")
    }

    @Test("the application data refuses a city over 200 characters and a phone padded with hyphens, each as a field issue")
    func draftCityAndPhoneBounded() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let (_, login) = try await CardFixture.person(s, hr: hr, number: "P3000")
        #expect(try await s.send(.POST, "/api/v1/me/card-application", as: login, json: ["route": "contractorBatch"]).status == .created)
        var data = CardFixture.data()
        data["city"] = String(repeating: "市", count: 201)
        data["phone"] = "03" + String(repeating: "-", count: 40) + "12345678"
        let r = try await s.send(.PUT, "/api/v1/me/card-application/data", as: login, json: data)
        #expect(r.status == .unprocessableEntity, "\(r.text)")
        let issues = (r.object()["issues"] as? [[String: Any]] ?? []).map { "\($0["field"] as? String ?? ""):\($0["code"] as? String ?? "")" }
        #expect(issues.contains("city:too_long") && issues.contains("phone:phone_invalid"), "\(issues)")
        // At the limits both are taken.
        data["city"] = "横浜市"
        data["phone"] = "03-1234-5678"
        #expect(try await s.send(.PUT, "/api/v1/me/card-application/data", as: login, json: data).status == .ok)
    }

    @Test("a session agreement refuses a contact section, phone or e-mail longer than documented")
    func agreementContactBounded() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        try await Self.twoApplicants(s, hr)
        let created = try await s.send(.POST, "/api/v1/card-sessions", as: hr, json: ["prefecture": "神奈川県", "city": "横浜市"])
        #expect(created.status == .created, "\(created.text)")
        let sid = created.object()["id"] as? String ?? ""
        func agree(_ contact: [String: Any]) async throws -> TestServer.Reply {
            try await s.send(.PUT, "/api/v1/card-sessions/\(sid)/agreement", as: hr,
                             json: ["date": "2026-12-10", "startTime": "10:00", "place": "本社3階会議室", "contact": contact])
        }
        for (field, length) in [("section", 101), ("phone", 31), ("email", 255)] {
            let r = try await agree(["name": "横浜 花子", field: String(repeating: "x", count: length)])
            #expect(r.status == .unprocessableEntity && r.object()["code"] as? String == "too_long", "\(field): \(r.text)")
        }
        let ok = try await agree(["name": "横浜 花子", "section": "市民課", "phone": "045-123-4567", "email": "madoguchi@example.jp"])
        #expect(ok.status == .ok, "\(ok.text)")
    }

    @Test("photo issues carry the API's severities only (error, warning): the check's notice about a missing date is a warning")
    func photoIssueSeverities() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let (_, login) = try await CardFixture.person(s, hr: hr, number: "P4000")
        #expect(try await s.send(.POST, "/api/v1/me/card-application", as: login, json: ["route": "contractorBatch"]).status == .created)
        // Refused (too small in pixels) and undated: the refusal lists both, with the API's severities.
        let refused = try await CardFixture.upload(s, login, CardFixture.jpeg(width: 100, height: 128, daysAgo: nil))
        #expect(refused.status == .unprocessableEntity, "\(refused.text)")
        let refusedSeverities = Set((refused.object()["issues"] as? [[String: Any]] ?? []).compactMap { $0["severity"] as? String })
        #expect(refusedSeverities == ["error", "warning"], "\(refused.text)")
        // Accepted but undated: the notice comes back as a warning.
        let taken = try await CardFixture.upload(s, login, CardFixture.jpeg(daysAgo: nil))
        #expect(taken.status == .ok, "\(taken.text)")
        let notices = taken.object()["notices"] as? [[String: Any]] ?? []
        #expect(!notices.isEmpty && notices.allSatisfy { $0["severity"] as? String == "warning" }, "\(taken.text)")
    }

    @Test("an unknown stage, route or lang, and a number parameter named twice or not a number, are 400 — not \"no filter\", Japanese or the default")
    func queryParametersReadOrRefused() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        for path in ["/api/v1/card-applications?stage=AAA", "/api/v1/card-applications?route=AAA", "/api/v1/card-applications?stage=",
                     "/api/v1/card-applications?stage=optedIn&stage=enrolled",
                     "/api/v1/card-campaign?lang=AAA", "/api/v1/card-campaign?lang=EN", "/api/v1/card-reminders?lang=fr",
                     "/api/v1/card-reminders?repeatEveryDays=null&repeatEveryDays=null", "/api/v1/card-reminders?afterDays=abc",
                     "/api/v1/card-sessions/plan?minimum=null&minimum=null", "/api/v1/card-sessions/plan?maximum=0.5"] {
            let r = try await s.send(.GET, path, as: hr)
            #expect(r.status == .badRequest, "\(path): \(r.status) \(r.text.prefix(200))")
        }
        for path in ["/api/v1/card-applications?stage=optedIn&route=onSiteSession", "/api/v1/card-campaign?lang=en", "/api/v1/card-campaign",
                     "/api/v1/card-reminders?repeatEveryDays=7&lang=ja", "/api/v1/card-sessions/plan?minimum=2"] {
            let r = try await s.send(.GET, path, as: hr)
            #expect(r.status == .ok, "\(path): \(r.status) \(r.text.prefix(200))")
        }
    }
}
