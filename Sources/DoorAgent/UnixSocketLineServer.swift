#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// A Unix-domain socket speaking lines, for hardware drivers that run as separate processes: a keypad
/// driver connects and writes PIN lines (``lines``); a display driver connects and reads what the door
/// shows (``SocketDisplay``).
///
/// The socket file is created with mode 0600: only the agent's user may type into the door or read it.
public final class UnixSocketLineServer: Sendable {
    /// Lines received from any connected client, in arrival order.
    public let lines = QueuedLines()
    let path: String
    let listener: Int32
    let clients = Mutex<[Int32]>([])

    /// Listens on `path`, replacing a stale socket file left by an earlier run.
    public init(path: String) throws {
        self.path = path
        unlink(path)
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw SocketError(call: "socket", errno: errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw SocketError(call: "path too long", errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            throw SocketError(call: "bind \(path)", errno: errno)
        }
        chmod(path, 0o600)
        guard listen(fd, 8) == 0 else {
            close(fd)
            throw SocketError(call: "listen", errno: errno)
        }
        listener = fd
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "mynagate.door.socket"
        thread.start()
    }

    func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            clients.withLock { $0.append(client) }
            let thread = Thread { [self] in readLoop(client) }
            thread.start()
        }
    }

    func readLoop(_ fd: Int32) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            pending += buffer[0..<n]
            while let newline = pending.firstIndex(of: 0x0A) {
                var line = String(decoding: pending[..<newline], as: UTF8.self)
                if line.hasSuffix("\r") { line.removeLast() }
                lines.push(line)
                pending.removeSubrange(...newline)
            }
        }
        clients.withLock { $0.removeAll { $0 == fd } }
        close(fd)
    }

    /// Writes `line` to every connected client; a client that cannot take it is dropped.
    public func broadcast(_ line: String) {
        let data = Array((line + "\n").utf8)
        let targets = clients.withLock { $0 }
        // A driver that went away must not kill the agent with SIGPIPE.
        #if canImport(Glibc)
        let flags = Int32(MSG_NOSIGNAL)
        #else
        let flags: Int32 = 0
        #endif
        for fd in targets {
            let written = data.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, flags) }
            if written != data.count { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    /// Stops listening and removes the socket file.
    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        unlink(path)
        for fd in clients.withLock({ $0 }) { shutdown(fd, Int32(SHUT_RDWR)) }
    }
}

/// A socket call failed.
public struct SocketError: Error, Sendable, CustomStringConvertible {
    /// The call and its argument.
    public var call: String
    /// The system error number.
    public var errno: Int32

    public var description: String { "\(call): \(String(cString: strerror(errno)))" }
}

/// A display driver on a Unix socket: each message is one ``DisplayMessage/line`` to every client.
public struct SocketDisplay: Display {
    let server: UnixSocketLineServer

    /// A display writing to `server`'s clients.
    public init(server: UnixSocketLineServer) { self.server = server }

    public func show(_ message: DisplayMessage) async { server.broadcast(message.line) }
}
