import Demo
import Foundation
import MynaCardSim
@testable import AttendanceServer
@testable import CardApplicationServer
@testable import Server
@testable import ServerCore
@testable import VaultServer
import Testing
import Vapor

/// The web pages over real HTTP: each page for its role, the language, CSRF on forms, escaping, the
/// two-step suspension, and the demo desk's enrollment.
@Suite("Web pages", .serialized)
struct PagesTests {
    /// Sends an HTML form the way a browser does.
    func post(_ s: TestServer, _ path: String, as who: TestServer.Identity, form: [String: String]) async throws -> TestServer.Reply {
        let body = form.map { k, v in "\(k)=\(v.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return try await s.send(.POST, path, as: who, raw: Data(body.utf8), contentType: "application/x-www-form-urlencoded", csrf: false)
    }

    /// The value of the first `<input ... name="NAME" value="...">` in the page.
    func field(_ html: String, _ name: String) -> String? {
        guard let r = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = html[r.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    @Test("every page answers its role with 200, in Japanese by default and in English with ?lang=en")
    func pagesForRoles() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin), security = try await s.user(.security), hr = try await s.user(.hr), employee = try await s.user(.employee)
        let pages: [(String, TestServer.Identity, String)] = [
            ("/dashboard", admin, "ダッシュボード"), ("/events", security, "イベントログ"), ("/employees", hr, "従業員を探す"),
            ("/employees/new", hr, "従業員の登録"), ("/cards", admin, "カード"), ("/doors", security, "扉・区域"), ("/enroll", hr, "カード登録"),
            ("/my/cards", employee, "自分のカード"), ("/lost-card", .anonymous, "カードの紛失・盗難"), ("/", .anonymous, "サインイン"),
        ]
        for (path, who, japanese) in pages {
            let ja = try await s.send(.GET, path, as: who)
            #expect(ja.status == .ok, "\(path): \(ja.status)")
            #expect(ja.text.contains("<html lang=\"ja\">"), "\(path) is not Japanese")
            #expect(ja.text.contains(japanese), "\(path) lacks \(japanese)")
            #expect(ja.headers.first(name: .contentType)?.hasPrefix("text/html") == true)
            #expect(ja.text.contains("?lang=en"), "\(path) has no language switch")
            let en = try await s.send(.GET, path + "?lang=en", as: who)
            #expect(en.status == .ok)
            #expect(en.text.contains("<html lang=\"en\">"), "\(path) is not English with ?lang=en")
            #expect(en.text.contains("?lang=ja"))
            if who.cookie != nil {
                // The choice is remembered in the session, then switched back for the next page.
                #expect(try await s.send(.GET, path, as: who).text.contains("<html lang=\"en\">"), "\(path) forgot the language")
                _ = try await s.send(.GET, path + "?lang=ja", as: who)
            }
        }
        let css = try await s.send(.GET, "/assets/mynagate.css")
        #expect(css.status == .ok && css.headers.first(name: .contentType)?.hasPrefix("text/css") == true)
        await s.stop()
    }

    @Test("pages: anonymous browsers are sent to sign in, wrong roles get 403")
    func pageRoles() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let anonymous = try await s.send(.GET, "/dashboard")
        #expect(anonymous.status == .seeOther)
        #expect(anonymous.headers.first(name: .location) == "/")
        let employee = try await s.user(.employee)
        let refused = try await s.send(.GET, "/dashboard", as: employee)
        #expect(refused.status == .forbidden)
        #expect(refused.text.contains("権限がありません"))
        #expect(try await s.send(.GET, "/employees/new", as: try await s.user(.security)).status == .forbidden)
        await s.stop()
    }

