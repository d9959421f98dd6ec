import Fluent
import Foundation
import SQLKit
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Store
import Testing
import Vapor

/// Security issue 14, sign-in and sessions: each test performs the attack from the review over real
/// HTTP and checks that it now does no harm, and that the legitimate path still works.
///
/// Serialized: the parallel-guess tests put 40 concurrent writes on one SQLite file, and SQLiteNIO's
/// busy handler spins on the process-wide blocking pool (two threads here) while it waits for a lock;
/// several such bursts from servers running side by side can hold every thread of that pool while the
/// transactions holding the locks wait for one (a hang seen when these tests ran in parallel).
@Suite("Sign-in security (issue 14)", .serialized)
struct SignInSecurityTests {
    // MARK: helpers

    func form(_ s: TestServer, _ path: String, as who: TestServer.Identity = .anonymous, _ fields: [String: String],
              headers: HTTPHeaders = [:]) async throws -> TestServer.Reply {
        let body = fields.map { k, v in "\(k)=\(v.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return try await s.send(.POST, path, as: who, raw: Data(body.utf8), contentType: "application/x-www-form-urlencoded", csrf: false, headers: headers)
    }

    func field(_ html: String, _ name: String) -> String? {
        guard let r = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = html[r.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    func cookie(_ r: TestServer.Reply, _ name: String) -> String? {
        r.headers[.setCookie].first { $0.hasPrefix(name + "=") }.map { String($0.split(separator: ";")[0]) }
    }

    func audits(_ s: TestServer, kind: String, subject: String) async throws -> Int {
        try await s.app.mynagate.events.flush()
        return try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == kind).filter(\.$subject == subject).count()
    }

    func count(_ s: TestServer, _ table: String) async throws -> Int {
        let sql = try #require(s.app.db as? any SQLDatabase)
        return try await sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()?.decode(column: "n", as: Int.self) ?? -1
    }

    func from(_ address: String) -> HTTPHeaders { ["X-Forwarded-For": address] }

    /// An employee with an active card and a known emergency code (as enrollment leaves them).
    func holder(_ s: TestServer, number: String, code: String) async throws -> UUID {
        let e = EmployeeModel(employeeNumber: number, name: "紛失 太郎", department: "総務部")
        e.emergencyCodeHash = try Bcrypt.hash(code, cost: 4)
        try await e.create(on: s.app.db)
        let c = CredentialModel()
        c.employeeID = try e.requireID()
        c.kind = "jpki-auth"
        c.issuer = "test"
        c.serial = "0A0B0C\(number)"
        c.certificate = Data([0x30])
        c.notBefore = Date().addingTimeInterval(-3600)
        c.notAfter = Date().addingTimeInterval(86400 * 365)
        c.state = "active"
        try await c.create(on: s.app.db)
        return try c.requireID()
    }

    // MARK: H3 — parallel guesses

    @Test("H3: 40 parallel wrong passwords check at most the threshold; then even the right one is refused; a right password within it signs in")
    func parallelPasswordGuesses() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        try await Accounts.create(username: "target", password: "correct horse battery", role: .employee, cost: 4, on: s.app.db)
        let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
            for i in 0..<40 {
                group.addTask { try await s.send(.POST, "/api/v1/session", json: ["username": "target", "password": "wrong-\(i)"]).status }
            }
            return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
        }
        #expect(statuses.allSatisfy { $0 == .unauthorized }, "\(statuses)")
        // Every checked-and-wrong password leaves a record: no more than the threshold were checked.
        #expect(try await audits(s, kind: "account.sign_in_failed", subject: "user:target") == 5)
        #expect(try await audits(s, kind: "account.locked", subject: "user:target") == 1)
        let right = try await s.send(.POST, "/api/v1/session", json: ["username": "target", "password": "correct horse battery"])
        #expect(right.status == .unauthorized)
        #expect(try await audits(s, kind: "account.signed_in", subject: "user:target") == 0)

        // The legitimate path: a few mistakes, then the right password, and the count starts again.
        try await Accounts.create(username: "careful", password: "correct horse battery", role: .employee, cost: 4, on: s.app.db)
        for _ in 0..<4 { _ = try await s.send(.POST, "/api/v1/session", json: ["username": "careful", "password": "typo"]) }
        _ = try await s.signIn("careful", "correct horse battery")
        for _ in 0..<4 { _ = try await s.send(.POST, "/api/v1/session", json: ["username": "careful", "password": "typo"]) }
        _ = try await s.signIn("careful", "correct horse battery")
    }

