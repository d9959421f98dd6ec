/// Something that behaves as a card: it answers command APDUs with response APDUs.
///
/// The virtual My Number card implements it; ``EmulatedCardTransport`` drives one in-process, and the
/// vpcd bridge puts one into a real pcscd. Calls are synchronous because a card is: one command at a
/// time, answered before the next.
public protocol CardEmulator: AnyObject, Sendable {
    /// The answer to reset the card gives when powered on.
    var atr: [UInt8] { get }
    /// Cold start: power applied. Clears every security status.
    func powerOn()
    /// Power removed. The next command before ``powerOn()`` is not answered.
    func powerOff()
    /// Warm reset. Clears every security status, like ``powerOn()``.
    func reset()
    /// Answers one command APDU (raw bytes) with a response APDU (raw bytes, SW1 SW2 last).
    /// Malformed commands get an ISO status word such as `67 00`, never a crash.
    func process(_ command: [UInt8]) -> [UInt8]
}

/// A ``CardTransport`` straight to a ``CardEmulator`` in the same process, for tests and the demo.
///
/// It can simulate the card leaving the reader (``removeCard()``) and readers without extended-length
/// support, so the card layer's fallbacks are tested without hardware.
public actor EmulatedCardTransport: CardTransport {
    private let card: any CardEmulator
    private var present = true
    private let extended: Bool

    /// Inserts `card` (powering it on).
    public init(card: any CardEmulator, supportsExtendedLength: Bool = true) {
        self.card = card
        self.extended = supportsExtendedLength
        card.powerOn()
    }

    public var atr: [UInt8] { card.atr }
    public var supportsExtendedLength: Bool { extended }

    public func transmit(_ command: [UInt8]) async throws(CardTransportError) -> [UInt8] {
        guard present else { throw .cardRemoved }
        return card.process(command)
    }

    public func reset() async throws(CardTransportError) {
        guard present else { throw .cardRemoved }
        card.reset()
    }

    /// Takes the card out: later commands fail with ``CardTransportError/cardRemoved``.
    public func removeCard() {
        present = false
        card.powerOff()
    }

    /// Puts the card back (a cold start).
    public func insertCard() {
        present = true
        card.powerOn()
    }
}
