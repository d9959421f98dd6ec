import Foundation
import SmartCard

/// A ``CardTransport`` to a card in a PC/SC reader.
///
/// Every PC/SC call for this card runs on one serial queue of its own: that keeps blocking
/// SCardTransmit calls (a slow card can take seconds) off Swift's cooperative thread pool, and it
/// serializes commands the way a card needs, without a lock around the handle.
public final class PCSCCardTransport: CardTransport, @unchecked Sendable {
    // @unchecked: the mutable state (`card`, `activeProtocol`, `currentATR`, `closed`) is read and written
    // only on `queue`.
    private let context: PCSCContext
    private let library: PCSCLibrary
    private let queue: DispatchQueue
    private let shareMode: PCSCShareMode
    private let protocols: PCSCProtocols
    private let extendedOverride: Bool?
    private var card: PCSCLong = 0
    private var activeProtocol: PCSCDword = 0
    private var currentATR: [UInt8] = []
    private var closed = false

    /// The reader this transport is connected through.
    public let reader: String

    /// Receive buffer size: the largest extended-length response (65536 data bytes) plus SW1 SW2.
    static let receiveCapacity = 65536 + 2

    init(context: PCSCContext, reader: String, shareMode: PCSCShareMode, protocols: PCSCProtocols,
         supportsExtendedLength: Bool?) throws {
        self.context = context
        self.library = context.library
        self.reader = reader
        self.shareMode = shareMode
        self.protocols = protocols
        self.extendedOverride = supportsExtendedLength
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
        // No other reference exists during deinit, so the queue is not needed.
        if !closed { _ = library.disconnect(card, SCard.leaveCard) }
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
    public var supportsExtendedLength: Bool {
        get async {
            if let extendedOverride { return extendedOverride }
            return await withCheckedContinuation { c in
                queue.async { c.resume(returning: self.activeProtocol == SCard.protocolT1) }
            }
        }
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
        var status = send(command)
        if case .failure(let error) = status, error.status == .resetCard {
            // Another program reset the card. Our security state is gone either way; reconnecting
            // (without a further reset) lets the command go through and the card layer sees `69 82`
            // if it needed a PIN. Only once: a card that keeps resetting is a real failure.
            var active: PCSCDword = 0
            let code = library.reconnect(card, shareMode.value, PCSCDword(protocols.rawValue), SCard.leaveCard, &active)
            if PCSCStatus(code) == .success {
                activeProtocol = active
                if let atr = try? readATR() { currentATR = atr }
                status = send(command)
            }
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
