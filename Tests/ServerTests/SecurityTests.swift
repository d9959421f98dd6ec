import Foundation
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Testing
import Vapor

/// Which roles each route admits. A route missing from this table fails the matrix test, so a new
/// route cannot ship without a decision about who may call it.
let routeRoles: [String: Set<String>] = baseRouteRoles.merging(vaultRouteRoles) { a, _ in a }
    .merging(attendanceRouteRoles) { a, _ in a }.merging(cardApplicationRouteRoles) { a, _ in a }
    .merging(credentialRouteRoles) { a, _ in a }

/// The access module's routes; the vault's, attendance's and card applications' are in their own files.
let baseRouteRoles: [String: Set<String>] = {
    let everyone: Set<String> = ["admin", "security", "hr", "employee"]
    let publicRoute: Set<String> = ["admin", "security", "hr", "employee", "anonymous"]
    return [
        "GET /health": publicRoute, "GET /metrics": publicRoute, "GET /openapi.yaml": publicRoute,
        "POST /api/v1/session": publicRoute, "POST /api/v1/session/card/challenge": publicRoute, "POST /api/v1/session/card": publicRoute, "DELETE /api/v1/session": publicRoute,
        "POST /api/v1/lost-card/request": publicRoute, "POST /api/v1/lost-card/confirm": publicRoute,
        "GET /api/v1/me": everyone, "GET /api/v1/me/credentials": everyone,
        "POST /api/v1/me/credentials/:id/suspend-request": everyone, "POST /api/v1/me/credentials/suspend-confirm": everyone,
        "GET /api/v1/employees": ["admin", "hr", "security"], "GET /api/v1/employees/:id": ["admin", "hr", "security"],
        "POST /api/v1/employees": ["admin", "hr"], "PATCH /api/v1/employees/:id": ["admin", "hr"],
        "POST /api/v1/people/import/preview": ["admin", "hr"], "POST /api/v1/people/import": ["admin", "hr"],
        "PUT /api/v1/people/import/mappings/:source": ["admin", "hr"],
        "GET /api/v1/credentials": ["admin", "security", "hr"],
        "POST /api/v1/credentials/:id/suspend": ["admin", "security"], "POST /api/v1/credentials/:id/reinstate": ["admin", "security"],
        "POST /api/v1/enrollment/challenges": ["admin", "hr", "security"], "POST /api/v1/enrollment": ["admin", "hr", "security"],
        "GET /api/v1/zones": ["admin", "security"], "PUT /api/v1/zones/:id": ["admin"],
        "GET /api/v1/doors": ["admin", "security"], "PUT /api/v1/doors/:id": ["admin"],
        "POST /api/v1/doors/:id/token": ["admin"], "DELETE /api/v1/doors/:id/token": ["admin"],
        "POST /api/v1/doors/:id/emergency-unlock": ["admin", "security"],
        "POST /api/v1/doors/:id/decisions": ["admin", "security"], "POST /api/v1/doors/:id/challenges": ["admin", "security"],
        // The agent-only routes take the door's token and no session at all (security issue 14, H1).
        "GET /api/v1/doors/:id/snapshot": [], "POST /api/v1/doors/:id/events": [],
        "POST /api/v1/doors/:id/heartbeat": [], "GET /api/v1/doors/:id/push": [],
        "GET /api/v1/doors/status": ["admin", "security"], "GET /api/v1/doors/quarantine": ["admin", "security"],
        "GET /api/v1/groups": ["admin", "security"], "PUT /api/v1/groups/:id": ["admin"],
        "GET /api/v1/schedules": ["admin", "security"], "PUT /api/v1/schedules/:id": ["admin"],
        "GET /api/v1/holidays": ["admin", "security"], "POST /api/v1/holidays/import": ["admin"],
        "POST /api/v1/site/lockdown": ["admin", "security"],
        "GET /api/v1/events": ["admin", "security"], "GET /api/v1/events/export": ["admin", "security"],
        "GET /api/v1/audit/verify": ["admin", "security"], "GET /api/v1/presence": ["admin", "security"],
        // Web pages: anonymous refusal is a redirect to the sign-in page (see `isPage`).
        "GET /": publicRoute, "POST /login": publicRoute, "GET /setup": publicRoute, "POST /setup": publicRoute, "POST /logout": publicRoute, "GET /assets/mynagate.css": publicRoute,
        "GET /lost-card": publicRoute, "POST /lost-card/request": publicRoute, "POST /lost-card/confirm": publicRoute,
        "GET /my/cards": everyone, "POST /my/cards/:id/suspend-request": everyone, "POST /my/cards/suspend-confirm": everyone,
        "GET /dashboard": ["admin", "security"], "GET /events": ["admin", "security"],
        "GET /doors": ["admin", "security"], "POST /doors/:id/level": ["admin"],
        // The access explainer: who can pass where is a map of the building's weak points.
        "GET /api/v1/access/explain/door/:id": ["admin", "security"], "GET /api/v1/access/explain/employee/:id": ["admin", "security"],
        "GET /building/explain": ["admin", "security"], "GET /building": ["admin", "security"],
        // The building's editor pages: administrators configure the building.
        "GET /building/zones/new": ["admin"], "GET /building/zones/:id": ["admin"], "POST /building/zones": ["admin"], "POST /building/zones/:id": ["admin"],
        "GET /building/doors/new": ["admin"], "GET /building/doors/:id": ["admin"], "POST /building/doors": ["admin"], "POST /building/doors/:id": ["admin"],
        "GET /building/groups/new": ["admin"], "GET /building/groups/:id": ["admin"], "POST /building/groups": ["admin"], "POST /building/groups/:id": ["admin"],
        "GET /building/schedules/new": ["admin"], "GET /building/schedules/:id": ["admin"], "POST /building/schedules": ["admin"],
        "POST /building/schedules/:id": ["admin"],
        "GET /building/holidays": ["admin", "security"], "POST /building/holidays": ["admin"],
        // The roll call: officers, and the accounts the muster configuration names as wardens (none in
        // this matrix, so an hr or employee account is refused by the handler, 403).
        "GET /api/v1/muster/config": ["admin", "security"], "PUT /api/v1/muster/config": ["admin"],
        "GET /api/v1/muster/now": ["admin", "security"], "GET /api/v1/evacuations": ["admin", "security"],
        "POST /api/v1/evacuations": ["admin", "security"], "POST /api/v1/evacuations/:id/end": ["admin", "security"],
        "GET /api/v1/evacuations/:id/roll": ["admin", "security"], "PUT /api/v1/evacuations/:id/roll/:employee": ["admin", "security"],
        "GET /muster": ["admin", "security"], "GET /muster/print": ["admin", "security"], "POST /muster/start": ["admin", "security"],
        "POST /muster/:id/end": ["admin", "security"], "POST /muster/:id/account/:employee": ["admin", "security"],
        "GET /employees": ["admin", "hr", "security"], "GET /employees/new": ["admin", "hr"], "POST /employees/new": ["admin", "hr"],
        "GET /dashboard/presence.svg": ["admin", "security"], "GET /dashboard/cards.svg": ["admin", "security"],
        "GET /employees/:id": ["admin", "hr", "security"], "POST /employees/:id": ["admin", "hr"],
        "POST /employees/:id/suspend": ["admin", "security"], "POST /employees/:id/leaving": ["admin"], "POST /employees/:id/reinstate": ["admin", "security"],
        "GET /employees/import": ["admin", "hr"], "POST /employees/import/preview": ["admin", "hr"], "POST /employees/import": ["admin", "hr"],
        "GET /cards": ["admin", "security", "hr"], "POST /cards/:id/suspend": ["admin", "security"], "POST /cards/:id/reinstate": ["admin", "security"],
        "GET /enroll": ["admin", "hr", "security"], "POST /enroll/challenge": ["admin", "hr", "security"], "POST /enroll/demo": ["admin", "hr", "security"],
    ]
}()

