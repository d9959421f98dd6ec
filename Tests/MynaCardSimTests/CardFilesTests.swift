import Crypto
import Foundation
import MynaCardSim
import SmartCard
import Testing
import CryptoExtras

/// The files and answers issue 17 items 8–9 added, each against what soltia48/myna-card measured on a
/// J-LIS test card (docs/CARD.md cites each).
@Suite("Card files as real cards lay them out")
struct CardFilesTests {
    func readAll(_ card: VirtualMynaCard) -> [UInt8] {
        var out: [UInt8] = []
        while true {
            let r = card.read(offset: out.count, le: 256)
            guard r.sw == 0x9000, !r.data.isEmpty else { return out }
            out += r.data
            if r.data.count < 256 { return out }
        }
    }

    /// `90 e 91 n` → a swift-crypto key.
    func rsaKey(_ tlv: [UInt8]) throws -> _RSA.Signing.PublicKey {
        let items = try BERTLV.parseAll(tlv)
        let e = try #require(items.first { $0.tag == 0x90 }?.value)
        let n = try #require(items.first { $0.tag == 0x91 }?.value)
        return try _RSA.Signing.PublicKey(n: n, e: e)
    }

    func verifies(_ key: _RSA.Signing.PublicKey, _ signature: [UInt8], _ message: [UInt8]) -> Bool {
        key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA256.hash(data: message), padding: .insecurePKCS1v1_5)
    }

    /// (issuer id, subject id, key TLV, signature, body) of a CVC with or without its 7F21 template.
    func cvc(_ bytes: [UInt8]) throws -> (issuer: [UInt8], subject: [UInt8], key: [UInt8], signature: [UInt8], body: [UInt8]) {
        let contents = bytes.starts(with: [0x7F, 0x21]) ? try BERTLV.parseFirst(bytes).value : bytes
        let items = try BERTLV.parseAll(contents)
        let body = try #require(items.first { $0.tag == 0x5F4E }?.value)
        let sig = try #require(items.first { $0.tag == 0x5F37 }?.value)
        return (Array(body[0..<16]), Array(body[16..<32]), Array(body[32...]), sig, body)
    }

    @Test("text EF 0004 is a 568-byte CVC the TEST card-verifiable CA signed over the 297-byte 5F4E value")
    func textCertificate() throws {
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.textAID) == 0x9000)
        #expect(card.selectEF(0x0004) == 0x9000)
        let bytes = readAll(card)
        #expect(bytes.count == 568)
        #expect(Array(bytes.prefix(10)) == [0x7F, 0x21, 0x82, 0x02, 0x33, 0x5F, 0x4E, 0x82, 0x01, 0x29])
        let c = try cvc(bytes)
        #expect(c.body.count == 297 && c.key.count == 265)
        #expect(Array(c.key.prefix(9)) == [0x90, 0x03, 0x01, 0x00, 0x01, 0x91, 0x82, 0x01, 0x00])
        #expect(c.issuer == TestJPKIHierarchy.cvcCAKeyID)
        let ca = try cvc(Fixture.hierarchy.cvcAuthorityCertificate)
        #expect(ca.issuer == ca.subject && ca.subject == TestJPKIHierarchy.cvcCAKeyID)
        #expect(verifies(try rsaKey(ca.key), c.signature, c.body))
        #expect(!verifies(try rsaKey(c.key), c.signature, c.body), "the certificate is not self-signed")
    }

    @Test("text EF 0003: DF33 verifies over the DF31 and DF32 TLVs with the key EF 0004 certifies")
    func integrityRecordSignature() throws {
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.textAID) == 0x9000)
        #expect(card.selectEF(0x0004) == 0x9000)
        let key = try rsaKey(try cvc(readAll(card)).key)
        #expect(card.selectEF(0x0011) == 0x9000)
        #expect(card.verify(Fixture.authPIN) == 0x9000)
        #expect(card.selectEF(0x0003) == 0x9000)
        let record = readAll(card)
        #expect(record.count == 336)
        #expect(Array(record.prefix(5)) == [0xFF, 0x30, 0x82, 0x01, 0x4B])
        let signed = Array(record[5..<75])  // DF31 20 <32> DF32 20 <32>
        #expect(signed[0] == 0xDF && signed[1] == 0x31 && signed[35] == 0xDF && signed[36] == 0x32)
        #expect(Array(record[75..<80]) == [0xDF, 0x33, 0x82, 0x01, 0x00])
        #expect(verifies(key, Array(record[80...]), signed))
        // The physical number file, filler included, is what DF31 digests.
        #expect(card.selectEF(0x0001) == 0x9000)
        let number = readAll(card)
        #expect(number.count == 17)
        #expect(Array(signed[3..<35]) == Array(SHA256.hash(data: number)))
    }

    @Test("text EF 0001 opens with 照合番号A at 0014, 0002 with 照合番号B at 0015, 0003 with either; neither opens the other's file")
    func textByCodes() {
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.textAID) == 0x9000)
        #expect(card.selectEF(0x0014) == 0x9000)
        #expect(card.triesQuery() == 0x63CA)
        #expect(card.verify(Fixture.holder.myNumberDigits) == 0x9000)
        for (fid, sw): (UInt16, UInt16) in [(0x0001, 0x9000), (0x0002, 0x6982), (0x0003, 0x9000)] {
            #expect(card.selectEF(fid) == 0x9000)
            #expect(card.read(offset: 0, le: 1).sw == sw, "EF \(fid) after 照合番号A")
        }
        // 照合番号A and B are printed on the card: they cannot be changed.
        #expect(card.selectEF(0x0014) == 0x9000)
        #expect(card.sw([0x00, 0x24, 0x01, 0x80, 0x0C] + Array("123456789012".utf8)) == 0x6985)
        let other = Fixture.card()
        #expect(other.selectAP(Fixture.textAID) == 0x9000)
        #expect(other.selectEF(0x0015) == 0x9000)
        #expect(other.verify(Fixture.state.visualPINB.value) == 0x9000)
        for (fid, sw): (UInt16, UInt16) in [(0x0001, 0x6982), (0x0002, 0x9000), (0x0003, 0x9000)] {
            #expect(other.selectEF(fid) == 0x9000)
            #expect(other.read(offset: 0, le: 1).sw == sw, "EF \(fid) after 照合番号B")
        }
    }

    @Test("JPKI EF 0006 is 160 bytes with the label first; EF 0008 says both certificates, 8F 8F 00")
    func jpkiTokenAndAvailability() {
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x0006) == 0x9000)
        let token = readAll(card)
        #expect(token.count == 160)
        #expect(Array(token.prefix(32)) == Array("JPKIAPICCTOKEN2".utf8) + Array(repeating: 0x20, count: 17))
        #expect(card.selectEF(0x0008) == 0x9000)
        #expect(readAll(card) == [0x8F, 0x8F, 0x00])
    }

    @Test("visual EF 0001, the age record, opens with the era birth date key at 0011 and is signed by the EF 0004 key")
    func ageRecord() throws {
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.visualAID) == 0x9000)
        #expect(card.selectEF(0x0004) == 0x9000)
        let issuerKey = try rsaKey(try cvc(readAll(card)).key)
        #expect(card.selectEF(0x0001) == 0x9000)
        #expect(card.read(offset: 0, le: 1).sw == 0x6982)
        #expect(card.selectEF(0x0011) == 0x9000)
        // 1990-06-15 is 平成2: the Gregorian form is a wrong key.
        #expect(card.verify("900615") != 0x9000)
        #expect(card.verify("020615") == 0x9000)
        #expect(card.selectEF(0x0001) == 0x9000)
        let record = readAll(card)
        #expect(Array(record.prefix(5)) == [0xFF, 0x10, 0x82, 0x02, 0x1E])
        #expect(record.count == 547)  // 5 header bytes + 542 (0x21E)
        let items = try BERTLV.parseFirst(record).children()
        #expect(items.map(\.tag) == [0xDF11, 0xDF12, 0xDF13])
        #expect(items[0].value == Array("19900615".utf8))
        let ownKey = try rsaKey(items[1].value)
        #expect(verifies(issuerKey, items[2].value, items[0].encoded + items[1].encoded))
        // The application's own key is another key than the issuer's.
        #expect(ownKey.derRepresentation != issuerKey.derRepresentation)
        // The birth key opens the age record only.
        #expect(card.selectEF(0x0002) == 0x9000)
        #expect(card.read(offset: 0, le: 1).sw == 0x6982)
    }

    @Test("visual EF 0002 opens with 照合番号A as well as B; DF24 is the 90/91 key, DF28 covers three digests")
    func frontSideByEitherCode() throws {
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.visualAID) == 0x9000)
        #expect(card.selectEF(0x0013) == 0x9000)
        #expect(card.verify(Fixture.holder.myNumberDigits) == 0x9000)
        #expect(card.selectEF(0x0002) == 0x9000)
        let front = readAll(card)
        let items = try BERTLV.parseFirst(front).children()
        let byTag = Dictionary(uniqueKeysWithValues: items.map { ($0.tag, $0) })
        let key = try #require(byTag[0xDF24]).value
        #expect(Array(key.prefix(9)) == [0x90, 0x03, 0x01, 0x00, 0x01, 0x91, 0x82, 0x01, 0x00])
        let digests = [[0xDF22, 0xDF23, 0xDF24], [0xDF25, 0xDF26], [0xDF27]].flatMap { tags in
            Array(SHA256.hash(data: tags.flatMap { byTag[UInt32($0)]?.encoded ?? [] }))
        }
        #expect(card.selectEF(0x0004) == 0x9000)
        let issuer = try rsaKey(try cvc(readAll(card)).key)
        // PKCS#1 v1.5 over a DigestInfo whose OCTET STRING is the three digests: verify by recovering the
        // DigestInfo with a raw public-key check (swift-crypto verifies only one-digest DigestInfos).
        let prefix: [UInt8] = [0x30, 0x71, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x60]
        #expect(RawRSA.recover(try #require(byTag[0xDF28]).value, key: issuer)?.suffix(115) == ArraySlice(prefix + digests))
    }

    @Test("visual EF 0003 holds the municipality code; EF 0005 is FF40 {DF41, DF42, DF43} and needs 照合番号A")
    func visualBasicAndNumberSide() throws {
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.visualAID) == 0x9000)
        #expect(card.selectEF(0x0003) == 0x9000)
        let basic = try BERTLV.parseFirst(readAll(card))
        #expect(basic.tag == 0xFF30)
        #expect(try basic.children().map(\.tag) == [0xDF31, 0xDF32, 0xDF33, 0xDF34, 0xDF35])
        #expect(try basic.child(0xDF34)?.value == Array("99001".utf8))
        #expect(card.selectEF(0x0012) == 0x9000)
        #expect(card.verify(Fixture.state.visualPINB.value) == 0x9000)
        #expect(card.selectEF(0x0005) == 0x9000)
        #expect(card.read(offset: 0, le: 1).sw == 0x6982)
        #expect(card.selectEF(0x0013) == 0x9000)
        #expect(card.verify(Fixture.holder.myNumberDigits) == 0x9000)
        #expect(card.selectEF(0x0005) == 0x9000)
        let side = try BERTLV.parseFirst(readAll(card)).children()
        #expect(side.map(\.tag) == [0xDF41, 0xDF42, 0xDF43])
        #expect(card.selectEF(0x0004) == 0x9000)
        let issuer = try rsaKey(try cvc(readAll(card)).key)
        #expect(verifies(issuer, side[2].value, side[0].encoded + side[1].encoded))
    }

    @Test("the 共通カードAP answers SELECT and READ RECORD 1 of EF 0001 = serial + municipality + expiry; the 住基AP answers SELECT")
    func commonAndJuki() {
        let card = Fixture.card()
        #expect(card.selectAP([0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00]) == 0x9000)
        #expect(card.selectEF(0x0001) == 0x9000)
        let r = card.process([0x00, 0xB2, 0x01, 0x04, 0x00])
        #expect(Array(r.suffix(2)) == [0x90, 0x00])
        let record = Array(r.dropLast(2))
        #expect(Array(record.prefix(2)) == [0x01, 0x1C])
        let text = String(decoding: record.dropFirst(2), as: UTF8.self)
        #expect(text.count == 28 && text.allSatisfy(\.isNumber))
        #expect(text.dropFirst(15).prefix(5) == "99001" && text.suffix(8) == Fixture.state.cardExpiry)
        #expect(card.sw([0x00, 0xB2, 0x02, 0x04, 0x00]) == 0x6A83)
        #expect(card.selectAP([0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x01]) == 0x9000)
        // An AID no application has is still "not found", which OpenSC's probes rely on.
        #expect(card.selectAP([0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x09]) == 0x6A82)
    }

    @Test("GET DATA at the MF: F0 municipality, F2 expiry, 5F51 ATR, F8 the CA certificate; 6A88 otherwise and in an application")
    func getDataAtTheMF() throws {
        let card = Fixture.card()
        func get(_ p1: UInt8, _ p2: UInt8) -> (data: [UInt8], sw: UInt16) {
            let r = card.process([0x00, 0xCA, p1, p2, 0x00])
            return (Array(r.dropLast(2)), UInt16(r[r.count - 2]) << 8 | UInt16(r[r.count - 1]))
        }
        #expect(get(0x00, 0xF0).data == Array("99001".utf8))
        #expect(get(0x00, 0xF2).data == Array(Fixture.state.cardExpiry.utf8))
        #expect(get(0x5F, 0x51).data == Array(VirtualMynaCard.jpkiATR.dropFirst()))
        // The CA certificate is larger than a short Le: 6700, then extended Le (soltia48 `get_data`).
        #expect(get(0x00, 0xF8).sw == 0x6700)
        let r = card.process([0x00, 0xCA, 0x00, 0xF8, 0x00, 0x00, 0x00])
        let f8 = (data: Array(r.dropLast(2)), sw: UInt16(r[r.count - 2]) << 8 | UInt16(r[r.count - 1]))
        #expect(f8.sw == 0x9000 && f8.data.count == 563)
        #expect(try cvc(f8.data).subject == TestJPKIHierarchy.cvcCAKeyID)
        #expect(get(0x7F, 0x21).sw == 0x6A88)
        #expect(card.selectAP(Fixture.textAID) == 0x9000)
        #expect(get(0x00, 0xF0).sw == 0x6A88)
        #expect(get(0x5F, 0x51).sw == 0x9000)
        // The GlobalPlatform ISD brings the MF state back.
        #expect(card.selectAP([0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00]) == 0x9000)
        #expect(get(0x00, 0xF0).sw == 0x9000)
    }

    @Test("SELECT MF: 00 A4 00 00 is 6A86 after reset and 9000 without leaving the application; 3F00 is 6A82")
    func selectMF() {
        let card = Fixture.card()
        #expect(card.sw([0x00, 0xA4, 0x00, 0x00]) == 0x6A86)
        #expect(card.sw([0x00, 0xA4, 0x00, 0x00, 0x02, 0x3F, 0x00]) == 0x6A82)
        #expect(card.sw([0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00]) == 0x6A82)
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.sw([0x00, 0xA4, 0x00, 0x00]) == 0x9000)
        // Still in JPKI: its files answer.
        #expect(card.selectEF(0x000A) == 0x9000)
    }

    @Test("READ BINARY by short EF identifier selects and reads in one APDU")
    func readBySFI() {
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        let r = card.process([0x00, 0xB0, 0x8A, 0x00, 0x28])
        #expect(Array(r.suffix(2)) == [0x90, 0x00])
        #expect(Array(r.dropLast(2)) == Array(Fixture.state.authCertificate.prefix(40)))
        // Now the current EF: an ordinary READ continues in it.
        #expect(card.read(offset: 0x28, le: 4).data == Array(Fixture.state.authCertificate[40..<44]))
        #expect(card.sw([0x00, 0xB0, 0x81, 0x00, 0x04]) == 0x6982)  // 0001 needs the signing password
        #expect(card.sw([0x00, 0xB0, 0x9E, 0x00, 0x04]) == 0x6A82)
    }

    @Test("a format-1 state whose birth date gives no 生年月日 key is refused loudly, not completed without one")
    func unparseableBirthDateThrows() throws {
        var old = Fixture.state
        old.visualBirthKey = nil
        old.holder.birthDate = "not-a-date"
        #expect(throws: VirtualCardError.self) { try old.completingMissingParts() }
        #expect(throws: VirtualCardError.self) { try Fixture.hierarchy.certifying(old) }
        // A state whose issuer key does not parse cannot be certified: an error, not a card without EF 0004.
        var broken = Fixture.state
        broken.cardVerifiableCertificate = nil
        broken.textSigningKey = [0x30, 0x00]
        #expect(throws: VirtualCardError.self) { try Fixture.hierarchy.certifying(broken) }
    }

    @Test("a format-1 card file decodes; the parts it lacks are generated and written back, its CVC stays missing")
    func formatOneCardFile() throws {
        var json = try #require(try JSONSerialization.jsonObject(with: Fixture.state.encoded()) as? [String: Any])
        for key in ["cardVerifiableCertificate", "cvcAuthorityCertificate", "visualCardKey", "visualBirthKey", "cardSerial", "municipalityCode",
                    "textPINA", "textPINB"] {
            #expect(json.removeValue(forKey: key) != nil, "\(key) is written")
        }
        json["formatVersion"] = 1
        json["token"] = Data(VirtualCardState.jpkiToken).base64EncodedString()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cardfiles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("old.vcard")
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        let card = try VirtualMynaCard.load(contentsOf: url)
        let written = try VirtualCardState.decode(Data(contentsOf: url))
        #expect(written.formatVersion == 2 && written.visualCardKey != nil && written.visualBirthKey?.value == "020615")
        #expect(written.cardVerifiableCertificate == nil)
        #expect(card.selectAP(Fixture.textAID) == 0x9000)
        #expect(card.selectEF(0x0004) == 0x6A82)
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x0006) == 0x9000)
        #expect(readAll(card).count == 160)
        // The hierarchy that issued it can certify it afterwards (what `mynagate demo` does for old cards).
        let certified = try #require(try Fixture.hierarchy.certifying(written))
        #expect(try Fixture.hierarchy.certifying(certified) == nil)
        let upgraded = VirtualMynaCard(state: certified)
        #expect(upgraded.selectAP(Fixture.textAID) == 0x9000)
        #expect(upgraded.selectEF(0x0004) == 0x9000)
        #expect(try cvc(readAll(upgraded)).issuer == TestJPKIHierarchy.cvcCAKeyID)
    }
}

