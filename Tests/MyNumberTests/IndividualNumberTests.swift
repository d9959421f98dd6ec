import Foundation
import Testing
@testable import MyNumber

// Published vectors from ../shared/docs/domain.md section 1 (総務省令第85号 第5条).
@Suite("Individual number")
struct IndividualNumberTests {
    @Test("published valid vectors", arguments: ["123456789018", "621498320257"])
    func validVectors(_ text: String) throws {
        let n = try IndividualNumber(text)
        #expect(n.revealDigits() == text)
    }

    @Test("published invalid vectors", arguments: ["123456789010", "621498320258"])
    func invalidVectors(_ text: String) {
        #expect(throws: NumberError.checkDigitMismatch) { try IndividualNumber(text) }
    }

    @Test("check digit for the first 11 digits")
    func checkDigitTool() throws {
        #expect(try IndividualNumber.checkDigit(forFirst11: "12345678901") == 8)
        #expect(try IndividualNumber.checkDigit(forFirst11: "62149832025") == 7)
        #expect(throws: NumberError.wrongLength(expected: [11], actual: 12)) {
            try IndividualNumber.checkDigit(forFirst11: "123456789012")
        }
        #expect(throws: NumberError.empty) { try IndividualNumber.checkDigit(forFirst11: " ") }
    }

    @Test("what people type: hyphens, spaces, full-width digits, quotes, BOM")
    func typedForms() throws {
        let canonical = try IndividualNumber("123456789018")
        let forms = [
            "1234-5678-9018", " 1234 5678 9018 ", "１２３４５６７８９０１８", "１２３４－５６７８－９０１８",
            "\u{3000}1234\u{3000}5678\u{3000}9018\u{3000}", "\"123456789018\"", "\u{FEFF}123456789018",
            "1234ー5678ー9018", "1234\u{2010}5678\u{2212}9018", "123456789018\r\n",
        ]
        for f in forms {
            #expect(try IndividualNumber(f) == canonical, "form \(Array(f.unicodeScalars).count) scalars")
        }
    }

    @Test("errors say what is wrong")
    func errors() {
        #expect(throws: NumberError.empty) { try IndividualNumber("   ") }
        #expect(throws: NumberError.wrongLength(expected: [12], actual: 11)) { try IndividualNumber("12345678901") }
        #expect(throws: NumberError.wrongLength(expected: [12], actual: 13)) { try IndividualNumber("1234567890180") }
        #expect(throws: NumberError.nonDigit(position: 5)) { try IndividualNumber("1234a5678901") }
        // Position counts characters, not bytes: the full-width digits before it are one character each.
        #expect(throws: NumberError.nonDigit(position: 3)) { try IndividualNumber("１２x3456789018") }
        #expect(throws: NumberError.notIssued) { try IndividualNumber("000000000000") }
    }

    @Test("no error text contains the digits")
    func errorsDoNotEchoTheNumber() {
        for input in ["123456789010", "1234567890", "12345678901x"] {
            do {
                _ = try IndividualNumber(input)
                Issue.record("accepted an invalid number")
            } catch {
                #expect(!error.message.contains("123456"))
                #expect(!error.japaneseMessage.contains("123456"))
                #expect(!"\(error)".contains("123456"))
            }
        }
    }

    @Test("description, interpolation, debugDescription, dump and Mirror show no digit")
    func privacyByType() throws {
        let n = try IndividualNumber("621498320257")
        var dumped = ""
        dump(n, to: &dumped)
        let renderings = [
            n.description, "\(n)", String(describing: n), String(reflecting: n), n.debugDescription, dumped,
            "\(Mirror(reflecting: n).children.map { "\($0.label ?? ""):\($0.value)" })",
            "\([n])", "\(Optional(n) as Any)",
        ]
        for r in renderings {
            #expect(!r.contains { $0.isNumber }, "rendering shows a digit")
            #expect(!r.isEmpty)
        }
    }

    @Test("Codable encodes the marker, decodes typed input")
    func codable() throws {
        struct Record: Codable { var number: IndividualNumber }
        let data = try JSONEncoder().encode(Record(number: try IndividualNumber("123456789018")))
        let json = String(decoding: data, as: UTF8.self)
        #expect(!json.contains { $0.isNumber })
        let decoded = try JSONDecoder().decode(Record.self, from: Data(#"{"number":"1234-5678-9018"}"#.utf8))
        #expect(decoded.number == (try IndividualNumber("123456789018")))
        // Decoding the marker (a round trip) fails loudly instead of inventing a number.
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Record.self, from: data) }
        do {
            _ = try JSONDecoder().decode(Record.self, from: Data(#"{"number":"123456789010"}"#.utf8))
            Issue.record("accepted a wrong check digit")
        } catch {
            #expect(!"\(error)".contains("123456789010"))
        }
    }

    @Test("equality compares all digits")
    func equality() throws {
        let a = try IndividualNumber("123456789018")
        let b = try IndividualNumber("1234 5678 9018")
        let c = try IndividualNumber("621498320257")
        #expect(a == b)
        #expect(a != c)
    }
}

@Suite("Individual number properties")
struct IndividualNumberPropertyTests {
    /// A seeded generator so a failure can be replayed.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func random11(_ rng: inout SplitMix64) -> String {
        String((0..<11).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) })
    }

    @Test("for any 11 digits, exactly one final digit validates")
    func exactlyOneCheckDigit() throws {
        var rng = SplitMix64(state: 20_261_126)
        for _ in 0..<5_000 {
            let first = Self.random11(&rng)
            let validating = (0...9).filter { d in
                (try? IndividualNumber(first + String(d))) != nil
            }
            if first == "00000000000" {
                #expect(validating.isEmpty)  // the only candidate is the refused all-zero number
            } else {
                #expect(validating == [try IndividualNumber.checkDigit(forFirst11: first)])
            }
        }
    }

    @Test("every single-digit change of a valid number's check digit fails")
    func changedCheckDigitFails() throws {
        var rng = SplitMix64(state: 7)
        for _ in 0..<2_000 {
            let first = Self.random11(&rng)
            let cd = try IndividualNumber.checkDigit(forFirst11: first)
            for d in 0...9 where d != cd {
                #expect(throws: NumberError.checkDigitMismatch) { try IndividualNumber(first + String(d)) }
            }
        }
    }

    @Test("full-width and hyphenated renderings parse to the same number")
    func renderingsAgree() throws {
        var rng = SplitMix64(state: 99)
        for _ in 0..<2_000 {
            let first = Self.random11(&rng)
            guard first != "00000000000" else { continue }
            let digits = first + String(try IndividualNumber.checkDigit(forFirst11: first))
            let fullWidth = String(String.UnicodeScalarView(digits.unicodeScalars.map { Unicode.Scalar($0.value + 0xFF10 - 0x30)! }))
            let hyphenated = digits.prefix(4) + "-" + digits.dropFirst(4).prefix(4) + "-" + digits.suffix(4)
            let a = try IndividualNumber(digits)
            #expect(try IndividualNumber(fullWidth) == a)
            #expect(try IndividualNumber(hyphenated) == a)
            #expect(a.revealDigits() == digits)
        }
    }
}
