import Synchronization

/// A recorded card session in MynaGate's trace format, version 2 (docs/CARD.md, "APDU traces"):
/// a header of `# key: value` lines, then one line per command (`>>`) and response (`<<`), already
/// redacted by ``APDUTraceEntry``.
///
/// ```text
/// # mynagate-apdu-trace 2
/// # tool: mynagate 0.1.0 card trace
/// # reader: Virtual PCD 00 00
/// # atr: 3B E0 00 FF 81 31 FE 45 14
/// # protocol: T=1
/// # extended-length: yes
/// # date: 2026-12-05T10:00:00Z
/// >> 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01
/// << 9000 ; 0.412 ms
/// >> 00 20 00 80 [PIN redacted]
/// << 63C2 ; 20.004 ms
/// ```
///
/// The file is made to be shared: it holds no byte the redaction hid, so a trace of a real card can
/// become a regression test (``TraceReplayTransport``) without the card or its holder's data. Files come
/// from third parties, so the parser is strict: it refuses, naming the line, anything the writer would
/// not have written — and a PIN or a 12-digit run someone left visible.
public struct APDUTraceFile: Sendable, Hashable {
    /// The first line of every file of this format and version.
    ///
    /// Version 2 writes PIN data as `[PIN redacted]`; version 1 wrote `[n bytes redacted]`, which gave
    /// away the signing password's length, and is refused.
    public static let formatLine = "# mynagate-apdu-trace 2"

    /// The most bytes a `[n bytes redacted]` marker may stand for: an extended response's 65 536 data
    /// bytes and its status word. A replay allocates this many bytes, so it is bounded.
    public static let maxRedactedLength = 65_538

    /// The longest `; x.yyy ms` timing accepted: one day, far beyond any card exchange.
    public static let maxMilliseconds: Double = 86_400_000

    /// One `# key: value` header line.
    public struct Field: Sendable, Hashable {
        public var key: String
        public var value: String
        public init(_ key: String, _ value: String) {
            self.key = key
            self.value = value
        }
    }

    /// One command and the response the card gave it.
    public struct Exchange: Sendable, Hashable {
        public var command: APDUTraceEntry
        public var response: APDUTraceEntry
        /// The command's line in the file it was read from (0 when made in memory).
        public var line: Int
        public init(command: APDUTraceEntry, response: APDUTraceEntry, line: Int = 0) {
            self.command = command
            self.response = response
            self.line = line
        }
    }

    /// Header fields in file order (`tool`, `reader`, `atr`, `protocol`, `extended-length`, `date`, …).
    public var header: [Field]
    /// The exchanges in the order they happened.
    public var exchanges: [Exchange]
    /// A command the reader never answered (the transport failed), kept so the file says where it stopped.
    public var unanswered: APDUTraceEntry?

    public init(header: [Field], exchanges: [Exchange], unanswered: APDUTraceEntry? = nil) {
        self.header = header
        self.exchanges = exchanges
        self.unanswered = unanswered
    }

    /// The value of the first header field named `key`.
    public subscript(key: String) -> String? { header.first { $0.key == key }?.value }

    /// The ATR from the header, or `nil` when absent or not hex.
    public var atr: [UInt8]? { self["atr"].flatMap { bytes(fromHex: $0) } }

    /// Whether the recording reader used extended-length APDUs (header `extended-length: yes`).
    public var supportsExtendedLength: Bool { self["extended-length"] == "yes" }

    /// The file's text: header, then two lines per exchange. Header keys and values are kept on one
    /// line: every control character in them (CR, LF, NEL, U+2028/2029, …) becomes a space, so a reader
    /// name or a file name cannot forge a line.
    public var text: String {
        var lines = [Self.formatLine]
        for f in header {
            lines.append("# \(Self.oneLine(f.key)): \(Self.oneLine(f.value))")
        }
        for e in exchanges {
            lines.append(e.command.description)
            lines.append(Self.responseLine(e.response))
        }
        if let unanswered {
            lines.append(unanswered.description)
            lines.append("# no response: the transport failed")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `text` with every control character (Unicode Cc, and the line and paragraph separators) as a space.
    static func oneLine(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { Self.isControl($0) ? " " : $0 }))
    }

    static func isControl(_ u: Unicode.Scalar) -> Bool {
        u.properties.generalCategory == .control || u.value == 0x2028 || u.value == 0x2029
    }

    static func responseLine(_ r: APDUTraceEntry) -> String {
        guard let elapsed = r.elapsed else { return r.description }
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        let whole = micros / 1000, frac = micros % 1000
        return r.description + " ; \(whole).\(String(repeating: "0", count: 3 - String(frac).count))\(frac) ms"
    }

