#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DoorAgent
import Foundation
import Testing

#if canImport(Glibc)
private let systemConnect = Glibc.connect
#else
private let systemConnect = Darwin.connect
#endif

@Suite("Keypad and display drivers on a Unix socket")
struct SocketTests {
    /// Connects to `path` as a driver would.
    func connect(_ path: String) throws -> Int32 {
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        let r = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { systemConnect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(r == 0)
        return fd
    }

    @Test func keypadLinesReachThePINPadAndTheDisplayReachesTheDriver() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("door-\(UInt32.random(in: 0...UInt32.max)).sock").path
        let server = try UnixSocketLineServer(path: path)
        defer { server.stop() }
        let fd = try connect(path)
        defer { close(fd) }
        let typed = Array("1234\nyes\n".utf8)
        _ = typed.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let pad = LinePINPad(lines: server.lines)
        #expect(await pad.readPIN(triesLeft: 3) == "1234")
        #expect(await pad.confirmLastTry())

        // The connection is registered before its first line arrives, so the broadcast reaches it.
        await SocketDisplay(server: server).show(.enterPIN(triesLeft: 2))
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        let line = String(decoding: buffer[0..<max(0, n)], as: UTF8.self)
        #expect(line.hasPrefix("pin\t2\t"))
        #expect(line.hasSuffix("\n"))
    }
}
