import Foundation
import SmartCard
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Puts a ``CardEmulator`` into a real pcscd through vsmartcard's vpcd reader driver.
///
/// vpcd, loaded by pcscd, listens on a TCP port (35963 for its first reader, from
/// `/etc/reader.conf.d/vpcd`); the virtual card connects to it as a client, which makes the card appear
/// in that reader. Any PC/SC program (OpenSC, MynaGate's own ``PCSCContext``) then talks to the card as
/// if it were in a physical reader.
///
/// The bridge keeps trying to connect, with backoff, until it succeeds, and connects again when pcscd
/// restarts, so the order in which pcscd and the card start does not matter. One bridge runs once:
/// ``run()`` returns after ``stop()`` or when its task is cancelled.
public final class VPCDBridge: @unchecked Sendable {
    // @unchecked: `stopped` and `activeSocket` are guarded by `lock`; everything else is immutable.

    /// What the bridge is doing, for a caller that reports progress.
    public enum Event: Sendable, Hashable {
        /// Connected to vpcd: the card is now in the reader.
        case connected(host: String, port: UInt16)
        /// vpcd closed the connection (pcscd stopped); the bridge will try again.
        case disconnected
    }

    /// Why the bridge cannot run at all.
    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// The host name does not resolve to any address.
        case invalidHost(String)

        public var description: String {
            switch self {
            case .invalidHost(let host): return "cannot resolve vpcd host \(host)"
            }
        }
    }

    /// vpcd's default port (`CHANNELID 0x8C7B` in vsmartcard's `/etc/reader.conf.d/vpcd`).
    public static let defaultPort: UInt16 = 35963

    let card: any CardEmulator
    let host: String
    let port: UInt16
    let atr: [UInt8]
    private let onEvent: (@Sendable (Event) -> Void)?
    private let lock = NSLock()
    private var stopped = false
    private var activeSocket: Int32 = -1
    private let wake = DispatchSemaphore(value: 0)

    /// Longest pause between connection attempts: short enough that a card appears soon after pcscd.
    static let maxBackoff: Duration = .seconds(2)

    /// - Parameters:
    ///   - atr: the ATR to report to vpcd; the card's own when `nil`.
    ///   - onEvent: called on the bridge's thread when the connection comes and goes.
    public init(card: any CardEmulator, host: String = "127.0.0.1", port: UInt16 = VPCDBridge.defaultPort,
                atr: [UInt8]? = nil, onEvent: (@Sendable (Event) -> Void)? = nil) {
        self.card = card
        self.host = host
        self.port = port
        self.atr = atr ?? card.atr
        self.onEvent = onEvent
    }

    /// Serves the card until ``stop()`` is called or the calling task is cancelled.
    ///
    /// Socket I/O blocks, so it runs on a thread of its own rather than on Swift's cooperative pool.
    ///
    /// - Throws: ``Failure/invalidHost(_:)`` when the host cannot be resolved at all.
    public func run() async throws {
        let result: Result<Void, Failure> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let thread = Thread { continuation.resume(returning: self.connectLoop()) }
                thread.name = "mynagate.vpcd"
                thread.start()
            }
        } onCancel: {
            self.stop()
        }
        try result.get()
    }

    /// Ends ``run()``: closes the connection (the card leaves the reader) and stops reconnecting.
    public func stop() {
        lock.withLock {
            stopped = true
            // shutdown, not close: it wakes the thread blocked in recv without freeing a descriptor
            // number that the thread is still using.
            if activeSocket >= 0 { _ = shutdown(activeSocket, Int32(SHUT_RDWR)) }
        }
        wake.signal()
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func connectLoop() -> Result<Void, Failure> {
        var backoff: Duration = .milliseconds(100)
        var resolvedOnce = false
        while !isStopped {
            switch Self.connect(host: host, port: port) {
            case .failure(.unresolvable) where !resolvedOnce:
                return .failure(.invalidHost(host))
            case .failure:
                _ = wake.wait(timeout: .now() + .milliseconds(Int(backoff.components.seconds * 1000
                    + backoff.components.attoseconds / 1_000_000_000_000_000)))
                backoff = min(backoff * 2, Self.maxBackoff)
            case .success(let fd):
                resolvedOnce = true
                let proceed = lock.withLock { () -> Bool in
                    if stopped { return false }
                    activeSocket = fd
                    return true
                }
                guard proceed else { close(fd); break }
                backoff = .milliseconds(100)
                onEvent?(.connected(host: host, port: port))
                serve(socket: fd)
                lock.withLock { activeSocket = -1 }
                close(fd)
                if !isStopped { onEvent?(.disconnected) }
            }
        }
        return .success(())
    }

    private enum ConnectFailure: Error { case unresolvable, refused }

    /// One connection attempt to every address `host` resolves to.
    private static func connect(host: String, port: UInt16) -> Result<Int32, ConnectFailure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            return .failure(rc == EAI_AGAIN ? .refused : .unresolvable)
        }
        defer { freeaddrinfo(first) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if fd < 0 { continue }
            if posixConnect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                configure(fd)
                return .success(fd)
            }
            close(fd)
        }
        return .failure(.refused)
    }

    /// Per-connection socket options.
    private static func configure(_ fd: Int32) {
        var one: Int32 = 1
        // Each APDU is one small frame answered before the next: Nagle's algorithm would only add delay.
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        #if canImport(Darwin)
        // A write after vpcd has gone must fail with EPIPE, not kill the process with SIGPIPE.
        _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
    }

    /// Answers vpcd on a connected socket until the peer closes it or it fails.
    func serve(socket fd: Int32) {
        var decoder = VPCDFrame.Decoder()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            #if canImport(Glibc)
            // vpcd writes a frame's 2-byte length and its body in two sends without TCP_NODELAY, so
            // Nagle holds the body until the length is acknowledged; a delayed ACK here would then cost
            // ~40 ms per APDU. Linux turns quick ACKs off again by itself, so this is set before every read.
            var quick: Int32 = 1
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_QUICKACK, &quick, socklen_t(MemoryLayout<Int32>.size))
            #endif
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return }
            decoder.append(chunk[0..<n])
            while let payload = decoder.next() {
                let message = VPCDMessage(payload: payload)
                guard let reply = message.reply(from: card, atr: atr) else { continue }
                // A response above 65535 bytes cannot be framed; a card never produces one, and the
                // status word 6F 00 ("no precise diagnosis") is the honest answer if it did.
                let frame = (try? VPCDFrame.encode(reply)) ?? [0x00, 0x02, 0x6F, 0x00]
                guard Self.sendAll(fd, frame) else { return }
            }
        }
    }

    private static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        #if canImport(Glibc)
        let flags = Int32(MSG_NOSIGNAL)
        #else
        let flags: Int32 = 0
        #endif
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, bytes.count - offset, flags) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }
}

/// `connect(2)`, named apart because `VPCDBridge.connect(host:port:)` shadows it inside the class.
@inline(__always)
private func posixConnect(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>!, _ length: socklen_t) -> Int32 {
    #if canImport(Glibc)
    return Glibc.connect(fd, address, length)
    #else
    return Darwin.connect(fd, address, length)
    #endif
}
