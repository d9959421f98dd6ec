import Foundation
import Testing
@testable import ServerCore

/// The one check of free text (a hold's reason, a task's note, a name shown to wardens).
@Suite("Free text")
struct FreeTextTests {
    @Test("a NUL character is refused as the field's problem (PostgreSQL cannot store it: it was a 500 there)")
    func nul() throws {
        #expect(throws: APIError.self) { try FreeText.check("確認済み\u{0}", field: "note", max: 100) }
        #expect(try FreeText.check("確認済み\n翌日に本人と面談", field: "note", max: 100) == "確認済み\n翌日に本人と面談")
    }
}
