import Fluent
import Foundation
@testable import AttendanceServer
@testable import CardApplicationServer
@testable import ServerCore
@testable import VaultServer
import Store
import Testing
import Vapor

/// The My Number card shown as photo ID (issue 7, point 3): recorded with issuer, validity end, who,
/// when and why — never the number — over the API and the page, with the Vault module's refusals.
@Suite("Card as photo ID", .serialized)
struct PhotoIDCheckTests {
    func employee(_ s: TestServer, number: String = "P0001") async throws -> UUID {
        let e = EmployeeModel(employeeNumber: number, name: "確認 太郎", department: "総務部")
        try await e.create(on: s.app.db)
        return try e.requireID()
    }

    @Test("the API records a check and lists it; the audit event names the person, issuer and validity")
    func recordAndList() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let id = try await employee(s)
        let security = try await s.user(.security)
        let r = try await s.send(.POST, "/api/v1/photo-id-checks", as: security,
                                 json: ["employeeId": id.uuidString, "issuer": "千代田区長", "validUntil": "2034-03-31", "occasion": "入館証の発行"])
        #expect(r.status == .created, "\(r.text)")
        let o = r.object()
        #expect(o["issuer"] as? String == "千代田区長")
        #expect(o["validUntil"] as? String == "2034-03-31")
        #expect(o["frontSideOnly"] as? Bool == true)
        #expect(o["employeeNumber"] as? String == "P0001")
        // By employee number too (a desk types what is on the badge list).
        let byNumber = try await s.send(.POST, "/api/v1/photo-id-checks", as: try await s.user(.hr),
                                        json: ["employeeNumber": "P0001", "issuer": "横浜市長", "validUntil": "2031-01-01", "occasion": "入社手続"])
        #expect(byNumber.status == .created, "\(byNumber.text)")
        let list = try await s.send(.GET, "/api/v1/photo-id-checks?employee=\(id.uuidString)", as: security).array()
        #expect(list.count == 2)
        #expect(Set(list.compactMap { $0["issuer"] as? String }) == ["千代田区長", "横浜市長"])
        let events = try await s.send(.GET, "/api/v1/events?kind=identity.card_as_photo_id", as: security).text
        #expect(events.contains("identity.card_as_photo_id"))
        #expect(events.contains("千代田区長"))
        #expect(try await s.send(.GET, "/api/v1/audit/verify", as: try await s.user(.admin)).object()["intact"] as? Bool == true)
    }

    @Test("refusals: expired card, blank issuer, a 12-digit number in the occasion (not stored, not echoed), bad date, unknown person")
    func refusals() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let id = try await employee(s)
        let hr = try await s.user(.hr)
        func post(_ body: [String: String]) async throws -> TestServer.Reply {
            try await s.send(.POST, "/api/v1/photo-id-checks", as: hr, json: body)
        }
        let base = ["employeeId": id.uuidString, "issuer": "千代田区長", "validUntil": "2034-03-31", "occasion": "入館証の発行"]
        let expired = try await post(base.merging(["validUntil": "2020-01-01"]) { _, b in b })
        #expect(expired.status == .unprocessableEntity, "\(expired.status) \(expired.text)")
        #expect(try await post(base.merging(["issuer": "  "]) { _, b in b }).status == .unprocessableEntity)
        // 1234-5678-9018 is a published check-digit example (a valid individual number's form).
        let withNumber = try await post(base.merging(["occasion": "番号 1234 5678 9018 を控えた"]) { _, b in b })
        #expect(withNumber.status == .unprocessableEntity)
        #expect(!withNumber.text.contains("9018"))
        #expect(try await post(base.merging(["validUntil": "31/03/2034"]) { _, b in b }).status == .badRequest)
        #expect(try await post(base.merging(["employeeId": UUID().uuidString]) { _, b in b }).status == .notFound)
        #expect(try await post(["issuer": "千代田区長", "validUntil": "2034-03-31", "occasion": "x"]).status == .badRequest)
        #expect(try await s.send(.POST, "/api/v1/photo-id-checks", as: hr, raw: Data("not json".utf8), contentType: "application/json").status == .badRequest)
        #expect(try await PhotoIDCheckModel.query(on: s.app.db).count() == 0)
        // An employee may not record checks.
        #expect(try await post(base).status == .created)
        #expect(try await s.send(.POST, "/api/v1/photo-id-checks", as: try await s.user(.employee), json: base).status == .forbidden)
    }

    @Test("the page records a check from the form (CSRF), shows it, and refuses a form without the token")
    func page() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        _ = try await employee(s, number: "P0042")
        let security = try await s.user(.security)
        let show = try await s.send(.GET, "/photo-id", as: security)
        #expect(show.status == .ok)
        #expect(show.text.contains("表面"))
        func form(_ fields: [String: String]) -> Data {
            Data(fields.map { k, v in "\(k)=\(v.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&").utf8)
        }
        let fields = ["employeeNumber": "P0042", "issuer": "大阪市長", "validUntil": "2033-12-31", "occasion": "来訪者受付"]
        let noToken = try await s.send(.POST, "/photo-id", as: security, raw: form(fields), contentType: "application/x-www-form-urlencoded", csrf: false)
        #expect(noToken.status == .forbidden)
        let ok = try await s.send(.POST, "/photo-id", as: security, raw: form(fields.merging(["csrf": security.csrf ?? ""]) { _, b in b }),
                                  contentType: "application/x-www-form-urlencoded", csrf: false)
        #expect(ok.status == .seeOther)
        let after = try await s.send(.GET, "/photo-id?lang=en", as: security)
        #expect(after.text.contains("大阪市長"))
        #expect(after.text.contains("The identity check was recorded"))
        let expired = try await s.send(.POST, "/photo-id", as: security,
                                       raw: form(fields.merging(["validUntil": "2001-01-01", "csrf": security.csrf ?? ""]) { _, b in b }),
                                       contentType: "application/x-www-form-urlencoded", csrf: false)
        #expect(expired.status == .unprocessableEntity)
        #expect(try await PhotoIDCheckModel.query(on: s.app.db).count() == 1)
    }
}