/// Routes that are not API: the web pages. They answer a browser that is not signed in with a redirect
/// to the sign-in page instead of 401, and they are not described in the OpenAPI document.
func isPage(_ route: String) -> Bool {
    let path = String(route.split(separator: " ", maxSplits: 1).last ?? "")
    return !path.hasPrefix("/api/") && !["/health", "/metrics", "/openapi.yaml"].contains(path)
}

/// Signing out ends the identities' sessions, so the matrix calls these last.
let signOutRoutes: Set<String> = ["DELETE /api/v1/session", "POST /logout"]

@Suite("Security of the HTTP API", .serialized)
struct SecurityTests {
    @Test("role matrix: every route, every role — allowed, or 401/403 as designed")
    func roleMatrix() async throws {
        let s = try await TestServer.start()
        let identities: [(String, TestServer.Identity)] = [
            ("admin", try await s.user(.admin)), ("security", try await s.user(.security)), ("hr", try await s.user(.hr)),
            ("employee", try await s.user(.employee)), ("anonymous", .anonymous),
        ]
        // The matrix's hr account is a designated vault handler (事務取扱担当者), as an administrator makes one.
        try await designateMatrixHandlers(s)
        let registered = s.app.routes.all.map { "\($0.method.rawValue) /" + $0.path.map(\.description).joined(separator: "/") }
        for route in registered {
            #expect(routeRoles[route] != nil, "route \(route) has no entry in the role table")
        }
        // Signing out last: it ends the identities' sessions.
        for route in registered.sorted(by: { (signOutRoutes.contains($0) ? 1 : 0, $0) < (signOutRoutes.contains($1) ? 1 : 0, $1) }) {
            guard let allowed = routeRoles[route] else { continue }
            let parts = route.split(separator: " ", maxSplits: 1)
            let method = HTTPMethod(rawValue: String(parts[0]))
            let path = String(parts[1]).replacingOccurrences(of: ":id", with: UUID().uuidString).replacingOccurrences(of: ":door", with: "no-such-door")
            for (role, who) in identities {
                let r = try await s.send(method, path, as: who, json: [String: String]())
                if allowed.contains(role) {
                    // Sign-in with an empty form is a wrong password (401), not a refusal of the route.
                    #expect(r.status != .forbidden && r.status != .unauthorized || route.contains("session") || route.contains("lost-card")
                            || route == "POST /login", "\(role) was refused \(route): \(r.status)")
                } else if role == "anonymous" && isPage(route) {
                    #expect(r.status == .seeOther && r.headers.first(name: .location) == "/", "anonymous got \(r.status) for page \(route)")
                } else {
                    #expect(r.status == (role == "anonymous" ? .unauthorized : .forbidden), "\(role) got \(r.status) for \(route)")
                }
            }
        }
        await s.stop()
    }

    @Test("password sign-in: wrong password 401, lockout after 5 failures, right password after lockout refused like a wrong one")
    func lockout() async throws {
        let s = try await TestServer.start()
        try await Accounts.create(username: "taro", password: "correct horse battery", role: .employee, cost: 4, on: s.app.db)
        for _ in 0..<5 {
            #expect(try await s.send(.POST, "/api/v1/session", json: ["username": "taro", "password": "wrong password"]).status == .unauthorized)
        }
        // Locked: the same 401 as a wrong password or an unknown name (no account enumeration, review L3).
        let locked = try await s.send(.POST, "/api/v1/session", json: ["username": "taro", "password": "correct horse battery"])
        #expect(locked.status == .unauthorized && locked.headers.first(name: .setCookie) == nil)
        #expect(try await s.send(.POST, "/api/v1/session", json: ["username": "nobody", "password": "x"]).status == .unauthorized)
        await s.stop()
    }

    @Test("CSRF: a state-changing request without the session's token is refused and changes nothing")
    func csrf() async throws {
        let s = try await TestServer.start()
        let admin = try await s.user(.admin)
        let r = try await s.send(.PUT, "/api/v1/zones/lobby", as: admin, json: ["name": "ロビー"], csrf: false)
        #expect(r.status == .forbidden)
        #expect(try await s.send(.GET, "/api/v1/zones", as: admin).array().isEmpty)
        var forged = admin
        forged.csrf = String(repeating: "0", count: 64)
        #expect(try await s.send(.PUT, "/api/v1/zones/lobby", as: forged, json: ["name": "ロビー"]).status == .forbidden)
        #expect(try await s.send(.PUT, "/api/v1/zones/lobby", as: admin, json: ["name": "ロビー"]).status == .ok)
        await s.stop()
    }

    @Test("bad input gets a clear 4xx and stores nothing")
    func badInput() async throws {
        let s = try await TestServer.start()
        let hr = try await s.user(.hr)
        let malformed = try await s.send(.POST, "/api/v1/employees", as: hr, raw: Data("{\"employeeNumber\": ".utf8), contentType: "application/json")
        #expect(malformed.status == .badRequest)
        #expect(malformed.object()["reason"] != nil)
        let big = try await s.send(.POST, "/api/v1/employees", as: hr, raw: Data(repeating: 0x20, count: 1_000_000), contentType: "application/json")
        #expect(big.status == .payloadTooLarge)
        let wrongType = try await s.send(.POST, "/api/v1/employees", as: hr, raw: Data("<xml/>".utf8), contentType: "application/xml")
        #expect(wrongType.status == .unsupportedMediaType)
        let missing = try await s.send(.POST, "/api/v1/employees", as: hr, json: ["name": "x"])
        #expect(missing.status == .badRequest)
        // A My Number is refused as an employee number (and not echoed back).
        let number = try await s.send(.POST, "/api/v1/employees", as: hr, json: ["employeeNumber": "123456789018", "name": "x", "department": "y"])
        #expect(number.status == .unprocessableEntity)
        #expect(!number.text.contains("123456789018"))
        #expect(try await s.send(.GET, "/api/v1/employees/\(UUID().uuidString)", as: hr).status == .notFound)
        #expect(try await s.send(.GET, "/api/v1/employees/not-a-uuid", as: hr).status == .badRequest)
        #expect(try await s.send(.GET, "/api/v1/employees", as: hr).array().isEmpty)
        let admin = try await s.user(.admin)
        #expect(try await s.send(.PUT, "/api/v1/schedules/x", as: admin, json: ["name": "x", "windows": ["monday": ["25:00-26:00"]]]).status == .unprocessableEntity)
        #expect(try await s.send(.PUT, "/api/v1/doors/d", as: admin, json: ["name": "x", "toZone": "nowhere"]).status == .unprocessableEntity)
        #expect(try await s.send(.PUT, "/api/v1/doors/bad%20id", as: admin, json: ["name": "x"]).status == .badRequest)
        #expect(try await s.send(.GET, "/api/v1/doors", as: admin).array().isEmpty)
        let door = TestServer.Identity(bearer: "not-a-token")
        #expect(try await s.send(.POST, "/api/v1/doors/entrance/decisions", as: door, json: ["serial": "01"]).status == .unauthorized)
        await s.stop()
    }

    @Test("the OpenAPI document and the routes agree")
    func openAPIAgrees() async throws {
        let s = try await TestServer.start()
        let yaml = try await s.send(.GET, "/openapi.yaml").text
        #expect(yaml.hasPrefix("openapi: 3.1.0"))
        // Collect "METHOD /path" from the document: path keys at two spaces, methods at four.
        var documented = Set<String>()
        var currentPath = ""
        var inPaths = false
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":") { currentPath = String(line.dropFirst(2).dropLast()); continue }
            let t = line.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("    "), !line.hasPrefix("     "), let m = ["get", "post", "put", "patch", "delete"].first(where: { t.hasPrefix($0 + ":") }) {
                documented.insert("\(m.uppercased()) \(currentPath)")
            }
        }
        // Pages are not API: the document describes /api/ and the system routes, and the pages have
        // their own tests (PagesTests) and their place in the role table.
        let served = Set(s.app.routes.all.filter { r in !isPage("\(r.method.rawValue) /" + r.path.map(\.description).joined(separator: "/")) }.map { r in
            "\(r.method.rawValue) /" + r.path.map { c -> String in
                if case .parameter(let p) = c { return "{\(p)}" }
                return c.description
            }.joined(separator: "/")
        })
        #expect(documented == served, "only documented: \(documented.subtracting(served).sorted()); only served: \(served.subtracting(documented).sorted())")
        await s.stop()
    }
}