    /// Parses a file of this format.
    ///
    /// - Throws: ``APDUTraceFileError`` naming the line, when the first line is not ``formatLine``, a
    ///   line is neither a comment nor a command/response, or commands and responses do not alternate.
    public init(parsing text: String) throws(APDUTraceFileError) {
        var header: [Field] = []
        var exchanges: [Exchange] = []
        var pending: (APDUTraceEntry, Int)?
        var sawFormat = false
        var number = 0
        // Lines end at LF (0x0A), with an optional CR before it. Splitting the String on "\n" would not
        // do: Swift reads "\r\n" as one Character, so a CRLF file would be one line.
        for raw in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            let bytes = raw.last == 0x0D ? raw.dropLast() : raw[...]
            let line = String(decoding: bytes, as: UTF8.self)
            // A control character left (a bare CR, NUL, ESC) is nothing the writer makes, and could hide
            // text on a terminal; tab is the one allowed.
            guard !line.unicodeScalars.contains(where: { $0 != "\t" && Self.isControl($0) }) else {
                throw .init(line: number, "a control character")
            }
            if !sawFormat {
                guard line == Self.formatLine else {
                    if line.hasPrefix("# mynagate-apdu-trace ") {
                        throw .init(line: number, "not version 2 of the format (first line must be \"\(Self.formatLine)\"); record the trace again")
                    }
                    throw .init(line: number, "not a MynaGate APDU trace (first line must be \"\(Self.formatLine)\")")
                }
                sawFormat = true
                continue
            }
            if line.trimmingSpaces.isEmpty { continue }
            if line.hasPrefix("#") {
                // Header fields are read before the first exchange; later comments are notes.
                let body = line.dropFirst().trimmingSpaces
                if exchanges.isEmpty, pending == nil, let colon = body.firstIndex(of: ":") {
                    header.append(Field(String(body[..<colon]).trimmingSpaces, String(body[body.index(after: colon)...]).trimmingSpaces))
                }
                continue
            }
            if line.hasPrefix(">> ") {
                guard pending == nil else { throw .init(line: number, "a command follows a command that has no response") }
                pending = (try Self.parseEntry(line.dropFirst(3), direction: .command, line: number), number)
            } else if line.hasPrefix("<< ") {
                guard let (command, commandLine) = pending else { throw .init(line: number, "a response without a command") }
                let response = try Self.parseEntry(line.dropFirst(3), direction: .response, line: number)
                exchanges.append(Exchange(command: command, response: response, line: commandLine))
                pending = nil
            } else {
                throw .init(line: number, "expected \">> \", \"<< \" or \"#\"")
            }
        }
        guard sawFormat else { throw .init(line: 1, "empty file") }
        self.init(header: header, exchanges: exchanges, unanswered: pending?.0)
    }

    /// Parses the part of a line after `>> ` or `<< `: hex bytes (exactly two of `0-9A-F` each) and
    /// markers, for a response then the status word (exactly four) and optionally ` ; x.yyy ms`.
    ///
    /// Error messages name the line and never echo its content: a line that fails may be the one
    /// holding a secret.
    static func parseEntry(_ body: Substring, direction: APDUTraceEntry.Direction, line: Int) throws(APDUTraceFileError) -> APDUTraceEntry {
        var rest = body
        var elapsed: Duration?
        if let semicolon = rest.firstIndex(of: ";") {
            let timing = rest[rest.index(after: semicolon)...].trimmingSpaces
            guard direction == .response, timing.hasSuffix(" ms"), let ms = Self.milliseconds(timing.dropLast(3)) else {
                throw .init(line: line, "a timing must read \"x.yyy ms\" (digits, at most \(Int(Self.maxMilliseconds)) ms) after a response")
            }
            elapsed = .microseconds(Int64((ms * 1000).rounded()))
            rest = rest[..<semicolon]
        }
        var tokens = rest.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var status: StatusWord?
        if direction == .response {
            guard let last = tokens.popLast(), let sw = Self.hexBytes(last, count: 2) else {
                throw .init(line: line, "a response must end with its status word (4 hex digits 0-9A-F)")
            }
            status = StatusWord(sw1: sw[0], sw2: sw[1])
        }
        var segments: [APDUTraceEntry.Segment] = []
        var run: [UInt8] = []
        var i = 0
        while i < tokens.count {
            let t = tokens[i]
            if t.hasPrefix("[") {
                let marker: APDUTraceEntry.Segment
                if t == "[PIN", i + 1 < tokens.count, tokens[i + 1] == "redacted]" {
                    marker = .pin
                    i += 2
                } else if i + 2 < tokens.count, tokens[i + 1] == "bytes", tokens[i + 2] == "redacted]",
                          let n = Self.count(t.dropFirst()) {
                    marker = .redacted(n)
                    i += 3
                } else {
                    throw .init(line: line, "a marker must read \"[n bytes redacted]\" (n from 1 to \(Self.maxRedactedLength)) or \"[PIN redacted]\"")
                }
                // A marker stands for a whole data field: after a command's 4 header bytes, or as a
                // response's only data. Nothing follows it.
                let header = run.count
                guard i == tokens.count, segments.isEmpty,
                      direction == .command ? header == 4 : header == 0
                else {
                    throw .init(line: line, "a marker stands for the whole data field: after the 4 header bytes of a command, or alone before a response's status word")
                }
                if !run.isEmpty { segments.append(.bytes(run)) }
                run = []
                segments.append(marker)
                continue
            }
            guard let b = Self.hexBytes(t, count: 1) else { throw .init(line: line, "a byte must be two hex digits 0-9A-F") }
            run += b
            i += 1
        }
        if !run.isEmpty { segments.append(.bytes(run)) }
        for case .bytes(let b) in segments where APDUTraceEntry.hasDigitRun(b) {
            throw .init(line: line, "12 or more ASCII digits in a row (a My Number?) are visible; the recorder masks them as 2A — this file was not made by it or was edited")
        }
        if direction == .command {
            guard case .bytes(let head)? = segments.first, head.count >= 4 else {
                throw .init(line: line, "a command starts with its 4 header bytes")
            }
            let isPIN = APDUTraceEntry.pinINS.contains(head[1])
            if isPIN {
                // A PIN command may only be the tries-left form (no data) or carry `[PIN redacted]`.
                guard head.count == 4, segments.count == 1 || segments.last == .pin else {
                    throw .init(line: line, "a PIN command (INS \(hex([head[1]]))) must hide its data as \"[PIN redacted]\"; this line shows data or its length")
                }
            } else if segments.last == .pin {
                throw .init(line: line, "\"[PIN redacted]\" on an instruction that carries no PIN")
            }
        } else if segments.contains(.pin) {
            throw .init(line: line, "\"[PIN redacted]\" in a response")
        }
        return APDUTraceEntry(direction: direction, segments: segments, status: status, elapsed: elapsed)
    }

    /// Exactly `count` bytes written as `2 * count` characters of `0-9A-F`, nothing else.
    static func hexBytes(_ token: String, count: Int) -> [UInt8]? {
        let u = Array(token.utf8)
        guard u.count == 2 * count else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x41...0x46: return c - 0x41 + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        for k in stride(from: 0, to: u.count, by: 2) {
            guard let hi = nibble(u[k]), let lo = nibble(u[k + 1]) else { return nil }
            out.append(hi << 4 | lo)
        }
        return out
    }

    /// A marker's byte count: 1 to 7 ASCII digits (no sign), 1 ... ``maxRedactedLength``.
    static func count(_ text: Substring) -> Int? {
        let u = Array(text.utf8)
        guard (1...7).contains(u.count), u.allSatisfy({ (0x30...0x39).contains($0) }), let n = Int(text),
              (1...Self.maxRedactedLength).contains(n) else { return nil }
        return n
    }

    /// A timing: digits, optionally `.` and digits (no sign, exponent, `inf` or `nan`), at most
    /// ``maxMilliseconds``.
    static func milliseconds(_ text: Substring) -> Double? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count),
              parts.allSatisfy({ (1...9).contains($0.utf8.count) && $0.utf8.allSatisfy { (0x30...0x39).contains($0) } }),
              let ms = Double(text), ms.isFinite, ms >= 0, ms <= Self.maxMilliseconds else { return nil }
        return ms
    }
}

