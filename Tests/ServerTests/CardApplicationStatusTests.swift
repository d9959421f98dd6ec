import Access
import CardApplication
import Fluent
import Foundation
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Store
import Testing
import Vapor

/// Card status and adoption, photo checks through the API, templates and the campaign, the photo
/// upload form's CSRF token inside the multipart body, and bad input.
@Suite("Card applications: status, adoption, photos, templates, bad input", .serialized)
struct CardApplicationStatusTests {
    @Test("card status incl. declined with no reason stored; adoption by department and site")
    func statusAndAdoption() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let (enrolledID, enrolled) = try await CardFixture.person(s, hr: hr, number: "S0001", department: "営業部", site: "東京")
        let (_, holder) = try await CardFixture.person(s, hr: hr, number: "S0002", department: "営業部", site: "大阪")
        let (declinerID, decliner) = try await CardFixture.person(s, hr: hr, number: "S0003", department: "開発部", site: "東京")
        let (_, applicant) = try await CardFixture.person(s, hr: hr, number: "S0004", department: "開発部", site: "大阪")
        _ = try await CardFixture.person(s, hr: hr, number: "S0005", department: "開発部", site: "東京")

        try await CardFixture.enroll(s, desk: hr, employee: enrolledID)
        #expect(try await s.send(.GET, "/api/v1/me/card-status", as: enrolled).object()["status"] as? String == "enrolled")
        #expect(try await s.send(.PUT, "/api/v1/me/card-status", as: holder, json: ["statement": "hasCard"]).object()["status"] as? String == "cardNotEnrolled")
        // Declining: a reason sent anyway is neither stored, logged nor echoed.
        let reason = "理由テキスト-\(UUID().uuidString.prefix(6))"
        let declined = try await s.send(.PUT, "/api/v1/me/card-status", as: decliner, json: ["statement": "declined", "reason": reason])
        #expect(declined.status == .ok && declined.object()["status"] as? String == "declined", "\(declined.text)")
        #expect(!declined.text.contains(reason))
        #expect(try await s.send(.PUT, "/api/v1/me/card-status", as: decliner, json: ["statement": "maybe"]).status == .unprocessableEntity)
        let stored = try await CardStatementModel.find(UUID(uuidString: declinerID)!, on: s.app.db)
        #expect(stored?.statement == "declined")
        #expect(try await s.send(.POST, "/api/v1/me/card-application", as: applicant, json: ["route": "onSiteSession"]).status == .created)

        let adoption = try await s.send(.GET, "/api/v1/card-status", as: hr).object()
        let overall = adoption["overall"] as? [String: Any] ?? [:]
        // The hr account itself is not an employee: five people.
        #expect(overall["total"] as? Int == 5, "\(overall)")
        for (k, v) in ["enrolled": 1, "cardNotEnrolled": 1, "declined": 1, "applying": 1, "none": 1] {
            #expect(overall[k] as? Int == v, "\(k): \(overall)")
        }
        let departments = Dictionary(uniqueKeysWithValues: (adoption["byDepartment"] as? [[String: Any]] ?? []).map { ($0["name"] as! String, $0["counts"] as! [String: Any]) })
        #expect(departments["営業部"]?["total"] as? Int == 2 && departments["営業部"]?["enrolled"] as? Int == 1)
        #expect(departments["開発部"]?["total"] as? Int == 3 && departments["開発部"]?["declined"] as? Int == 1 && departments["開発部"]?["applying"] as? Int == 1)
        let sites = Dictionary(uniqueKeysWithValues: (adoption["bySite"] as? [[String: Any]] ?? []).map { ($0["name"] as! String, $0["counts"] as! [String: Any]) })
        #expect(sites["東京"]?["total"] as? Int == 3 && sites["大阪"]?["total"] as? Int == 2)
        #expect(sites["大阪"]?["cardNotEnrolled"] as? Int == 1)
        #expect((adoption["employees"] as? [[String: Any]])?.first { $0["employeeNumber"] as? String == "S0003" }?["status"] as? String == "declined")

