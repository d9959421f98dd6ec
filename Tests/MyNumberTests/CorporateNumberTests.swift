import Testing
@testable import MyNumber

// Vectors from ../shared/docs/domain.md section 1 (財務省令第70号 第2条).
@Suite("Corporate number")
struct CorporateNumberTests {
    @Test func publishedVectors() throws {
        #expect(try CorporateNumber("7123456789012").digits == "7123456789012")
        #expect(throws: NumberError.checkDigitMismatch) { try CorporateNumber("1234567890123") }
        #expect(try CorporateNumber.checkDigit(forBase12: "123456789012") == 7)
    }

    @Test func typedForms() throws {
        #expect(try CorporateNumber("7-1234-5678-9012").digits == "7123456789012")
        #expect(try CorporateNumber("７１２３４５６７８９０１２").digits == "7123456789012")
    }

    @Test("every other leading digit fails")
    func leadingDigit() {
        for d in 0...9 where d != 7 {
            #expect(throws: NumberError.checkDigitMismatch) { try CorporateNumber("\(d)123456789012") }
        }
    }

    @Test func lengthAndPosition() {
        #expect(throws: NumberError.wrongLength(expected: [13], actual: 12)) { try CorporateNumber("123456789018") }
        #expect(throws: NumberError.nonDigit(position: 2)) { try CorporateNumber("7_123456789012") }
    }
}

@Suite("Number check (kind detection)")
struct NumberCheckTests {
    @Test func detectsKindByLength() {
        #expect(NumberCheck.check("123456789018") == NumberCheck(kind: .individual, error: nil))
        #expect(NumberCheck.check("7123456789012") == NumberCheck(kind: .corporate, error: nil))
        #expect(NumberCheck.check("12345") == NumberCheck(kind: nil, error: .wrongLength(expected: [12, 13], actual: 5)))
        #expect(NumberCheck.check("") == NumberCheck(kind: nil, error: .empty))
    }

    @Test func forcedKind() {
        #expect(NumberCheck.check("7123456789012", kind: .individual).error == .wrongLength(expected: [12], actual: 13))
        #expect(NumberCheck.check("123456789018", kind: .corporate).error == .wrongLength(expected: [13], actual: 12))
    }
}
