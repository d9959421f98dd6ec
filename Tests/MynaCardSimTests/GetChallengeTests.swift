import MynaCardSim
import SmartCard
import Testing

/// GET CHALLENGE as soltia48/myna-card `src/card.rs` measured it on issued cards (docs/CARD.md).
@Suite("GET CHALLENGE")
struct GetChallengeTests {
    @Test("every short Le from 1 to 256 is honoured exactly, with or without an application selected")
    func lengths() {
        let card = Fixture.card()
        for le in [1, 8, 16, 255, 256] {
            let r = card.process([0x00, 0x84, 0x00, 0x00, UInt8(le & 0xFF)])
            #expect(r.count == le + 2)
            #expect(Array(r.suffix(2)) == [0x90, 0x00])
        }
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
        #expect(card.process([0x00, 0x84, 0x00, 0x00, 0x10]).count == 18)
    }

    @Test("two draws differ (random, not a constant)")
    func random() {
        let card = Fixture.card()
        #expect(card.process([0x00, 0x84, 0x00, 0x00, 0x20]) != card.process([0x00, 0x84, 0x00, 0x00, 0x20]))
    }

    @Test("extended Le is refused with 6985; other forms with ISO status words")
    func refusals() {
        let card = Fixture.card()
        #expect(card.sw([0x00, 0x84, 0x00, 0x00, 0x00, 0x01, 0x00]) == 0x6985)
        #expect(card.sw([0x00, 0x84, 0x00, 0x01, 0x08]) == 0x6A86)
        #expect(card.sw([0x00, 0x84, 0x00, 0x00]) == 0x6700)
        #expect(card.sw([0x80, 0x84, 0x00, 0x00, 0x08]) == 0x6E00)
    }
}
