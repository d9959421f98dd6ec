import DoorProtocol
import Foundation

/// Sends the outbox to the server in batches and removes what the server acknowledged.
///
/// The order is: read a batch, upload it, remove its ids. A crash between the upload and the removal
/// sends the batch again after restart; the server keeps each event id once and counts the rest as
/// duplicates, so nothing is doubled and nothing is lost.
public actor Uploader {
    let store: LocalStore
    let server: any DoorServer
    let batchSize: Int
    let wake: AsyncStream<Void>
    let wakeContinuation: AsyncStream<Void>.Continuation
    /// Events the server acknowledged since start (new or already held).
    public private(set) var acknowledged = 0
    /// Of those, how many the server said it already held.
    public private(set) var duplicates = 0
    /// Of those, how many the server kept in quarantine (it could not vouch for them). They leave the
    /// outbox like the rest: the server holds them for review, and sending them again changes nothing.
    public private(set) var quarantined = 0
    /// How many times ``drain()`` has read the outbox since start. An idle agent reads it once per
    /// notification and once per idle poll; the test of the idle loop watches this.
    public private(set) var drains = 0

    /// An uploader from `store` to `server`, `batchSize` events at a time (at most the protocol's limit).
    public init(store: LocalStore, server: any DoorServer, batchSize: Int = DoorEventBatch.maxEvents) {
        self.store = store
        self.server = server
        self.batchSize = min(max(1, batchSize), DoorEventBatch.maxEvents)
        (wake, wakeContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Tells the uploader a new event is waiting, so it does not wait for its next poll.
    public nonisolated func notify() { wakeContinuation.yield() }

    /// Uploads until the outbox is empty. Returns how many events were acknowledged.
    ///
    /// - Throws: the first network or server error; what was acknowledged before it stays removed.
    @discardableResult
    public func drain() async throws -> Int {
        var total = 0
        drains += 1
        while true {
            let batch = try await store.pending(limit: batchSize)
            guard !batch.isEmpty else { return total }
            let result = try await server.upload(DoorEventBatch(events: batch))
            // Every id in an acknowledged batch is held by the server, whether new or a duplicate.
            try await store.remove(ids: batch.map(\.id))
            acknowledged += batch.count
            duplicates += result.duplicates
            quarantined += result.quarantined
            if result.quarantined > 0 {
                FileHandle.standardError.write(Data("the server quarantined \(result.quarantined) of \(batch.count) uploaded events (see its quarantine list)\n".utf8))
            }
            total += batch.count
        }
    }

    /// Drains until cancelled, backing off on errors (0.2 s doubling to 5 s) and otherwise waking on
    /// ``notify()`` or every `idlePoll` seconds.
    public func run(idlePoll: Double = 1, log: @escaping @Sendable (String) -> Void) async {
        var backoff = 0.2
        var iterator = wake.makeAsyncIterator()
        while !Task.isCancelled {
            do {
                try await drain()
                backoff = 0.2
                // Wait for a new event, or poll in case one was appended by an earlier run of the agent.
                // The poll wakes only when its sleep ran out. A waker cancelled because `notify()` came
                // first must not wake as well: that stray wake started the next waker's cancellation, and
                // the agent drained an empty outbox in a loop at 100 % CPU from its first event on.
                let waker = Task { [wakeContinuation] in
                    // `Task.sleep` throws only `CancellationError`: the waker was cancelled, nothing failed.
                    do { try await Task.sleep(for: .milliseconds(Int(idlePoll * 1000))) } catch { return }
                    wakeContinuation.yield()
                }
                _ = await iterator.next()
                waker.cancel()
            } catch {
                if Task.isCancelled { return }
                log("upload failed, retrying in \(String(format: "%.1f", backoff)) s: \(error)")
                try? await Task.sleep(for: .milliseconds(Int(backoff * 1000)))
                backoff = min(backoff * 2, 5)
            }
        }
    }
}
