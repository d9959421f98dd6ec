import Crypto
import MynaCardSim
import SmartCard
import Testing
import CryptoExtras

@Suite("Text and visual applications")
struct ApplicationContentTests {
    func readAll(_ card: VirtualMynaCard) -> (data: [UInt8], sw: UInt16) {
        var out: [UInt8] = []
        while true {
            let r = card.read(offset: out.count, le: 256)
            if r.sw == 0x6B00 { return (out, 0x9000) }
            guard r.sw == 0x9000 else { return (out, r.sw) }
            out += r.data
        }
    }

    func openText(_ card: VirtualMynaCard) {
        #expect(card.selectAP(Fixture.textAID) == 0x9000)
        #expect(card.selectEF(0x0011) == 0x9000)
        #expect(card.triesQuery() == 0x63C3)
        #expect(card.verify(Fixture.authPIN) == 0x9000)
    }

    @Test func textFilesAreProtectedByTheirPIN() {
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.textAID) == 0x9000)
        for fid: UInt16 in [0x0001, 0x0002, 0x0003] {
            #expect(card.selectEF(fid) == 0x9000)
            #expect(card.read(offset: 0, le: 1).sw == 0x6982)
        }
        #expect(card.selectEF(0x0004) == 0x9000)
        let cvc = card.read(offset: 0, le: 2)
        #expect(cvc.sw == 0x9000 && cvc.data == [0x7F, 0x21])
        #expect(card.selectEF(0x0011) == 0x9000)
        #expect(card.read(offset: 0, le: 1).sw == 0x6981)
    }

    @Test func numberAndBasicFourItems() throws {
        let card = Fixture.card()
        openText(card)
        #expect(card.selectEF(0x0001) == 0x9000)
        let number = readAll(card).data
        #expect(Array(number.prefix(3)) == [0xFF, 0x10, 0x0C])
        #expect(Array(number[3..<15]) == Array(Fixture.holder.myNumberDigits.utf8))
        #expect(number.dropFirst(15).allSatisfy { $0 == 0xFF })

        #expect(card.selectEF(0x0002) == 0x9000)
        let basic = readAll(card).data
        let top = try BERTLV.parseAll(basic)
        #expect(top.count == 1 && top[0].tag == 0xFF20)
        let items = try top[0].children()
        #expect(items.map(\.tag) == [0xDF21, 0xDF22, 0xDF23, 0xDF24, 0xDF25])
        #expect(items[0].value.count == 8)
        #expect(String(decoding: items[1].value, as: UTF8.self) == Fixture.holder.name)
        #expect(String(decoding: items[2].value, as: UTF8.self) == Fixture.holder.address)
        #expect(items[3].value == Array("19900615".utf8))
        #expect(items[4].value == Array("2".utf8))
        // The header holds each item's offset in the EF.
        for k in 0..<4 {
            let offset = Int(items[0].value[2 * k]) << 8 | Int(items[0].value[2 * k + 1])
            #expect(Array(basic[offset..<(offset + 2)]) == BERTLV.tagBytes(items[k + 1].tag))
        }

        #expect(card.selectEF(0x0003) == 0x9000)
        let sig = readAll(card).data
        #expect(sig.count == 336)
        let sigTLV = try BERTLV.parseFirst(sig)
        #expect(sigTLV.tag == 0xFF30)
        #expect(try sigTLV.child(0xDF31)?.value == Array(SHA256.hash(data: number)))
        // DF32 digests the FF20 value after the DF21 table: DF22 to the object's end, no outer header,
        // no table, no filler (soltia48/myna-card `Attributes::digest_source`).
        let header = try BERTLV.parseHeader(basic)
        let value = Array(basic[header.headerLength..<(header.headerLength + header.valueLength)])
        #expect(try sigTLV.child(0xDF32)?.value == Array(SHA256.hash(data: Array(value.dropFirst(items[0].encoded.count)))))
        #expect(try sigTLV.child(0xDF33)?.value.count == 256)
    }

    @Test func visualFrontSideAfterPINB() throws {
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.visualAID) == 0x9000)
        #expect(card.selectEF(0x0002) == 0x9000)
        #expect(card.read(offset: 0, le: 1).sw == 0x6982)
        #expect(card.selectEF(0x0012) == 0x9000)
        #expect(card.triesQuery() == 0x63CA)
        #expect(card.verify("00000000000000") == 0x63C9)
        #expect(card.verify(Fixture.state.visualPINB.value) == 0x9000)
        #expect(card.triesQuery() == 0x63CA)
        #expect(card.selectEF(0x0002) == 0x9000)
        let front = readAll(card)
        #expect(front.sw == 0x9000)
        let top = try BERTLV.parseAll(front.data)
        #expect(top.count == 1 && top[0].tag == 0xFF20)
        let items = try top[0].children()
        #expect(items.map(\.tag) == [0xDF21, 0xDF22, 0xDF23, 0xDF24, 0xDF25, 0xDF26, 0xDF27, 0xDF28, 0xDF29, 0xDF2A])
        let byTag = Dictionary(uniqueKeysWithValues: items.map { ($0.tag, $0.value) })
        #expect(byTag[0xDF27].map { Array($0.prefix(12)) } == [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A])
        for tag: UInt32 in [0xDF25, 0xDF26, 0xDF2A] {
            #expect(PNGCheck.isValid(byTag[tag] ?? []))
        }
        #expect(byTag[0xDF29] == Array(Fixture.state.cardExpiry.utf8))
        #expect(byTag[0xDF28]?.count == 256)
        // The 0005 number side stays closed with B alone.
        #expect(card.selectEF(0x0005) == 0x9000)
        #expect(card.read(offset: 0, le: 1).sw == 0x6982)
    }

    @Test func numberSideNeedsPINA() {
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.visualAID) == 0x9000)
        #expect(card.selectEF(0x0013) == 0x9000)
        #expect(card.triesQuery() == 0x63CA)
        #expect(card.verify(Fixture.holder.myNumberDigits) == 0x9000)
        #expect(card.selectEF(0x0005) == 0x9000)
        let r = card.read(offset: 0, le: 2)
        #expect(r.sw == 0x9000 && r.data == [0xFF, 0x40])
        // 照合番号A cannot be changed.
        #expect(card.selectEF(0x0013) == 0x9000)
        #expect(card.sw([0x00, 0x24, 0x01, 0x80, 0x0C] + Array("123456789012".utf8)) == 0x6985)
    }

    @Test func imagesAreWellFormed() {
        let s = Fixture.state
        #expect(PNGCheck.isValid(s.nameImage))
        #expect(PNGCheck.isValid(s.addressImage))
        #expect(Array(s.faceImage.prefix(12)) == [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A])
    }

    @Test func randomHoldersHaveValidDistinctNumbers() {
        var g = SeededGenerator(seed: 99)
        var seen = Set<String>()
        for _ in 0..<200 {
            let h = CardHolder.random(using: &g)
            #expect((try? h.myNumber) != nil)
            #expect(h.birthDateComponents != nil)
            #expect(!h.description.contains(h.myNumberDigits))
            #expect(!String(reflecting: h).contains(h.myNumberDigits))
            seen.insert(h.myNumberDigits)
        }
        #expect(seen.count == 200)
        #expect(!String(describing: Fixture.state).contains(Fixture.holder.myNumberDigits))
        #expect(!String(describing: Fixture.state.authPIN).contains(Fixture.authPIN))
    }
}

/// An independent PNG reader: signature, then chunks whose CRCs must match, IHDR first and IEND last.
enum PNGCheck {
    static func isValid(_ b: [UInt8]) -> Bool {
        guard b.count > 8, Array(b[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { return false }
        var i = 8
        var types: [String] = []
        while i + 12 <= b.count {
            let len = Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard i + 12 + len <= b.count else { return false }
            let typeAndData = Array(b[(i + 4)..<(i + 8 + len)])
            let crc = UInt32(b[i + 8 + len]) << 24 | UInt32(b[i + 9 + len]) << 16 | UInt32(b[i + 10 + len]) << 8 | UInt32(b[i + 11 + len])
            guard crc == crc32(typeAndData) else { return false }
            types.append(String(decoding: typeAndData.prefix(4), as: UTF8.self))
            i += 12 + len
        }
        return i == b.count && types.first == "IHDR" && types.last == "IEND" && types.contains("IDAT")
    }

    static func crc32(_ data: [UInt8]) -> UInt32 {
        var table = [UInt32](repeating: 0, count: 256)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            table[n] = c
        }
        var c: UInt32 = 0xFFFF_FFFF
        for byte in data { c = table[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
