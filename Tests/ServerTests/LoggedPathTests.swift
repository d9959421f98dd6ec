import Foundation
@testable import AttendanceServer
@testable import CardApplicationServer
@testable import ServerCore
@testable import VaultServer
import Testing
import Vapor

/// A My Number a client puts in a URL — where an employee or card id belongs — never reaches a log
/// line: the route log, the 4xx/5xx log and the rate-limit warning write ``Request/loggedPath``.
@Suite("Logged paths carry no number", .serialized)
struct LoggedPathTests {
    // A published check-digit vector shape (12 digits, valid check digit); any 12-digit run is redacted.
    static let number = "123456789018"

    @Test("redaction: a path segment with 12 or more digits (ASCII, full-width, spaced) becomes [digits]; ids stay")
    func redaction() {
        #expect(LoggedPath.redact("/api/v1/employees/\(Self.number)") == "/api/v1/employees/[digits]")
        #expect(LoggedPath.redact("/api/v1/employees/１２３４ ５６７８ ９０１８") == "/api/v1/employees/[digits]")
        #expect(LoggedPath.redact("/api/v1/employees/1234-5678-9018/x") == "/api/v1/employees/[digits]/x")
        let uuid = "94B46CF8-71AA-4C2B-9D3E-2039E44B0DA9"
        #expect(LoggedPath.redact("/api/v1/employees/\(uuid)") == "/api/v1/employees/\(uuid)")
        #expect(LoggedPath.redact("/api/v1/events") == "/api/v1/events")
    }

    @Test("over HTTP: a number in the path, percent-encoded or not, is in no log line of the request")
    func overHTTP() async throws {
        LogCapture.installed
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        let capture = LogCapture.shared.open()
        _ = try await s.send(.GET, "/api/v1/employees/\(Self.number)", as: admin)
        _ = try await s.send(.GET, "/api/v1/nowhere/\(Self.number)")
        _ = try await s.send(.GET, "/api/v1/employees/%31%32%33%34%35%36%37%38%39%30%31%38", as: admin)
        // Trace lines aside: at trace Vapor logs the raw request head (cookies too); the server never
        // logs at trace (``ServerLogging``, tested below), while the test capture takes every level.
        let lines = LogCapture.shared.close(capture).filter { !$0.hasPrefix("trace ") }
        #expect(lines.contains { $0.contains("/api/v1/employees/[digits]") }, "the route log names the request: \(lines.suffix(6))")
        #expect(!lines.contains { $0.contains(Self.number) }, "\(lines.filter { $0.contains(Self.number) })")
        await s.stop()
    }

    @Test("the server never logs at trace, where Vapor writes raw request heads with cookies")
    func noTrace() {
        #expect(ServerLogging.level(requested: .trace) == .debug)
        #expect(ServerLogging.level(requested: .debug) == .debug)
        #expect(ServerLogging.level(requested: .info) == .info)
        #expect(ServerLogging.level(requested: .error) == .error)
    }
}
