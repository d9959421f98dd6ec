import Testing
@testable import SmartCard

@Suite("Command APDUs (ISO 7816-4 cases 1–4)")
struct CommandAPDUTests {
    @Test func shortCases() throws {
        #expect(try CommandAPDU(ins: 0x20, p1: 0, p2: 0x80).encoded() == [0x00, 0x20, 0x00, 0x80])
        #expect(try CommandAPDU(ins: 0xB0, p1: 0, p2: 4, le: 256).encoded() == [0x00, 0xB0, 0x00, 0x04, 0x00])
        #expect(try CommandAPDU(ins: 0xA4, p1: 2, p2: 0x0C, data: [0x00, 0x0A]).encoded() == [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A])
        #expect(try CommandAPDU(cla: 0x80, ins: 0x2A, p1: 0, p2: 0x80, data: [1, 2], le: 256).encoded() == [0x80, 0x2A, 0x00, 0x80, 0x02, 1, 2, 0x00])
    }

    @Test("extended Le as a real card accepted it: 00 B0 00 04 00 06 1F")
    func extendedCases() throws {
        let read = CommandAPDU(ins: 0xB0, p1: 0, p2: 4, le: 0x061F)
        #expect(read.isExtended)
        #expect(try read.encoded() == [0x00, 0xB0, 0x00, 0x04, 0x00, 0x06, 0x1F])
        #expect(try CommandAPDU(ins: 0xB0, p1: 0, p2: 0, le: 65_536).encoded() == [0, 0xB0, 0, 0, 0, 0, 0])
        let big = [UInt8](repeating: 7, count: 300)
        #expect(try CommandAPDU(ins: 0xD6, p1: 0, p2: 0, data: big).encoded() == [0, 0xD6, 0, 0, 0, 0x01, 0x2C] + big)
        #expect(try CommandAPDU(ins: 0x2A, p1: 0, p2: 0, data: [9], le: 300).encoded() == [0, 0x2A, 0, 0, 0, 0, 1, 9, 0x01, 0x2C])
        #expect(try CommandAPDU(ins: 0x2A, p1: 0, p2: 0, data: [9], le: 1, forceExtended: true).encoded() == [0, 0x2A, 0, 0, 0, 0, 1, 9, 0, 1])
    }

    @Test func invalidSizes() {
        #expect(throws: APDUFormatError.invalidLe(0)) { try CommandAPDU(ins: 0xB0, p1: 0, p2: 0, le: 0).encoded() }
        #expect(throws: APDUFormatError.invalidLe(65_537)) { try CommandAPDU(ins: 0xB0, p1: 0, p2: 0, le: 65_537).encoded() }
        #expect(throws: APDUFormatError.commandDataTooLong(65_536)) {
            try CommandAPDU(ins: 0xD6, p1: 0, p2: 0, data: [UInt8](repeating: 0, count: 65_536)).encoded()
        }
    }

    @Test("parsing inverts encoding for every case and form")
    func roundTrip() throws {
        let samples: [CommandAPDU] = [
            CommandAPDU(ins: 0x20, p1: 0, p2: 0x80),
            CommandAPDU(ins: 0xB0, p1: 1, p2: 2, le: 17),
            CommandAPDU(ins: 0xB0, p1: 1, p2: 2, le: 256),
            CommandAPDU(ins: 0xA4, p1: 4, p2: 0x0C, data: [0xD3, 0x92]),
            CommandAPDU(cla: 0x80, ins: 0x2A, p1: 0, p2: 0x80, data: [1, 2, 3], le: 256),
            CommandAPDU(ins: 0xB0, p1: 0, p2: 4, le: 0x061F),
            CommandAPDU(ins: 0xB0, p1: 0, p2: 4, le: 65_536),
            CommandAPDU(ins: 0xD6, p1: 0, p2: 0, data: [UInt8](repeating: 1, count: 300)),
            CommandAPDU(ins: 0x2A, p1: 0, p2: 0, data: [UInt8](repeating: 2, count: 300), le: 1000),
        ]
        for s in samples {
            let parsed = try CommandAPDU(bytes: try s.encoded())
            #expect(parsed.data == s.data)
            #expect(parsed.le == s.le)
            #expect(parsed.isoCase == s.isoCase)
            #expect([parsed.cla, parsed.ins, parsed.p1, parsed.p2] == [s.cla, s.ins, s.p1, s.p2])
        }
    }

    @Test("malformed commands are errors, never crashes")
    func malformed() {
        #expect(throws: APDUFormatError.tooShort(3)) { try CommandAPDU(bytes: [0, 0xA4, 4]) }
        #expect(throws: APDUFormatError.self) { try CommandAPDU(bytes: [0, 0xA4, 4, 0x0C, 0x05, 1, 2]) }
        #expect(throws: APDUFormatError.self) { try CommandAPDU(bytes: [0, 0xB0, 0, 0, 0, 1]) }
        #expect(throws: APDUFormatError.self) { try CommandAPDU(bytes: [0, 0xB0, 0, 0, 0, 0, 5, 1]) }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let n = Int.random(in: 0...12, using: &rng)
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = try? CommandAPDU(bytes: bytes)
        }
    }
}

