import Foundation
import MynaCardSim
import SmartCard
import Testing

@Suite("VERIFY, retry counters and CHANGE REFERENCE DATA")
struct PINTests {
    @Test func openSCBindSequenceSeesSW1Of63() {
        let card = Fixture.card()
        #expect(card.atr == [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14])
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x0018) == 0x9000)
        #expect(card.triesQuery() == 0x63C3)
        #expect(card.selectEF(0x001B) == 0x9000)
        #expect(card.triesQuery() == 0x63C5)
    }

    @Test func triesQuerySpendsNothing() {
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x0018) == 0x9000)
        for _ in 0..<10 { #expect(card.triesQuery() == 0x63C3) }
        #expect(card.state.authPIN.triesLeft == 3)
    }

    @Test func verifyNeedsAPINFile() {
        let card = Fixture.card()
        #expect(card.verify("1234") == 0x6986)
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.verify("1234") == 0x6986)
        #expect(card.selectEF(0x000A) == 0x9000)
        #expect(card.verify("1234") == 0x6986)
        #expect(card.selectEF(0x0018) == 0x9000)
        #expect(card.sw([0x00, 0x20, 0x00, 0x81, 0x04] + Array("1234".utf8)) == 0x6A86)
    }

    @Test func wrongThenRightRestoresTheCounter() {
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x0018) == 0x9000)
        #expect(card.verify("0000") == 0x63C2)
        #expect(card.triesQuery() == 0x63C2)
        #expect(card.verify("9999") == 0x63C1)
        #expect(card.verify(Fixture.authPIN) == 0x9000)
        #expect(card.triesQuery() == 0x63C3)
    }

    @Test func authPINLocksAfterThreeWrongTries() {
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x0018) == 0x9000)
        #expect(card.verify("0000") == 0x63C2)
        #expect(card.verify("0000") == 0x63C1)
        #expect(card.verify("0000") == 0x63C0)
        // As measured on a real card (soltia48/myna-card README "Retry counters"): the query says 63C0,
        // every later VERIFY 6984, even with the right PIN.
        #expect(card.triesQuery() == 0x63C0)
        #expect(card.verify(Fixture.authPIN) == 0x6984)
        #expect(card.verify("0000") == 0x6984)
        #expect(card.triesQuery() == 0x63C0)
        #expect(card.state.authPIN.isBlocked)
        // The signing password is independent.
        #expect(card.selectEF(0x001B) == 0x9000)
        #expect(card.triesQuery() == 0x63C5)
    }

    /// OpenSC's jpki driver (`card-jpki.c` `jpki_pin_cmd`, `SC_PIN_CMD_GET_INFO`) selects each PIN EF,
    /// sends the no-data VERIFY and fails unless SW1 is `63`. A real card keeps SW1 = 63 for a blocked
    /// key (soltia48/myna-card README "Retry counters"), so OpenSC binds a card whose PIN is blocked and
    /// reports 0 tries; the virtual card must let it do the same.
    @Test func openSCGetInfoSeesSW1Of63WithABlockedPIN() {
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x0018) == 0x9000)
        for _ in 0..<3 { _ = card.verify("0000") }
        for (fid, left) in [(UInt16(0x0018), UInt16(0)), (0x001B, 5)] {
            #expect(card.selectEF(fid) == 0x9000)
            let sw = card.triesQuery()
            #expect(sw >> 8 == 0x63 && sw & 0x0F == left, "EF \(String(fid, radix: 16)): \(String(sw, radix: 16))")
        }
    }

    @Test func signingPasswordLocksAfterFiveWrongTries() {
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x001B) == 0x9000)
        for left in (0..<5).reversed() {
            #expect(card.verify("WRONG1") == 0x63C0 | UInt16(left))
        }
        #expect(card.verify(Fixture.signingPassword) == 0x6984)
        #expect(card.triesQuery() == 0x63C0)
    }

    @Test func lockPersistsAcrossLoad() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vcard-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Fixture.card().save(to: url)
        let perms = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int
        #expect(perms == 0o600)

        let first = try VirtualMynaCard.load(contentsOf: url)
        #expect(first.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(first.selectEF(0x0018) == 0x9000)
        #expect(first.verify("0000") == 0x63C2)
        // A "restart" in the middle keeps the spent try.
        let second = try VirtualMynaCard.load(contentsOf: url)
        #expect(second.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(second.selectEF(0x0018) == 0x9000)
        #expect(second.triesQuery() == 0x63C2)
        #expect(second.verify("0000") == 0x63C1)
        #expect(second.verify("0000") == 0x63C0)

        let third = try VirtualMynaCard.load(contentsOf: url)
        #expect(third.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(third.selectEF(0x0018) == 0x9000)
        #expect(third.triesQuery() == 0x63C0)
        #expect(third.verify(Fixture.authPIN) == 0x6984)
        #expect(third.state.authPIN.triesLeft == 0)
    }

    @Test func loadRefusesGarbage() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vcard-bad-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("{}".utf8).write(to: url)
        #expect(throws: VirtualCardError.self) { try VirtualMynaCard.load(contentsOf: url) }
        #expect(throws: VirtualCardError.self) { try VirtualMynaCard.load(contentsOf: url.appendingPathExtension("missing")) }
    }

    @Test func changeReferenceDataAfterVerify() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vcard-chg-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        let card = VirtualMynaCard(state: Fixture.state, persistingTo: url)
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x0018) == 0x9000)
        let change: ([UInt8]) -> UInt16 = { card.sw([0x00, 0x24, 0x01, 0x80, UInt8($0.count)] + $0) }
        #expect(change(Array("5678".utf8)) == 0x6982)
        #expect(card.verify(Fixture.authPIN) == 0x9000)
        #expect(change(Array("56789".utf8)) == 0x6A80)
        #expect(change(Array("56a8".utf8)) == 0x6A80)
        #expect(card.sw([0x00, 0x24, 0x00, 0x80, 0x04] + Array("5678".utf8)) == 0x6A86)
        #expect(change(Array("5678".utf8)) == 0x9000)
        #expect(card.verify(Fixture.authPIN) == 0x63C2)
        #expect(card.verify("5678") == 0x9000)
        let reloaded = try VirtualMynaCard.load(contentsOf: url)
        #expect(reloaded.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(reloaded.selectEF(0x0018) == 0x9000)
        #expect(reloaded.verify("5678") == 0x9000)

        // The signing password's format is 6–16 of A–Z 0–9.
        #expect(card.selectEF(0x001B) == 0x9000)
        #expect(card.verify(Fixture.signingPassword) == 0x9000)
        #expect(change(Array("short".utf8)) == 0x6A80)
        #expect(change(Array("NEWPASS99".utf8)) == 0x9000)
        #expect(card.verify("NEWPASS99") == 0x9000)
    }

    /// Whether leaving an application forgets its PINs is unknown on a real card (docs/CARD.md); the
    /// default follows soltia48/myna-card's README (a VERIFY stays until the card leaves the field).
    @Test func verifiedStatusOutlivesAnotherApplicationByDefault() {
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x001B) == 0x9000)
        #expect(card.verify(Fixture.signingPassword) == 0x9000)
        #expect(card.selectAP(Fixture.textAID) == 0x9000)
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x0001) == 0x9000)
        #expect(card.read(offset: 0, le: 4).sw == 0x9000)
        card.reset()
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x0001) == 0x9000)
        #expect(card.read(offset: 0, le: 4).sw == 0x6982)
    }

    @Test func verifiedStatusEndsOnResetAndOnLeavingTheApplication() {
        let card = VirtualMynaCard(state: Fixture.state, forgetsPINsOnApplicationChange: true)
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x001B) == 0x9000)
        #expect(card.verify(Fixture.signingPassword) == 0x9000)
        #expect(card.selectEF(0x0001) == 0x9000)
        #expect(card.read(offset: 0, le: 4).sw == 0x9000)
        card.reset()
        #expect(card.read(offset: 0, le: 4).sw == 0x6986)
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x0001) == 0x9000)
        #expect(card.read(offset: 0, le: 4).sw == 0x6982)

        #expect(card.selectEF(0x001B) == 0x9000)
        #expect(card.verify(Fixture.signingPassword) == 0x9000)
        #expect(card.selectAP(Fixture.textAID) == 0x9000)
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x0001) == 0x9000)
        #expect(card.read(offset: 0, le: 4).sw == 0x6982)

        #expect(card.selectEF(0x001B) == 0x9000)
        #expect(card.verify(Fixture.signingPassword) == 0x9000)
        card.powerOff()
        card.powerOn()
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x0001) == 0x9000)
        #expect(card.read(offset: 0, le: 4).sw == 0x6982)
    }

    @Test func aWrongTryWithdrawsAnEarlierVerify() {
        let card = Fixture.card()
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.selectEF(0x001B) == 0x9000)
        #expect(card.verify(Fixture.signingPassword) == 0x9000)
        #expect(card.verify("WRONG1") == 0x63C4)
        #expect(card.selectEF(0x0001) == 0x9000)
        #expect(card.read(offset: 0, le: 4).sw == 0x6982)
    }
}
