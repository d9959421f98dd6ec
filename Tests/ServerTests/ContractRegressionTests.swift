import Foundation
import Testing
import Vapor
@testable import AttendanceServer
@testable import CardApplicationServer
@testable import ServerCore
@testable import VaultServer

/// Regressions found by the API contract run (.ci/system/api-contract.sh, schemathesis), each over real
/// HTTP: what the server answered that the HTTP contract or the OpenAPI document does not allow.
@Suite("API contract regressions (schemathesis findings)", .serialized)
struct ContractRegressionTests {
    /// schemathesis `unsupported_method` (ST204): a method a path does not take is 405 with an `Allow`
    /// header listing the ones it does (RFC 9110 §15.5.6), not 404 as if the path did not exist. A
    /// client that sent the wrong method learns what to send; a path that does not exist stays 404.
    @Test("a method the path does not take: 405 with Allow, in the one error body; an unknown path stays 404")
    func methodNotAllowed() async throws {
        let s = try await TestServer.start()
        let admin = try await s.user(.admin)

        let trace = try await s.send(.TRACE, "/api/v1/me", as: admin)
        #expect(trace.status == .methodNotAllowed)
        #expect(trace.headers.first(name: .allow) == "GET, HEAD")
        #expect(trace.object()["error"] as? Bool == true)

        // A path with a parameter, several methods on it: every one listed, once.
        let delete = try await s.send(.DELETE, "/api/v1/employees/\(UUID().uuidString)", as: admin)
        #expect(delete.status == .methodNotAllowed)
        #expect(delete.headers.first(name: .allow) == "GET, HEAD, PATCH")

        // A fixed path beside a parameter route (PUT /api/v1/doors/:id): the resource is the fixed one's.
        let status = try await s.send(.OPTIONS, "/api/v1/doors/status", as: admin)
        #expect(status.status == .methodNotAllowed)
        #expect(status.headers.first(name: .allow) == "GET, HEAD")

        // Not signed in: still 405 (the method is wrong whoever asks; the document is public anyway).
        let anonymous = try await s.send(.PUT, "/health")
        #expect(anonymous.status == .methodNotAllowed)
        #expect(anonymous.headers.first(name: .allow) == "GET, HEAD")

        // No route at this path under any method: 404, no Allow.
        let unknown = try await s.send(.TRACE, "/api/v1/no-such-thing", as: admin)
        #expect(unknown.status == .notFound)
        #expect(unknown.headers.first(name: .allow) == nil)
        // A route that exists answers as before.
        #expect(try await s.send(.GET, "/api/v1/me", as: admin).status == .ok)
        await s.stop()
    }

    /// The contract run's `no_input_echo` check (api_contract_hooks.py): an error text repeats nothing the
    /// client sent. Found on PUT /api/v1/attendance/settings ("unknown setting <the key sent>"); the same
    /// pattern was in the attendance correction ("event <the id sent> is not a crossing": a 12-digit
    /// My Number typed into the event field came back in the error), in door and group configuration
    /// ("no zone <name>", "no schedule <name>") and in employees' groups ("no such access group: <ids>").
    /// Each now names the field, never the value.
    @Test("error texts name the field, never repeat the value sent (settings key, correction event, zone, schedule, group)")
    func noInputEcho() async throws {
        let s = try await TestServer.start()
        let admin = try await s.user(.admin)
        let marker = "EchoMarker7f3q"
        let myNumber = "123456789018"

        let setting = try await s.send(.PUT, "/api/v1/attendance/settings", as: admin, json: [marker: 1])
        #expect(setting.status == .unprocessableEntity)
        #expect(!setting.text.contains(marker), "\(setting.text)")

        let e = try await s.send(.POST, "/api/v1/employees", as: admin, json: ["employeeNumber": "C0001", "name": "契約 太郎", "department": "総務部"])
        let employee = try #require(e.object()["id"] as? String)
        let correction = try await s.send(.POST, "/api/v1/attendance/corrections", as: admin,
                                          json: ["employeeId": employee, "action": "void", "eventId": myNumber, "reason": "test"])
        #expect(correction.status == .unprocessableEntity)
        #expect(!correction.text.contains(myNumber), "\(correction.text)")

        let door = try await s.send(.PUT, "/api/v1/doors/contract-door", as: admin, json: ["name": "扉", "fromZone": marker])
        #expect(door.status == .unprocessableEntity)
        #expect(!door.text.contains(marker), "\(door.text)")

        let group = try await s.send(.PUT, "/api/v1/groups/contract-group", as: admin,
                                     json: ["name": "組", "grants": [["zone": marker, "schedule": marker]]])
        #expect(group.status == .unprocessableEntity)
        #expect(!group.text.contains(marker), "\(group.text)")

        let groups = try await s.send(.POST, "/api/v1/employees", as: admin,
                                      json: ["employeeNumber": "C0002", "name": "契約 花子", "department": "総務部", "groups": [marker]])
        #expect(groups.status == .unprocessableEntity)
        #expect(!groups.text.contains(marker), "\(groups.text)")
        await s.stop()
    }