/// `s^e mod n`, to look inside a PKCS#1 v1.5 block whose DigestInfo swift-crypto will not verify.
enum RawRSA {
    static func recover(_ signature: [UInt8], key: _RSA.Signing.PublicKey) -> [UInt8]? {
        guard let p = try? key.getKeyPrimitives() else { return nil }
        let n = BigUInt(bytes: Array(p.modulus)), e = BigUInt(bytes: Array(p.publicExponent))
        return BigUInt(bytes: signature).power(e, modulus: n).bytes(count: 256)
    }
}

/// Just enough unsigned big-integer arithmetic for one modular exponentiation in a test.
struct BigUInt {
    var limbs: [UInt32]  // little-endian

    init(limbs: [UInt32]) { self.limbs = limbs; trim() }
    init(bytes: [UInt8]) {
        var l: [UInt32] = []
        var i = bytes.count
        while i > 0 {
            let lo = max(0, i - 4)
            l.append(bytes[lo..<i].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            i = lo
        }
        self.init(limbs: l)
    }
    mutating func trim() { while limbs.last == 0 { limbs.removeLast() } }

    func bytes(count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        for (i, limb) in limbs.enumerated() {
            for b in 0..<4 where count - 1 - (i * 4 + b) >= 0 { out[count - 1 - (i * 4 + b)] = UInt8((limb >> (8 * UInt32(b))) & 0xFF) }
        }
        return out
    }

    static func * (a: BigUInt, b: BigUInt) -> BigUInt {
        var r = [UInt64](repeating: 0, count: a.limbs.count + b.limbs.count + 1)
        for (i, x) in a.limbs.enumerated() {
            var carry: UInt64 = 0
            for (j, y) in b.limbs.enumerated() {
                let t = r[i + j] + UInt64(x) * UInt64(y) + carry
                r[i + j] = t & 0xFFFF_FFFF
                carry = t >> 32
            }
            var k = i + b.limbs.count
            while carry > 0 { let t = r[k] + carry; r[k] = t & 0xFFFF_FFFF; carry = t >> 32; k += 1 }
        }
        return BigUInt(limbs: r.map { UInt32($0) })
    }

    func bit(_ i: Int) -> Bool { i / 32 < limbs.count && (limbs[i / 32] >> UInt32(i % 32)) & 1 == 1 }
    var bitWidth: Int { limbs.isEmpty ? 0 : (limbs.count - 1) * 32 + (32 - limbs.last!.leadingZeroBitCount) }

    /// Shift-and-subtract remainder: slow, and fine for a few hundred operations in a test.
    func mod(_ m: BigUInt) -> BigUInt {
        var r = BigUInt(limbs: [])
        for i in stride(from: bitWidth - 1, through: 0, by: -1) {
            r = r.shiftedLeftOne(setting: bit(i))
            if !(r < m) { r = r - m }
        }
        return r
    }
    func shiftedLeftOne(setting low: Bool) -> BigUInt {
        var out: [UInt32] = []
        var carry: UInt32 = low ? 1 : 0
        for l in limbs { out.append(l << 1 | carry); carry = l >> 31 }
        if carry > 0 { out.append(carry) }
        return BigUInt(limbs: out)
    }
    static func < (a: BigUInt, b: BigUInt) -> Bool {
        if a.limbs.count != b.limbs.count { return a.limbs.count < b.limbs.count }
        for i in stride(from: a.limbs.count - 1, through: 0, by: -1) where a.limbs[i] != b.limbs[i] { return a.limbs[i] < b.limbs[i] }
        return false
    }
    static func - (a: BigUInt, b: BigUInt) -> BigUInt {
        var out: [UInt32] = []
        var borrow: Int64 = 0
        for i in 0..<a.limbs.count {
            var d = Int64(a.limbs[i]) - (i < b.limbs.count ? Int64(b.limbs[i]) : 0) - borrow
            borrow = d < 0 ? 1 : 0
            if d < 0 { d += 1 << 32 }
            out.append(UInt32(d))
        }
        return BigUInt(limbs: out)
    }
    func power(_ e: BigUInt, modulus m: BigUInt) -> BigUInt {
        var result = BigUInt(limbs: [1]), base = self.mod(m)
        for i in 0..<e.bitWidth {
            if e.bit(i) { result = (result * base).mod(m) }
            base = (base * base).mod(m)
        }
        return result
    }
}
