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

    public var description: String {
        switch self {
        case .cardRemoved: return "the card was removed"
        case .readerUnavailable(let r): return "reader unavailable: \(r)"
        case .timeout: return "the reader did not answer in time"
        case .failure(let m): return "transport failure: \(m)"
        case .malformedResponse(let m): return "malformed response: \(m)"
        }
    }
}
