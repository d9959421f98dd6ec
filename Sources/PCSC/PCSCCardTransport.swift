import Foundation
import SmartCard
import Synchronization

/// A ``CardTransport`` to a card in a PC/SC reader.
///
/// Every PC/SC call for this card runs on one serial queue of its own: that keeps blocking
/// SCardTransmit calls (a slow card can take seconds) off Swift's cooperative thread pool, and it
/// serializes commands the way a card needs, without a lock around the handle.
///
/// Sharing: the card has one current application and one current file for every program connected to
/// it, so the card layer brackets each multi-APDU operation with ``beginTransaction()`` and
/// ``endTransaction()`` (SCardBeginTransaction/SCardEndTransaction). A reset by another program is
/// counted in ``resetCount`` so the card layer selects its application again.
public final class PCSCCardTransport: CardTransport, @unchecked Sendable {
    // @unchecked: the mutable state (`card`, `activeProtocol`, `currentATR`, `closed`, `transactionDepth`,
    // `resets`) is read and written only on `queue`.
    private let context: PCSCContext
    private let library: PCSCLibrary
    private let queue: DispatchQueue
    private let shareMode: PCSCShareMode
    private let protocols: PCSCProtocols
    private let extendedOverride: Bool?
    private let useTransactions: Bool
    private var card: PCSCLong = 0
    private var activeProtocol: PCSCDword = 0
    private var currentATR: [UInt8] = []
    private var closed = false
    private var transactionDepth = 0
    private var resets = 0

    /// Readers on which an extended-length command failed in this process. Kept by reader name, not
    /// per connection, because it is the reader (its firmware or its driver) that cannot carry them:
    /// the next card on the same reader would fail the same way.
    private static let shortOnlyReaders = Mutex<Set<String>>([])

    /// The reader this transport is connected through.
    public let reader: String

    /// Receive buffer size: the largest extended-length response (65536 data bytes) plus SW1 SW2.
    static let receiveCapacity = 65536 + 2

    init(context: PCSCContext, reader: String, shareMode: PCSCShareMode, protocols: PCSCProtocols,
         supportsExtendedLength: Bool?, transactions: Bool = true) throws {
        self.context = context
        self.library = context.library
        self.reader = reader
        self.shareMode = shareMode
        self.protocols = protocols
        self.extendedOverride = supportsExtendedLength
        self.useTransactions = transactions
        self.queue = DispatchQueue(label: "mynagate.pcsc.card")
        // The object is not shared yet, so the connection is made on the caller's thread.
        var handle: PCSCLong = 0
        var active: PCSCDword = 0
        let library = context.library
        let code = reader.withCString { name in
            library.connect(context.handle, name, shareMode.value, PCSCDword(protocols.rawValue), &handle, &active)
        }
        try check(code, "SCardConnect")
        card = handle
        activeProtocol = active
        do {
            currentATR = try readATR()
        } catch {
            _ = library.disconnect(handle, SCard.leaveCard)
            closed = true
            throw error
        }
    }

    deinit {
        // No other reference exists during deinit, so the queue is not needed. Reset, not leave: a
        // connection dropped without an explicit disconnect (a command that ends, a door tap) must not
        // leave a verified PIN behind for the next program to sign with.
        if !closed { _ = library.disconnect(card, SCard.resetCard) }
    }

    /// Reads the ATR with SCardStatus. Call on `queue`.
    private func readATR() throws(PCSCError) -> [UInt8] {
        var atr = [UInt8](repeating: 0, count: SCard.maxATRSize)
        var atrLength = PCSCDword(SCard.maxATRSize)
        var state: PCSCDword = 0
        var proto: PCSCDword = 0
        var nameLength: PCSCDword = 0
        // The reader name is not asked for (null buffer): its length is all pcsc-lite writes then.
        try check(library.status(card, nil, &nameLength, &state, &proto, &atr, &atrLength), "SCardStatus")
        return Array(atr.prefix(Int(atrLength)))
    }

