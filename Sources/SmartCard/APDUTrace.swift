/// One line of an APDU trace, already redacted.
///
/// Redaction happens when the entry is made, not when it is printed, so no sink (a terminal, a log
/// file, a crash report, a trace file from `mynagate card trace`) can ever receive a PIN or a My Number
/// from a trace. The entry keeps the *shape* of what it hides (how many bytes, the status word) — except
/// for PIN data, whose length is itself a secret (a 6–16 character signing password) — so a recorded
/// trace can still be replayed (``TraceReplayTransport``).
public struct APDUTraceEntry: Sendable, Hashable, CustomStringConvertible {
    public enum Direction: String, Sendable, Hashable { case command = ">>", response = "<<" }

    /// A stretch of an exchange's bytes: shown, or hidden with only its length kept.
    public enum Segment: Sendable, Hashable {
        /// Bytes as they crossed the wire (after ``APDUTraceEntry/maskDigitRuns(_:)``).
        case bytes([UInt8])
        /// This many bytes were hidden. In a command it stands for the data field (its Lc is implied
        /// by the count, and an Le after it is not shown); in a response for the whole data field.
        case redacted(Int)
        /// A PIN command's data field, hidden with its length: `[PIN redacted]`. The length of a signing
        /// password (6–16 characters) would narrow a guess, so no PIN's length is kept.
        case pin
    }

    public var direction: Direction
    /// A command's bytes, or a response's data field, in order, with secret parts hidden.
    public var segments: [Segment]
    /// A response's status word; `nil` for a command.
    public var status: StatusWord?
    /// For a response: the time from handing the command to the transport to receiving this answer.
    public var elapsed: Duration?

    public init(direction: Direction, segments: [Segment], status: StatusWord? = nil, elapsed: Duration? = nil) {
        self.direction = direction
        self.segments = segments
        self.status = status
        self.elapsed = elapsed
    }

    /// The bytes as hex, with secret parts replaced by a marker (`[4 bytes redacted]`).
    public var text: String {
        var parts = segments.compactMap { segment -> String? in
            switch segment {
            case .bytes(let b): return b.isEmpty ? nil : hex(b)
            case .redacted(let n): return "[\(n) bytes redacted]"
            case .pin: return Self.pinMarker
            }
        }
        if let status { parts.append("\(status)") }
        return parts.joined(separator: " ")
    }

    public var description: String { "\(direction.rawValue) \(text)" }

    /// Whether any part of this line was hidden.
    public var isRedacted: Bool {
        segments.contains { if case .bytes = $0 { return false } else { return true } }
    }

    /// The marker that stands for a PIN command's data field, length not kept.
    public static let pinMarker = "[PIN redacted]"

    /// Makes the trace line of a command, hiding its data when it is marked secret or is a PIN
    /// command (``pinINS``) whatever its marking. PIN data is hidden with its length (``Segment/pin``).
    public static func command(_ apdu: CommandAPDU, bytes: [UInt8]) -> APDUTraceEntry {
        if !apdu.data.isEmpty, pinINS.contains(apdu.ins) {
            return APDUTraceEntry(direction: .command, segments: [.bytes(Array(bytes.prefix(4))), .pin])
        }
        if !apdu.data.isEmpty, apdu.redaction.contains(.commandData) {
            return APDUTraceEntry(direction: .command, segments: [.bytes(Array(bytes.prefix(4))), .redacted(apdu.data.count)])
        }
        return APDUTraceEntry(direction: .command, segments: [.bytes(maskDigitRuns(bytes))])
    }

    /// Instructions whose command data is a PIN or password, hidden (with its length) whatever the
    /// command's marking: VERIFY `20`/`21`, CHANGE REFERENCE DATA `24`/`25`, RESET RETRY COUNTER
    /// `2C`/`2D` (ISO/IEC 7816-4; the odd forms carry the same data in BER-TLV).
    public static let pinINS: Set<UInt8> = [0x20, 0x21, 0x24, 0x25, 0x2C, 0x2D]

    /// Whether `bytes` holds a run of 12 or more ASCII digits (what ``maskDigitRuns(_:)`` hides).
    public static func hasDigitRun(_ bytes: [UInt8]) -> Bool {
        var run = 0
        for b in bytes {
            run = (0x30...0x39).contains(b) ? run + 1 : 0
            if run >= 12 { return true }
        }
        return false
    }

    /// Makes the trace line of a response, hiding its data when the command marked it secret.
    public static func response(_ response: ResponseAPDU, redacting: Bool, elapsed: Duration? = nil) -> APDUTraceEntry {
        let segments: [Segment]
        if response.data.isEmpty {
            segments = []
        } else if redacting {
            segments = [.redacted(response.data.count)]
        } else {
            segments = [.bytes(maskDigitRuns(response.data))]
        }
        return APDUTraceEntry(direction: .response, segments: segments, status: response.status, elapsed: elapsed)
    }

    /// Replaces every run of 12 or more ASCII digits with `*` bytes (0x2A).
    ///
    /// A safety net under the explicit marking: a My Number is 12 ASCII digits on the card, so a run that
    /// long is hidden even from an exchange nobody marked.
    public static func maskDigitRuns(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        var runStart = -1
        for i in 0...bytes.count {
            let isDigit = i < bytes.count && (0x30...0x39).contains(bytes[i])
            if isDigit {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart >= 12 { for k in runStart..<i { out[k] = 0x2A } }
                runStart = -1
            }
        }
        return out
    }
}

/// Lowercase-free hex with spaces, as APDU traces are usually written (`00 A4 04 0C`).
public func hex(_ bytes: some Sequence<UInt8>) -> String {
    let digits: [Character] = Array("0123456789ABCDEF")
    var s = ""
    for (i, b) in bytes.enumerated() {
        if i > 0 { s.append(" ") }
        s.append(digits[Int(b >> 4)])
        s.append(digits[Int(b & 0x0F)])
    }
    return s
}

/// Parses hex with optional spaces or colons (`"00 A4:04"`); `nil` when it is not hex.
public func bytes(fromHex text: some StringProtocol) -> [UInt8]? {
    var out: [UInt8] = []
    var pending: UInt8? = nil
    for ch in text.unicodeScalars {
        if ch == " " || ch == ":" || ch == "\n" || ch == "\t" { continue }
        guard let v = hexValue(ch) else { return nil }
        if let p = pending {
            out.append(p << 4 | v)
            pending = nil
        } else {
            pending = v
        }
    }
    return pending == nil ? out : nil
}

private func hexValue(_ c: Unicode.Scalar) -> UInt8? {
    switch c.value {
    case 0x30...0x39: return UInt8(c.value - 0x30)
    case 0x41...0x46: return UInt8(c.value - 0x41 + 10)
    case 0x61...0x66: return UInt8(c.value - 0x61 + 10)
    default: return nil
    }
}
