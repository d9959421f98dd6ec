import Foundation

/// Text written as Shift_JIS for spreadsheets that expect it (older Excel): one encoder for every export
/// (events, the vault's export, the contractor batch), so the two traps below are handled once.
///
/// 1. **Foundation hangs or crashes on invisible characters.** swift-corelibs-foundation's Shift_JIS
///    encoder spins forever on a string ending in a default-ignorable code point — ZERO WIDTH SPACE,
///    ZERO WIDTH JOINER (inside every family emoji), WORD JOINER, SOFT HYPHEN, U+FEFF, bidi controls —
///    and traps ("didn't convert all characters") on `"\0\0\0\0\u{FEFF}"`, lossy or not (found by the
///    self-report CSV fuzz target, checked for every Unicode scalar). A name pasted with one would hang the
///    export's thread, and the process then ignores SIGTERM. Those characters have no Shift_JIS form and
///    no visible meaning in a cell, so they are dropped before encoding.
/// 2. **JIS X 0208 versus Windows-31J.** Japanese input methods produce WAVE DASH U+301C, MINUS SIGN
///    U+2212 and others that Foundation's Shift_JIS refuses (the well-known 波ダッシュ problem); they
///    become their full-width Windows-31J forms, which encode and display the same.
public enum ShiftJIS {
    static let windows31J: [Unicode.Scalar: Unicode.Scalar] = [
        "\u{301C}": "\u{FF5E}", "\u{2212}": "\u{FF0D}", "\u{2016}": "\u{2225}", "\u{2014}": "\u{2015}",
        "\u{00A2}": "\u{FFE0}", "\u{00A3}": "\u{FFE1}", "\u{00AC}": "\u{FFE2}",
    ]

    /// `text` with default-ignorable code points dropped and the Windows-31J forms substituted: what
    /// ``encode(_:lossy:)`` hands to Foundation.
    public static func prepared(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for u in text.unicodeScalars where !u.properties.isDefaultIgnorableCodePoint {
            out.append(windows31J[u] ?? u)
        }
        return String(out)
    }

    /// The Shift_JIS bytes of `text` (after ``prepared(_:)``). Lossy: characters Shift_JIS lacks become
    /// `?`. Not lossy: nil when any character has no Shift_JIS form.
    public static func encode(_ text: String, lossy: Bool) -> Data? {
        prepared(text).data(using: .shiftJIS, allowLossyConversion: lossy)
    }
}