@Suite("Responses and status words")
struct ResponseTests {
    @Test func splitsStatus() throws {
        let r = try ResponseAPDU(bytes: [1, 2, 0x90, 0x00])
        #expect(r.data == [1, 2])
        #expect(r.status.isSuccess)
        #expect(throws: APDUFormatError.tooShort(1)) { try ResponseAPDU(bytes: [0x90]) }
    }

    @Test func meanings() {
        #expect(StatusWord(0x63C2).retryCounter == 2)
        #expect(StatusWord(0x63C2).meaning == "verification failed, 2 tries left")
        #expect(StatusWord(0x6A82).meaning == "file or application not found")
        #expect(StatusWord(0x6983).meaning == "authentication method blocked")
        #expect(StatusWord(0x6100).bytesRemaining == 256)
        #expect(StatusWord(0x6C10).correctLe == 16)
        #expect(StatusWord(0x6A82).description == "6A82")
        #expect(StatusWord(0x9000).retryCounter == nil)
    }
}

@Suite("BER-TLV with the card's non-canonical tags")
struct BERTLVTests {
    @Test("FF 10 (My Number EF) with FF padding")
    func myNumberFile() throws {
        let digits = Array("123456789018".utf8)
        let file: [UInt8] = [0xFF, 0x10, 0x0C] + digits + [0xFF, 0xFF, 0xFF]
        let tlv = try BERTLV.parseFirst(file)
        #expect(tlv.tag == 0xFF10)
        #expect(tlv.value == digits)
        #expect(try BERTLV.parseAll(file).count == 1)
    }

    @Test("FF 20 with DF2x children and a long-form length")
    func basicFour() throws {
        let name = Array("番号 花子".utf8)
        let address = Array(String(repeating: "東京都千代田区", count: 10).utf8)
        let children = BERTLV(tag: 0xDF21, value: [0, 1, 2, 3, 4, 5, 6, 7]).encoded
            + BERTLV(tag: 0xDF22, value: name).encoded + BERTLV(tag: 0xDF23, value: address).encoded
        let outer = BERTLV(tag: 0xFF20, value: children)
        #expect(outer.isConstructed)
        #expect(outer.encoded.prefix(3) == [0xFF, 0x20, 0x81])
        let parsed = try BERTLV.parseFirst(outer.encoded)
        #expect(try parsed.child(0xDF22)?.value == name)
        #expect(try parsed.child(0xDF23)?.value == address)
        #expect(try parsed.child(0xDF29) == nil)
    }

    @Test func headerOnly() throws {
        let h = try BERTLV.parseHeader([0x30, 0x82, 0x06, 0x23, 0x30])
        #expect(h.tag == 0x30)
        #expect(h.headerLength == 4)
        #expect(h.valueLength == 0x0623)
    }

    @Test("truncated and malformed input gives errors")
    func errors() {
        #expect(throws: TLVError.self) { try BERTLV.parseFirst([0xFF, 0x10, 0x0C, 0x31]) }
        #expect(throws: TLVError.self) { try BERTLV.parseFirst([0x30, 0x80]) }
        #expect(throws: TLVError.self) { try BERTLV.parseFirst([0x30, 0x85, 1, 1, 1, 1, 1]) }
        #expect(throws: TLVError.self) { try BERTLV.parseFirst([0xFF]) }
        #expect(throws: TLVError.self) { try BERTLV.parseFirst([0xFF, 0x81, 0x82, 0x83, 0x84, 0x01]) }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let bytes = (0..<Int.random(in: 0...20, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = try? BERTLV.parseAll(bytes)
        }
    }
}

@Suite("Tracing redacts PINs and My Numbers")
struct TraceTests {
    @Test func verifyDataIsRedactedEvenUnmarked() throws {
        let verify = CommandAPDU(ins: 0x20, p1: 0, p2: 0x80, data: Array("1234".utf8))
        let line = APDUTraceEntry.command(verify, bytes: try verify.encoded()).description
        #expect(line == ">> 00 20 00 80 [PIN redacted]")
        #expect(!line.contains("31 32 33 34"))
    }

    @Test func markedResponseIsRedacted() {
        let r = ResponseAPDU(data: [0xFF, 0x10, 0x0C] + Array("123456789018".utf8), status: .success)
        #expect(APDUTraceEntry.response(r, redacting: true).description == "<< [15 bytes redacted] 9000")
    }

    @Test("12 ASCII digits in an unmarked exchange are masked as a safety net")
    func digitRunsMasked() {
        let r = ResponseAPDU(data: [0x01] + Array("123456789018".utf8) + [0x02], status: .success)
        let line = APDUTraceEntry.response(r, redacting: false).description
        #expect(!line.contains("31 32 33 34 35 36 37 38 39 30 31 38"))
        #expect(line.hasPrefix("<< 01 2A 2A"))
        // Shorter digit runs (dates, counters) stay visible.
        let date = ResponseAPDU(data: Array("20261126".utf8), status: .success)
        #expect(APDUTraceEntry.response(date, redacting: false).description.contains("32 30 32 36"))
    }

    @Test func hexHelpers() {
        #expect(hex([0x00, 0xA4, 0xFF]) == "00 A4 FF")
        #expect(bytes(fromHex: "00 a4:FF") == [0x00, 0xA4, 0xFF])
        #expect(bytes(fromHex: "0") == nil)
        #expect(bytes(fromHex: "zz") == nil)
    }
}
