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
/// It can simulate the card leaving the reader (``removeCard()``), another program resetting the card
/// (``resetByAnotherProgram()``) and readers without extended-length support, so the card layer's
/// fallbacks are tested without hardware. A card that gives no answer at all (an empty response, as
/// ``ShortAPDUReader`` in ``ShortAPDUReader/Refusal/linkFailure`` mode gives) is reported as a reader
/// failure, the way PC/SC reports a reader that could not carry a command.
public actor EmulatedCardTransport: CardTransport {
    private let card: any CardEmulator
    private var present = true
    private var extended: Bool
    private var resets = 0
    private var resetPending = false

    /// Inserts `card` (powering it on).
    public init(card: any CardEmulator, supportsExtendedLength: Bool = true) {
        self.card = card
        self.extended = supportsExtendedLength
        card.powerOn()
    }

    public var atr: [UInt8] { card.atr }
    public var supportsExtendedLength: Bool { extended }
    public var resetCount: Int { resets }

    /// No other program shares an in-process card, so there is nothing to lock; but a reset made by
    /// ``resetByAnotherProgram()`` is noticed here, as pcsc-lite reports SCARD_W_RESET_CARD to
    /// SCardBeginTransaction before the operation's first command.
    public func beginTransaction() async throws(CardTransportError) {
        guard present else { throw .cardRemoved }
        if resetPending {
            resetPending = false
            resets += 1
        }
    }

    public func transmit(_ command: [UInt8]) async throws(CardTransportError) -> [UInt8] {
        guard present else { throw .cardRemoved }
        if resetPending {
            // What the PC/SC transport does after another program's reset: SCARD_W_RESET_CARD,
            // reconnect, count it, and report it — the command is not sent (docs/CARD.md, "Resets").
            resetPending = false
            resets += 1
            throw .cardReset
        }
        let answer = card.process(command)
        guard answer.count >= 2 else { throw .failure("the reader could not carry the command (no response)") }
        return answer
    }

    public func reset() async throws(CardTransportError) {
        guard present else { throw .cardRemoved }
        card.reset()
        resets += 1
    }

    /// Remembered for this transport: a reader that failed once with extended length fails again.
    public func extendedLengthFailed() {
        extended = false
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

    /// Another program resets the card between two of our commands: the card loses its selected
    /// application and verified PINs; the next ``beginTransaction()`` counts the reset
    /// (``resetCount``), or the next ``transmit(_:)`` counts it and throws
    /// ``CardTransportError/cardReset`` without sending the command, as the PC/SC transport does.
    public func resetByAnotherProgram() {
        card.reset()
        resetPending = true
    }
}

/// A reader that does not carry extended-length APDUs, around any card.
///
/// Many contactless readers report T=1 (which allows extended APDUs) but fail on them. Short commands
/// pass through to the card unchanged; an extended one never reaches it and is answered as such a
/// reader answers. Used in tests and by `mynagate vcard serve --refuse-extended/--drop-extended`.
public final class ShortAPDUReader: CardEmulator {
    /// How an extended-length command is refused.
    public enum Refusal: String, Sendable, CaseIterable {
        /// `67 00` (wrong length), as the reader's firmware or the card behind it answers.
        case wrongLength
        /// A truncated answer (one byte, no status word), as a reader that garbles the long frame gives:
        /// the in-process transport reports it as a reader failure, and through PC/SC it arrives as a
        /// malformed response. (Not an empty answer: vpcd waits forever for an empty frame's body.)
        case linkFailure
    }

    private let card: any CardEmulator
    /// How extended commands are refused.
    public let refusal: Refusal

    public init(card: any CardEmulator, refusal: Refusal) {
        self.card = card
        self.refusal = refusal
    }

    public var atr: [UInt8] { card.atr }
    public func powerOn() { card.powerOn() }
    public func powerOff() { card.powerOff() }
    public func reset() { card.reset() }

    public func process(_ command: [UInt8]) -> [UInt8] {
        guard CommandAPDU.isExtendedLength(command) else { return card.process(command) }
        switch refusal {
        case .wrongLength: return [0x67, 0x00]
        case .linkFailure: return [0x6F]
        }
    }
}
