import Foundation
import Server
import Testing
import Vapor

/// The vault's API contract (issue 16): the limits and codes the OpenAPI document states
/// (Resources/OpenAPI/vault.*.yaml) are the ones the server enforces, over real HTTP.
@Suite("Vault: API contract", .serialized)
struct VaultContractTests {
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
}
