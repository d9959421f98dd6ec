import Access
import Foundation
import Testing

/// The one Shift_JIS encoder of the exports. Foundation's own hangs forever on a string ending in a
/// default-ignorable code point and traps on `"\0\0\0\0\u{FEFF}"`; through ``ShiftJIS`` neither can
/// happen. A hang here fails by the time limit (and CI's), never silently.
@Suite("Shift_JIS for exports", .timeLimit(.minutes(1)))
struct ShiftJISTests {
    /// Default-ignorable code points seen to hang Foundation's encoder at the end of a string.
    static let hangers: [Unicode.Scalar] = ["\u{200B}", "\u{200C}", "\u{200D}", "\u{2060}", "\u{FEFF}", "\u{00AD}", "\u{034F}", "\u{180E}", "\u{202E}"]

    @Test("invisible characters are dropped, so text ending in one encodes (it hung Foundation)")
    func invisibleCharacters() {
        for u in Self.hangers {
            let text = "山田" + String(u)
            #expect(ShiftJIS.encode(text, lossy: true) == ShiftJIS.encode("山田", lossy: true), "U+\(String(u.value, radix: 16))")
            #expect(ShiftJIS.encode(text, lossy: false) != nil)
        }
        #expect(ShiftJIS.encode("\0\0\0\0\u{FEFF}", lossy: true) == Data([0, 0, 0, 0]))
        // A family emoji is joined by ZERO WIDTH JOINERs: the joiners go, the emoji has no Shift_JIS form.
        #expect(ShiftJIS.encode("👨\u{200D}👩\u{200D}👧", lossy: false) == nil)
        #expect(ShiftJIS.encode("👨\u{200D}👩", lossy: true) == Data("??".utf8))
    }

    @Test("every Unicode scalar, alone and around text, encodes without hanging or trapping")
    func everyScalar() {
        var encoded = 0
        for v in 0...0x10FFFF {
            guard let u = Unicode.Scalar(UInt32(v)) else { continue }
            for s in ["a" + String(u), String(u) + "b", "\0\0\0\0" + String(u)] where ShiftJIS.encode(s, lossy: true) != nil { encoded += 1 }
        }
        #expect(encoded == 3 * (0x110000 - 0x800), "every string encodes lossily")
    }

    @Test("the 波ダッシュ characters become their Windows-31J forms instead of ?")
    func windows31J() {
        #expect(ShiftJIS.encode("1〜2", lossy: true) == Data([0x31, 0x81, 0x60, 0x32]))
        #expect(ShiftJIS.encode("−", lossy: false) != nil)
    }
}
