import Foundation
import Testing
import SmartCard
@testable import PCSC
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bridge against sockets this test owns (no pcscd): it plays vpcd's side of the protocol.
@Suite("vpcd bridge over loopback")
struct VPCDBridgeLoopbackTests {
    /// The vpcd end of a connection: sends frames, reads answers with a deadline.
    struct FakeVPCD {
        let fd: Int32

        func send(_ bytes: [UInt8]) {
            var off = 0
            while off < bytes.count {
                let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, bytes.count - off) }
                precondition(n > 0)
                off += n
            }
        }

        func sendFrame(_ payload: [UInt8]) throws { send(try VPCDFrame.encode(payload)) }

        /// Reads exactly `count` bytes, or fewer when nothing arrives for 5 seconds.
        func read(_ count: Int) -> [UInt8] {
            var out: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: count)
            while out.count < count {
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&pfd, 1, 5000) == 1 else { break }
                let n = buffer.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress!, count - out.count) }
                if n <= 0 { break }
                out += buffer[0..<n]
            }
            return out
        }

        func readFrame() -> [UInt8]? {
            let header = read(2)
            guard header.count == 2 else { return nil }
            let length = Int(header[0]) << 8 | Int(header[1])
            let payload = read(length)
            return payload.count == length ? payload : nil
        }

        /// True when nothing at all arrives within `ms`.
        func isSilent(ms: Int32) -> Bool {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            return poll(&pfd, 1, ms) == 0
        }
    }

    private func socketPair() -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        #if canImport(Glibc)
        let type = Int32(SOCK_STREAM.rawValue)
        #else
        let type = SOCK_STREAM
        #endif
        precondition(socketpair(AF_UNIX, type, 0, &fds) == 0)
        return (fds[0], fds[1])
    }

    @Test func answersControlsAndAPDUsInOrder() async throws {
        let card = RecordingCard()
        let bridge = VPCDBridge(card: card)
        let (mine, theirs) = socketPair()
        let done = DispatchSemaphore(value: 0)
        Thread { bridge.serve(socket: theirs); done.signal() }.start()
        let vpcd = FakeVPCD(fd: mine)

        try vpcd.sendFrame([0x01])
        try vpcd.sendFrame([0x04])
        #expect(vpcd.readFrame() == card.atr)
        try vpcd.sendFrame([0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01])
        #expect(vpcd.readFrame() == [0x90, 0x00])
        // A frame delivered one byte at a time.
        for byte in try VPCDFrame.encode([0x00, 0xB0, 0x00, 0x00, 0x04]) { vpcd.send([byte]) }
        #expect(vpcd.readFrame() == [0x30, 0x82, 0x01, 0x00, 0x90, 0x00])
        // Two frames in one write, and a response larger than one receive chunk.
        vpcd.send(try VPCDFrame.encode([0x02]) + VPCDFrame.encode([0x00, 0xEE, 0x00, 0x00]))
        let long = vpcd.readFrame()
        #expect(long?.count == 5002)
        #expect(long?.suffix(2) == [0x90, 0x00])
        try vpcd.sendFrame([0x00])
        // Power and reset controls get no answer.
        #expect(vpcd.isSilent(ms: 200))

        close(mine)
        #expect(done.wait(timeout: .now() + 5) == .success, "serve returns when vpcd closes")
        close(theirs)
        #expect(card.events == ["on", "apdu", "apdu", "reset", "apdu", "off"])
    }

    @Test func reportsTheOverriddenATR() throws {
        let card = RecordingCard()
        let bridge = VPCDBridge(card: card, atr: [0x3B, 0x02, 0x14, 0x50])
        let (mine, theirs) = socketPair()
        Thread { bridge.serve(socket: theirs); close(theirs) }.start()
        let vpcd = FakeVPCD(fd: mine)
        try vpcd.sendFrame([0x04])
        #expect(vpcd.readFrame() == [0x3B, 0x02, 0x14, 0x50])
        close(mine)
    }

    /// The bridge is a TCP client: it must keep retrying until vpcd listens, then serve, and stop cleanly.
    @Test(.timeLimit(.minutes(1)))
    func connectsWhenTheListenerAppearsAndStops() async throws {
        // Reserve a free port, then close it so the first attempts are refused.
        let probe = try Listener()
        let port = probe.port
        probe.close()

        let card = RecordingCard()
        let connected = Counter()
        let bridge = VPCDBridge(card: card, host: "127.0.0.1", port: port) { event in
            if case .connected = event { connected.increment() }
        }
        let task = Task { try await bridge.run() }
        try await Task.sleep(for: .milliseconds(300))
        #expect(connected.value == 0)

        let listener = try Listener(port: port)
        let fd = try #require(listener.accept(timeoutMs: 10_000))
        let vpcd = FakeVPCD(fd: fd)
        try vpcd.sendFrame([0x04])
        #expect(vpcd.readFrame() == card.atr)
        #expect(connected.value == 1)

        bridge.stop()
        try await task.value
        #expect(vpcd.read(1).isEmpty, "the bridge closed its end")
        close(fd)
        listener.close()
    }

    /// Port 1 refuses connections, so `run` keeps retrying; cancelling must end it (with or without a
    /// CancellationError) well within the time limit, instead of retrying for ever.
    @Test(.timeLimit(.minutes(1))) func cancellationEndsRun() async throws {
        let bridge = VPCDBridge(card: RecordingCard(), host: "127.0.0.1", port: 1)
        let task = Task { try await bridge.run() }
        try await Task.sleep(for: .milliseconds(200))
        let cancelled = ContinuousClock.now
        task.cancel()
        let result = await task.result
        #expect(ContinuousClock.now - cancelled < .seconds(5), "run went on for \(ContinuousClock.now - cancelled) after cancel")
        if case .failure(let error) = result { #expect(error is CancellationError, "\(error)") }
    }

    @Test func unresolvableHostFails() async {
        let bridge = VPCDBridge(card: RecordingCard(), host: "no such host.invalid", port: 35963)
        await #expect(throws: VPCDBridge.Failure.invalidHost("no such host.invalid")) { try await bridge.run() }
    }
}

private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

/// A TCP listener on 127.0.0.1, standing in for vpcd.
final class Listener {
    let fd: Int32
    let port: UInt16

    struct Failed: Error {}

    init(port: UInt16 = 0) throws {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        self.fd = fd
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 1) == 0 else { throw Failed() }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.port = UInt16(bigEndian: address.sin_port)
    }

    func accept(timeoutMs: Int32) -> Int32? {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, timeoutMs) == 1 else { return nil }
        let client = posixAccept(fd)
        return client >= 0 ? client : nil
    }

    func close() { _ = systemClose(fd) }
}

private func posixAccept(_ fd: Int32) -> Int32 { accept(fd, nil, nil) }
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
