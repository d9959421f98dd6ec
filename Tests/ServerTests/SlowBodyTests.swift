import Foundation
import Testing
import Vapor
#if canImport(Glibc)
import Glibc
#endif

/// A form whose body reaches the server after its head — a slow client, or a busy server reading the
/// head alone — is read whole before its CSRF token is checked (it used to be refused as forged:
/// seen as a 403 on the demo desk's form in a loaded full test run).
@Suite("Slow request bodies")
struct SlowBodyTests {
    /// Sends `head` with the first part of `body`, waits, then the rest, on a raw socket; returns the
    /// status line. (A body that arrives whole with its head, or alone after it, reaches the middleware
    /// collected; one that arrives in two parts is streamed.)
    static func send(port: Int, head: String, body: String, pause: UInt32 = 300_000) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Abort(.internalServerError, reason: "socket") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard connected == 0 else { throw Abort(.internalServerError, reason: "connect") }
        let split = body.index(body.startIndex, offsetBy: body.count / 2)
        for (i, part) in [head + body[..<split], String(body[split...])].enumerated() {
            if i == 1 { usleep(pause) }
            let bytes = Array(part.utf8)
            guard write(fd, bytes, bytes.count) == bytes.count else { throw Abort(.internalServerError, reason: "write") }
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(fd, &buffer, buffer.count)
        guard n > 0 else { throw Abort(.internalServerError, reason: "read") }
        return String(decoding: buffer[0..<n], as: UTF8.self).split(separator: "\r\n").first.map(String.init) ?? ""
    }

    @Test("a signed-in form whose body arrives late still carries its token")
    func lateBody() async throws {
        let s = try await TestServer.start()
        let admin = try await s.user(.admin)
        let port = try #require(URLComponents(string: s.base)?.port)
        let body = "csrf=\(admin.csrf ?? "")&drill=1&note="
        let head = "POST /muster/start HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: \(admin.cookie ?? "")\r\n"
            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
        let status = try await Task.detached { try Self.send(port: port, head: head, body: body) }.value
        // 303: the drill started and the page redirects; a 403 would be the token not found.
        #expect(status == "HTTP/1.1 303 See Other", "\(status)")
        await s.stop()
    }
}
