/// A response APDU: optional response data followed by the two status bytes SW1 SW2.
public struct ResponseAPDU: Sendable, Hashable {
    /// The response data field (may be empty).
    public var data: [UInt8]
    /// The trailing status word.
    public var status: StatusWord

    /// Creates a response from its parts.
    public init(data: [UInt8] = [], status: StatusWord) {
        self.data = data
        self.status = status
    }

    /// Splits raw response bytes into data and status word.
    ///
    /// - Throws: ``APDUFormatError/tooShort(_:)`` when fewer than 2 bytes arrive.
    public init(bytes: some Collection<UInt8>) throws(APDUFormatError) {
        let b = Array(bytes)
        guard b.count >= 2 else { throw .tooShort(b.count) }
        data = Array(b[..<(b.count - 2)])
        status = StatusWord(sw1: b[b.count - 2], sw2: b[b.count - 1])
    }

    /// The bytes as a card sends them.
    public var encoded: [UInt8] { data + [status.sw1, status.sw2] }
}
