import Foundation
import ServerCore
import Store
import Testing

/// The first run (issue 21 item 5): `/setup` with the console's code, once.
extension PagesTests {
    @Test("first run: /setup needs the printed code, creates one administrator with a record, then is gone — for the page, the CLI path and another server")
    func firstRunSetup() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        // Not waiting (the test server never opened the gate): the page is not there.
        #expect(try await s.send(.GET, "/setup").status == .notFound)
        let code = try #require(try await s.app.setupGate.open(on: s.app.db))

        let page = try await s.send(.GET, "/setup")
        #expect(page.status == .ok)
        #expect(page.text.contains("初期設定コード"))
        #expect(page.text.contains("トラストアンカー"), "the checks are shown")
        // The test server's anchors are the test hierarchy's: each is listed with its fingerprint.
        #expect(page.text.contains("SHA-256 "), "\(page.text)")
        let cookie = try #require(page.headers.first(name: .setCookie)).split(separator: ";")[0]
        let token = try #require(field(page.text, "csrf"))
        let browser = TestServer.Identity(cookie: String(cookie))
        func users() async throws -> [UserModel] { try await UserModel.query(on: s.app.db).all() }

        // A wrong code, a forged form, passwords that differ, a short password: refused, nothing made.
        let wrong = try await post(s, "/setup", as: browser, form: ["code": "ABCDEFGHJKLMNPQR", "username": "kanri", "password": "correct horse battery", "confirm": "correct horse battery", "csrf": token])
        #expect(wrong.status == .forbidden)
        #expect(wrong.text.contains("初期設定コードが違います"))
        let forged = try await post(s, "/setup", as: browser, form: ["code": code, "username": "kanri", "password": "correct horse battery", "confirm": "correct horse battery", "csrf": String(repeating: "0", count: 64)])
        #expect(forged.status == .badRequest)
        let differ = try await post(s, "/setup", as: browser, form: ["code": code, "username": "kanri", "password": "correct horse battery", "confirm": "correct horse batter", "csrf": token])
        #expect(differ.status == .unprocessableEntity)
        let short = try await post(s, "/setup", as: browser, form: ["code": code, "username": "kanri", "password": "short pass", "confirm": "short pass", "csrf": token])
        #expect(short.status == .unprocessableEntity)
        #expect(try await users().isEmpty)

        let done = try await post(s, "/setup", as: browser, form: ["code": code, "username": "kanri", "password": "correct horse battery", "confirm": "correct horse battery", "csrf": token])
        #expect(done.status == .seeOther, "\(done.text)")
        let made = try await users()
        #expect(made.map(\.username) == ["kanri"])
        #expect(made.first?.role == "admin")
        let admin = try await s.signIn("kanri", "correct horse battery")
        let records = try await s.send(.GET, "/api/v1/events?kind=setup.completed", as: admin)
        let list = try #require(JSONSerialization.jsonObject(with: Data(records.text.utf8)) as? [[String: Any]])
        #expect(list.count == 1)
        #expect(list.first?["actor"] as? String == "setup:page")
        #expect(!records.text.contains("correct horse"), "the password is never recorded")

        // Once done: the page is gone, the same code makes nothing, and so does every other way.
        #expect(try await s.send(.GET, "/setup").status == .notFound)
        let again = try await post(s, "/setup", as: browser, form: ["code": code, "username": "second", "password": "correct horse battery", "confirm": "correct horse battery", "csrf": token])
        #expect(again.status == .notFound)
        #expect(try await s.app.setupGate.open(on: s.app.db) == nil, "another server (or a restart) finds accounts and waits for nothing")
        await #expect(throws: SetupRefusal.alreadyDone) {
            try await FirstRun.complete(username: "second", password: "correct horse battery", checks: [], by: "setup:cli", cost: 4, events: s.app.mynagate.events)
        }
        #expect(try await users().count == 1)
    }
}

extension PagesTests {
    @Test("first run: set up elsewhere (mynagate setup, another server) while this server waited — its /setup closes and shows no configuration")
    func setupElsewhereClosesThePage() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        _ = try #require(try await s.app.setupGate.open(on: s.app.db))
        #expect(try await s.send(.GET, "/setup").status == .ok)
        try await FirstRun.complete(username: "kanri", password: "correct horse battery", checks: [], by: "setup:cli", cost: 4, events: s.app.mynagate.events)
        let after = try await s.send(.GET, "/setup")
        #expect(after.status == .notFound)
        #expect(!after.text.contains("anchors"), "no path of the configuration on a live server")
        #expect(!s.app.setupGate.isWaiting)
    }
}
