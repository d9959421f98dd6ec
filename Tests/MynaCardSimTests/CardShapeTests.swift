import Foundation
import MynaCardSim
import SmartCard
import Testing

/// The virtual card's data in the shapes a real card has (issue 17 items 1, 6, 7; audit D1, D5, D6).
@Suite("Card-shaped data on the virtual card")
struct CardShapeTests {
    @Test func visualPINBAcrossEraBoundaries() throws {
        // Issued 2024-04-01: the card expires at the 10th birthday after issue (5th under 18).
        for (birth, expected) in [("19890107", "640107" + "2034"), ("19890108", "010108" + "2034"),
                                  ("20190430", "310430" + "2028"), ("20190501", "010501" + "2028"),
                                  ("19261224", "151224" + "2033"), ("19261225", "011225" + "2033")] {
            var holder = Fixture.holder
            holder.birthDate = birth
            let s = try Fixture.hierarchy.issueCard(holder: holder, authPIN: Fixture.authPIN,
                                                    signingPassword: Fixture.signingPassword, issuedAt: Fixture.issuedAt)
            #expect(s.visualPINB.value == expected + s.securityCode, "\(birth)")
            let card = VirtualMynaCard(state: s)
            #expect(card.selectAP(Fixture.visualAID) == 0x9000)
            #expect(card.selectEF(0x0012) == 0x9000)
            #expect(card.verify(String(birth.dropFirst(2)) + expected.suffix(4) + s.securityCode) == 0x63C9, "Gregorian form refused")
            #expect(card.verify(expected + s.securityCode) == 0x9000)
        }
    }

    @Test func textPINMayDifferFromTheAuthPIN() throws {
        let s = try Fixture.hierarchy.issueCard(holder: Fixture.holder, authPIN: "1234", signingPassword: "ABC123",
                                                textPIN: "5678", issuedAt: Fixture.issuedAt)
        #expect(s.textPIN.value == "5678" && s.authPIN.value == "1234")
        let card = VirtualMynaCard(state: s)
        #expect(card.selectAP(Fixture.textAID) == 0x9000)
        #expect(card.selectEF(0x0011) == 0x9000)
        #expect(card.verify("1234") == 0x63C2)
        #expect(card.verify("5678") == 0x9000)
        #expect(throws: VirtualCardError.self) {
            try Fixture.hierarchy.issueCard(holder: Fixture.holder, authPIN: "1234", signingPassword: "ABC123", textPIN: "12a4")
        }
    }

    /// EF `0002` of a real (J-LIS test) card, byte for byte: soltia48/myna-card `src/ap/text.rs` test
    /// `attributes_file`. Name `黒桐　幹也` (U+3000), address with full-width digits and U+FF0D.
    static let realAttributesFile: [UInt8] = {
        let hex = "ff2065df2108000e002000590064df220fe9bb92e6a190e38080e5b9b9e4b99fdf2336e69db1e4baace983bde6b885e780ace5b882e8a6b3e5b883e5ad90e58d97efbc91efbc92efbc8defbc97efbc8defbc92efbc90efbc92df24083139383030323137df250131"
        return stride(from: 0, to: hex.count, by: 2).map { i in
            let start = hex.index(hex.startIndex, offsetBy: i)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16) ?? 0
        }
    }()

    @Test func fourItemsFileMatchesARealCardByteForByte() throws {
        let holder = CardHolder(name: "黒桐\u{3000}幹也", address: "東京都清瀬市観布子南１２－７－２０２", birthDate: "19800217",
                                sex: .male, myNumberDigits: Fixture.holder.myNumberDigits)
        let s = try Fixture.hierarchy.issueCard(holder: holder, authPIN: Fixture.authPIN, signingPassword: Fixture.signingPassword,
                                                issuedAt: Fixture.issuedAt)
        let card = VirtualMynaCard(state: s)
        #expect(card.selectAP(Fixture.textAID) == 0x9000)
        #expect(card.selectEF(0x0011) == 0x9000)
        #expect(card.verify(Fixture.authPIN) == 0x9000)
        #expect(card.selectEF(0x0002) == 0x9000)
        let file = card.read(offset: 0, le: 256).data
        #expect(Self.realAttributesFile.count == 0x65 + 3)
        #expect(Array(file.prefix(Self.realAttributesFile.count)) == Self.realAttributesFile)
    }

    @Test func randomHoldersAreCardShaped() {
        var g = SeededGenerator(seed: 17)
        for _ in 0..<50 {
            let h = CardHolder.random(using: &g)
            #expect(h.name.unicodeScalars.filter { $0 == "\u{3000}" }.count == 1 && !h.name.contains(" "), "\(h.name)")
            #expect(!h.address.unicodeScalars.contains { (0x30...0x39).contains($0.value) || $0 == "-" }, "\(h.address)")
            #expect(h.address.unicodeScalars.filter { $0 == "\u{FF0D}" }.count == 2, "\(h.address)")
        }
    }
}
