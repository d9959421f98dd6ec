import Foundation
import Testing
import Vapor
@testable import Server

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
}
