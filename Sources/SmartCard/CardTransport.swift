/// Something that carries APDUs to one card and back: a PC/SC reader, the vpcd bridge, or a virtual
/// card in the same process.
///
/// A transport moves bytes only. Encoding, `61xx`/`6Cxx` handling, counting and tracing live in
/// ``CardChannel`` so that every transport behaves the same.
public protocol CardTransport: Sendable {
    /// The card's answer to reset, as the reader reported it at connection.
    var atr: [UInt8] { get async }
    /// Whether the reader and card accept extended-length APDUs (Lc or Le above short limits).
    var supportsExtendedLength: Bool { get async }
    /// Sends one command APDU and returns the whole response including SW1 SW2.
    ///
    /// - Throws: ``CardTransportError``.
    func transmit(_ command: [UInt8]) async throws(CardTransportError) -> [UInt8]
    /// Warm-resets the card: every security status (verified PINs) is cleared.
    func reset() async throws(CardTransportError)

    /// Keeps other programs off the card until the matching ``endTransaction()`` (PC/SC
    /// `SCardBeginTransaction`). Calls nest: only the outermost pair reaches the reader.
    ///
    /// The card has one current application and one current file for everybody who shares it, so a
    /// multi-APDU operation (SELECT, then READ or SIGN) must not let another program's SELECT in
    /// between. Transports with no other users (an in-process card) need do nothing.
    func beginTransaction() async throws(CardTransportError)
    /// Ends the transaction begun by the matching ``beginTransaction()``, leaving the card as it is.
    func endTransaction() async
    /// How many times the card has been reset since the connection was made, by this program or by
    /// another one (PC/SC reports the latter as `SCARD_W_RESET_CARD`; the transport reconnects and,
    /// when a command met it, throws ``CardTransportError/cardReset`` without resending the command).
    ///
    /// A reset puts the card back at the MF with no PIN verified, so a caller that remembers the
    /// selected application compares this number before relying on it.
    var resetCount: Int { get async }
    /// Whether other programs may send commands to the card between our operations (a PC/SC
    /// connection in shared mode). Then nothing the card was left in — the selected application above
    /// all — can be trusted at the start of the next operation, transaction or not.
    var isShared: Bool { get async }
    /// Tells the transport that an extended-length command failed through it (`6700`, a wrong-length
    /// answer or a reader error), so that ``supportsExtendedLength`` answers `false` from now on.
    func extendedLengthFailed() async
}

extension CardTransport {
    // Defaults for transports that have the card to themselves and remember nothing; the PC/SC and
    // emulated transports implement them.
    public func beginTransaction() async throws(CardTransportError) {}
    public func endTransaction() async {}
    public var resetCount: Int { get async { 0 } }
    public var isShared: Bool { get async { false } }
    public func extendedLengthFailed() async {}
}

extension CommandAPDU {
    /// Whether raw command bytes use the extended length form (ISO/IEC 7816-4 5.1): a short command
    /// longer than 5 bytes has a non-zero Lc in its fifth byte; an extended one has `00` there followed
    /// by two length bytes. What a reader that cannot carry extended APDUs looks at.
    public static func isExtendedLength(_ bytes: [UInt8]) -> Bool {
        bytes.count > 5 && bytes[4] == 0x00
    }
}

/// A failure below the APDU level.
public enum CardTransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The card left the reader (or was never there).
    case cardRemoved
    /// No such reader, or the reader disappeared.
    case readerUnavailable(String)
    /// The reader or the link did not answer in time.
    case timeout
    /// The reader stack reported an error (PC/SC code or message).
    case failure(String)
    /// What came back is not a response APDU.
    case malformedResponse(String)
    /// Another program reset the card before the command reached it (PC/SC `SCARD_W_RESET_CARD`).
    /// The transport has reconnected and counted the reset (``CardTransport/resetCount``) but did NOT
    /// send the command again: the card is back at the MF with no PIN verified, and a command resent
    /// there (a VERIFY above all) is not the one the caller meant. The card layer decides what is
    /// safe to repeat (docs/CARD.md, "Resets").
    case cardReset

    public var description: String {
        switch self {
        case .cardRemoved: return "the card was removed"
        case .readerUnavailable(let r): return "reader unavailable: \(r)"
        case .timeout: return "the reader did not answer in time"
        case .failure(let m): return "transport failure: \(m)"
        case .malformedResponse(let m): return "malformed response: \(m)"
        case .cardReset: return "the card was reset by another program; the command was not sent again"
        }
    }
}
