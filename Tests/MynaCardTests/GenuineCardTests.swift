import Crypto
import Foundation
import MynaCard
import MynaCardSim
import SmartCard
import Testing

/// The visual application's own key over APDUs (issue 18): the age record behind the birth-date key, its
/// certificate, and the signing command a `genuine` door sends (soltia48/myna-card `src/ap/surface.rs`).
@Suite("The card's own key: age record, certificate and COMPUTE DIGITAL SIGNATURE in the visual application")
struct GenuineCardTests {
    @Test("the birth-date key (era YYMMDD) opens the age record; its key verifies the card's signature, certified by EF 0004")
    func ageRecordAndSignature() async throws {
        let (card, _, trace) = Fixtures.insert()
        #expect(try await card.visual.birthDateTriesLeft().value == 10)
        // 1990-01-01 is 平成2: the key is 020101, never the Gregorian 900101.
        let key = PIN.visualBirthDate(try EraDate(yyyymmdd: "19900101"))
        await #expect(throws: MynaCardError.wrongPIN(.visualBirthDate, triesLeft: 9)) {
            _ = try await card.visual.ageRecord(birthDateKey: try PIN("900101", kind: .visualBirthDate))
        }
        let record = try await card.visual.ageRecord(birthDateKey: key).value
        #expect(record.birthDate == "19900101")
        #expect(record.publicKeyBytes == Fixtures.state.visualCardPublicKey)
        let (certificate, _) = try await card.visual.certificate().value
        #expect(record.isSigned(by: certificate), "the age record is signed by the key EF 0004 certifies")
        #expect(try await card.visual.birthDateTriesLeft().value == 10, "a good key resets the counter")

        let message = Array("a door's challenge".utf8)
        let before = await card.channel.usage.apdus
        let signature = try await card.visual.sign(sha256Digest: Array(SHA256.hash(data: message))).value
        #expect(record.publicKey.verifiesPKCS1SHA256(signature, over: message))
        #expect(!record.publicKey.verifiesPKCS1SHA256(signature, over: Array("another".utf8)))
        // The application was current already: the signature alone (the door's SELECT + SIGN is 2 from the JPKI AP).
        #expect(await card.channel.usage.apdus - before == 1)
        #expect(trace.text.contains("80 2A 00 00"), "\(trace.text)")
        // The birth date the age record holds is hidden in the trace, like the key that opened it.
        #expect(!trace.text.replacingOccurrences(of: " ", with: "").uppercased().contains("3139393030313031"), "the birth date in hex")
    }

    @Test("signing needs no credential and spends no try; a wrong-size digest is refused before sending")
    func signingWithoutCredential() async throws {
        let (card, _, _) = Fixtures.insert()
        _ = try await card.jpki.readAuthCertificateSerial()
        let before = await card.channel.usage.apdus
        let signature = try await card.visual.sign(sha256Digest: Array(repeating: 7, count: 32)).value
        #expect(signature.count == 256)
        #expect(await card.channel.usage.apdus - before == 2, "SELECT of the visual application and the signature")
        #expect(try await card.jpki.triesLeft(.auth).value == 3)
        #expect(try await card.visual.triesLeft().value == 10)

        await #expect(throws: MynaCardError.self) { _ = try await card.visual.sign(sha256Digest: [1, 2, 3]) }
    }

    @Test("the desk's reading refuses to send the birth-date key with fewer than 3 tries left, and says when the card refuses it")
    func deskReading() async throws {
        let key = PIN.visualBirthDate(try EraDate(yyyymmdd: "19900101"))
        var low = Fixtures.state
        low.visualBirthKey?.triesLeft = 2
        let virtual = VirtualMynaCard(state: low)
        let lowCard = MynaCard(transport: EmulatedCardTransport(card: virtual))
        guard case .skipped("birth_date_tries_low") = await lowCard.visual.cardKeyReading(birthDateKey: key, sha256Digest: Array(repeating: 1, count: 32)) else {
            Issue.record("sent with 2 tries left")
            return
        }
        #expect(virtual.state.visualBirthKey?.triesLeft == 2)

        let (card, _, _) = Fixtures.insert()
        let wrong = PIN.visualBirthDate(try EraDate(yyyymmdd: "19900102"))
        guard case .skipped("birth_date_refused") = await card.visual.cardKeyReading(birthDateKey: wrong, sha256Digest: Array(repeating: 1, count: 32)) else {
            Issue.record("a wrong birth date was not reported")
            return
        }
        guard case .read(let ageRecord, _, let signature) = await card.visual.cardKeyReading(birthDateKey: key, sha256Digest: Array(repeating: 1, count: 32)) else {
            Issue.record("no reading with the right key")
            return
        }
        #expect(try AgeRecord(bytes: ageRecord).birthDate == "19900101")
        #expect(signature.count == 256)
    }

    @Test("unsigned data after the signature is refused: a second DF12 with another key, or trailing bytes")
    func ageRecordWithUnsignedTail() async throws {
        let (card, _, _) = Fixtures.insert()
        let record = try await card.visual.ageRecord(birthDateKey: PIN.visualBirthDate(try EraDate(yyyymmdd: "19900101"))).value
        #expect(try AgeRecord(bytes: record.bytes + [0xFF, 0xFF, 0x00]).publicKeyBytes == record.publicKeyBytes, "filler is fine")
        // The attack (attacker review of issue 18): keep the card's signed DF11‖DF12‖DF13 and append DF12
        // with the attacker's key inside FF10, where a lax parser took the last DF12 as the card's key.
        let inner = Array(try BERTLV.parseFirst(record.bytes).value)
        let attackerKey = Fixtures.leadingZeroSerialState.visualCardPublicKey ?? []
        let forged = BERTLV(tag: 0xFF10, value: inner + BERTLV(tag: 0xDF12, value: attackerKey).encoded).encoded
        #expect(throws: MynaCardError.self) { _ = try AgeRecord(bytes: forged) }
        #expect(throws: MynaCardError.self) { _ = try AgeRecord(bytes: record.bytes + [0xDF, 0x12, 0x01, 0x00]) }
        // Reordered objects are not the card's layout either.
        let items = try BERTLV.parseAll(inner)
        let reordered = BERTLV(tag: 0xFF10, value: items[1].encoded + items[0].encoded + items[2].encoded).encoded
        #expect(throws: MynaCardError.self) { _ = try AgeRecord(bytes: reordered) }
    }

    @Test("a malformed age record is a MynaCardError, never a crash")
    func malformedAgeRecord() {
        for bytes: [UInt8] in [[], [0xFF, 0x10, 0x00], [0xFF, 0x10, 0x03, 0xDF, 0x11, 0x05], [0xFF, 0x20, 0x00], [0xFF, 0x10, 0x82, 0xFF, 0xFF]] {
            #expect(throws: MynaCardError.self) { _ = try AgeRecord(bytes: bytes) }
        }
    }
}
