/// A card made from a recorded trace (``APDUTraceFile``): it answers each command with the response
/// recorded for it, in order, so a real card's behaviour becomes a test without the card.
///
/// Commands must come exactly as recorded: bytes equal (a recorded run of `*` from
/// ``APDUTraceEntry/maskDigitRuns(_:)`` matches the digits it hid), and a redacted data field matched by
/// its header and length only, and a `[PIN redacted]` data field by its header and any non-empty data —
/// so any PIN is "accepted" by a replay, which answers what the real card answered to the real PIN. Redacted response data is replayed as that
/// many `00` bytes. The first command that differs, a command past the end of the trace, or a reset the
/// trace does not hold fails with ``CardTransportError/failure(_:)`` naming the exchange and the
/// trace line; the error shows the client's command redacted like a trace line, never a PIN.
public actor TraceReplayTransport: CardTransport {
    private let trace: APDUTraceFile
    private var next = 0

    /// A card that replays `trace`.
    public init(trace: APDUTraceFile) {
        self.trace = trace
    }

    /// A card that replays the trace file `text`.
    ///
    /// - Throws: ``APDUTraceFileError`` when the text is not a valid trace.
    public init(text: String) throws(APDUTraceFileError) {
        self.trace = try APDUTraceFile(parsing: text)
    }

    public var atr: [UInt8] { trace.atr ?? [] }
    public var supportsExtendedLength: Bool { trace.supportsExtendedLength }

    /// How many recorded exchanges the client has not reached yet (0 when it followed the whole trace).
    public var remaining: Int { trace.exchanges.count - next }

    public func transmit(_ command: [UInt8]) async throws(CardTransportError) -> [UInt8] {
        let number = next + 1
        guard next < trace.exchanges.count else {
            throw .failure("trace replay: the client sent command #\(number) (\(Self.shown(command))) but the trace ends after \(trace.exchanges.count) exchanges")
        }
        let expected = trace.exchanges[next]
        guard Self.matches(command, expected.command) else {
            throw .failure("trace replay: command #\(number) differs from the trace\(Self.at(expected)): the trace has \"\(expected.command.text)\", the client sent \"\(Self.shown(command))\"")
        }
        next += 1
        var out: [UInt8] = []
        for segment in expected.response.segments {
            switch segment {
            case .bytes(let b): out += b
            case .redacted(let n): out += [UInt8](repeating: 0, count: n)
            case .pin:
                throw .failure("trace replay: the response to command #\(number)\(Self.at(expected)) holds a PIN marker")
            }
        }
        guard let status = expected.response.status else {
            throw .failure("trace replay: the response to command #\(number)\(Self.at(expected)) has no status word")
        }
        return out + [status.sw1, status.sw2]
    }

    public func reset() async throws(CardTransportError) {
        throw .failure("trace replay: the client reset the card before command #\(next + 1); the trace records no reset")
    }

    /// Throws unless every recorded exchange was replayed: a client that stops early deviates too.
    public func finish() throws(CardTransportError) {
        guard remaining == 0 else {
            let e = trace.exchanges[next]
            throw .failure("trace replay: the client stopped after \(next) of \(trace.exchanges.count) exchanges; next in the trace\(Self.at(e)): \"\(e.command.text)\"")
        }
    }

    /// ` (line N)` for an exchange read from a file; nothing for one made in memory.
    static func at(_ e: APDUTraceFile.Exchange) -> String { e.line > 0 ? " (line \(e.line))" : "" }

    /// Whether the client's `command` is the recorded one.
    static func matches(_ command: [UInt8], _ recorded: APDUTraceEntry) -> Bool {
        if recorded.isRedacted {
            // Recorded as header + hidden data field: same header, same data length.
            guard case .bytes(let header)? = recorded.segments.first, let hidden = recorded.segments.dropFirst().first,
                  let apdu = try? CommandAPDU(bytes: command), Array(command.prefix(4)) == header
            else { return false }
            switch hidden {
            case .redacted(let n): return apdu.data.count == n
            // The length of a PIN was not recorded (it is a secret): any PIN data matches.
            case .pin: return !apdu.data.isEmpty
            case .bytes: return false
            }
        }
        let flat = recorded.segments.flatMap { segment -> [UInt8] in
            if case .bytes(let b) = segment { return b }
            return []
        }
        return command == flat || APDUTraceEntry.maskDigitRuns(command) == flat
    }

    /// The client's command as a trace line would show it (PIN data hidden, digit runs masked).
    static func shown(_ command: [UInt8]) -> String {
        guard let apdu = try? CommandAPDU(bytes: command) else {
            return "\(command.count) bytes that are not a command APDU, header \(hex(command.prefix(4)))"
        }
        return APDUTraceEntry.command(apdu, bytes: command).text
    }
}
