import Foundation
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Testing
import Vapor

/// The one error body over real HTTP: a feature's refusal (vault, card application with field issues),
/// a plain `Abort`, and Vapor's own errors (malformed JSON, unknown route, wrong media type, body too
/// large) and the rate limit all come out as
/// `{"error": true, "code", "reason", "messageJa", "messageEn", "issues"?}` — every field non-empty, the
/// code stable (`^[a-z0-9_.]+$`), `application/json; charset=utf-8`, and never the input that was refused.
@Suite("Error contract: every 4xx/5xx in the one shape", .serialized)
struct ErrorContractTests {
    /// Checks `r` is the one error body with `status` (and `code`, when given) and carries none of `secrets`.
    static func expectContract(_ r: TestServer.Reply, _ status: HTTPStatus, code: String? = nil, notContaining secrets: [String] = [],
                               sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == status, "\(r.status) \(r.text)", sourceLocation: sourceLocation)
        let contentType = r.headers.first(name: .contentType) ?? ""
        #expect(contentType.lowercased().replacingOccurrences(of: " ", with: "") == "application/json;charset=utf-8", "\(contentType)", sourceLocation: sourceLocation)
        let o = r.object()
        #expect(Set(o.keys).subtracting(["issues"]) == ["error", "code", "reason", "messageJa", "messageEn"], "\(r.text)", sourceLocation: sourceLocation)
        #expect(o["error"] as? Bool == true, "\(r.text)", sourceLocation: sourceLocation)
        let c = o["code"] as? String ?? ""
        #expect(c.wholeMatch(of: /[a-z0-9_.]+/) != nil, "code \(c)", sourceLocation: sourceLocation)
        if let code { #expect(c == code, "\(r.text)", sourceLocation: sourceLocation) }
        for key in ["reason", "messageJa", "messageEn"] {
            #expect(!(o[key] as? String ?? "").trimmingCharacters(in: .whitespaces).isEmpty, "\(key) empty in \(r.text)", sourceLocation: sourceLocation)
        }
        #expect(o["reason"] as? String == o["messageEn"] as? String, "\(r.text)", sourceLocation: sourceLocation)
        if let issues = o["issues"] {
            let list = issues as? [[String: Any]] ?? []
            #expect(!list.isEmpty, "issues present but empty: \(r.text)", sourceLocation: sourceLocation)
            for i in list {
                #expect(Set(i.keys) == ["field", "code", "severity", "messageJa", "messageEn"], "\(i)", sourceLocation: sourceLocation)
                #expect(i["field"] is String || i["field"] is NSNull, "\(i)", sourceLocation: sourceLocation)
                #expect(["error", "warning"].contains(i["severity"] as? String ?? ""), "\(i)", sourceLocation: sourceLocation)
                for key in ["code", "messageJa", "messageEn"] {
                    #expect(!(i[key] as? String ?? "").isEmpty, "\(key) empty in \(i)", sourceLocation: sourceLocation)
                }
            }
        }
        for secret in secrets {
            #expect(!r.text.contains(secret), "the body repeats the input \(secret): \(r.text)", sourceLocation: sourceLocation)
        }
    }

    @Test("a vault refusal: an hr account that is not a designated handler lists requests → 403 not_a_designated_handler")
    func vaultRefusal() async throws {
        let site = try await VaultSite.start()
        defer { Task { await site.stop() } }
        let hr = try await site.s.user(.hr)
        let r = try await site.s.send(.GET, "/api/v1/vault/requests", as: hr)
        Self.expectContract(r, .forbidden, code: "not_a_designated_handler")
        #expect((r.object()["messageJa"] as? String ?? "").contains("事務取扱担当者"))
    }

    @Test("a card application refusal carries one issue per field, and not the refused values")
    func cardApplicationIssues() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let (_, me) = try await CardFixture.person(s, hr: hr, number: "EC001")
        #expect(try await s.send(.POST, "/api/v1/me/card-application", as: me, json: ["route": "contractorBatch"]).status == .created)
        var bad = CardFixture.data(formID: "9876543210987654321098")
        bad["birthDate"] = "2999-01-01"
        let r = try await s.send(.PUT, "/api/v1/me/card-application/data", as: me, json: bad)
        Self.expectContract(r, .unprocessableEntity, code: "application_data_invalid", notContaining: ["9876543210987654321098", "2999-01-01"])
        let fields = (r.object()["issues"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
        #expect(Set(fields) == ["applicationFormID", "birthDate"], "\(r.text)")
        // A refusal without field issues has no `issues` key at all.
        let again = try await s.send(.POST, "/api/v1/me/card-application", as: me, json: ["route": "contractorBatch"])
        Self.expectContract(again, .conflict, code: "application_open")
        #expect(again.object()["issues"] == nil)
    }

    @Test("a plain Abort(404): code from the status, its reason as the English sentence, a Japanese sentence")
    func plainAbort() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let r = try await s.send(.GET, "/api/v1/employees/\(UUID().uuidString)", as: hr)
        Self.expectContract(r, .notFound, code: "not_found")
        #expect(r.object()["messageEn"] as? String == "no such employee")
        #expect(r.object()["messageJa"] as? String == "見つかりません。")
    }

