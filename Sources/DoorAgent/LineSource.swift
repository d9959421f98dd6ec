import Foundation
import Synchronization

/// Lines of text from somewhere (standard input, a socket connection, a script), read one at a time.
///
/// The reader loop and the stdin PIN pad share one source, so a tap line and the PIN that follows it are
/// read in the order they were typed.
public protocol LineSource: Sendable {
    /// The next line without its terminator, or nil at the end of input.
    func nextLine() async -> String?
}

/// Lines handed over by a producer (a reading thread, a socket connection, a test), in order.
///
/// Lines wait in a buffer until read; readers wait until a line comes. Pushing never blocks, so a
/// producer on a plain thread can hand lines over without entering the concurrency runtime.
public final class QueuedLines: LineSource {
    struct Inner {
        var buffer: [String] = []
        var head = 0
        var waiters: [CheckedContinuation<String?, Never>] = []
        var finished = false
    }

    private let inner = Mutex(Inner())

    /// An empty queue.
    public init() {}

    /// A queue holding `lines`, then ended when `finished`.
    public convenience init(_ lines: [String], finished: Bool = true) {
        self.init()
        for l in lines { push(l) }
        if finished { finish() }
    }

    /// Adds a line.
    public func push(_ line: String) {
        let waiter: CheckedContinuation<String?, Never>? = inner.withLock { s in
            if !s.waiters.isEmpty { return s.waiters.removeFirst() }
            s.buffer.append(line)
            return nil
        }
        waiter?.resume(returning: line)
    }

    /// Ends the input: readers get nil after the queued lines.
    public func finish() {
        let waiters = inner.withLock { s in
            s.finished = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume(returning: nil) }
    }

    public func nextLine() async -> String? {
        await withCheckedContinuation { (c: CheckedContinuation<String?, Never>) in
            let answer: String?? = inner.withLock { s in
                if s.head < s.buffer.count {
                    let line = s.buffer[s.head]
                    s.head += 1
                    if s.head > 1024, s.head * 2 > s.buffer.count {
                        s.buffer.removeFirst(s.head)
                        s.head = 0
                    }
                    return .some(line)
                }
                if s.finished { return .some(nil) }
                s.waiters.append(c)
                return .none
            }
            if let answer { c.resume(returning: answer) }
        }
    }
}

/// Standard input, read on a thread of its own so a blocking read never holds a concurrency thread.
public final class StandardInputLines: LineSource {
    private let queue = QueuedLines()

    /// Starts reading standard input.
    public init() {
        let queue = self.queue
        let thread = Thread {
            while let line = readLine(strippingNewline: true) { queue.push(line) }
            queue.finish()
        }
        thread.start()
    }

    public func nextLine() async -> String? { await queue.nextLine() }
}
