import CardApplication
import Foundation
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Testing
import Vapor

/// The card application pages over real HTTP, driven the way a browser submits their forms: the
/// employee's page (opt in, data with a refusal shown per field, statement), the clerk's review and
/// batch pages, and a whole case-2 session (create, agree, record documents and applications) in
/// Japanese and English.
@Suite("Card application pages", .serialized)
struct CardApplicationPagesTests {
    /// An HTML form as a browser sends it (repeated keys for checkboxes), with the session's CSRF token.
    func post(_ s: TestServer, _ path: String, as who: TestServer.Identity, _ form: [(String, String)]) async throws -> TestServer.Reply {
        let body = ([("csrf", who.csrf ?? "")] + form).map { k, v in
            "\(k.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")=\(v.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        }.joined(separator: "&")
        return try await s.send(.POST, path, as: who, raw: Data(body.utf8), contentType: "application/x-www-form-urlencoded", csrf: false)
    }

    @Test("employee and clerk pages: opt in, data refused then saved, review, batch, sent")
    func employeeAndClerkPages() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let (_, me) = try await CardFixture.person(s, hr: hr, number: "W0001", name: "山田 太郎")
        let page = try await s.send(.GET, "/my/card", as: me)
        #expect(page.status == .ok && page.text.contains("id=\"opt-in\"") && page.text.contains("data-status=\"none\""))
        // The statement form: declined, no reason field exists on the page.
        #expect(!page.text.contains("name=\"reason\""))
        #expect(try await post(s, "/my/card/statement", as: me, [("statement", "declined")]).status == .seeOther)
        #expect(try await s.send(.GET, "/my/card", as: me).text.contains("data-status=\"declined\""))
        #expect(try await post(s, "/my/card/apply", as: me, [("route", "contractorBatch")]).status == .seeOther)
        // A refused form comes back with the problems listed and what was typed kept.
        let refused = try await post(s, "/my/card/data", as: me, [("route", "contractorBatch"), ("familyName", "山田"), ("givenName", "太郎"),
                                                                  ("familyNameKana", "やまだ"), ("givenNameKana", ""), ("birthDate", "1990-04-01"),
                                                                  ("address", "東京都千代田区千代田1-1"), ("applicationFormID", "12345")])
        #expect(refused.status == .unprocessableEntity)
        #expect(refused.text.contains("id=\"data-problems\"") && refused.text.contains("value=\"12345\""))
        let saved = try await post(s, "/my/card/data", as: me, [("route", "contractorBatch"), ("familyName", "山田"), ("givenName", "太郎"),
                                                                ("familyNameKana", "やまだ"), ("givenNameKana", "たろう"), ("birthDate", "1990-04-01"),
                                                                ("address", "東京都千代田区千代田1-1"), ("applicationFormID", "12345678901234567890123"),
                                                                ("phone", "03-1234-5678")])
        #expect(saved.status == .seeOther, "\(saved.text.components(separatedBy: "data-problems").dropFirst().first?.prefix(600) ?? "")")
        #expect(try await CardFixture.upload(s, me, CardFixture.jpeg()).status == .ok)
        let app = try await s.send(.GET, "/api/v1/me/card-application", as: me).object()["id"] as! String

