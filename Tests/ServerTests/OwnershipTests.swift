import Foundation
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Testing
import Vapor

/// The role × route × resource test (issue 14, "Also"): the role matrix in SecurityTests proves who
/// may call a route; these tables prove whose resource a call may touch. One employee (the attacker)
/// uses another's (the victim's) ids on every route that takes them, and a door token is used on
/// another door and on every staff route. A new route that takes someone's id belongs in a table.
@Suite("Ownership: role × route × resource", .serialized)
struct OwnershipTests {
    /// Everything the victim owns, made through the API, and the attacker's sign-in.
    struct Victim {
        var employeeID: String
        var credentialID: String
        var confirmation: String
        var vaultRequestID: String
        var applicationID: String
        var name: String
    }

    /// One attempt by the attacker on the victim's resource.
    struct Attempt: Sendable {
        var method: HTTPMethod
        var path: String
        /// A JSON body (as bytes, so the attempt stays Sendable), or a form body for pages.
        var json: Data?
        var form: String?
        /// Refusals that count: 403 (not yours / not your role) or 404 (not found for you).
        var refused: Set<UInt> = [403, 404]
    }

    static func body(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
    }

    /// The attempts, built from the victim's ids. API and pages; each takes an id that is not the
    /// attacker's, on a route the attacker's role may call (or a clerk route, refused by role).
    static func attempts(_ v: Victim) -> [(String, Attempt)] {
        [
            // Cards: suspending someone else's card, confirming someone else's pending request.
            ("card suspend-request (API)", Attempt(method: .POST, path: "/api/v1/me/credentials/\(v.credentialID)/suspend-request")),
            ("card suspend-request (page)", Attempt(method: .POST, path: "/my/cards/\(v.credentialID)/suspend-request", form: "")),
            ("pending confirmation (API)", Attempt(method: .POST, path: "/api/v1/me/credentials/suspend-confirm", json: body(["confirmation": v.confirmation]))),
            ("pending confirmation (page)", Attempt(method: .POST, path: "/my/cards/suspend-confirm", form: "confirmation=\(v.confirmation)")),
            // The vault: someone else's collection request.
            ("vault acknowledge (API)", Attempt(method: .POST, path: "/api/v1/vault/my/requests/\(v.vaultRequestID)/acknowledge")),
            ("vault card challenge (API)", Attempt(method: .POST, path: "/api/v1/vault/my/requests/\(v.vaultRequestID)/card/challenge")),
            ("vault give typed (API)", Attempt(method: .POST, path: "/api/v1/vault/my/requests/\(v.vaultRequestID)/numbers", json: body(["number": TestNumbers.make()]))),
            ("vault give card (API)", Attempt(method: .POST, path: "/api/v1/vault/my/requests/\(v.vaultRequestID)/card",
                                              json: body(["number": TestNumbers.make(), "challengeId": UUID().uuidString, "signature": "AAAA",
                                                           "fourItems": ["name": "攻撃 太郎", "address": "東京都", "birthDate": "19850402", "sex": "1"]]))),
            ("vault acknowledge (page)", Attempt(method: .POST, path: "/vault/my/requests/\(v.vaultRequestID)/acknowledge", form: "")),
            ("vault give (page)", Attempt(method: .POST, path: "/vault/my/requests/\(v.vaultRequestID)/give", form: "number=\(TestNumbers.make())")),
            ("vault card (page)", Attempt(method: .POST, path: "/vault/my/requests/\(v.vaultRequestID)/card", form: "pin=1234")),
            ("vault handler view of the request", Attempt(method: .GET, path: "/api/v1/vault/requests/\(v.vaultRequestID)")),
            ("vault person", Attempt(method: .GET, path: "/api/v1/vault/employees/\(v.employeeID)")),
            // Card applications: the clerk's routes with the victim's application.
            ("card application (clerk API)", Attempt(method: .GET, path: "/api/v1/card-applications/\(v.applicationID)")),
            ("card application photo (clerk API)", Attempt(method: .GET, path: "/api/v1/card-applications/\(v.applicationID)/photo")),
            ("card application review (clerk API)", Attempt(method: .POST, path: "/api/v1/card-applications/\(v.applicationID)/review", json: body(["decision": "return", "note": "x"]))),
            ("card application (clerk page)", Attempt(method: .GET, path: "/card-applications/\(v.applicationID)")),
            // Attendance of another person.
            ("attendance month", Attempt(method: .GET, path: "/api/v1/attendance/employees/\(v.employeeID)")),
            ("attendance timeline", Attempt(method: .GET, path: "/api/v1/attendance/employees/\(v.employeeID)/timeline.svg")),
            ("attendance correction", Attempt(method: .POST, path: "/api/v1/attendance/corrections",
                                              json: body(["employeeId": v.employeeID, "action": "add", "direction": "in", "at": "2026-12-01T09:00:00+09:00", "reason": "x"]))),
            ("attendance page", Attempt(method: .GET, path: "/attendance/people/\(v.employeeID)")),
            // The people record itself.
            ("employee record", Attempt(method: .GET, path: "/api/v1/employees/\(v.employeeID)")),
            ("employee update", Attempt(method: .PATCH, path: "/api/v1/employees/\(v.employeeID)",
                                        json: body(["employeeNumber": "O0001", "name": "乗っ取り", "department": "x"]))),
        ]
    }