    @Test("sign-in form: CSRF token in the anonymous form cookie, wrong password shown, right password lands on the role's page")
    func signInForm() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        try await Accounts.create(username: "kanri", password: "correct horse battery", role: .admin, cost: 4, on: s.app.db)
        let page = try await s.send(.GET, "/")
        let cookie = try #require(page.headers.first(name: .setCookie)).split(separator: ";")[0]
        let token = try #require(field(page.text, "csrf"))
        #expect(token.count == 64)
        #expect(page.text.contains("<label for=\"username\">ユーザー名</label>"))
        let browser = TestServer.Identity(cookie: String(cookie))
        let forged = try await post(s, "/login", as: browser, form: ["username": "kanri", "password": "correct horse battery", "csrf": String(repeating: "0", count: 64)])
        #expect(forged.status == .badRequest)
        let wrong = try await post(s, "/login", as: browser, form: ["username": "kanri", "password": "nope", "csrf": token])
        #expect(wrong.status == .unauthorized)
        #expect(wrong.text.contains("ユーザー名またはパスワードが違います"))
        let right = try await post(s, "/login", as: browser, form: ["username": "kanri", "password": "correct horse battery", "csrf": token])
        #expect(right.status == .seeOther)
        #expect(right.headers.first(name: .location) == "/dashboard")
        let signedIn = TestServer.Identity(cookie: String(try #require(right.headers.first(name: .setCookie)).split(separator: ";")[0]))
        let dashboard = try await s.send(.GET, "/dashboard", as: signedIn)
        #expect(dashboard.status == .ok)
        #expect(dashboard.text.contains("kanri"))
        // Sign-out is a form too, and needs the new session's token.
        let newToken = try #require(field(dashboard.text, "csrf"))
        #expect(try await post(s, "/logout", as: signedIn, form: [:]).status == .forbidden)
        #expect(try await post(s, "/logout", as: signedIn, form: ["csrf": newToken]).status == .seeOther)
        #expect(try await s.send(.GET, "/dashboard", as: signedIn).status == .seeOther)
        await s.stop()
    }

    @Test("forms carry the CSRF field; a form POST without it is refused and stores nothing")
    func formCSRF() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let form = try await s.send(.GET, "/employees/new", as: hr)
        #expect(form.text.contains("<input type=\"hidden\" name=\"csrf\" value=\"\(hr.csrf!)\">"))
        let fields = ["employeeNumber": "P0001", "name": "山田 花子", "department": "総務部"]
        #expect(try await post(s, "/employees/new", as: hr, form: fields).status == .forbidden)
        #expect(try await s.send(.GET, "/api/v1/employees", as: hr).array().isEmpty)
        var withToken = fields
        withToken["csrf"] = hr.csrf!
        let created = try await post(s, "/employees/new", as: hr, form: withToken)
        #expect(created.status == .seeOther)
        #expect(created.headers.first(name: .location) == "/employees")
        let list = try await s.send(.GET, "/employees", as: hr)
        #expect(list.text.contains("山田 花子"))
        #expect(list.text.contains("従業員を登録しました"))
        // The API's rules apply: a My Number is refused and not echoed back.
        var myNumber = withToken
        myNumber["employeeNumber"] = "123456789018"
        let refused = try await post(s, "/employees/new", as: hr, form: myNumber)
        #expect(refused.status == .unprocessableEntity)
        #expect(!refused.text.contains("123456789018"))
        await s.stop()
    }