        // The clerk: overview lists it; return without a note is refused on the page; accept.
        #expect(try await s.send(.GET, "/card-applications", as: hr).text.contains("/card-applications/\(app)"))
        let detail = try await s.send(.GET, "/card-applications/\(app)", as: hr)
        #expect(detail.status == .ok && detail.text.contains("12345678901234567890123") && detail.text.contains("id=\"applicant-photo\""))
        #expect(try await post(s, "/card-applications/\(app)/review", as: hr, [("decision", "return"), ("note", "")]).status == .unprocessableEntity)
        // No decision at all is refused, not read as "return" (before issue 19's one form reading it sent the application back).
        #expect(try await post(s, "/card-applications/\(app)/review", as: hr, [("note", "写真を撮り直してください")]).status == .unprocessableEntity)
        #expect(try await post(s, "/card-applications/\(app)/review", as: hr, [("decision", "accept")]).status == .seeOther)
        let batches = try await s.send(.GET, "/card-batches", as: hr)
        #expect(batches.text.contains("id=\"ready-count\">1<") && batches.text.contains("id=\"build-batch\""))
        #expect(try await post(s, "/card-batches", as: hr, []).status == .seeOther)
        let built = try await s.send(.GET, "/card-batches", as: hr)
        let id = try #require(built.text.range(of: "data-batch=\"").map { String(built.text[$0.upperBound...].prefix { $0 != "\"" }) })
        #expect(try await s.send(.GET, "/card-batches/\(id)/package", as: hr).headers.contentType?.description == "application/zip")
        #expect(try await post(s, "/card-batches/\(id)/sent", as: hr, []).status == .seeOther)
        #expect(try await post(s, "/card-batches/\(id)/sent", as: hr, []).status == .conflict, "sent once")
        #expect(try await CardFixture.stage(s, hr, app) == "sentToContractor")
        // The employee records the notice from their page.
        #expect(try await post(s, "/my/card/event", as: me, [("event", "noticeReceived")]).status == .seeOther)
        #expect(try await s.send(.GET, "/my/card?lang=en", as: me).text.contains("Notice (交付通知書) received"))
        // An employee is refused the clerk's pages.
        #expect(try await s.send(.GET, "/card-batches", as: me).status == .forbidden)
    }

    @Test("a case-2 session through the pages: create, agree, record documents and applications, roster, in both languages")
    func sessionPages() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        var apps: [String] = []
        for i in 0..<5 {
            let (_, login) = try await CardFixture.person(s, hr: hr, number: "V\(100 + i)", name: "試験 \(i)")
            apps.append(try await s.send(.POST, "/api/v1/me/card-application", as: login, json: ["route": "onSiteSession"]).object()["id"] as! String)
            #expect(try await s.send(.PUT, "/api/v1/me/card-application/data", as: login, json: CardFixture.data(address: "大阪府堺市北区新金岡町5-1-1")).status == .ok)
            #expect(try await post(s, "/card-applications/\(apps[i])/review", as: hr, [("decision", "accept")]).status == .seeOther)
        }
        let list = try await s.send(.GET, "/card-sessions", as: hr)
        #expect(list.status == .ok && list.text.contains("大阪府堺市"))
        let create = try await post(s, "/card-sessions", as: hr, [("prefecture", "大阪府"), ("city", "堺市")])
        #expect(create.status == .seeOther, "\(create.text.prefix(300))")
        let path = create.headers.first(name: .location) ?? ""
        #expect(path.hasPrefix("/card-sessions/"))
        // Recording before the agreement is refused on the page.
        #expect(try await post(s, "\(path)/attendance", as: hr, [("application", apps[0]), ("documents[]", "passport")]).status.code >= 400)
        #expect(try await post(s, "\(path)/agreement", as: hr, [("date", "2026-12-10"), ("startTime", "10:00"), ("place", "本社 会議室A"),
                                                              ("contactName", "堺市 市民課 担当"), ("contactPhone", "072-000-0000")]).status == .seeOther)
        // Two non-photo documents and "applied", as the checkboxes send them.
        let r = try await post(s, "\(path)/attendance", as: hr, [("application", apps[0]), ("documents[]", "health_insurance"), ("documents[]", "pension"), ("applied", "yes")])
        #expect(r.status == .seeOther, "\(r.status) \(r.text.prefix(300))")
        let one = try await post(s, "\(path)/attendance", as: hr, [("application", apps[1]), ("documents[]", "health_insurance"), ("applied", "yes")])
        #expect(one.status == .unprocessableEntity && one.text.contains("顔写真付き1点"), "\(one.status)")
        #expect(try await CardFixture.stage(s, hr, apps[0]) == "appliedAtSession")
        #expect(try await CardFixture.stage(s, hr, apps[1]) == "reviewed")
        let roster = try await s.send(.GET, "\(path)/roster", as: hr)
        #expect(roster.status == .ok && roster.text.contains("本社 会議室A") && roster.text.contains("山田") && roster.text.contains("運転免許証"))
        let en = try await s.send(.GET, "\(path)/roster?lang=en", as: hr)
        #expect(en.status == .ok && en.text.contains("Driver") && en.text.contains("registered post"))
    }
}