    /// schemathesis `ST201` (a schema-violating request accepted), found by the CI run of 2026-12-06 as
    /// hr: `PUT /api/v1/card-templates/{id}` stored a 201-character subject (a leading newline, then 200
    /// characters) because the server trimmed it before counting. The same class: Swift's `count` counts
    /// grapheme clusters, the document's `maxLength` counts code points, so "e" + a combining accent
    /// repeated 150 times (300 code points, 150 Characters) passed a 200 bound. Each bound the document
    /// states is now checked on the text as sent, in code points (`String.schemaLength`).
    @Test("a documented maxLength is counted in code points on the text as sent (template subject, employee name, free text)")
    func maxLengthCountsCodePoints() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let admin = try await s.user(.admin)
        let accent = String(repeating: "e\u{0301}", count: 150)
        #expect(accent.count == 150 && accent.unicodeScalars.count == 300)

        let padded = try await s.send(.PUT, "/api/v1/card-templates/sessionInvitation.ja", as: hr,
                                      json: ["subject": "\n" + String(repeating: "*", count: 200), "body": "本文"])
        #expect(padded.status == .unprocessableEntity, "\(padded.text)")
        let combining = try await s.send(.PUT, "/api/v1/card-templates/sessionInvitation.ja", as: hr, json: ["subject": accent, "body": "本文"])
        #expect(combining.status == .unprocessableEntity, "\(combining.text)")
        // Exactly 200 code points is inside the bound.
        let exact = try await s.send(.PUT, "/api/v1/card-templates/sessionInvitation.ja", as: hr,
                                     json: ["subject": String(repeating: "e\u{0301}", count: 100), "body": "本文"])
        #expect(exact.status == .ok, "\(exact.text)")

        let name = try await s.send(.POST, "/api/v1/employees", as: admin,
                                    json: ["employeeNumber": "L0001", "name": String(repeating: "e\u{0301}", count: 60), "department": "総務部"])
        #expect(name.status == .unprocessableEntity, "\(name.text)")
        #expect(try await s.send(.GET, "/api/v1/employees", as: admin).text.contains("L0001") == false)

        // Found by the attacker review of this fix: a card application's family name (maxLength 40) was
        // counted in Characters after folding spaces, so one accented letter repeated 30 times (60 code
        // points) passed; an employee could store any amount of combining marks in HR's batch CSV.
        let (_, me) = try await CardFixture.person(s, hr: hr, number: "L0002", name: "長さ 試験")
        #expect(try await s.send(.POST, "/api/v1/me/card-application", as: me, json: ["route": "contractorBatch"]).status == .created)
        let long = try await s.send(.PUT, "/api/v1/me/card-application/data", as: me,
                                    json: CardFixture.data(family: String(repeating: "e\u{0301}", count: 30)))
        let issues = (long.object()["issues"] as? [[String: Any]] ?? []).map { "\($0["field"] ?? ""):\($0["code"] ?? "")" }
        #expect(long.status == .unprocessableEntity && issues == ["familyName:too_long"], "\(long.text)")
        // The second review: 30 spaces are not an empty phone (maxLength 20 as sent), nor is an e-mail
        // padded past 254.
        var paddedData = CardFixture.data()
        paddedData["phone"] = String(repeating: " ", count: 30)
        let spaces = try await s.send(.PUT, "/api/v1/me/card-application/data", as: me, json: paddedData)
        #expect(spaces.status == .unprocessableEntity && spaces.text.contains("phone_invalid"), "\(spaces.text)")
        paddedData = CardFixture.data()
        paddedData["email"] = "taro@example.jp" + String(repeating: " ", count: 250)
        let email = try await s.send(.PUT, "/api/v1/me/card-application/data", as: me, json: paddedData)
        #expect(email.status == .unprocessableEntity && email.text.contains("email_invalid"), "\(email.text)")
        #expect(try await s.send(.PUT, "/api/v1/me/card-application/data", as: me, json: CardFixture.data()).status == .ok)
    }
}