        // The overview page shows the same, to the clerk only.
        let page = try await s.send(.GET, "/card-applications", as: hr)
        #expect(page.status == .ok && page.text.contains("開発部") && page.text.contains("大阪"))

        // Changing one's mind: opting in replaces "declined".
        #expect(try await s.send(.POST, "/api/v1/me/card-application", as: decliner, json: [String: String]()).status == .created)
        let now = try await s.send(.GET, "/api/v1/me/card-status", as: decliner).object()
        #expect(now["status"] as? String == "applying" && now["statement"] as? String == "none")
        // An enrolled person has nothing to apply for.
        #expect(try await s.send(.POST, "/api/v1/me/card-application", as: enrolled, json: [String: String]()).object()["code"] as? String == "already_enrolled")
        // An account with no employee record has no status.
        #expect(try await s.send(.GET, "/api/v1/me/card-status", as: hr).status == .notFound)

        let admin = try await s.user(.admin)
        let log = try await s.send(.GET, "/api/v1/events?limit=1000", as: admin).text
        #expect(log.contains("card_application.statement") && !log.contains(reason))
    }

    @Test("photo checks through the API with generated images: too small, wrong format, wrong proportions, too old, valid")
    func photos() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let (_, me) = try await CardFixture.person(s, hr: hr, number: "P0001")
        #expect(try await CardFixture.upload(s, me, CardFixture.jpeg()).status == .notFound, "no application yet")
        _ = try await s.send(.POST, "/api/v1/me/card-application", as: me, json: ["route": "contractorBatch"])

        func refused(_ bytes: Data, _ code: String, type: String = "image/jpeg", sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let r = try await CardFixture.upload(s, me, bytes, type: type)
            #expect(r.status == .unprocessableEntity, "\(r.text)", sourceLocation: sourceLocation)
            #expect(r.object()["code"] as? String == "photo_not_acceptable", sourceLocation: sourceLocation)
            let issues = r.object()["issues"] as? [[String: Any]] ?? []
            #expect(issues.contains { $0["code"] as? String == code }, "\(code) not in \(r.text)", sourceLocation: sourceLocation)
            #expect(issues.allSatisfy { ($0["messageJa"] as? String ?? "").count > 5 && ($0["messageEn"] as? String ?? "").count > 5 }, sourceLocation: sourceLocation)
            // Refused photos are not kept.
            #expect(try await s.send(.GET, "/api/v1/me/card-application/photo", as: me).status == .notFound, sourceLocation: sourceLocation)
            #expect(try await s.send(.GET, "/api/v1/me/card-application", as: me).object()["photo"] as? [String: Any] == nil, sourceLocation: sourceLocation)
        }
        // 240×308 pixels: too few (and the message says what is needed).
        let small = try await CardFixture.upload(s, me, CardFixture.jpeg(width: 240, height: 308))
        #expect(small.status == .unprocessableEntity)
        let smallIssue = (small.object()["issues"] as? [[String: Any]])?.first { $0["code"] as? String == "photo_too_few_pixels" }
        #expect((smallIssue?["messageJa"] as? String)?.contains("480") == true && (smallIssue?["messageEn"] as? String)?.contains("480") == true, "\(small.text)")
        try await refused(CardFixture.jpeg(width: 240, height: 308), "photo_too_few_pixels")
        // A PNG of the right size: format.
        try await refused(CardFixture.png(), "photo_wrong_format", type: "image/png")
        // Square and landscape: proportions.
        try await refused(CardFixture.jpeg(width: 600, height: 600), "photo_wrong_proportions")
        try await refused(CardFixture.jpeg(width: 800, height: 600), "photo_wrong_proportions")
        // Taken a year ago: too old.
        try await refused(CardFixture.jpeg(daysAgo: 365), "photo_too_old")
        // A tiny file (a few bytes of JPEG header) and not an image at all.
        try await refused(Data(SamplePortrait.jpeg(width: 480, height: 616, takenAt: CardFixture.today, minimumBytes: 0)), "photo_file_too_small")
        try await refused(Data("hello, this is not a photo".utf8), "photo_unreadable", type: "application/octet-stream")
        try await refused(Data(), "photo_empty")
        // Over the route's limit: 413 before the rules.
        let huge = try await CardFixture.upload(s, me, Data(count: 9 * 1024 * 1024))
        #expect(huge.status == .payloadTooLarge)
        // Valid: stored, and a replacement takes the old one's place.
        let ok = try await CardFixture.upload(s, me, CardFixture.jpeg())
        #expect(ok.status == .ok, "\(ok.text)")
        let second = CardFixture.jpeg(width: 700, height: 900, daysAgo: 3)
        #expect(try await CardFixture.upload(s, me, second).status == .ok)
        #expect(try await s.send(.GET, "/api/v1/me/card-application/photo", as: me).body == second)
        #expect(try await CardApplicationPhotoModel.query(on: s.app.db).count() == 1)
    }

    @Test("the photo form: multipart upload with the CSRF token in the body; without it refused")
    func photoFormCSRF() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let (_, me) = try await CardFixture.person(s, hr: hr, number: "P0002")
        _ = try await s.send(.POST, "/api/v1/me/card-application", as: me, json: ["route": "contractorBatch"])
        let photo = CardFixture.jpeg()
        func multipart(csrf: String?, file: Data, type: String = "image/jpeg") -> (Data, String) {
            let boundary = "----mynagate\(UUID().uuidString)"
            var body = Data()
            if let csrf { body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(csrf)\r\n".utf8) }
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"me.jpg\"\r\nContent-Type: \(type)\r\n\r\n".utf8)
            body += file
            body += Data("\r\n--\(boundary)--\r\n".utf8)
            return (body, "multipart/form-data; boundary=\(boundary)")
        }
        // No token anywhere, and a wrong token in the body: 403, nothing stored.
        let (noToken, t1) = multipart(csrf: nil, file: photo)
        #expect(try await s.send(.POST, "/my/card/photo", as: me, raw: noToken, contentType: t1, csrf: false).status == .forbidden)
        let (wrong, t2) = multipart(csrf: String(repeating: "0", count: 64), file: photo)
        #expect(try await s.send(.POST, "/my/card/photo", as: me, raw: wrong, contentType: t2, csrf: false).status == .forbidden)
        #expect(try await s.send(.GET, "/api/v1/me/card-application/photo", as: me).status == .notFound)
        // A refused photo through the form: the page says why, in Japanese by default.
        let (bad, t3) = multipart(csrf: me.csrf, file: CardFixture.png(), type: "image/png")
        let badPage = try await s.send(.POST, "/my/card/photo", as: me, raw: bad, contentType: t3, csrf: false)
        #expect(badPage.status == .unprocessableEntity && badPage.text.contains("JPEG"), "\(badPage.status)")
        // A multipart body over the photo route's limit is refused before anything reads it.
        let (huge, t5) = multipart(csrf: me.csrf, file: Data(count: 9 * 1024 * 1024))
        #expect(try await s.send(.POST, "/my/card/photo", as: me, raw: huge, contentType: t5, csrf: false).status == .payloadTooLarge)
        // The right token in the body: stored, back to the page.
        let (good, t4) = multipart(csrf: me.csrf, file: photo)
        let r = try await s.send(.POST, "/my/card/photo", as: me, raw: good, contentType: t4, csrf: false)
        #expect(r.status == .seeOther && r.headers.first(name: .location) == "/my/card", "\(r.status) \(r.text.prefix(300))")
        #expect(try await s.send(.GET, "/my/card/photo", as: me).body == photo)
        let page = try await s.send(.GET, "/my/card", as: me)
        #expect(page.text.contains("id=\"my-photo\""))
    }

    @Test("templates and campaign: edit and reset in Japanese and English; unknown placeholders refused")
    func templates() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let (_, me) = try await CardFixture.person(s, hr: hr, number: "T0001", name: "田中 一郎")
        let all = try await s.send(.GET, "/api/v1/card-templates", as: hr).array()
        #expect(all.count == MessageTemplateKind.allCases.count * 2)
        #expect(all.allSatisfy { $0["isDefault"] as? Bool == true })
        #expect(Set(all.compactMap { $0["language"] as? String }) == ["ja", "en"])

        #expect(try await s.send(.PUT, "/api/v1/card-campaign", as: hr, json: ["company": "株式会社テスト", "contact": "人事部 内線 1234", "deadline": "12月20日"]).status == .ok)
        let ja = try await s.send(.PUT, "/api/v1/card-templates/campaign.ja", as: hr, json: ["subject": "カードのご案内", "body": "{name} さん、{company} では {deadline} まで申請を受け付けます。問い合わせ: {contact}"])
        #expect(ja.status == .ok && ja.object()["isDefault"] as? Bool == false, "\(ja.text)")
        let en = try await s.send(.PUT, "/api/v1/card-templates/campaign.en", as: hr, json: ["subject": "About the card", "body": "Dear {name}, {company} takes applications until {deadline}."])
        #expect(en.status == .ok, "\(en.text)")
        let msgJa = try await s.send(.GET, "/api/v1/card-campaign", as: me).object()
        #expect(msgJa["subject"] as? String == "カードのご案内")
        #expect(msgJa["body"] as? String == "田中 一郎 さん、株式会社テスト では 12月20日 まで申請を受け付けます。問い合わせ: 人事部 内線 1234")
        let msgEn = try await s.send(.GET, "/api/v1/card-campaign?lang=en", as: me).object()
        #expect(msgEn["body"] as? String == "Dear 田中 一郎, 株式会社テスト takes applications until 12月20日.")
        // The campaign page, as every employee sees it.
        let page = try await s.send(.GET, "/card-campaign?lang=en", as: me)
        #expect(page.status == .ok && page.text.contains("takes applications until"))

        // Refusals store nothing.
        let unknown = try await s.send(.PUT, "/api/v1/card-templates/campaign.ja", as: hr, json: ["subject": "x", "body": "{myNumber} を書いてください"])
        #expect(unknown.status == .unprocessableEntity && unknown.object()["code"] as? String == "template_unknown_placeholder")
        #expect(try await s.send(.PUT, "/api/v1/card-templates/campaign.ja", as: hr, json: ["subject": " ", "body": ""]).status == .unprocessableEntity)
        #expect(try await s.send(.PUT, "/api/v1/card-templates/nothing.ja", as: hr, json: ["subject": "x", "body": "y"]).status == .notFound)
        #expect(try await s.send(.PUT, "/api/v1/card-templates/campaign.fr", as: hr, json: ["subject": "x", "body": "y"]).status == .notFound)
        #expect(try await s.send(.GET, "/api/v1/card-campaign", as: me).object()["subject"] as? String == "カードのご案内")

        // Reset: the API for Japanese, the page's button for English.
        let reset = try await s.send(.DELETE, "/api/v1/card-templates/campaign.ja", as: hr)
        #expect(reset.status == .ok && reset.object()["isDefault"] as? Bool == true)
        let defaultJa = DefaultTemplates.template(.campaign, .japanese)
        #expect(try await s.send(.GET, "/api/v1/card-campaign", as: me).object()["subject"] as? String == defaultJa.subject)
        let form = try await s.send(.POST, "/card-templates/campaign.en/reset", as: hr, raw: Data("csrf=\(hr.csrf ?? "")".utf8),
                                    contentType: "application/x-www-form-urlencoded", csrf: false)
        #expect(form.status == .seeOther, "\(form.status)")
        #expect(try await s.send(.GET, "/api/v1/card-templates", as: hr).array().allSatisfy { $0["isDefault"] as? Bool == true })
        // Editing through the page form.
        let body = "csrf=\(hr.csrf ?? "")&subject=%E4%BB%B6%E5%90%8D&body=%7Bname%7D%E3%81%95%E3%82%93"
        let saved = try await s.send(.POST, "/card-templates/pickupReminder.ja", as: hr, raw: Data(body.utf8), contentType: "application/x-www-form-urlencoded", csrf: false)
        #expect(saved.status == .seeOther)
        let t = try await s.send(.GET, "/api/v1/card-templates", as: hr).array().first { $0["id"] as? String == "pickupReminder.ja" }
        #expect(t?["subject"] as? String == "件名" && t?["body"] as? String == "{name}さん" && t?["isDefault"] as? Bool == false)
        let pageJa = try await s.send(.GET, "/card-templates", as: hr)
        #expect(pageJa.status == .ok && pageJa.text.contains("/card-templates/pickupReminder.ja/reset"))
    }

    @Test("bad input: clear 4xx with a code and both languages, nothing stored")
    func badInput() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let (_, me) = try await CardFixture.person(s, hr: hr, number: "B0001")
        #expect(try await s.send(.PUT, "/api/v1/me/card-application/data", as: me, json: CardFixture.data()).status == .notFound, "no application yet")
        let badRoute = try await s.send(.POST, "/api/v1/me/card-application", as: me, json: ["route": "byPigeon"])
        #expect(badRoute.status == .unprocessableEntity && badRoute.object()["code"] as? String == "route_invalid")
        #expect(try await s.send(.GET, "/api/v1/card-applications", as: hr).array().isEmpty)
        let app = try await s.send(.POST, "/api/v1/me/card-application", as: me, json: ["route": "contractorBatch"]).object()["id"] as! String
        let malformed = try await s.send(.PUT, "/api/v1/me/card-application/data", as: me, raw: Data("{\"familyName\": ".utf8), contentType: "application/json")
        #expect(malformed.status == .badRequest)
        // A 12-digit My Number typed into the 申請書ID field is refused (wrong length) and not echoed.
        let number = try await s.send(.PUT, "/api/v1/me/card-application/data", as: me, json: CardFixture.data(formID: "123456789018"))
        #expect(number.status == .unprocessableEntity && !number.text.contains("123456789018"))
        #expect(try await s.send(.GET, "/api/v1/me/card-application", as: me).object()["stage"] as? String == "optedIn")
        #expect(try await s.send(.POST, "/api/v1/me/card-application/events", as: me, json: ["event": "teleport"]).object()["code"] as? String == "event_unknown")
        #expect(try await s.send(.POST, "/api/v1/me/card-application/events", as: me, json: ["event": "noticeReceived"]).status == .conflict)
        #expect(try await s.send(.POST, "/api/v1/card-applications/\(app)/review", as: hr, json: ["decision": "maybe"]).status == .unprocessableEntity)
        let notReady = try await s.send(.POST, "/api/v1/card-applications/\(app)/review", as: hr, json: ["decision": "accept"])
        #expect(notReady.status == .conflict && !(notReady.object()["messageJa"] as? String ?? "").isEmpty, "\(notReady.text)")
        #expect(try await s.send(.GET, "/api/v1/card-applications/\(UUID().uuidString)", as: hr).status == .notFound)
        #expect(try await s.send(.GET, "/api/v1/card-applications/not-a-uuid", as: hr).status == .badRequest)
        #expect(try await s.send(.GET, "/api/v1/card-sessions/S-none", as: hr).status == .notFound)
        #expect(try await s.send(.PUT, "/api/v1/card-sessions/S-none/agreement", as: hr, json: ["date": "2026-12-10", "place": "x", "contact": ["name": "y"]]).status == .notFound)
        #expect(try await s.send(.PUT, "/api/v1/card-campaign", as: hr, json: ["company": String(repeating: "x", count: 101), "contact": "", "deadline": ""]).status == .unprocessableEntity)
        // An employee cannot reach another person's application or the clerk's lists.
        #expect(try await s.send(.GET, "/api/v1/card-applications/\(app)", as: me).status == .forbidden)
        #expect(try await s.send(.GET, "/api/v1/card-applications", as: hr).array().count == 1)
        // The withdrawn application frees the person to opt in again later.
        #expect(try await s.send(.POST, "/api/v1/me/card-application/events", as: me, json: ["event": "withdraw"]).object()["stage"] as? String == "withdrawn")
        #expect(try await s.send(.POST, "/api/v1/me/card-application", as: me, json: [String: String]()).status == .created)
    }
}
