import Foundation
import MynaCard
import Server
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Testing
import Vapor

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

/// Sets up a small site through the API, as an administrator would.
func setUpSite(_ s: TestServer, admin: TestServer.Identity) async throws {
    for (id, body) in [
        ("lobby", ["name": "ロビー", "workplaceBoundary": true, "antiPassback": "off"] as [String: Any]),
        ("mynumber-room", ["name": "個人番号取扱室", "myNumberArea": true]),
    ] {
        let r = try await s.send(.PUT, "/api/v1/zones/\(id)", as: admin, json: body)
        #expect(r.status == .ok, "\(r.text)")
    }
    _ = try await s.send(.PUT, "/api/v1/schedules/always", as: admin, json: ["name": "24h", "holidayRule": "ignore",
        "windows": Dictionary(uniqueKeysWithValues: ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"].map { ($0, ["00:00-24:00"]) })])
    _ = try await s.send(.PUT, "/api/v1/groups/staff", as: admin, json: ["name": "社員", "grants": [["zone": "lobby", "schedule": "always"]]])
    _ = try await s.send(.PUT, "/api/v1/groups/handlers", as: admin, json: ["name": "事務取扱担当者", "grants": [["zone": "mynumber-room", "schedule": "always"]]])
    let d1 = try await s.send(.PUT, "/api/v1/doors/entrance", as: admin, json: ["name": "正面玄関", "toZone": "lobby"])
    #expect(d1.object()["effectiveSecurityLevel"] as? String == "tap")
    let d2 = try await s.send(.PUT, "/api/v1/doors/mynumber-room", as: admin, json: ["name": "個人番号取扱室", "fromZone": "lobby", "toZone": "mynumber-room"])
    #expect(d2.object()["effectiveSecurityLevel"] as? String == "pin")
}

/// Creates an employee and enrolls a fresh virtual card through the API; returns the card and ids.
func enroll(_ s: TestServer, desk: TestServer.Identity, number: String, groups: [String]) async throws -> (CardHolderFixture, String, String) {
    let person: [String: Any] = ["employeeNumber": number, "name": "試験 \(number)", "department": "人事部"]
    let e = try await s.send(.POST, "/api/v1/employees", as: desk, json: person)
    #expect(e.status == .created, "\(e.text)")
    let employeeID = e.object()["id"] as! String
    // Only an administrator assigns access groups (issue 14, M1): the desk creates, an admin assigns.
    if !groups.isEmpty {
        let assigned = try await s.send(.PATCH, "/api/v1/employees/\(employeeID)", as: try await s.user(.admin),
                                        json: person.merging(["groups": groups]) { _, b in b })
        #expect(assigned.status == .ok, "\(assigned.text)")
    }
    let holder = try CardHolderFixture.make(name: "試験 \(number)")
    let done = try await s.enrollCard(holder.card, holder: holder.state.holder, employee: employeeID, as: desk)
    #expect(done.status == .created, "\(done.text)")
    let credentialID = (done.object()["credential"] as? [String: Any])?["id"] as? String ?? ""
    return (holder, employeeID, credentialID)
}

@Suite("Access through the HTTP API", .serialized)
struct AccessFlowTests {
    @Test("enroll with the PIN, tap, PIN door right and wrong, lose the card: refused within 1 s")
    func endToEnd() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        try await setUpSite(s, admin: admin)
        let hr = try await s.user(.hr)
        let (holder, employeeID, credentialID) = try await enroll(s, desk: hr, number: "A0001", groups: ["staff", "handlers"])
        let token = try await s.send(.POST, "/api/v1/doors/entrance/token", as: admin).object()["token"] as! String
        let pinToken = try await s.send(.POST, "/api/v1/doors/mynumber-room/token", as: admin).object()["token"] as! String
        let door = TestServer.Identity(bearer: token)
        let pinDoor = TestServer.Identity(bearer: pinToken)
        let serial = try await holder.serialHex

        // Tap door: granted with the reason in both languages.
        let tap = try await s.send(.POST, "/api/v1/doors/entrance/decisions", as: door, json: ["serial": serial])
        #expect(tap.status == .ok, "\(tap.text)")
        #expect(tap.object()["outcome"] as? String == "grant")
        #expect(tap.object()["reason"] as? String == "granted")
        #expect((tap.object()["messageJa"] as? String)?.contains("許可") == true)
        #expect(tap.object()["employeeId"] as? String == employeeID)

        // PIN door: a tap alone asks for the PIN.
        let needsPIN = try await s.send(.POST, "/api/v1/doors/mynumber-room/decisions", as: pinDoor, json: ["serial": serial])
        #expect(needsPIN.object()["reason"] as? String == "pin_required")
        // Right PIN: the card signs the door's challenge.
        let ch = try await s.send(.POST, "/api/v1/doors/mynumber-room/challenges", as: pinDoor)
        let sig = try await holder.sign(digestBase64: ch.object()["digest"] as! String)
        let granted = try await s.send(.POST, "/api/v1/doors/mynumber-room/decisions", as: pinDoor,
                                       json: ["serial": serial, "challengeId": ch.object()["challengeId"] as! String, "signature": sig])
        #expect(granted.object()["outcome"] as? String == "grant", "\(granted.text)")
        // The same signature again is a replay.
        let replay = try await s.send(.POST, "/api/v1/doors/mynumber-room/decisions", as: pinDoor,
                                      json: ["serial": serial, "challengeId": ch.object()["challengeId"] as! String, "signature": sig])
        #expect(replay.object()["reason"] as? String == "signature_invalid")
        // Wrong PIN: the card refuses it, the door reports the tries left, the server denies and logs it.
        let wrongPIN = try PIN("9999", kind: .jpkiAuth)
        let outcome = await Result<Void, any Error>(catching: { _ = try await holder.card.jpki.verify(wrongPIN) })
        var left = -1
        if case .failure(let e) = outcome, let cardError = e as? MynaCardError, case .wrongPIN(_, let n) = cardError { left = n }
        #expect(left == 2)
        let denied = try await s.send(.POST, "/api/v1/doors/mynumber-room/decisions", as: pinDoor,
                                      json: ["serial": serial, "pinResult": "wrongPIN", "triesLeft": left])
        #expect(denied.object()["reason"] as? String == "pin_wrong")
        #expect((denied.object()["messageEn"] as? String)?.contains("2 tries left") == true)

        // Lost card, two steps, by the holder signed in.
        let me = try await s.user(.employee, employee: UUID(uuidString: employeeID))
        let mine = try await s.send(.GET, "/api/v1/me/credentials", as: me).array()
        #expect(mine.count == 1)
        let step1 = try await s.send(.POST, "/api/v1/me/credentials/\(credentialID)/suspend-request", as: me)
        #expect(step1.status == .ok, "\(step1.text)")
        let started = Date()
        let step2 = try await s.send(.POST, "/api/v1/me/credentials/suspend-confirm", as: me, json: ["confirmation": step1.object()["confirmation"] as! String])
        #expect(step2.status == .ok, "\(step2.text)")
        var refused = false
        while Date().timeIntervalSince(started) < 1.0 {
            let d = try await s.send(.POST, "/api/v1/doors/entrance/decisions", as: door, json: ["serial": serial])
            if d.object()["reason"] as? String == "credential_suspended" { refused = true; break }
        }
        #expect(refused, "a suspended card was still granted after 1 s")
        #expect(Date().timeIntervalSince(started) < 1.0)

        // Every decision is in the event log, and the chain is intact.
        let security = try await s.user(.security)
        let events = try await s.send(.GET, "/api/v1/events?kind=door.decision&limit=50", as: security).array()
        #expect(events.count >= 5)
        #expect(events.contains { ($0["details"] as? [String: String])?["reason"] == "credential_suspended" })
        let denials = try await s.send(.GET, "/api/v1/events?outcome=deny", as: security).array()
        #expect(denials.allSatisfy { ($0["details"] as? [String: String])?["outcome"] == "deny" })
        let verify = try await s.send(.GET, "/api/v1/audit/verify", as: security).object()
        #expect(verify["intact"] as? Bool == true)
        await s.stop()
    }

    @Test("a suspension made on one server is enforced by another sharing the database within 1 s")
    func twoServers() async throws {
        // Two servers on one SQLite file (or one PostgreSQL): the second notices the policy version.
        let a = try await TestServer.start()
        defer { Task { await a.stop() } }
        let admin = try await a.user(.admin)
        try await setUpSite(a, admin: admin)
        let (holder, _, credentialID) = try await enroll(a, desk: admin, number: "B0001", groups: ["staff"])
        let token = try await a.send(.POST, "/api/v1/doors/entrance/token", as: admin).object()["token"] as! String
        var c = ServerConfig()
        c.dataDirectory = a.directory.path
        c.databaseURL = TestServer.postgresURL
        c.trustAnchors = a.directory.appendingPathComponent("anchors").path
        c.policyPollMilliseconds = 100
        let app2 = try await Application.make(.testing)
        app2.logger.logLevel = .warning
        try await configure(app2, config: c)
        try await app2.server.start(address: .hostname("127.0.0.1", port: 0))
        let port2 = app2.http.server.shared.localAddress!.port!
        let serial = try await holder.serialHex
        func decideOnB() async throws -> String {
            var h = HTTPHeaders()
            h.bearerAuthorization = BearerAuthorization(token: token)
            h.contentType = .json
            let r = try await app2.client.post(URI(string: "http://127.0.0.1:\(port2)/api/v1/doors/entrance/decisions"), headers: h) { req in
                try req.content.encode(["serial": serial])
            }
            return ((try? JSONSerialization.jsonObject(with: Data(buffer: r.body!))) as? [String: Any])?["reason"] as? String ?? ""
        }
        #expect(try await decideOnB() == "granted")
        let started = Date()
        _ = try await a.send(.POST, "/api/v1/credentials/\(credentialID)/suspend", as: admin)
        var seen = false
        while Date().timeIntervalSince(started) < 1.0 {
            if try await decideOnB() == "credential_suspended" { seen = true; break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(seen, "server B still granted a card suspended on server A after 1 s")
        await app2.server.shutdown()
        try? await app2.asyncShutdown()
        await a.stop()
    }
}

@Suite("Sign-in with the card", .serialized)
struct CardSignInTests {
    @Test("the enrolled card signs a challenge after its PIN and the linked account is signed in; other cards are refused")
    func cardSignIn() async throws {
        let s = try await TestServer.start()
        let admin = try await s.user(.admin)
        try await setUpSite(s, admin: admin)
        let (holder, employeeID, _) = try await enroll(s, desk: admin, number: "C0001", groups: ["staff"])
        try await Accounts.create(username: "c0001", password: "correct horse battery", role: .employee, employeeID: UUID(uuidString: employeeID), cost: 4, on: s.app.db)
        let ch = try await s.send(.POST, "/api/v1/session/card/challenge").object()
        let sig = try await holder.sign(digestBase64: ch["digest"] as! String)
        let ok = try await s.send(.POST, "/api/v1/session/card", json: ["challengeId": ch["challengeId"] as! String, "serial": try await holder.serialHex, "signature": sig])
        #expect(ok.status == .ok, "\(ok.text)")
        #expect(ok.object()["username"] as? String == "c0001")
        // The same signature again: the challenge is spent.
        let again = try await s.send(.POST, "/api/v1/session/card", json: ["challengeId": ch["challengeId"] as! String, "serial": try await holder.serialHex, "signature": sig])
        #expect(again.status == .unauthorized)
        // A card that is not enrolled cannot sign in, even with a valid signature of its own.
        let stranger = try CardHolderFixture.make()
        let ch2 = try await s.send(.POST, "/api/v1/session/card/challenge").object()
        let sig2 = try await stranger.sign(digestBase64: ch2["digest"] as! String)
        let refused = try await s.send(.POST, "/api/v1/session/card", json: ["challengeId": ch2["challengeId"] as! String, "serial": try await stranger.serialHex, "signature": sig2])
        #expect(refused.status == .unauthorized)
        await s.stop()
    }
}
