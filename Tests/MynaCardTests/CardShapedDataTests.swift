import Foundation
import MynaCard
import MynaCardSim
import SmartCard
import Testing

/// 照合番号B with the Japanese-era year, card-shaped holder data and a text PIN of its own (issue 17
/// items 1, 6 and 7; audit D1, D5, D6).
@Suite("Card-shaped data: era dates, 照合番号B, long 4-items file, separate text PIN")
struct CardShapedDataTests {
    /// "Showa 55 550217": era, era year and the 6 digits of 照合番号B.
    static func era(_ yyyymmdd: String) throws -> String {
        let d = try EraDate(yyyymmdd: yyyymmdd)
        return "\(d.era.englishName) \(d.eraYear) \(d.yymmdd)"
    }

    @Test("each era boundary: the last day of the old era and the first day (元年 = 01) of the new")
    func eraBoundaries() throws {
        #expect(try Self.era("18680125") == "Meiji 1 010125")
        #expect(try Self.era("19120729") == "Meiji 45 450729")
        #expect(try Self.era("19120730") == "Taisho 1 010730")
        #expect(try Self.era("19261224") == "Taisho 15 151224")
        #expect(try Self.era("19261225") == "Showa 1 011225")
        #expect(try Self.era("19800217") == "Showa 55 550217")
        #expect(try Self.era("19890107") == "Showa 64 640107")
        #expect(try Self.era("19890108") == "Heisei 1 010108")
        #expect(try Self.era("19900615") == "Heisei 2 020615")
        #expect(try Self.era("20190430") == "Heisei 31 310430")
        #expect(try Self.era("20190501") == "Reiwa 1 010501")
        #expect(try Self.era("20200224") == "Reiwa 2 020224")
        #expect(try EraDate(yyyymmdd: "19890108").japanese == "平成元年1月8日")
        #expect(try EraDate(yyyymmdd: "19800217").japanese == "昭和55年2月17日")
        #expect(try EraDate(year: 2000, month: 2, day: 29).yymmdd == "120229")
    }

    @Test("dates that do not exist, or come before 明治, are refused")
    func invalidDates() {
        for bad in ["19000229", "20230229", "19901301", "19900431", "19900000", "1990010", "199001011", "１９９００１０１", "abcdefgh", ""] {
            #expect(throws: EraDateError.notACalendarDate, "\(bad)") { try EraDate(yyyymmdd: bad) }
        }
        #expect(throws: EraDateError.beforeMeiji) { try EraDate(yyyymmdd: "18680124") }
        #expect(throws: EraDateError.beforeMeiji) { try EraDate(year: 1, month: 1, day: 1) }
    }

    @Test("照合番号B from the printed parts: the value soltia48/myna-card confirmed on a real card")
    func visualPINBFromParts() throws {
        // Born 1980-02-17 (昭和55), expiry 2035, security code 2285 (myna-card src/data.rs, README).
        let b = try VisualPINB(birthDate: "19800217", expiryYear: 2035, securityCode: "2285")
        #expect(b.digits == "55021720352285")
        #expect(b.era == .showa)
        #expect(try VisualPINB(birthDate: "19890107", expiryYear: 2030, securityCode: "0001").digits == "64010720300001")
        #expect(try VisualPINB(birthDate: "19890108", expiryYear: 2030, securityCode: "0001").digits == "01010820300001")
        #expect(try VisualPINB(birthDate: "20190430", expiryYear: 2029, securityCode: "9999").digits == "31043020299999")
        #expect(try VisualPINB(birthDate: "20190501", expiryYear: 2029, securityCode: "9999").digits == "01050120299999")
        #expect(try PIN.visualB(birthDate: "19800217", expiryYear: 2035, securityCode: "2285").kind == .visualB)
    }

    @Test("照合番号B never prints a digit: not the era year (the birth year, 2 of the 14 digits), the date or the code")
    func visualPINBPrintsNoDigits() throws {
        for (birth, era) in [("19800217", "昭和"), ("19890108", "平成"), ("20190501", "令和"), ("19120730", "大正")] {
            let b = try VisualPINB(birthDate: birth, expiryYear: 2035, securityCode: "2285")
            var dumped = ""
            dump(b, to: &dumped)
            var mirrored = ""
            for child in Mirror(reflecting: b).children { mirrored += "\(child.label ?? "") \(child.value) " }
            for shown in ["\(b)", String(describing: b), String(reflecting: b), dumped, mirrored, "\(b.era)"] {
                #expect(shown.firstMatch(of: /[0-9０-９]/) == nil, "\(birth): \(shown)")
            }
            #expect("\(b)".contains(era))
        }
    }

    @Test("malformed parts are refused before anything is sent")
    func visualPINBRefusesBadParts() {
        #expect(throws: EraDateError.notACalendarDate) { try VisualPINB(birthDate: "19800230", expiryYear: 2035, securityCode: "2285") }
        #expect(throws: EraDateError.beforeMeiji) { try VisualPINB(birthDate: "18000101", expiryYear: 2035, securityCode: "2285") }
        for code in ["228", "22850", "22a5", "２２８５", ""] {
            #expect(throws: EraDateError.securityCodeInvalid, "\(code)") { try VisualPINB(birthDate: "19800217", expiryYear: 2035, securityCode: code) }
        }
        for year in [35, 999, 10_000, 1979] {
            #expect(throws: EraDateError.expiryYearInvalid, "\(year)") { try VisualPINB(birthDate: "19800217", expiryYear: year, securityCode: "2285") }
        }
    }

