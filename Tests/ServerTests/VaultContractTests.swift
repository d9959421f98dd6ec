import Foundation
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Testing
import Vapor

/// The vault's API contract (issue 16): the limits and codes the OpenAPI document states
/// (Resources/OpenAPI/vault.*.yaml) are the ones the server enforces, over real HTTP.
@Suite("Vault: API contract", .serialized)
struct VaultContractTests {
    @Test("?employee= empty or not a UUID is 400 on the request list and the photo-ID checks, not the unfiltered list")
    func employeeFilterReadOrRefused() async throws {
        let site = try await VaultSite.start()
        defer { Task { await site.stop() } }
        let hr = try await site.s.user(.hr)
        for path in ["/api/v1/vault/requests", "/api/v1/photo-id-checks"] {
            for query in ["employee=", "employee=nope", "employee=\(UUID().uuidString)&employee=\(UUID().uuidString)"] {
                let who = path.hasPrefix("/api/v1/vault") ? site.handler : hr
                let r = try await site.s.send(.GET, "\(path)?\(query)", as: who)
                #expect(r.status == .badRequest, "\(path)?\(query): \(r.status) \(r.text.prefix(200))")
            }
        }
        #expect(try await site.s.send(.GET, "/api/v1/vault/requests?employee=\(UUID().uuidString)", as: site.handler).status == .ok)
        #expect(try await site.s.send(.GET, "/api/v1/photo-id-checks?employee=\(UUID().uuidString)", as: hr).status == .ok)
    }

    @Test("the disposal run refuses a body whose dryRun is not a boolean (400), never a real run")
    func disposalRunDryRunTyped() async throws {
        let site = try await VaultSite.start()
        defer { Task { await site.stop() } }
        let r = try await site.s.send(.POST, "/api/v1/vault/disposals/run", as: site.handler, raw: Data(#"{"dryRun": {}}"#.utf8), contentType: "application/json")
        #expect(r.status == .badRequest, "\(r.status) \(r.text)")
    }

    @Test("a subject with more purposes than exist is refused (400), five are accepted")
    func purposesLimit() async throws {
        let site = try await VaultSite.start()
        defer { Task { await site.stop() } }
        let (e, _) = try await site.employee("VC001")
        let five = ["withholding_slip", "dependent_deduction_declaration", "health_pension_insurance", "employment_insurance", "national_pension_category3"]
        let six = five + ["withholding_slip"]
        let refused = try await site.s.send(.POST, "/api/v1/vault/requests", as: site.handler,
                                            json: ["employeeId": e, "subjects": [["kind": "employee", "purposes": six]]])
        #expect(refused.status == .badRequest, "\(refused.text)")
        let ok = try await site.s.send(.POST, "/api/v1/vault/requests", as: site.handler,
                                       json: ["employeeId": e, "subjects": [["kind": "employee", "purposes": five]]])
        #expect(ok.status == .created, "\(ok.text)")
    }

    @Test("designating a username that no account can have is 400, not a lookup")
    func designateUsernameLimit() async throws {
        let site = try await VaultSite.start()
        defer { Task { await site.stop() } }
        let long = try await site.s.send(.POST, "/api/v1/vault/handlers", as: site.admin, json: ["username": String(repeating: "h", count: 65)])
        #expect(long.status == .badRequest, "\(long.text)")
        let empty = try await site.s.send(.POST, "/api/v1/vault/handlers", as: site.admin, json: ["username": ""])
        #expect(empty.status == .badRequest, "\(empty.text)")
        let unknown = try await site.s.send(.POST, "/api/v1/vault/handlers", as: site.admin, json: ["username": "nobody-\(UUID().uuidString.prefix(6))"])
        #expect(unknown.status == .notFound, "\(unknown.text)")
    }

    @Test("a held number's disposal in the number file is one of the documented codes")
    func disposalCode() async throws {
        let site = try await VaultSite.start()
        defer { Task { await site.stop() } }
        let (e, me) = try await site.employee("VC003")
        _ = try await site.collectTyped(e, who: me, number: TestNumbers.make(), purposes: ["withholding_slip"])
        let file = try await site.s.send(.GET, "/api/v1/vault/employees/\(e)", as: site.handler)
        #expect(file.status == .ok, "\(file.text)")
        let numbers = file.object()["numbers"] as? [[String: Any]] ?? []
        #expect(numbers.count == 1)
        for n in numbers {
            #expect(["in_use", "retained", "due", "overdue", "on_hold"].contains(n["disposal"] as? String ?? ""), "\(n["disposal"] ?? "none")")
        }
    }

    @Test("without a vault key, giving and exporting a number answer 503 with a sentence and no number; a missing record is still 404")
    func noVaultKey() async throws {
        let s = try await TestServer.start { c, _ in
            c.vaultKeyFile = nil
            c.vaultKeyBase64 = nil
        }
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        let name = "handler-\(UUID().uuidString.prefix(6))"
        try await Accounts.create(username: name, password: "correct horse battery", role: .hr, cost: 4, on: s.app.db)
        let handler = try await s.signIn(name, "correct horse battery")
        #expect(try await s.send(.POST, "/api/v1/vault/handlers", as: admin, json: ["username": name]).status == .created)
        let e = try await s.send(.POST, "/api/v1/employees", as: handler, json: ["employeeNumber": "VC004", "name": "鍵 無子", "department": "総務部", "groups": [String]()])
        let employee = e.object()["id"] as? String ?? ""
        try await Accounts.create(username: "emp-vc004", password: "correct horse battery", role: .employee, employeeID: UUID(uuidString: employee), cost: 4, on: s.app.db)
        let me = try await s.signIn("emp-vc004", "correct horse battery")
        let rq = try await s.send(.POST, "/api/v1/vault/requests", as: handler, json: ["employeeId": employee, "subjects": [["kind": "employee", "purposes": ["withholding_slip"]]]])
        #expect(rq.status == .created, "\(rq.text)")
        let id = rq.object()["id"] as? String ?? ""
        #expect(try await s.send(.POST, "/api/v1/vault/my/requests/\(id)/acknowledge", as: me).status == .ok)
        let number = TestNumbers.make()
        let given = try await s.send(.POST, "/api/v1/vault/my/requests/\(id)/numbers", as: me, json: ["number": number])
        #expect(given.status == .serviceUnavailable, "\(given.text)")
        #expect(!given.text.contains(number))
        let export = try await s.send(.POST, "/api/v1/vault/exports", as: handler, json: ["purpose": "withholding_slip"])
        #expect(export.status == .serviceUnavailable, "\(export.text)")
        #expect(export.object()["reason"] as? String != nil)
        let reveal = try await s.send(.POST, "/api/v1/vault/numbers/\(UUID())/reveal", as: handler, json: ["purpose": "withholding_slip"])
        #expect(reveal.status == .notFound, "\(reveal.text)")
    }
}