    @Test("one employee's ids used by another: 403/404 on every route, and nothing of the victim's changes or shows")
    func employeeOnAnothersResources() async throws {
        let site = try await VaultSite.start()
        defer { Task { await site.stop() } }
        let s = site.s
        let (victimID, victim) = try await site.employee("O0001", name: "被害 花子")
        let (_, attacker) = try await site.employee("O0002", name: "攻撃 太郎")
        // The application first: an enrolled person has a card and cannot apply for one.
        let app = try await s.send(.POST, "/api/v1/me/card-application", as: victim, json: ["route": "contractorBatch"])
        let applicationID = try #require(app.object()["id"] as? String, "\(app.text)")
        try await site.enroll(try VaultCard.make(number: TestNumbers.make(), name: "被害 花子"), employee: victimID)
        let credentialID = try #require(try await s.send(.GET, "/api/v1/me/credentials", as: victim).array().first?["id"] as? String)
        let pending = try await s.send(.POST, "/api/v1/me/credentials/\(credentialID)/suspend-request", as: victim)
        let confirmation = try #require(pending.object()["confirmation"] as? String, "\(pending.text)")
        let requestID = try #require(try await site.request(victimID, purposes: ["withholding_slip"])["id"] as? String)
        let stage = try await s.send(.GET, "/api/v1/me/card-application", as: victim).object()["stage"] as? String
        let v = Victim(employeeID: victimID, credentialID: credentialID, confirmation: confirmation, vaultRequestID: requestID,
                       applicationID: applicationID, name: "被害 花子")

        for (name, a) in Self.attempts(v) {
            let r: TestServer.Reply
            if let form = a.form {
                r = try await s.send(a.method, a.path, as: attacker, raw: Data(form.utf8), contentType: "application/x-www-form-urlencoded")
            } else {
                r = try await s.send(a.method, a.path, as: attacker, raw: a.json ?? Data("{}".utf8), contentType: "application/json")
            }
            #expect(a.refused.contains(r.status.code), "\(name): \(a.method) \(a.path) → \(r.status)")
            #expect(!r.text.contains(v.name), "\(name): the victim's name shows")
        }

        // Own-data routes answer with the attacker's own data only, whatever is asked.
        let own: [(String, String)] = [
            ("/api/v1/me/credentials", credentialID), ("/api/v1/vault/my/requests", requestID),
            ("/api/v1/me/card-application", applicationID), ("/api/v1/vault/my/access", victimID),
            ("/api/v1/me/attendance?employee=\(victimID)", v.name), ("/api/v1/me?employee=\(victimID)", v.name),
            ("/my/cards", credentialID), ("/vault/my", requestID), ("/my/card", applicationID),
        ]
        for (path, secret) in own {
            let r = try await s.send(.GET, path, as: attacker)
            #expect(r.status.code < 500, "\(path) → \(r.status)")
            #expect(!r.text.contains(secret) && !r.text.contains(v.name), "\(path) shows the victim's \(secret)")
        }

        // Nothing changed: the victim's card is active and can still be suspended by the victim alone,
        // the request is still open for the victim, the application untouched.
        let cards = try await s.send(.GET, "/api/v1/me/credentials", as: victim).array()
        #expect(cards.first?["state"] as? String == "active", "\(cards)")
        let mine = try await s.send(.GET, "/api/v1/vault/my/requests", as: victim).array()
        #expect(mine.first?["status"] as? String == "open", "\(mine)")
        #expect(try await s.send(.GET, "/api/v1/me/card-application", as: victim).object()["stage"] as? String == stage)
        #expect(try await s.send(.POST, "/api/v1/me/credentials/suspend-confirm", as: victim, json: ["confirmation": confirmation]).status == .ok)
        #expect(try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/acknowledge", as: victim).status == .ok)
        await site.stop()
    }

