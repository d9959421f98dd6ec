import Foundation
import Testing

/// `PATCH /api/v1/vault/employees/{id}/profile` (issue 21 item 6): only the fields sent change.
@Suite("Vault profile: partial update")
struct VaultProfilePatchTests {
    @Test("a leaving date alone keeps the address, birth date and sex; null clears one field; PUT still replaces the whole")
    func patchKeepsWhatIsNotSent() async throws {
        let site = try await VaultSite.start()
        let s = site.s
        let (id, employee) = try await site.employee("P0001")
        let path = "/api/v1/vault/employees/\(id)/profile"
        let full = try await s.send(.PUT, path, as: site.handler, json: ["address": "東京都千代田区千代田1-1", "birthDate": "1985-04-02", "sex": "2"])
        #expect(full.status == .ok, "\(full.text)")

        let leaving = try await s.send(.PATCH, path, as: site.handler, json: ["leavingDate": "2027-03-31"])
        #expect(leaving.status == .ok, "\(leaving.text)")
        var o = leaving.object()
        #expect(o["address"] as? String == "東京都千代田区千代田1-1")
        #expect(o["birthDate"] as? String == "1985-04-02")
        #expect(o["sex"] as? String == "2")
        #expect(o["leavingDate"] as? String == "2027-03-31", "\(leaving.text)")

        // null clears only the field it names.
        let cleared = try await s.send(.PATCH, path, as: site.handler, json: ["address": NSNull()])
        #expect(cleared.status == .ok, "\(cleared.text)")
        o = cleared.object()
        #expect(o["address"] as? String == "")
        #expect(o["birthDate"] as? String == "1985-04-02")
        #expect(o["leavingDate"] as? String == "2027-03-31")

        // A bad value is refused and nothing of the patch is stored.
        let bad = try await s.send(.PATCH, path, as: site.handler, json: ["sex": "3", "leavingDate": "2028-01-01"])
        #expect(bad.status == .badRequest, "\(bad.text)")
        let after = try await s.send(.GET, "/api/v1/vault/employees/\(id)", as: site.handler)
        #expect(after.object()["leavingDate"] as? String == "2027-03-31", "\(after.text)")
        #expect(after.object()["sex"] as? String == "2")

        // Who may: designated handlers only, as for PUT.
        #expect(try await s.send(.PATCH, path, as: employee, json: ["leavingDate": "2020-01-01"]).status == .forbidden)
        #expect(try await s.send(.PATCH, path, as: site.admin, json: ["leavingDate": "2020-01-01"]).status == .forbidden)

        // Each change is recorded; the leaving date's change names the new date.
        let events = try await s.send(.GET, "/api/v1/events?kind=vault.profile.updated&limit=10", as: site.admin)
        let kinds = try #require(JSONSerialization.jsonObject(with: Data(events.text.utf8)) as? [[String: Any]])
        #expect(kinds.contains { ($0["details"] as? [String: String])?["leavingDate"] == "2027-03-31" }, "\(events.text)")

        // PUT keeps its documented meaning: what is not sent is cleared.
        let put = try await s.send(.PUT, path, as: site.handler, json: ["leavingDate": "2027-03-31"])
        #expect(put.object()["birthDate"] as? String == "", "\(put.text)")
        await site.stop()
    }
}

extension VaultProfilePatchTests {
    @Test("a patch naming no known field, or a misspelt one, is 400 and records nothing; an address change is recorded as changed, not its value")
    func unknownFieldsAndRecords() async throws {
        let site = try await VaultSite.start()
        let s = site.s
        let (id, _) = try await site.employee("P0002")
        let path = "/api/v1/vault/employees/\(id)/profile"
        for body in [["adress": "東京都"], [String: String]()] as [[String: String]] {
            let r = try await s.send(.PATCH, path, as: site.handler, json: body)
            #expect(r.status == .badRequest, "\(body): \(r.status) \(r.text)")
            #expect(!r.text.contains("東京都"))
        }
        #expect(try await s.send(.PATCH, path, as: site.handler, json: ["address": "東京都千代田区"]).status == .ok)
        let events = try await s.send(.GET, "/api/v1/events?kind=vault.profile.updated&limit=10", as: site.admin)
        let list = try #require(JSONSerialization.jsonObject(with: Data(events.text.utf8)) as? [[String: Any]])
        #expect(list.count == 1, "only the good patch is recorded: \(events.text)")
        #expect((list.first?["details"] as? [String: String])?["address"] == "changed")
        #expect(!events.text.contains("千代田"))
        await site.stop()
    }
}
