import Foundation
import Testing
import Vapor
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer

/// The limits the OpenAPI document (core.yaml) states, held by the server: a request outside them is
/// refused with 400, not accepted because the controller happened not to look.
@Suite("API contract limits", .serialized)
struct ContractLimitTests {
    @Test("configuration ids are ASCII, as the document's pattern says")
    func configIDsAreASCII() async throws {
        let s = try await TestServer.start()
        let admin = try await s.user(.admin)
        #expect(try await s.send(.PUT, "/api/v1/zones/lobby-1_A", as: admin, json: ["name": "Lobby"]).status == .ok)
        // Letters and digits outside ASCII (a Japanese id, a full-width digit) are refused for every kind.
        for path in ["zones/%E3%83%AD%E3%83%93%E3%83%BC", "doors/%EF%BC%91", "groups/caf%C3%A9", "schedules/%E2%85%A0"] {
            let r = try await s.send(.PUT, "/api/v1/\(path)", as: admin, json: ["name": "x", "grants": [String](), "windows": [String: [String]]()])
            #expect(r.status == .badRequest, "\(path): \(r.status)")
        }
        #expect(try await s.send(.GET, "/api/v1/zones", as: admin).array().count == 1)
        // A door may not take the name of a fixed path under /api/v1/doors/ (GET there is the status list).
        // The fixed paths answer PUT with 405 and the methods they take; a case variant is refused with 400.
        for reserved in ["status", "quarantine"] {
            let r = try await s.send(.PUT, "/api/v1/doors/\(reserved)", as: admin, json: ["name": "x"])
            #expect(r.status == .methodNotAllowed && r.headers.first(name: "Allow") == "GET, HEAD", "\(reserved): \(r.status) \(r.headers)")
        }
        #expect(try await s.send(.PUT, "/api/v1/doors/Status", as: admin, json: ["name": "x"]).status == .badRequest)
        #expect(try await s.send(.GET, "/api/v1/doors", as: admin).array().isEmpty)
        await s.stop()
    }

    @Test("a door decision's issuer, pinResult and triesLeft are bounded")
    func decisionFieldsAreBounded() async throws {
        let s = try await TestServer.start()
        let admin = try await s.user(.admin)
        let path = "/api/v1/doors/entrance/decisions"
        let refused: [[String: Any]] = [
            ["serial": "01", "issuer": String(repeating: "O", count: 513)],
            ["serial": "01", "pinResult": "granted"],
            ["serial": "01", "pinResult": "wrongPIN", "triesLeft": -1],
            ["serial": "01", "pinResult": "wrongPIN", "triesLeft": 16],
        ]
        for body in refused {
            let r = try await s.send(.POST, path, as: admin, json: body)
            #expect(r.status == .badRequest, "\(body.keys.sorted()): \(r.status) \(r.text)")
        }
        // At the bounds: decided (a deny for an unknown card), not refused.
        let accepted: [[String: Any]] = [
            ["serial": "01", "issuer": String(repeating: "O", count: 512)],
            ["serial": "01", "pinResult": "pinBlocked"],
            ["serial": "01", "pinResult": "wrongPIN", "triesLeft": 0],
            ["serial": "01", "pinResult": "wrongPIN", "triesLeft": 15],
        ]
        for body in accepted {
            let r = try await s.send(.POST, path, as: admin, json: body)
            #expect(r.status == .ok, "\(body.keys.sorted()): \(r.status) \(r.text)")
            #expect(r.object()["outcome"] as? String == "deny")
        }
        await s.stop()
    }

    @Test("the card list refuses a state no card can be in")
    func credentialStateFilter() async throws {
        let s = try await TestServer.start()
        let security = try await s.user(.security)
        for state in ["active", "suspended", "retired", "pending"] {
            #expect(try await s.send(.GET, "/api/v1/credentials?state=\(state)", as: security).status == .ok)
        }
        #expect(try await s.send(.GET, "/api/v1/credentials?state=revoked", as: security).status == .badRequest)
        await s.stop()
    }

    @Test("integer and UUID query parameters are refused when they do not read, not taken as absent")
    func queryParametersRead() async throws {
        let s = try await TestServer.start()
        let admin = try await s.user(.admin)
        for path in ["employees?limit=abc", "employees?limit=0.5", "employees?limit=1&limit=2", "employees?limit=", "credentials?limit=x",
                     "credentials?employee=not-a-uuid", "events?limit=ten", "events?before=x", "doors/quarantine?limit=1e3"] {
            let r = try await s.send(.GET, "/api/v1/\(path)", as: admin)
            #expect(r.status == .badRequest, "\(path): \(r.status)")
        }
        // Integers out of range are still clamped (DataSecurityTests), and absent ones take the default.
        for path in ["employees?limit=0", "employees?limit=-1", "employees", "credentials?employee=\(UUID().uuidString)", "events?before=5&limit=99999", "events?before=99999999999999999999999", "employees?limit=-99999999999999999999",
                     "doors/quarantine?limit=0"] {
            let r = try await s.send(.GET, "/api/v1/\(path)", as: admin)
            #expect(r.status == .ok, "\(path): \(r.status)")
        }
        await s.stop()
    }

    @Test("a decision's signature is bounded at every door; a holiday file needs a holiday and names of at most 100 characters")
    func signatureAndHolidayFile() async throws {
        let s = try await TestServer.start()
        let admin = try await s.user(.admin)
        let long = try await s.send(.POST, "/api/v1/doors/entrance/decisions", as: admin, json: ["serial": "01", "signature": String(repeating: "A", count: 1372)])
        #expect(long.status == .badRequest)
        let atLimit = try await s.send(.POST, "/api/v1/doors/entrance/decisions", as: admin, json: ["serial": "01", "signature": String(repeating: "A", count: 1368)])
        #expect(atLimit.status == .ok)
        func importing(_ csv: String) async throws -> HTTPStatus {
            try await s.send(.POST, "/api/v1/holidays/import", as: admin, raw: Data(csv.utf8), contentType: "text/csv").status
        }
        #expect(try await importing("{}") == .unprocessableEntity)
        #expect(try await importing("国民の祝日・休日月日,国民の祝日・休日名称\r\n") == .unprocessableEntity)
        #expect(try await importing("2026/1/1,\(String(repeating: "元", count: 101))\r\n") == .unprocessableEntity)
        #expect(try await importing("2026/1/1,\(String(repeating: "元", count: 100))\r\n") == .ok)
        #expect(try await s.send(.GET, "/api/v1/holidays", as: admin).array().count == 1)
        await s.stop()
    }
}
