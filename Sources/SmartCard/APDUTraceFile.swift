import Synchronization

/// A recorded card session in MynaGate's trace format, version 1 (docs/CARD.md, "APDU traces"):
/// a header of `# key: value` lines, then one line per command (`>>`) and response (`<<`), already
/// redacted by ``APDUTraceEntry``.
///
/// ```text
/// # mynagate-apdu-trace 1
/// # tool: mynagate 0.1.0 card trace
/// # reader: Virtual PCD 00 00
/// # atr: 3B E0 00 FF 81 31 FE 45 14
/// # protocol: T=1
/// # extended-length: yes
/// # date: 2026-12-05T10:00:00Z
/// >> 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01
/// << 9000 ; 0.412 ms
/// >> 00 20 00 80 [4 bytes redacted]
/// << 63C2 ; 20.004 ms
/// ```
///
/// The file is made to be shared: it holds no byte the redaction hid, so a trace of a real card can
/// become a regression test (``TraceReplayTransport``) without the card or its holder's data.
public struct APDUTraceFile: Sendable, Hashable {
    /// The first line of every file of this format and version.
    public static let formatLine = "# mynagate-apdu-trace 1"

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

    /// The file's text: header, then two lines per exchange. Header values are kept on one line.
    public var text: String {
        var lines = [Self.formatLine]
        for f in header {
            let value = f.value.replacing("\n", with: " ").replacing("\r", with: " ")
            lines.append("# \(f.key): \(value)")
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
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            if !sawFormat {
                guard line == Self.formatLine else {
                    throw .init(line: number, "not a MynaGate APDU trace of version 1 (first line must be \"\(Self.formatLine)\")")
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

    /// Parses the part of a line after `>> ` or `<< `: hex bytes and `[n bytes redacted]` markers, for a
    /// response then the status word and optionally ` ; x.yyy ms`.
    static func parseEntry(_ body: Substring, direction: APDUTraceEntry.Direction, line: Int) throws(APDUTraceFileError) -> APDUTraceEntry {
        var rest = body
        var elapsed: Duration?
        if let semicolon = rest.firstIndex(of: ";") {
            let timing = rest[rest.index(after: semicolon)...].trimmingSpaces
            guard timing.hasSuffix(" ms"), let ms = Double(timing.dropLast(3)), ms >= 0 else {
                throw .init(line: line, "timing \"\(timing)\" is not \"x.yyy ms\"")
            }
            elapsed = .microseconds(Int64((ms * 1000).rounded()))
            rest = rest[..<semicolon]
        }
        var tokens = rest.split(separator: " ").map(String.init)
        var status: StatusWord?
        if direction == .response {
            guard let last = tokens.popLast(), last.count == 4, let sw = bytes(fromHex: last) else {
                throw .init(line: line, "a response must end with its status word (4 hex digits)")
            }
            status = StatusWord(sw1: sw[0], sw2: sw[1])
        }
        var segments: [APDUTraceEntry.Segment] = []
        var run: [UInt8] = []
        var i = 0
        while i < tokens.count {
            let t = tokens[i]
            if t.hasPrefix("[") {
                guard i + 2 < tokens.count, let n = Int(t.dropFirst()), n > 0, tokens[i + 1] == "bytes", tokens[i + 2] == "redacted]" else {
                    throw .init(line: line, "a marker must read \"[n bytes redacted]\"")
                }
                if !run.isEmpty { segments.append(.bytes(run)) }
                run = []
                segments.append(.redacted(n))
                i += 3
                continue
            }
            guard t.count == 2, let b = bytes(fromHex: t) else { throw .init(line: line, "\"\(t)\" is not a hex byte") }
            run += b
            i += 1
        }
        if !run.isEmpty { segments.append(.bytes(run)) }
        if direction == .command {
            guard case .bytes(let head)? = segments.first, head.count >= 4 else {
                throw .init(line: line, "a command starts with its 4 header bytes")
            }
        }
        return APDUTraceEntry(direction: direction, segments: segments, status: status, elapsed: elapsed)
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
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}