    @Test("Vapor's own errors: malformed JSON and a wrong type (400), an unknown route (404), 415 and 413, in the one shape without the input")
    func vaporErrors() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        // Malformed JSON: the parser's message would quote the characters around the error.
        let malformed = try await s.send(.POST, "/api/v1/employees", as: hr, raw: Data(#"{"employeeNumber": "Q7ZX-SECRET"#.utf8), contentType: "application/json")
        Self.expectContract(malformed, .badRequest, code: "bad_request", notContaining: ["Q7ZX", "SECRET"])
        let garbage = try await s.send(.POST, "/api/v1/employees", as: hr, raw: Data("Q7ZX<<>>".utf8), contentType: "application/json")
        Self.expectContract(garbage, .badRequest, code: "bad_request", notContaining: ["Q7ZX"])
        // A value of the wrong type: the field is named, the value (a My Number here) never.
        let number = TestNumbers.make()
        let wrongType = try await s.send(.POST, "/api/v1/employees", as: hr, raw: Data(#"{"employeeNumber": \#(number), "name": "x", "department": "y"}"#.utf8),
                                         contentType: "application/json")
        Self.expectContract(wrongType, .badRequest, code: "bad_request", notContaining: [number])
        #expect((wrongType.object()["issues"] as? [[String: Any]])?.first?["field"] as? String == "employeeNumber", "\(wrongType.text)")
        // A dictionary's keys are the client's text: a bad value under one names no field (Vapor's own
        // text gives the path, key included — a My Number as a key, or any word).
        let admin = try await s.user(.admin)
        for key in ["qzxsecretword", number] {
            let schedule = try await s.send(.PUT, "/api/v1/schedules/office", as: admin, json: ["name": "x", "windows": [key: "09:00-17:00"]])
            Self.expectContract(schedule, .badRequest, code: "bad_request", notContaining: [key])
        }
        // An unknown route under /api, with a path the body must not repeat.
        let unknown = try await s.send(.GET, "/api/v1/zz-no-such-route-q7zx", as: hr)
        Self.expectContract(unknown, .notFound, code: "not_found", notContaining: ["q7zx"])
        let anonymous = try await s.send(.GET, "/api/v1/zz-no-such-route-q7zx")
        Self.expectContract(anonymous, .notFound, code: "not_found", notContaining: ["q7zx"])
        // A media type the route cannot read: Vapor's message would name it.
        let wrongMedia = try await s.send(.POST, "/api/v1/employees", as: hr, raw: Data("<x/>".utf8), contentType: "application/x-q7zx-type")
        Self.expectContract(wrongMedia, .unsupportedMediaType, code: "unsupported_media_type", notContaining: ["q7zx"])
        // This server's own 415 (sign-in takes JSON only) keeps its sentence.
        let form = try await s.send(.POST, "/api/v1/session", raw: Data("username=q7zx".utf8), contentType: "application/x-www-form-urlencoded")
        Self.expectContract(form, .unsupportedMediaType, code: "unsupported_media_type", notContaining: ["q7zx"])
        #expect(form.object()["messageEn"] as? String == "send the body as application/json")
        // A body over the route's limit.
        let big = try await s.send(.POST, "/api/v1/employees", as: hr, raw: Data(repeating: 0x20, count: 1_000_000), contentType: "application/json")
        Self.expectContract(big, .payloadTooLarge, code: "payload_too_large")
    }

    @Test("429 from the sign-in limit: the one shape, Retry-After kept")
    func rateLimited() async throws {
        let s = try await TestServer.start { c, _ in c.signInPerClientPerMinute = 1 }
        defer { Task { await s.stop() } }
        let first = try await s.send(.POST, "/api/v1/session", json: ["username": "q7zx-user", "password": "q7zx-secret"])
        Self.expectContract(first, .unauthorized, code: "unauthorized", notContaining: ["q7zx"])
        let limited = try await s.send(.POST, "/api/v1/session", json: ["username": "q7zx-user", "password": "q7zx-secret"])
        Self.expectContract(limited, .tooManyRequests, code: "too_many_requests", notContaining: ["q7zx"])
        #expect(Int(limited.headers.first(name: .retryAfter) ?? "") ?? 0 > 0, "\(limited.headers)")
    }
}