    @Test("a card issued with a derived 照合番号B opens with the era form built from its front, not with the Gregorian one")
    func visualOpensWithTheEraForm() async throws {
        var holder = Fixtures.holder
        holder.birthDate = "19890107"  // 昭和64年, the last day of 昭和
        let state = try Fixtures.hierarchy.issueCard(holder: holder, authPIN: Fixtures.authPIN,
                                                     signingPassword: Fixtures.signingPassword)
        let expiryYear = try #require(Int(state.cardExpiry.prefix(4)))
        #expect(state.visualPINB.value == "640107" + String(expiryYear) + state.securityCode)
        let (card, _, _) = Fixtures.insert(state)
        // The Gregorian form the project used to document costs a try.
        await #expect(throws: MynaCardError.wrongPIN(.visualB, triesLeft: 9)) {
            try await card.visual.open(with: try PIN("890107" + String(expiryYear) + state.securityCode, kind: .visualB))
        }
        let pin = try PIN.visualB(birthDate: holder.birthDate, expiryYear: expiryYear, securityCode: state.securityCode)
        _ = try await card.visual.open(with: pin)
        #expect(try await card.visual.frontSide().value.expiry == state.cardExpiry)
    }

    @Test("a 4-items file longer than 127 bytes (BER long form, FF 20 81 xx) reads back whole")
    func longFormFourItems() async throws {
        // The raw file, as any reader sees it.
        let raw = VirtualMynaCard(state: Fixtures.state)
        let text: [UInt8] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08]
        #expect(raw.process([0x00, 0xA4, 0x04, 0x0C, 0x0A] + text).suffix(2) == [0x90, 0x00])
        #expect(raw.process([0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x11]).suffix(2) == [0x90, 0x00])
        #expect(raw.process([0x00, 0x20, 0x00, 0x80, 0x04] + Array(Fixtures.textPIN.utf8)).suffix(2) == [0x90, 0x00])
        #expect(raw.process([0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x02]).suffix(2) == [0x90, 0x00])
        let head = raw.process([0x00, 0xB0, 0x00, 0x00, 0x04])
        #expect(Array(head.prefix(3)) == [0xFF, 0x20, 0x81], "the fixture holder must need the long form")
        #expect(head[3] >= 0x80)

        let (card, _, _) = Fixtures.insert()
        _ = try await card.text.verify(try PIN(Fixtures.textPIN, kind: .text))
        let items = try await card.text.basicFourItems().value
        #expect(items.name == "番号\u{3000}花子")
        #expect(items.address == Fixtures.holder.address)
        #expect(items.address.contains("１－１"))
    }

    @Test("the text PIN is its own: the auth PIN does not open the text application when they differ")
    func separateTextPIN() async throws {
        #expect(Fixtures.state.textPIN.value != Fixtures.state.authPIN.value)
        let (card, _, _) = Fixtures.insert()
        await #expect(throws: MynaCardError.wrongPIN(.text, triesLeft: 2)) {
            try await card.text.verify(try PIN(Fixtures.authPIN, kind: .text))
        }
        _ = try await card.text.verify(try PIN(Fixtures.textPIN, kind: .text))
        #expect(try await card.text.myNumber().value == (try Fixtures.holder.myNumber))
        // And the text PIN does not unlock the JPKI auth key.
        await #expect(throws: MynaCardError.wrongPIN(.jpkiAuth, triesLeft: 2)) {
            try await card.jpki.verify(try PIN(Fixtures.textPIN, kind: .jpkiAuth))
        }
    }

    @Test("a blocked PIN answers as a real card (63C0 on the last try, then 6984 to VERIFY, 63C0 to the query); the client reports it blocked")
    func blockedPINStatusWords() async throws {
        let (card, transport, _) = Fixtures.insert()
        for left in [2, 1] {
            await #expect(throws: MynaCardError.wrongPIN(.text, triesLeft: left)) {
                try await card.text.verify(try PIN("0000", kind: .text), attempt: .confirmedLastTry)
            }
        }
        // The try that exhausts the counter answers 63C0, which the client reports as blocked.
        await #expect(throws: MynaCardError.pinBlocked(.text)) {
            try await card.text.verify(try PIN("0000", kind: .text), attempt: .confirmedLastTry)
        }
        // Raw, on the still-selected text PIN EF: the query says 63C0, a VERIFY (even right) 6984.
        #expect(try await transport.transmit([0x00, 0x20, 0x00, 0x80]) == [0x63, 0xC0])
        #expect(try await transport.transmit([0x00, 0x20, 0x00, 0x80, 0x04] + Array(Fixtures.textPIN.utf8)) == [0x69, 0x84])
        // The client reads 0 tries left and refuses to send.
        #expect(try await card.text.triesLeft().value == 0)
        await #expect(throws: MynaCardError.pinBlocked(.text)) {
            try await card.text.verify(try PIN(Fixtures.textPIN, kind: .text), attempt: .confirmedLastTry)
        }
    }
}