/// Why a text is not a valid trace file; names the line.
public struct APDUTraceFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var message: String
    init(line: Int, _ message: String) {
        self.line = line
        self.message = message
    }
    public var description: String { "trace line \(line): \(message)" }
}

/// Collects a channel's trace entries into an ``APDUTraceFile``: pass ``record(_:)`` as the
/// ``CardChannel`` tracer (or `MynaCard(transport:tracer:)`).
///
/// It records what the channel's redaction produced and nothing else, so the file can hold no more
/// than `--trace` would print.
public final class APDUTraceRecorder: Sendable {
    private let state = Mutex<(exchanges: [APDUTraceFile.Exchange], pending: APDUTraceEntry?)>(([], nil))

    public init() {}

    /// Adds one entry; a response completes the command before it.
    public func record(_ entry: APDUTraceEntry) {
        state.withLock { s in
            switch entry.direction {
            case .command:
                s.pending = entry
            case .response:
                // The channel always traces a command before its response; a stray response is kept
                // with an empty command rather than dropped, so the file shows it.
                let command = s.pending ?? APDUTraceEntry(direction: .command, segments: [])
                s.exchanges.append(.init(command: command, response: entry))
                s.pending = nil
            }
        }
    }

    /// The session so far, under `header`.
    public func file(header: [APDUTraceFile.Field]) -> APDUTraceFile {
        state.withLock { APDUTraceFile(header: header, exchanges: $0.exchanges, unanswered: $0.pending) }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs, by Unicode scalar: a combining mark after a space
    /// makes one Character with it, so trimming Characters kept that space — and `# ` written before a
    /// key starting with a combining mark then read back as part of the key (FuzzAPDUTraceFile: "writing
    /// a file twice changes it").
    fileprivate var trimmingSpaces: String {
        let scalars = Substring(self).unicodeScalars
        var start = scalars.startIndex, end = scalars.endIndex
        while start < end, scalars[start] == " " || scalars[start] == "\t" { start = scalars.index(after: start) }
        while start < end {
            let last = scalars.index(before: end)
            guard scalars[last] == " " || scalars[last] == "\t" else { break }
            end = last
        }
        return String(String.UnicodeScalarView(scalars[start..<end]))
    }
}
