import DoorProtocol
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import WebSocketKit

/// Listens on the server's push WebSocket and yields each announced policy version, so a suspension
/// reaches the door within a second instead of at the next poll.
///
/// It reconnects with backoff (0.5 s doubling to 10 s) for as long as it runs; polling covers the gaps.
public struct PushListener: Sendable {
    let url: String
    let token: String

    /// A listener for `registration`'s door.
    public init(registration: DoorAgentRegistration) {
        var base = registration.server
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasPrefix("https://") { base = "wss://" + base.dropFirst("https://".count) }
        else if base.hasPrefix("http://") { base = "ws://" + base.dropFirst("http://".count) }
        let door = registration.door.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? registration.door
        url = "\(base)/api/v1/doors/\(door)/push"
        token = registration.token
    }

    /// Versions as the server announces them, until the consuming task is cancelled.
    public func versions(log: @escaping @Sendable (String) -> Void) -> AsyncStream<Int> {
        let (stream, continuation) = AsyncStream<Int>.makeStream(bufferingPolicy: .bufferingNewest(16))
        let task = Task {
            var backoff = 0.5
            while !Task.isCancelled {
                let connected = await connectOnce(continuation)
                if connected { backoff = 0.5 } else { log("push unavailable, polling; retrying in \(backoff) s") }
                try? await Task.sleep(for: .milliseconds(Int(backoff * 1000)))
                backoff = min(backoff * 2, 10)
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// One connection: returns when it closes; false if it never opened.
    func connectOnce(_ continuation: AsyncStream<Int>.Continuation) async -> Bool {
        let (closed, closedContinuation) = AsyncStream<Void>.makeStream()
        let socket = Mutex<WebSocket?>(nil)
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: "Bearer \(token)")
        do {
            try await WebSocket.connect(to: url, headers: headers, on: MultiThreadedEventLoopGroup.singleton) { ws in
                socket.withLock { $0 = ws }
                // A link that dies silently (a cut cable, a NAT dropping state) gives no close: a ping
                // unanswered by the next one closes the socket, and the loop reconnects or polls.
                ws.pingInterval = .seconds(10)
                ws.onText { _, text in
                    if let push = try? DoorWire.decoder().decode(DoorPush.self, from: Data(text.utf8)) {
                        continuation.yield(push.version)
                    }
                }
                ws.onClose.whenComplete { _ in closedContinuation.finish() }
            }.get()
        } catch {
            return false
        }
        await withTaskCancellationHandler {
            for await _ in closed {}
        } onCancel: {
            _ = socket.withLock { $0 }?.close()
            closedContinuation.finish()
        }
        return true
    }
}