    @Test("every value is HTML-escaped: a name like <script> is shown as text")
    func escaping() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let r = try await s.send(.POST, "/api/v1/employees", as: hr, json: ["employeeNumber": "X\"1", "name": "<script>alert(1)</script>", "department": "a&b"])
        #expect(r.status == .created)
        let page = try await s.send(.GET, "/employees", as: hr)
        #expect(page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!page.text.contains("<script>"))
        #expect(page.text.contains("a&amp;b"))
        #expect(page.text.contains("X&quot;1"))
        await s.stop()
    }

    @Test("suspend my card in two steps; the card is refused afterwards; someone else's card is not mine to suspend")
    func suspendMyCard() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let (_, employeeID, credentialID) = try await enroll(s, desk: hr, number: "M0001", groups: [])
        let me = try await s.user(.employee, employee: UUID(uuidString: employeeID)!)
        let list = try await s.send(.GET, "/my/cards", as: me)
        #expect(list.text.contains("/my/cards/\(credentialID)/suspend-request"))
        #expect(list.text.contains("紛失・盗難 — 利用停止"))
        #expect(try await post(s, "/my/cards/\(credentialID)/suspend-request", as: me, form: [:]).status == .forbidden)
        let step1 = try await post(s, "/my/cards/\(credentialID)/suspend-request", as: me, form: ["csrf": me.csrf!])
        #expect(step1.status == .ok)
        #expect(step1.text.contains("利用停止を確定する"))
        let confirmation = try #require(field(step1.text, "confirmation"))
        // Still active between the steps.
        #expect(try await s.send(.GET, "/api/v1/me/credentials", as: me).array().first?["state"] as? String == "active")
        let step2 = try await post(s, "/my/cards/suspend-confirm", as: me, form: ["csrf": me.csrf!, "confirmation": confirmation])
        #expect(step2.status == .seeOther)
        #expect(try await s.send(.GET, "/api/v1/me/credentials", as: me).array().first?["state"] as? String == "suspended")
        let after = try await s.send(.GET, "/my/cards", as: me)
        #expect(after.text.contains("カードを利用停止しました"))
        // The same confirmation cannot be used twice.
        #expect(try await post(s, "/my/cards/suspend-confirm", as: me, form: ["csrf": me.csrf!, "confirmation": confirmation]).status == .notFound)
        let other = try await s.user(.employee)
        #expect(try await post(s, "/my/cards/\(credentialID)/suspend-request", as: other, form: ["csrf": other.csrf!]).status == .forbidden)
        await s.stop()
    }

    @Test("security suspends and reinstates a card from the cards page")
    func cardsPage() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let (_, _, credentialID) = try await enroll(s, desk: hr, number: "K0001", groups: [])
        #expect(!(try await s.send(.GET, "/cards", as: hr).text.contains("/cards/\(credentialID)/suspend")), "hr sees no suspend button")
        let security = try await s.user(.security)
        #expect(try await s.send(.GET, "/cards", as: security).text.contains("/cards/\(credentialID)/suspend"))
        #expect(try await post(s, "/cards/\(credentialID)/suspend", as: security, form: ["csrf": security.csrf!]).status == .seeOther)
        let page = try await s.send(.GET, "/cards", as: security)
        #expect(page.text.contains("state-suspended"))
        #expect(page.text.contains("/cards/\(credentialID)/reinstate"))
        #expect(try await post(s, "/cards/\(credentialID)/reinstate", as: security, form: ["csrf": security.csrf!]).status == .seeOther)
        #expect(try await s.send(.GET, "/cards", as: security).text.contains("state-active"))
        let events = try await s.send(.GET, "/events?outcome=&door=&employee=K0001", as: security)
        #expect(events.status == .ok)
        #expect(events.text.contains("credential.reinstated"))
        #expect(events.text.contains("format=csv"))
        await s.stop()
    }

    @Test("demo desk enrolls a virtual card file from the page, bound by its signing certificate; the holder's own emergency code then suspends it without signing in")
    func demoDeskEnrollment() async throws {
        let cards = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-demo-cards-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: cards, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: cards) }
        var holder = CardHolder.random()
        holder.name = "デモ 太郎"
        let state = try TestServer.hierarchy.issueCard(holder: holder, authPIN: DemoDesk.pin, signingPassword: DemoDesk.signingPassword)
        try VirtualMynaCard(state: state).save(to: cards.appendingPathComponent("SPARE-1.vcard"))
        let s = try await TestServer.start()
        s.app.deskCards = VirtualCardFiles(directory: cards)
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        #expect(try await s.send(.POST, "/api/v1/employees", as: hr, json: ["employeeNumber": "D0001", "name": "デモ 太郎", "department": "総務部"]).status == .created)
        let picked = try await s.send(.GET, "/enroll?employee=D0001", as: hr)
        #expect(picked.text.contains("デモ 太郎"))
        let employeeID = try #require(field(picked.text, "employeeId"))
        try await s.setHRBirthDate(employee: employeeID, holder.birthDate)
        let challenge = try await post(s, "/enroll/challenge", as: hr, form: ["csrf": hr.csrf!, "employeeId": employeeID])
        #expect(challenge.status == .ok)
        #expect(challenge.text.contains("デモ用仮想カードで登録"))
        #expect(challenge.text.contains("SPARE-1.vcard"))
        let enrolled = try await post(s, "/enroll/demo", as: hr, form: [
            "csrf": hr.csrf!, "employeeId": employeeID, "challengeId": try #require(field(challenge.text, "challengeId")),
            "digest": try #require(field(challenge.text, "digest")), "card": "SPARE-1.vcard",
        ])
        #expect(enrolled.status == .ok, "\(enrolled.text)")
        #expect(enrolled.text.contains("カードを登録しました"))
        // The desk operator never sees the emergency code: the holder issues it in their own session.
        #expect(!enrolled.text.contains("emergency-code"))
        #expect(enrolled.text.contains("緊急コードは本人が"))
        try await Accounts.create(username: "d0001", password: "correct horse battery", role: .employee, employeeID: UUID(uuidString: employeeID), cost: 4, on: s.app.db)
        let owner = try await s.signIn("d0001", "correct horse battery")
        #expect(try await s.send(.POST, "/api/v1/me/emergency-code", as: owner, json: ["password": "wrong password!"]).status == .unprocessableEntity)
        let issued = try await s.send(.POST, "/api/v1/me/emergency-code", as: owner, json: ["password": "correct horse battery"])
        #expect(issued.status == .created, "\(issued.text)")
        let code = try #require(issued.object()["code"] as? String)
        #expect(code.count == 10 && code.allSatisfy { $0.isNumber })
        // Once enrolled, the file is no longer offered.
        let again = try await post(s, "/enroll/challenge", as: hr, form: ["csrf": hr.csrf!, "employeeId": employeeID])
        #expect(!again.text.contains("SPARE-1.vcard"))

        // The emergency code suspends the card without signing in, in two steps.
        let lost = try await s.send(.GET, "/lost-card")
        let browser = TestServer.Identity(cookie: String(try #require(lost.headers.first(name: .setCookie)).split(separator: ";")[0]))
        let token = try #require(field(lost.text, "csrf"))
        let wrong = try await post(s, "/lost-card/request", as: browser, form: ["csrf": token, "employeeNumber": "D0001", "code": "0000000000"])
        #expect(wrong.status == .unauthorized)
        #expect(wrong.text.contains("緊急コードが違います"))
        let step1 = try await post(s, "/lost-card/request", as: browser, form: ["csrf": token, "employeeNumber": "D0001", "code": code])
        #expect(step1.status == .ok)
        let step2 = try await post(s, "/lost-card/confirm", as: browser, form: ["csrf": token, "confirmation": try #require(field(step1.text, "confirmation"))])
        #expect(step2.status == .ok)
        #expect(step2.text.contains("カードを利用停止しました"))
        let credentials = try await s.send(.GET, "/api/v1/credentials", as: hr).array()
        #expect(credentials.first?["state"] as? String == "suspended")
        await s.stop()
    }

    /// A feature cannot replace a text the catalogue already has: the server stops instead.
    @Test func aPageTextDefinedTwiceDifferentlyIsRefused() throws {
        try Messages.add(["test_onlyTwice": ("一回目", "first")])
        try Messages.add(["test_onlyTwice": ("一回目", "first")])
        #expect(throws: (any Error).self) { try Messages.add(["test_onlyTwice": ("二回目", "second")]) }
        #expect(Messages.text("test_onlyTwice", .en) == "first")
    }

    @Test("the message catalogue has both languages for every key, and every key a template uses exists")
    func catalogue() throws {
        // Every feature's texts, as a server assembled from them has (not only those a test server added).
        for feature in mynaGateFeatures { try Messages.add(feature.messages) }
        for (key, m) in Messages.catalogue {
            #expect(!m.ja.isEmpty && !m.en.isEmpty, "\(key) lacks a language")
        }
        // The core's templates and each feature's, where they are kept: Sources/<module>/Resources/Views.
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources")
        var files: [URL] = []
        for module in try FileManager.default.contentsOfDirectory(atPath: sources.path) {
            let views = sources.appendingPathComponent(module).appendingPathComponent("Resources/Views")
            guard FileManager.default.fileExists(atPath: views.path) else { continue }
            files += try FileManager.default.contentsOfDirectory(atPath: views.path).filter { $0.hasSuffix(".leaf") }.map { views.appendingPathComponent($0) }
        }
        #expect(files.count >= 40)
        let pattern = try NSRegularExpression(pattern: "(?<![A-Za-z0-9_.])t\\.([A-Za-z0-9_]+)")
        for url in files {
            let file = url.lastPathComponent
            let text = try String(contentsOf: url, encoding: .utf8)
            #expect(!text.contains("unsafeHTML"), "\(file) renders unescaped HTML")
            for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let key = String(text[Range(m.range(at: 1), in: text)!])
                #expect(Messages.catalogue[key] != nil, "\(file) uses the missing message \(key)")
            }
        }
    }
}