    /// The door API's routes, each scoped to one door by its token.
    static let doorRoutes: [(HTTPMethod, String, [String: String]?)] = [
        (.GET, "snapshot", nil), (.POST, "events", [:]), (.POST, "decisions", ["serial": "01"]),
        (.POST, "challenges", [:]), (.POST, "heartbeat", [:]), (.GET, "push", nil),
    ]

    @Test("door tokens: another door's snapshot/events/decisions/challenges/heartbeat/push → 401; any staff route → as anonymous; its own door works")
    func doorTokenScope() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        try await setUpSite(s, admin: admin)
        let entrance = TestServer.Identity(bearer: try #require(try await s.send(.POST, "/api/v1/doors/entrance/token", as: admin).object()["token"] as? String))

        for (method, tail, body) in Self.doorRoutes {
            let other = try await s.send(method, "/api/v1/doors/mynumber-room/\(tail)", as: entrance, json: body)
            #expect(other.status == .unauthorized || other.status == .forbidden, "entrance token on mynumber-room/\(tail) → \(other.status)")
            let none = try await s.send(method, "/api/v1/doors/no-such-door/\(tail)", as: entrance, json: body)
            #expect(none.status == .unauthorized || none.status == .forbidden, "entrance token on no-such-door/\(tail) → \(none.status)")
        }
        // Its own door: the snapshot and a decision are answered.
        #expect(try await s.send(.GET, "/api/v1/doors/entrance/snapshot", as: entrance).status == .ok)
        #expect(try await s.send(.POST, "/api/v1/doors/entrance/decisions", as: entrance, json: ["serial": "01"]).status == .ok)

        // Every other route: a door token is no sign-in. The table is the role table, so a new route is
        // covered as soon as it has its entry there.
        let doorScoped = Set(Self.doorRoutes.map { "\($0.0.rawValue) /api/v1/doors/:id/\($0.1)" })
        for (route, allowed) in routeRoles.sorted(by: { $0.key < $1.key }) where !allowed.contains("anonymous") && !doorScoped.contains(route) {
            let parts = route.split(separator: " ", maxSplits: 1)
            let method = HTTPMethod(rawValue: String(parts[0]))
            let path = String(parts[1]).replacingOccurrences(of: ":id", with: "entrance")
            let r = try await s.send(method, path, as: entrance, json: [String: String]())
            if isPage(route) {
                #expect(r.status == .seeOther && r.headers.first(name: .location) == "/", "door token on page \(route) → \(r.status)")
            } else {
                #expect(r.status == .unauthorized || r.status == .forbidden, "door token on \(route) → \(r.status)")
            }
        }
        await s.stop()
    }
}
