import Foundation
import SmartCard
import Testing

/// Trace files come from third parties: the parser is their first reader (docs/CARD.md, "APDU traces",
/// docs/TESTING.md "APDU trace hardening"). Each case here crashed, forged a line, leaked a length or
/// let a secret through before the parser was made strict.
@Suite("APDU trace files from a hostile contributor")
struct APDUTraceHostileTests {
    static let head = "# mynagate-apdu-trace 2\n"

    /// Parses `body` after the format line; returns the error (or records an issue when accepted).
    static func refusal(_ body: String, _ comment: Comment? = nil) -> APDUTraceFileError? {
        do {
            _ = try APDUTraceFile(parsing: head + body)
            Issue.record("accepted: \(body.debugDescription)")
            return nil
        } catch {
            return error
        }
    }

    @Test("inputs that trapped the parser or made a replay allocate without bound are refused, naming the line")
    func crashersRefused() {
        let cases: [(body: String, line: Int)] = [
            (">> 00 B0 00 00 08\n<< ::90\n", 3),        // 4 characters, 1 byte once ':' is skipped: sw[1] trapped
            (">> 00 B0 00 00 08\n<< 90\t00\n", 3),
            (">> 00 B0 00 00 08\n<< 9000 ; inf ms\n", 3),  // Int64(inf) trapped
            (">> 00 B0 00 00 08\n<< 9000 ; 1e300 ms\n", 3),
            (">> 00 B0 00 00 08\n<< 9000 ; nan ms\n", 3),
            (">> 00 B0 00 00 08\n<< 9000 ; -1 ms\n", 3),
            (">> 00 B0 00 00 08\n<< 9000 ; 0x10 ms\n", 3),
            (">> 00 B0 00 00 08\n<< 9000 ; 86400001 ms\n", 3),
            (">> 00 B0 00 00 08\n<< [9223372036854775807 bytes redacted] 9000\n", 3),  // replay allocated it
            (">> 00 B0 00 00 08\n<< [65539 bytes redacted] 9000\n", 3),
            (">> 00 B0 00 00 08\n<< [+4 bytes redacted] 9000\n", 3),
            (">> 00 B0 00 00 08\n<< [-4 bytes redacted] 9000\n", 3),
            (">> 00 B0 00 00 08\n<< [0 bytes redacted] 9000\n", 3),
            (">> 00 B0 00 00 08\n<< 01 [4 bytes redacted] 9000\n", 3),
            (">> 00 B0 00 :: 08\n", 2),                   // "::" was read as a byte
            (">> 00 b0 00 00 08\n", 2),
            (">> 00 B0 00 00 0\n", 2),
            (">> 00 B0 00 [4 bytes redacted]\n", 2),   // a marker not after exactly 4 header bytes
            (">> 00 B0 00 00 08 [4 bytes redacted] 01\n", 2),
            (">> 00 B0 00 00 08\n<< 9000\u{0}\n", 3),
        ]
        for (body, line) in cases {
            guard let error = Self.refusal(body) else { continue }
            #expect(error.line == line, "\(body.debugDescription): \(error)")
        }
        // The largest marker a real extended response needs is accepted.
        #expect(throws: Never.self) { try APDUTraceFile(parsing: Self.head + ">> 00 B0 00 00 00 00 00\n<< [65536 bytes redacted] 9000 ; 0.5 ms\n") }
    }

    @Test("a CRLF file reads like an LF one, with the same lines numbered")
    func crlf() throws {
        let lf = Self.head + "# reader: r\n>> 00 A4 02 0C 02 00 06\n<< 9000 ; 0.004 ms\n>> 00 B0 00 00 08\n<< [8 bytes redacted] 6282\n"
        let crlf = lf.replacing("\n", with: "\r\n")
        let a = try APDUTraceFile(parsing: lf)
        let b = try APDUTraceFile(parsing: crlf)
        #expect(b.exchanges.count == 2)
        #expect(a == b)
        #expect(b["reader"] == "r")
        #expect(b.exchanges.map(\.line) == [3, 5])
        // A bare CR inside a line is refused, not read as a line end.
        #expect(Self.refusal(">> 00 A4 02 0C 02 00 06\r<< 9000\n")?.line == 2)
    }

