import SmartCard
import Testing

/// The trace file format and the replay transport (docs/CARD.md, "APDU traces").
@Suite("APDU trace files and replay")
struct APDUTraceFileTests {
    static let select = CommandAPDU(ins: 0xA4, p1: 0x04, p2: 0x0C, data: [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01])
    static let verify = CommandAPDU(ins: 0x20, p1: 0x00, p2: 0x80, data: Array("1234".utf8), redaction: [.commandData])
    static let read = CommandAPDU(ins: 0xB0, p1: 0, p2: 0, le: 8, redaction: [.responseData])

    /// A session of three exchanges, recorded the way the channel traces it.
    static func recorded() throws -> APDUTraceFile {
        let recorder = APDUTraceRecorder()
        recorder.record(.command(select, bytes: try select.encoded()))
        recorder.record(.response(ResponseAPDU(status: .success), redacting: false, elapsed: .microseconds(412)))
        recorder.record(.command(verify, bytes: try verify.encoded()))
        recorder.record(.response(ResponseAPDU(status: StatusWord(0x63C2)), redacting: false, elapsed: .milliseconds(20)))
        recorder.record(.command(read, bytes: try read.encoded()))
        recorder.record(.response(ResponseAPDU(data: Array("123456789018".utf8) + [0, 0], status: .success), redacting: true))
        return recorder.file(header: [.init("tool", "test"), .init("atr", "3B E0 00 FF 81 31 FE 45 14"), .init("extended-length", "no")])
    }

    @Test("a recorded file reads back to the same exchanges; secrets are only lengths")
    func roundTrip() throws {
        let file = try Self.recorded()
        let text = file.text
        #expect(text.hasPrefix("# mynagate-apdu-trace 2\n# tool: test\n"))
        #expect(text.contains(">> 00 20 00 80 [PIN redacted]\n<< 63C2 ; 20.000 ms\n"))
        #expect(text.contains("<< 9000 ; 0.412 ms"))
        #expect(text.contains("<< [14 bytes redacted] 9000\n"))
        #expect(!text.contains("31 32 33 34"))
        let back = try APDUTraceFile(parsing: text)
        #expect(back.exchanges.map(\.command) == file.exchanges.map(\.command))
        #expect(back.exchanges.map(\.response.segments) == file.exchanges.map(\.response.segments))
        #expect(back.exchanges.map(\.response.status) == file.exchanges.map(\.response.status))
        #expect(back.exchanges[1].response.elapsed == .milliseconds(20))
        #expect(back.exchanges.map(\.line) == [5, 7, 9])
        #expect(back.atr == [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14])
        #expect(back.supportsExtendedLength == false)
        #expect(back.text == text)
    }

    @Test("files that are not traces are refused with the line named")
    func parseErrors() {
        #expect(throws: APDUTraceFileError.self) { try APDUTraceFile(parsing: "# some other format\n") }
        #expect(throws: APDUTraceFileError.self) { try APDUTraceFile(parsing: "") }
        let cases: [(String, Int)] = [
            ("# mynagate-apdu-trace 2\n<< 9000\n", 2),
            ("# mynagate-apdu-trace 2\n>> 00 A4 04 0C\n>> 00 A4 04 0C\n", 3),
            ("# mynagate-apdu-trace 2\n>> 00 20 00 80 [4 bytes hidden]\n", 2),
            ("# mynagate-apdu-trace 2\n>> 00 B0 00 00 08\n<< 01 02\n", 3),
            ("# mynagate-apdu-trace 2\n>> 00 B0\n", 2),
            ("# mynagate-apdu-trace 2\nhello\n", 2),
        ]
        for (text, line) in cases {
            do {
                _ = try APDUTraceFile(parsing: text)
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.line == line, "\(error)")
            }
        }
    }

    @Test("replay answers the recorded responses, matching a redacted PIN by its header only (its length is not recorded)")
    func replayFollowsTheTrace() async throws {
        let card = TraceReplayTransport(trace: try Self.recorded())
        #expect(await card.atr == [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14])
        #expect(await card.supportsExtendedLength == false)
        #expect(try await card.transmit(try Self.select.encoded()) == [0x90, 0x00])
        // Any PIN, of any length, gets what the real card answered to the real one.
        #expect(try await card.transmit([0x00, 0x20, 0x00, 0x80, 0x06] + Array("ABC123".utf8)) == [0x63, 0xC2])
        // Redacted response data comes back as zeros of the recorded length.
        #expect(try await card.transmit(try Self.read.encoded()) == [UInt8](repeating: 0, count: 14) + [0x90, 0x00])
        #expect(await card.remaining == 0)
        try await card.finish()
    }

    @Test("a client that deviates fails loudly, names the exchange and line, and never shows a PIN")
    func replayDeviation() async throws {
        let card = try TraceReplayTransport(text: try Self.recorded().text)
        _ = try await card.transmit(try Self.select.encoded())
        // A PIN for another reference (P2 81) where the card was sent one for 80.
        let message = await Self.failure { try await card.transmit([0x00, 0x20, 0x00, 0x81, 0x05] + Array("12345".utf8)) }
        #expect(message.contains("command #2 differs from the trace (line 7)"), "\(message)")
        #expect(message.contains("00 20 00 81 [PIN redacted]"))
        #expect(!message.contains("31 32 33 34 35"))
        // The tries-left form (no data) does not match a recorded PIN either.
        let empty = await Self.failure { try await card.transmit([0x00, 0x20, 0x00, 0x80]) }
        #expect(empty.contains("command #2 differs from the trace (line 7)"), "\(empty)")
        // The trace does not move on after a deviation: the recorded command still matches.
        _ = try await card.transmit(try Self.verify.encoded())
        await #expect(throws: CardTransportError.self) { try await card.finish() }
        _ = try await card.transmit(try Self.read.encoded())
        let past = await Self.failure { try await card.transmit(try Self.select.encoded()) }
        #expect(past.contains("the trace ends after 3 exchanges"), "\(past)")
        await #expect(throws: CardTransportError.self) { try await card.reset() }
    }

    /// The description of the error `body` throws ("" and a recorded issue when it does not throw).
    static func failure(_ body: () async throws -> [UInt8]) async -> String {
        do {
            _ = try await body()
            Issue.record("no error")
            return ""
        } catch {
            return "\(error)"
        }
    }
}
