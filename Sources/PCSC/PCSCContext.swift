import Foundation
import SmartCard

/// One reader and what is in it, as PC/SC reports it without connecting to the card.
public struct PCSCReaderStatus: Sendable, Hashable {
    /// The reader's name, as passed to ``PCSCContext/connect(reader:shareMode:protocols:supportsExtendedLength:)``.
    public var reader: String
    /// Whether a card is in the reader (and answered reset).
    public var cardPresent: Bool
    /// The card's answer to reset; empty when no card is present.
    public var atr: [UInt8]
    /// Another program holds the card exclusively.
    public var exclusive: Bool
    /// Another program has the card open (shared).
    public var inUse: Bool
    /// A card is in the reader but did not answer reset.
    public var mute: Bool
}

/// How a connection shares the card with other programs.
public enum PCSCShareMode: Sendable, Hashable {
    /// Others may use the card between our commands (PC/SC transactions are not used).
    case shared
    /// No other program may connect while we are connected.
    case exclusive

    var value: PCSCDword { self == .shared ? SCard.shareShared : SCard.shareExclusive }
}

/// The card protocols a connection may use.
public struct PCSCProtocols: OptionSet, Sendable, Hashable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// T=0 (character protocol: no extended length without envelopes).
    public static let t0 = PCSCProtocols(rawValue: 0x1)
    /// T=1 (block protocol).
    public static let t1 = PCSCProtocols(rawValue: 0x2)
    /// Whatever the reader negotiates.
    public static let any: PCSCProtocols = [.t0, .t1]
}

/// A connection to the PC/SC resource manager (pcscd on Linux).
///
/// Reader listing and connecting go through this context. Each wait for a card runs on its own context
/// and its own thread, because pcsc-lite serializes calls per context: a wait blocked in
/// SCardGetStatusChange would otherwise hold up every connect and list, and SCardCancel would cancel
/// every wait at once.
public final class PCSCContext: Sendable {
    let library: PCSCLibrary
    let handle: PCSCLong

    /// Connects to the resource manager (SCardEstablishContext, system scope).
    ///
    /// - Throws: ``PCSCError/libraryMissing(_:)`` without libpcsclite; ``PCSCError/call(_:_:)`` with
    ///   ``PCSCStatus/noService`` when pcscd is not running.
    public init() throws {
        let library = try PCSCLibrary.get()
        var context: PCSCLong = 0
        try check(library.establishContext(SCard.scopeSystem, nil, nil, &context), "SCardEstablishContext")
        self.library = library
        self.handle = context
    }

    deinit {
        _ = library.releaseContext(handle)
    }

    /// The names of the connected readers; empty when there are none (not an error).
    public func readers() throws -> [String] {
        var length: PCSCDword = 0
        var code = library.listReaders(handle, nil, nil, &length)
        if PCSCStatus(code) == .noReadersAvailable { return [] }
        try check(code, "SCardListReaders")
        // The list can grow between the size query and the read; retry on a too-small buffer.
        for _ in 0..<3 {
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            code = library.listReaders(handle, nil, &buffer, &length)
            let status = PCSCStatus(code)
            if status == .noReadersAvailable { return [] }
            if status == .insufficientBuffer { continue }
            try check(code, "SCardListReaders")
            return Self.splitMultiString(buffer.prefix(Int(length)))
        }
        throw PCSCError.call("SCardListReaders", .insufficientBuffer)
    }