    /// Runs `body` on the card's queue without blocking the caller's thread.
    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () -> Result<T, CardTransportError>)
        async throws(CardTransportError) -> T {
        let result = await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
        return try result.get()
    }

    public var atr: [UInt8] {
        get async { await withCheckedContinuation { c in queue.async { c.resume(returning: self.currentATR) } } }
    }

    /// T=1 carries extended-length APDUs; T=0 cannot without ENVELOPE, which MynaGate does not use.
    /// A reader on which one failed in this process (``extendedLengthFailed()``) is short-only from
    /// then on, whatever the protocol or the override says.
    public var supportsExtendedLength: Bool {
        get async {
            if Self.shortOnlyReaders.withLock({ $0.contains(reader) }) { return false }
            if let extendedOverride { return extendedOverride }
            return await withCheckedContinuation { c in
                queue.async { c.resume(returning: self.activeProtocol == SCard.protocolT1) }
            }
        }
    }

    public func extendedLengthFailed() async {
        _ = Self.shortOnlyReaders.withLock { $0.insert(reader) }
    }

    /// Forgets every reader remembered as short-only (for tests that reuse a reader name).
    static func forgetShortOnlyReaders() {
        Self.shortOnlyReaders.withLock { $0.removeAll() }
    }

    /// Shared-mode connections let other programs in between our transactions.
    public var isShared: Bool {
        get async { shareMode == .shared }
    }

    public var resetCount: Int {
        get async { await withCheckedContinuation { c in queue.async { c.resume(returning: self.resets) } } }
    }

    /// SCardBeginTransaction, nested: only the outermost call reaches pcscd. pcsc-lite's client waits
    /// while another program holds a transaction on the card, so this can block; it runs on the card's
    /// own queue, off the cooperative pool.
    public func beginTransaction() async throws(CardTransportError) {
        try await onQueue { () -> Result<Void, CardTransportError> in
            if self.closed { return .failure(.failure("the connection is closed")) }
            guard self.useTransactions else { return .success(()) }
            if self.transactionDepth > 0 {
                self.transactionDepth += 1
                return .success(())
            }
            var status = PCSCStatus(self.library.beginTransaction(self.card))
            if status == .resetCard {
                // Another program reset the card since our last command: reconnect (counted, so the
                // card layer selects its application again) and try once more.
                if case .failure(let error) = self.reconnectAfterReset() { return .failure(error.transportError) }
                status = PCSCStatus(self.library.beginTransaction(self.card))
            }
            guard status == .success else { return .failure(PCSCError.call("SCardBeginTransaction", status).transportError) }
            self.transactionDepth = 1
            return .success(())
        }
    }

    public func endTransaction() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            queue.async {
                defer { c.resume() }
                guard self.useTransactions, self.transactionDepth > 0 else { return }
                self.transactionDepth -= 1
                guard self.transactionDepth == 0, !self.closed else { return }
                let status = PCSCStatus(self.library.endTransaction(self.card, SCard.leaveCard))
                // pcsc-lite's SCardEndTransaction fails when the handle is gone (card removed), when the
                // card was reset or removed under the lock (SCARD_W_RESET_CARD / SCARD_W_REMOVED_CARD,
                // winscard.c: the lock is then left unreleased until the handle goes) or on a lost link
                // to pcscd. Any of these can leave our lock on the card, so the door's reader would stay
                // closed to every other program: reconnect, which makes pcscd drop the handle's lock.
                guard status != .success else { return }
                pcscLog("SCardEndTransaction failed (\(status)); reconnecting so the card is not left locked")
                if case .failure(let error) = self.reconnectAfterReset() {
                    pcscLog("reconnect after a failed SCardEndTransaction failed (\(error)); disconnecting")
                    _ = self.library.disconnect(self.card, SCard.resetCard)
                    self.closed = true
                }
            }
        }
    }

    /// SCardReconnect leaving the card as it is, after SCARD_W_RESET_CARD. Call on `queue`.
    private func reconnectAfterReset() -> Result<Void, PCSCError> {
        var active: PCSCDword = 0
        let code = library.reconnect(card, shareMode.value, PCSCDword(protocols.rawValue), SCard.leaveCard, &active)
        let status = PCSCStatus(code)
        guard status == .success else { return .failure(.call("SCardReconnect", status)) }
        resets += 1
        activeProtocol = active
        if let atr = try? readATR() { currentATR = atr }
        return .success(())
    }

    /// The protocol negotiated at connection: `.t0` or `.t1`.
    public var activeProtocols: PCSCProtocols {
        get async {
            await withCheckedContinuation { c in
                queue.async { c.resume(returning: PCSCProtocols(rawValue: UInt32(truncatingIfNeeded: self.activeProtocol))) }
            }
        }
    }

    public func transmit(_ command: [UInt8]) async throws(CardTransportError) -> [UInt8] {
        try await onQueue { self.transmitOnQueue(command) }
    }

    private func transmitOnQueue(_ command: [UInt8]) -> Result<[UInt8], CardTransportError> {
        if closed { return .failure(.failure("the connection is closed")) }
        let status = send(command)
        if case .failure(let error) = status, error.status == .resetCard {
            // Another program reset the card; pcscd refused the command before it reached the card.
            // Reconnect (counted in ``resetCount``) but never resend: the card is back at the MF with
            // no PIN verified, and a VERIFY, CHANGE REFERENCE DATA or SIGN sent there is not the act
            // the person gave a PIN for — it might cost a try. The card layer repeats only what is
            // safe (docs/CARD.md, "Resets").
            if case .failure(let reconnect) = reconnectAfterReset() { return .failure(reconnect.transportError) }
            return .failure(.cardReset)
        }
        return status.mapError { $0.transportError }
    }

    /// One SCardTransmit with the PCI matching the active protocol. Call on `queue`.
    private func send(_ command: [UInt8]) -> Result<[UInt8], PCSCError> {
        // SCARD_IO_REQUEST { DWORD dwProtocol; DWORD cbPciLength; } (pcsclite.h); the library's own
        // g_rgSCardT0Pci/T1Pci hold exactly {protocol, sizeof(SCARD_IO_REQUEST)}, so it is built here.
        let pci: [PCSCDword] = [activeProtocol, PCSCDword(2 * MemoryLayout<PCSCDword>.size)]
        var response = [UInt8](repeating: 0, count: Self.receiveCapacity)
        var responseLength = PCSCDword(Self.receiveCapacity)
        let code = pci.withUnsafeBytes { pciBytes in
            command.withUnsafeBufferPointer { commandBytes in
                library.transmit(card, pciBytes.baseAddress, commandBytes.baseAddress, PCSCDword(command.count),
                                 nil, &response, &responseLength)
            }
        }
        let status = PCSCStatus(code)
        guard status == .success else { return .failure(.call("SCardTransmit", status)) }
        return .success(Array(response.prefix(Int(responseLength))))
    }

    /// Warm-resets the card (SCardReconnect with SCARD_RESET_CARD), clearing every verified PIN.
    public func reset() async throws(CardTransportError) {
        try await onQueue { () -> Result<Void, CardTransportError> in
            if self.closed { return .failure(.failure("the connection is closed")) }
            var active: PCSCDword = 0
            let code = self.library.reconnect(self.card, self.shareMode.value, PCSCDword(self.protocols.rawValue),
                                              SCard.resetCard, &active)
            let status = PCSCStatus(code)
            guard status == .success else { return .failure(status.transportError) }
            self.resets += 1
            self.activeProtocol = active
            do throws(PCSCError) {
                self.currentATR = try self.readATR()
            } catch {
                return .failure(error.transportError)
            }
            return .success(())
        }
    }

    /// What happens to the card when the connection closes.
    public enum Disposition: Sendable {
        /// Leave the card as it is (the next program finds its state unchanged, PINs verified included).
        case leave
        /// Warm-reset the card, so no verified PIN outlives this session.
        case reset
        /// Power the card down.
        case unpower

        var value: PCSCDword {
            switch self {
            case .leave: return SCard.leaveCard
            case .reset: return SCard.resetCard
            case .unpower: return SCard.unpowerCard
            }
        }
    }

    /// Closes the connection. Later commands fail; calling it again does nothing.
    public func disconnect(_ disposition: Disposition = .reset) {
        queue.sync {
            guard !closed else { return }
            closed = true
            _ = library.disconnect(card, disposition.value)
        }
    }
}

/// A line on standard error for PC/SC trouble the caller cannot see in a result (a failed
/// SCardEndTransaction): the PCSC module has no logger of its own, and the process's stderr is what
/// the door agent's and the CLI's logs collect. Never carries APDU data.
func pcscLog(_ message: String) {
    FileHandle.standardError.write(Data("mynagate pcsc: \(message)\n".utf8))
}