    @Test("H3: once the lock has run out, the count starts again and the right password works")
    func lockRunsOut() async throws {
        let s = try await TestServer.start { c, _ in c.lockoutMinutes = 0 }
        defer { Task { await s.stop() } }
        try await Accounts.create(username: "later", password: "correct horse battery", role: .employee, cost: 4, on: s.app.db)
        for _ in 0..<6 { _ = try await s.send(.POST, "/api/v1/session", json: ["username": "later", "password": "wrong"]) }
        _ = try await s.signIn("later", "correct horse battery")
    }

    // MARK: L3 — enumeration

    @Test("L3: a locked account, a wrong password and an unknown name get the same status and text")
    func lockedLooksLikeWrong() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        try await Accounts.create(username: "applicant", password: "correct horse battery", role: .employee, cost: 4, on: s.app.db)
        for _ in 0..<5 { _ = try await s.send(.POST, "/api/v1/session", json: ["username": "applicant", "password": "wrong"]) }
        let locked = try await s.send(.POST, "/api/v1/session", json: ["username": "applicant", "password": "wrong again"])
        let unknown = try await s.send(.POST, "/api/v1/session", json: ["username": "nosuchuser", "password": "wrong again"])
        #expect(locked.status == .unauthorized && unknown.status == .unauthorized)
        #expect(locked.object() as NSDictionary == unknown.object() as NSDictionary)
        // The page too.
        let page = try await s.send(.GET, "/")
        let browser = TestServer.Identity(cookie: cookie(page, "mynagate_form"))
        let token = try #require(field(page.text, "csrf"))
        let lockedPage = try await form(s, "/login", as: browser, ["username": "applicant", "password": "x", "csrf": token])
        let unknownPage = try await form(s, "/login", as: browser, ["username": "nosuchuser", "password": "x", "csrf": token])
        #expect(lockedPage.status == .unauthorized && unknownPage.status == .unauthorized)
        #expect(lockedPage.text.replacingOccurrences(of: "applicant", with: "nosuchuser") == unknownPage.text)
    }

    // MARK: rate limits

    @Test("rate limits: per client on password (API and page), card and lost-card routes, 429 with Retry-After; X-Forwarded-For from a client is ignored")
    func perClientLimits() async throws {
        let s = try await TestServer.start { c, _ in
            c.signInPerClientPerMinute = 3
            c.securityDeskPhone = "03-1234-5678"
        }
        defer { Task { await s.stop() } }
        for _ in 0..<3 {
            #expect(try await s.send(.POST, "/api/v1/session", json: ["username": "x", "password": "y"]).status == .unauthorized)
        }
        let limited = try await s.send(.POST, "/api/v1/session", json: ["username": "x", "password": "y"])
        #expect(limited.status == .tooManyRequests)
        #expect(Int(limited.headers.first(name: .retryAfter) ?? "") ?? 0 > 0)
        // A client naming another address is still the same client (no trusted proxy configured).
        #expect(try await s.send(.POST, "/api/v1/session", json: ["username": "x", "password": "y"], headers: from("198.51.100.1")).status == .tooManyRequests)
        // The page shares the password limit.
        let page = try await s.send(.GET, "/")
        let browser = TestServer.Identity(cookie: cookie(page, "mynagate_form"))
        let pageLimited = try await form(s, "/login", as: browser, ["username": "x", "password": "y", "csrf": try #require(field(page.text, "csrf"))])
        #expect(pageLimited.status == .tooManyRequests && pageLimited.headers.first(name: .retryAfter) != nil)
        #expect(pageLimited.text.contains("試行が多すぎます"))
        // Card sign-in has its own limit.
        for _ in 0..<3 { #expect(try await s.send(.POST, "/api/v1/session/card/challenge").status == .ok) }
        #expect(try await s.send(.POST, "/api/v1/session/card/challenge").status == .tooManyRequests)
        #expect(try await s.send(.POST, "/api/v1/session/card", json: ["challengeId": UUID().uuidString, "serial": "AB", "signature": ""]).status == .tooManyRequests)
        // Lost card: its own limit, and the refusal points to the security desk.
        for _ in 0..<3 {
            #expect(try await s.send(.POST, "/api/v1/lost-card/request", json: ["employeeNumber": "E1", "code": "1"]).status == .unauthorized)
        }
        let lost = try await s.send(.POST, "/api/v1/lost-card/request", json: ["employeeNumber": "E1", "code": "1"])
        #expect(lost.status == .tooManyRequests && lost.headers.first(name: .retryAfter) != nil)
        #expect(lost.text.contains("security desk (03-1234-5678)"))
        #expect(try await s.send(.POST, "/api/v1/lost-card/confirm", json: ["confirmation": UUID().uuidString]).status == .tooManyRequests)
    }

    @Test("rate limits: behind a trusted proxy each forwarded client has its own count, and all together meet the global limit")
    func globalLimitAndTrustedProxy() async throws {
        let s = try await TestServer.start { c, _ in
            c.trustedProxies = ["127.0.0.1"]
            c.signInPerClientPerMinute = 2
            c.signInGlobalPerMinute = 5
        }
        defer { Task { await s.stop() } }
        for client in ["203.0.113.1", "203.0.113.2"] {
            for _ in 0..<2 {
                #expect(try await s.send(.POST, "/api/v1/session", json: ["username": "x", "password": "y"], headers: from(client)).status == .unauthorized)
            }
            #expect(try await s.send(.POST, "/api/v1/session", json: ["username": "x", "password": "y"], headers: from(client)).status == .tooManyRequests)
        }
        #expect(try await s.send(.POST, "/api/v1/session", json: ["username": "x", "password": "y"], headers: from("203.0.113.3")).status == .unauthorized)
        // Five admitted in this minute: a new client meets the global limit.
        #expect(try await s.send(.POST, "/api/v1/session", json: ["username": "x", "password": "y"], headers: from("203.0.113.4")).status == .tooManyRequests)
    }

    // MARK: M5 — lost-card emergency code

    @Test("M5: 40 parallel code guesses are counted in the database, at most the threshold checked; the holder from elsewhere still suspends")
    func lostCardGuesses() async throws {
        let s = try await TestServer.start { c, _ in
            c.trustedProxies = ["127.0.0.1"]
            c.securityDeskPhone = "03-1234-5678"
        }
        defer { Task { await s.stop() } }
        let card = try await holder(s, number: "E0013", code: "4815162342")
        let stranger = from("203.0.113.66")
        let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
            for i in 0..<40 {
                group.addTask {
                    try await s.send(.POST, "/api/v1/lost-card/request", json: ["employeeNumber": "E0013", "code": String(format: "%010d", i)],
                                     headers: stranger).status
                }
            }
            return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == .unauthorized }.count == 5, "\(statuses)")
        #expect(statuses.filter { $0 == .tooManyRequests }.count == 35)
        // Even the right code is refused to the stranger's client now, pointing to the desk.
        let blocked = try await s.send(.POST, "/api/v1/lost-card/request", json: ["employeeNumber": "E0013", "code": "4815162342"], headers: stranger)
        #expect(blocked.status == .tooManyRequests)
        #expect(blocked.text.contains("24-hour security desk (03-1234-5678)"))

        // The holder, from their own phone: the page names the desk, and the right code suspends the card.
        let phone = from("198.51.100.20")
        let page = try await s.send(.GET, "/lost-card", headers: phone)
        #expect(page.text.contains("tel:03-1234-5678"))
        let browser = TestServer.Identity(cookie: cookie(page, "mynagate_form"))
        let token = try #require(field(page.text, "csrf"))
        let step1 = try await form(s, "/lost-card/request", as: browser, ["csrf": token, "employeeNumber": "E0013", "code": "4815162342"], headers: phone)
        #expect(step1.status == .ok, "\(step1.text)")
        let step2 = try await form(s, "/lost-card/confirm", as: browser, ["csrf": token, "confirmation": try #require(field(step1.text, "confirmation"))],
                                   headers: phone)
        #expect(step2.status == .ok)
        #expect(try await CredentialModel.find(card, on: s.app.db)?.state == "suspended")

        // The page, throttled, also names the desk.
        let strangerPage = try await form(s, "/lost-card/request", as: browser, ["csrf": token, "employeeNumber": "E0013", "code": "1"], headers: stranger)
        #expect(strangerPage.status == .tooManyRequests)
        #expect(strangerPage.text.contains("警備デスク") && strangerPage.text.contains("03-1234-5678"))
    }

    // MARK: L2 — login CSRF

    @Test("L2: a cross-site urlencoded or text/plain post to the API sign-in is refused without a session; JSON signs in")
    func loginCSRF() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        try await Accounts.create(username: "attacker", password: "correct horse battery", role: .employee, cost: 4, on: s.app.db)
        let evil: HTTPHeaders = ["Origin": "https://evil.example"]
        let urlencoded = try await form(s, "/api/v1/session", ["username": "attacker", "password": "correct horse battery"], headers: evil)
        #expect(urlencoded.status == .unsupportedMediaType)
        #expect(urlencoded.headers.first(name: .setCookie) == nil)
        let plain = try await s.send(.POST, "/api/v1/session", raw: Data(#"{"username":"attacker","password":"correct horse battery","x":"="}"#.utf8),
                                     contentType: "text/plain", headers: evil)
        #expect(plain.status == .unsupportedMediaType)
        let card = try await form(s, "/api/v1/session/card", ["challengeId": UUID().uuidString, "serial": "AB", "signature": "AA=="], headers: evil)
        #expect(card.status == .unsupportedMediaType)
        _ = try await s.signIn("attacker", "correct horse battery")
        #expect(try await s.send(.POST, "/api/v1/session/card/challenge").status == .ok)
    }

    // MARK: M4 — server-side expiry

    @Test("M4: a session ends on the server after the idle limit and after the absolute limit, however active")
    func sessionLimits() async throws {
        let s = try await TestServer.start { c, _ in
            c.sessionIdleSeconds = 2
            c.sessionLifetimeSeconds = 5
        }
        defer { Task { await s.stop() } }
        let idle = try await s.user(.employee)
        let idleName = try #require(try await s.send(.GET, "/api/v1/me", as: idle).object()["username"] as? String)
        // The rows' own expiry is pushed far out (as by a server with other limits, or a tampered row):
        // the limits in the session data still hold.
        let sql = try #require(s.app.db as? any SQLDatabase)
        try await sql.update("web_sessions").set("expires_at", to: Date().addingTimeInterval(86400)).run()
        let busy = try await s.user(.employee)
        let busyName = try #require(try await s.send(.GET, "/api/v1/me", as: busy).object()["username"] as? String)
        // Busy: a request every 1.2 s keeps it alive past the idle limit, until the absolute one.
        for _ in 0..<2 {
            try await Task.sleep(for: .milliseconds(1200))
            #expect(try await s.send(.GET, "/api/v1/me", as: busy).status == .ok)
        }
        // Idle since sign-in for 2.4 s: gone.
        // Signing in again from that browser, the stale cookie still sent, works (the expired session is
        // met in the same request).
        let again = try await s.send(.POST, "/api/v1/session", as: idle, json: ["username": idleName, "password": "correct horse battery"])
        #expect(again.status == .ok)
        let fresh = TestServer.Identity(cookie: cookie(again, "mynagate_session"), csrf: again.object()["csrfToken"] as? String)
        #expect(try await s.send(.GET, "/api/v1/me", as: fresh).status == .ok)
        // The old cookie, idle for 2.4 s, is refused.
        #expect(try await s.send(.GET, "/api/v1/me", as: idle).status == .unauthorized)
        #expect(try await s.send(.DELETE, "/api/v1/session", as: fresh).status == .noContent)
        try await Task.sleep(for: .milliseconds(1700))
        #expect(try await s.send(.GET, "/api/v1/me", as: busy).status == .ok)
        try await Task.sleep(for: .milliseconds(1200))
        // 5.3 s since sign-in, last request 1.2 s ago: the absolute limit ends it.
        #expect(try await s.send(.GET, "/api/v1/me", as: busy).status == .unauthorized)
        #expect(try await count(s, "web_sessions") == 0)
        let busyAgain = try await s.send(.POST, "/api/v1/session", as: busy, json: ["username": busyName, "password": "correct horse battery"])
        #expect(busyAgain.status == .ok && cookie(busyAgain, "mynagate_session") != nil)
    }

    // MARK: M3 — only a hash of the session id is stored

    @Test("M3: the cookie value is nowhere in the database, and a value copied from the database signs no one in")
    func hashedSessionIDs() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let value = try #require(hr.cookie?.split(separator: "=", maxSplits: 1).last.map(String.init))
        let rows = try await WebSessionModel.query(on: s.app.db).all()
        #expect(rows.count == 1)
        #expect(rows.allSatisfy { $0.id != value && !$0.data.contains(value) })
        #expect(try await count(s, "_fluent_sessions") == 0)
        let stolen = TestServer.Identity(cookie: "mynagate_session=\(try #require(rows.first?.id))")
        #expect(try await s.send(.GET, "/api/v1/me", as: stolen).status == .unauthorized)
        #expect(try await s.send(.GET, "/api/v1/me", as: hr).object()["role"] as? String == "hr")
    }

    // MARK: M7 — anonymous requests do not grow the database

    @Test("M7: 200 anonymous challenges and page visits store no session, and a purge leaves no challenge behind")
    func anonymousGrowth() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let junk = TestServer.Identity(cookie: "mynagate_session=\(String(repeating: "ab", count: 32))")
        for i in 0..<200 {
            #expect(try await s.send(.POST, "/api/v1/session/card/challenge").status == .ok)
            #expect(try await s.send(.GET, i.isMultiple(of: 2) ? "/lost-card" : "/?lang=en", as: i.isMultiple(of: 3) ? junk : .anonymous).status == .ok)
        }
        #expect(try await count(s, "web_sessions") == 0)
        #expect(try await count(s, "challenges") == 200)
        // Card sign-in challenges live 60 s; the purge removes them once past, with the grace for replays.
        try await Housekeeping.purge(on: s.app.db, now: Date().addingTimeInterval(200))
        #expect(try await count(s, "challenges") == 0)
        // A session that is signed in survives a purge now; past its limit it goes.
        _ = try await s.user(.employee)
        try await Housekeeping.purge(on: s.app.db)
        #expect(try await count(s, "web_sessions") == 1)
        try await Housekeeping.purge(on: s.app.db, now: Date().addingTimeInterval(1801))
        #expect(try await count(s, "web_sessions") == 0)
    }

    // MARK: L10 — multipart bodies only on the photo routes

    @Test("L10: a multipart body with the CSRF field is not read on a route that takes no file")
    func multipartOnlyOnFileRoutes() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let employee = try await s.user(.employee)
        let boundary = "XyZ"
        let padding = String(repeating: "a", count: 1_000_000)
        let body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(employee.csrf!)\r\n"
            + "--\(boundary)\r\nContent-Disposition: form-data; name=\"pad\"\r\n\r\n\(padding)\r\n--\(boundary)--\r\n"
        let r = try await s.send(.POST, "/logout", as: employee, raw: Data(body.utf8), contentType: "multipart/form-data; boundary=\(boundary)", csrf: false)
        #expect(r.status == .forbidden)
        #expect(try await s.send(.GET, "/api/v1/me", as: employee).status == .ok)
    }

    // MARK: L11, L15

    @Test("L11: /metrics answers loopback clients, or only the bearer of the metrics token when one is set")
    func metricsGuard() async throws {
        let open = try await TestServer.start { c, _ in c.trustedProxies = ["127.0.0.1"] }
        defer { Task { await open.stop() } }
        #expect(try await open.send(.GET, "/metrics").status == .ok)
        #expect(try await open.send(.GET, "/metrics", headers: from("203.0.113.9")).status == .forbidden)
        // A proxy on this machine that is not configured as trusted: its requests come from 127.0.0.1, but
        // they carry the forwarding headers of a client elsewhere.
        let proxied = try await TestServer.start()
        defer { Task { await proxied.stop() } }
        #expect(try await proxied.send(.GET, "/metrics").status == .ok)
        #expect(try await proxied.send(.GET, "/metrics", headers: from("203.0.113.9")).status == .forbidden)
        #expect(try await proxied.send(.GET, "/metrics", headers: ["Forwarded": "for=203.0.113.9"]).status == .forbidden)
        let tokened = try await TestServer.start { c, _ in c.metricsToken = "s3cret-metrics" }
        defer { Task { await tokened.stop() } }
        #expect(try await tokened.send(.GET, "/metrics").status == .unauthorized)
        #expect(try await tokened.send(.GET, "/metrics", as: .init(bearer: "wrong")).status == .unauthorized)
        #expect(try await tokened.send(.GET, "/metrics", as: .init(bearer: "s3cret-metrics")).status == .ok)
    }

    @Test("L15: cookieSecure marks the session and form cookies Secure behind a TLS proxy; MYNAGATE_COOKIE_SECURE sets it")
    func secureCookie() async throws {
        #expect(try ServerConfig.load(file: nil, environment: ["MYNAGATE_COOKIE_SECURE": "1"]).cookieSecure)
        #expect(try ServerConfig.load(file: nil, environment: [:]).cookieSecure == false)
        let s = try await TestServer.start { c, _ in c.cookieSecure = true }
        defer { Task { await s.stop() } }
        try await Accounts.create(username: "tls", password: "correct horse battery", role: .employee, cost: 4, on: s.app.db)
        let r = try await s.send(.POST, "/api/v1/session", json: ["username": "tls", "password": "correct horse battery"])
        #expect(r.headers[.setCookie].first { $0.hasPrefix("mynagate_session=") }?.contains("Secure") == true)
        #expect(try await s.send(.GET, "/").headers[.setCookie].first { $0.hasPrefix("mynagate_form=") }?.contains("Secure") == true)
        let plain = try await TestServer.start()
        defer { Task { await plain.stop() } }
        #expect(try await plain.send(.GET, "/").headers[.setCookie].first?.contains("Secure") == false)
    }
}