    /// Parses a PC/SC multi-string: names separated by NUL, ended by an empty name.
    static func splitMultiString<C: Collection>(_ chars: C) -> [String] where C.Element == CChar {
        chars.split(separator: 0, omittingEmptySubsequences: true).map { part in
            String(decoding: part.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// Each reader's current state, without connecting to any card.
    public func status(of readers: [String]? = nil) throws -> [PCSCReaderStatus] {
        let names = try readers ?? self.readers()
        if names.isEmpty { return [] }
        let states = ReaderStateBuffer(readers: names)
        let code = library.getStatusChange(handle, 0, states.memory, PCSCDword(names.count))
        // With every state UNAWARE the call answers at once; a timeout here means "nothing new".
        if PCSCStatus(code) != .timeout { try check(code, "SCardGetStatusChange") }
        return names.indices.map { i in
            let event = states.eventState(i)
            let present = event & SCard.statePresent != 0 && event & SCard.stateMute == 0
            return PCSCReaderStatus(
                reader: names[i], cardPresent: present, atr: present ? states.atr(i) : [],
                exclusive: event & SCard.stateExclusive != 0, inUse: event & SCard.stateInUse != 0,
                mute: event & SCard.stateMute != 0)
        }
    }

    /// Waits until a card is in `reader`.
    ///
    /// - Parameter timeout: how long to wait; `nil` waits until the task is cancelled.
    /// - Returns: `true` when a card is present, `false` when the timeout passed first.
    /// - Throws: `CancellationError` when the task is cancelled; ``PCSCError`` otherwise.
    public func waitForCard(reader: String, timeout: Duration?) async throws -> Bool {
        try await wait(reader: reader, timeout: timeout) { event in
            event & SCard.statePresent != 0 && event & SCard.stateMute == 0
        }
    }

    /// Waits until `reader` is empty (or the reader itself is gone, which also means the card is).
    ///
    /// - Returns: `true` when the card is gone, `false` when the timeout passed first.
    public func waitForRemoval(reader: String, timeout: Duration?) async throws -> Bool {
        try await wait(reader: reader, timeout: timeout) { event in
            event & (SCard.stateEmpty | SCard.stateUnknown | SCard.stateUnavailable) != 0
        }
    }

    private func wait(reader: String, timeout: Duration?,
                      until done: @escaping @Sendable (PCSCDword) -> Bool) async throws -> Bool {
        try Task.checkCancellation()
        let waiter = try StatusWaiter(library: library)
        let deadline = timeout.map { ContinuousClock.now + $0 }
        let result: Result<Bool, any Error> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let thread = Thread {
                    continuation.resume(returning: waiter.run(reader: reader, deadline: deadline, until: done))
                }
                thread.name = "mynagate.pcsc.wait"
                thread.start()
            }
        } onCancel: {
            waiter.cancel()
        }
        return try result.get()
    }

    /// Connects to the card in `reader`.
    ///
    /// - Parameters:
    ///   - shareMode: `.shared` lets other programs use the card between our operations (each operation
    ///     runs in a PC/SC transaction); `.exclusive` keeps them out for the whole connection, which is
    ///     what a program that presents a PIN wants (soltia48/myna-card README, "Who else may hold the
    ///     card": a VERIFY stays in effect until the card leaves the field, so anybody sharing the card
    ///     can sign with the key it unlocked).
    ///   - supportsExtendedLength: overrides the protocol's default (T=1 yes, T=0 no) for readers that
    ///     claim more, or less, than they do. A reader on which an extended command failed is
    ///     remembered as short-only for the rest of the process whatever this says.
    ///   - transactions: wrap each operation in SCardBeginTransaction/SCardEndTransaction (the
    ///     default). `false` exists only for the system test that shows what goes wrong without them.
    public func connect(reader: String, shareMode: PCSCShareMode = .shared, protocols: PCSCProtocols = .any,
                        supportsExtendedLength: Bool? = nil, transactions: Bool = true) throws -> PCSCCardTransport {
        try PCSCCardTransport(context: self, reader: reader, shareMode: shareMode, protocols: protocols,
                              supportsExtendedLength: supportsExtendedLength, transactions: transactions)
    }
}

/// One SCardGetStatusChange wait on a private context, cancellable from another thread.
private final class StatusWaiter: @unchecked Sendable {
    // @unchecked: `cancelled` is guarded by `lock`; the context handle is immutable and SCardCancel is
    // documented as callable from any thread while another blocks in SCardGetStatusChange.
    let library: PCSCLibrary
    let context: PCSCLong
    private let lock = NSLock()
    private var cancelled = false

    init(library: PCSCLibrary) throws {
        self.library = library
        var context: PCSCLong = 0
        try check(library.establishContext(SCard.scopeSystem, nil, nil, &context), "SCardEstablishContext")
        self.context = context
    }

    deinit {
        _ = library.releaseContext(context)
    }

    var isCancelled: Bool { lock.withLock { cancelled } }

    func cancel() {
        lock.withLock { cancelled = true }
        _ = library.cancel(context)
    }

    /// Blocks until `done` holds for the reader's state, the deadline passes, or cancellation.
    func run(reader: String, deadline: ContinuousClock.Instant?,
             until done: (PCSCDword) -> Bool) -> Result<Bool, any Error> {
        let states = ReaderStateBuffer(readers: [reader])
        states.setCurrentState(0, SCard.stateUnaware)
        while true {
            if isCancelled { return .failure(CancellationError()) }
            // A cancel that lands between the check above and the call below is missed by SCardCancel,
            // so no single call blocks longer than a second: a missed cancel costs at most that.
            var slice: Duration = .seconds(1)
            if let deadline {
                let left = deadline - ContinuousClock.now
                if left <= .zero { return .success(false) }
                slice = min(slice, left)
            }
            let ms = PCSCDword(max(1, slice.components.seconds * 1000 + slice.components.attoseconds / 1_000_000_000_000_000))
            let code = library.getStatusChange(context, ms, states.memory, 1)
            let status = PCSCStatus(code)
            switch status {
            case .success:
                let event = states.eventState(0)
                if done(event) { return .success(true) }
                states.acknowledge(0)
            case .timeout:
                // The first call starts from UNAWARE and answers at once, so a timeout means no change.
                continue
            case .cancelled:
                return .failure(CancellationError())
            default:
                return .failure(PCSCError.call("SCardGetStatusChange", status))
            }
        }
    }
}
