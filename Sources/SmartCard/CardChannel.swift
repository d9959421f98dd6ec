/// The APDU layer over a ``CardTransport``: encodes commands, follows `61xx` (GET RESPONSE) and
/// `6Cxx` (resend with the right Le), counts what crossed the wire, and traces it with redaction.
///
/// Every operation of the card layer goes through one channel, so "how many APDUs did this take" has
/// a single answer (``usage``).
public actor CardChannel {
    /// The transport underneath.
    public let transport: any CardTransport
    private let tracer: (@Sendable (APDUTraceEntry) -> Void)?
    /// APDUs and bytes since the channel was made (or since ``resetUsage()``).
    public private(set) var usage = Usage()

    /// Counts of what crossed the wire.
    public struct Usage: Sendable, Hashable, CustomStringConvertible {
        public var apdus = 0
        public var bytesSent = 0
        public var bytesReceived = 0
        public init() {}
        public static func + (a: Usage, b: Usage) -> Usage {
            var u = a
            u.apdus += b.apdus
            u.bytesSent += b.bytesSent
            u.bytesReceived += b.bytesReceived
            return u
        }
        public static func - (a: Usage, b: Usage) -> Usage {
            var u = Usage()
            u.apdus = a.apdus - b.apdus
            u.bytesSent = a.bytesSent - b.bytesSent
            u.bytesReceived = a.bytesReceived - b.bytesReceived
            return u
        }
        public var description: String { "\(apdus) APDUs, \(bytesSent) bytes sent, \(bytesReceived) bytes received" }
    }

    /// Creates a channel. `tracer` receives each exchange, already redacted.
    public init(transport: any CardTransport, tracer: (@Sendable (APDUTraceEntry) -> Void)? = nil) {
        self.transport = transport
        self.tracer = tracer
    }

    /// Whether extended-length APDUs may be used.
    public var supportsExtendedLength: Bool {
        get async { await transport.supportsExtendedLength }
    }

    /// Sets the counters back to zero.
    public func resetUsage() { usage = Usage() }

    /// Sends a command and returns the complete response, having fetched chained data.
    ///
    /// - Parameter followWrongLength: resend with the corrected Le on `6Cxx` (the default). The card
    ///   layer turns it off for an extended-length READ BINARY, where `6Cxx` means "this reader does
    ///   not carry extended APDUs" and the answer is to fall back to short reads for good.
    /// - Throws: ``CardTransportError``, or ``CardTransportError/malformedResponse(_:)`` when the
    ///   command cannot be encoded or the answer is shorter than a status word.
    public func send(_ command: CommandAPDU, followWrongLength: Bool = true) async throws(CardTransportError) -> ResponseAPDU {
        var response = try await exchange(command)
        // 6Cxx corrects an Le, so only a command that has one is resent. A command without Le (VERIFY,
        // CHANGE REFERENCE DATA) would be repeated in full: a card answering 6Cxx to VERIFY would get
        // the PIN twice and a wrong PIN would spend two tries for one act.
        if followWrongLength, let le = response.status.correctLe, command.le != nil {
            var again = command
            again.le = le
            response = try await exchange(again)
        }
        var data = response.data
        var guardCount = 0
        while let more = response.status.bytesRemaining, guardCount < 256 {
            guardCount += 1
            let getResponse = CommandAPDU(cla: command.cla & 0x03, ins: 0xC0, p1: 0, p2: 0, le: more, redaction: command.redaction)
            response = try await exchange(getResponse)
            data += response.data
        }
        return ResponseAPDU(data: data, status: response.status)
    }

    /// Resets the card through the transport (clears PIN verification on the card).
    public func reset() async throws(CardTransportError) {
        try await transport.reset()
    }

    private func exchange(_ command: CommandAPDU) async throws(CardTransportError) -> ResponseAPDU {
        let bytes: [UInt8]
        do { bytes = try command.encoded() } catch { throw .malformedResponse("cannot encode command: \(error)") }
        tracer?(.command(command, bytes: bytes))
        let started = ContinuousClock.now
        let raw = try await transport.transmit(bytes)
        let elapsed = ContinuousClock.now - started
        usage.apdus += 1
        usage.bytesSent += bytes.count
        usage.bytesReceived += raw.count
        let response: ResponseAPDU
        do { response = try ResponseAPDU(bytes: raw) } catch { throw .malformedResponse("\(error)") }
        tracer?(.response(response, redacting: command.redaction.contains(.responseData), elapsed: elapsed))
        return response
    }
}