    @Test("a header value with a line break or another control character cannot forge a line")
    func headerForgery() throws {
        let forged = ">> 00 20 00 80 04 31 32 33 34"
        for sep in ["\r\n", "\n", "\r", "\u{85}", "\u{2028}", "\u{2029}", "\u{0B}", "\u{0C}", "\u{1B}[2K"] {
            let file = APDUTraceFile(header: [.init("reader", "Evil Reader\(sep)\(forged)"), .init("result", "ok\(sep)# atr: 00")],
                                     exchanges: [])
            let text = file.text
            // Split on the byte: a String split on "\n" would not see "\r\n", which Swift reads as one Character.
            let lines = text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false)
            #expect(lines.count == 4, "\(sep.debugDescription): \(text.debugDescription)")  // format, 2 fields, ""
            #expect(!text.unicodeScalars.contains { $0 != "\n" && ($0.properties.generalCategory == .control || $0.value == 0x2028 || $0.value == 0x2029) })
            let back = try APDUTraceFile(parsing: text)
            #expect(back.exchanges.isEmpty && back.header.count == 2)
            #expect(back["atr"] == nil)
        }
    }

    @Test("no PIN's length reaches a trace: a 6- and a 16-character password give the same line")
    func pinLengthHidden() throws {
        var lines: Set<String> = []
        for (ins, pin) in [(UInt8(0x20), "ABC123"), (0x20, "ABCDEFGHIJ123456"), (0x24, "123456"), (0x2C, "12345678")] {
            let apdu = CommandAPDU(ins: ins, p1: 0x00, p2: 0x80, data: Array(pin.utf8))
            let line = APDUTraceEntry.command(apdu, bytes: try apdu.encoded()).text
            #expect(!line.contains("\(pin.utf8.count) bytes"), "\(line)")
            #expect(line.hasSuffix(" [PIN redacted]"))
            lines.insert(line)
        }
        #expect(lines == ["00 20 00 80 [PIN redacted]", "00 24 00 80 [PIN redacted]", "00 2C 00 80 [PIN redacted]"])
        // The odd (BER-TLV) forms of the three instructions are PIN instructions too.
        for ins: UInt8 in [0x21, 0x25, 0x2D] {
            let apdu = CommandAPDU(ins: ins, p1: 0x00, p2: 0x80, data: [0x81, 0x04] + Array("1234".utf8))
            #expect(APDUTraceEntry.command(apdu, bytes: try apdu.encoded()).text == "00 \(hex([ins])) 00 80 [PIN redacted]")
        }
    }

    @Test("a contributed trace that shows a PIN or a 12-digit run is refused, without echoing it")
    func secretsRefused() throws {
        let cases: [(body: String, secret: String)] = [
            (">> 00 20 00 80 04 31 32 33 34\n<< 9000\n", "31 32 33 34"),
            (">> 00 20 00 80 [4 bytes redacted]\n<< 9000\n", "[4 bytes redacted]"),
            (">> 00 24 00 80 08 31 32 33 34 35 36 37 38\n<< 9000\n", "31 32 33 34"),
            (">> 00 2C 00 80 04 31 32 33 34\n<< 9000\n", "31 32 33 34"),
            (">> 00 21 00 80 06 81 04 31 32 33 34\n<< 9000\n", "31 32 33 34"),
            (">> 00 B0 00 00 0C\n<< 31 32 33 34 35 36 37 38 39 30 31 38 9000\n", "31 32 33 34 35"),
            (">> 00 D6 00 00 0C 31 32 33 34 35 36 37 38 39 30 31 38\n<< 9000\n", "31 32 33 34 35"),
            // Markers out of place: nothing secret to echo here.
            (">> 00 B0 00 00 08\n<< [PIN redacted] 9000\n", "\u{1}"),
            (">> 00 B0 00 00 08 [PIN redacted]\n<< 9000\n", "\u{1}"),
        ]
        for (body, secret) in cases {
            guard let error = Self.refusal(body) else { continue }
            #expect(error.line == 2 || error.line == 3, "\(error)")
            #expect(!error.description.contains(secret), "\(error)")
        }
        // What the recorder writes is accepted: the PIN marker, tries left without data, 11 digits, a masked run.
        let ok = ">> 00 20 00 80 [PIN redacted]\n<< 63C2\n>> 00 20 00 80\n<< 63C3\n"
            + ">> 00 B0 00 00 0B\n<< 31 32 33 34 35 36 37 38 39 30 31 9000\n"
            + ">> 00 B0 00 00 0C\n<< 2A 2A 2A 2A 2A 2A 2A 2A 2A 2A 2A 2A 9000\n"
        let file = try APDUTraceFile(parsing: Self.head + ok)
        #expect(file.exchanges.count == 4)
    }

    @Test("a header key that starts with a combining mark writes back the same text (the fuzzer's reproducer)")
    func combiningMarkAfterTheSpace() throws {
        // FuzzAPDUTraceFile, fresh-clone CI of issue 17: tabs, U+06DB, U+FFFD in a header line.
        let input = try #require(Data(base64Encoded: "IyBteW5hZ2F0ZS1hcGR1LXRyYWNlIDIKIyBFMCAwMCBGRiA0MCAzMSBGRSA0NSAxNAojIHB0aDogeWVzCiMgCQkJ25vvv70h77+9ZGF0ZTogNTIgMDEgMGVzcnNk"))
        let file = try APDUTraceFile(parsing: String(decoding: input, as: UTF8.self))
        let written = file.text
        let back = try APDUTraceFile(parsing: written)
        #expect(back.text == written)
        #expect(back.header == file.header)
    }

    @Test("version 1 files (PIN lengths in them) are refused with a clear message")
    func versionOne() {
        let error = Self.refusalWhole("# mynagate-apdu-trace 1\n>> 00 20 00 80 [6 bytes redacted]\n<< 9000\n")
        #expect(error?.line == 1)
        #expect(error?.message.contains("record the trace again") == true)
    }

    static func refusalWhole(_ text: String) -> APDUTraceFileError? {
        do {
            _ = try APDUTraceFile(parsing: text)
            return nil
        } catch {
            return error
        }
    }
}
