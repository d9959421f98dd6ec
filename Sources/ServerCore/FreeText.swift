import Vapor

/// Free text that must not carry a number (a hold's reason, a name): refuses any run of 12 or more
/// digits, ASCII or full-width, with spaces or hyphens between — without echoing it.
package enum FreeText {
    package static func check(_ text: String, field: String, max: Int) throws -> String {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        // The bound applies to the text as sent, as the OpenAPI document's maxLength does.
        guard !t.isEmpty, text.schemaLength <= max else {
            throw APIError.invalid("\(field) must be 1–\(max) characters", ja: "\(field)は1〜\(max)文字で入力してください")
        }
        // U+0000 cannot be stored in PostgreSQL's text: refused here, not a database error later.
        if t.unicodeScalars.contains("\u{0}") {
            throw APIError.invalid("\(field) must not contain a NUL character", ja: "\(field)にNUL文字は使えません")
        }
        if containsNumberRun(t) {
            throw APIError.invalid("\(field) must not contain a 12-digit number", ja: "\(field)に12桁の数字（個人番号の可能性）は入力できません")
        }
        return t
    }

    /// Whether `text` holds a run of 12 or more digits (ASCII or full-width; spaces or hyphens between
    /// them do not break the run): what a My Number pasted into a text field looks like.
    package static func containsNumberRun(_ text: String) -> Bool {
        var run = 0
        for ch in text {
            if ch.unicodeScalars.allSatisfy({ $0.properties.numericType == .decimal }) {
                run += 1
                if run >= 12 { return true }
            } else if !(run > 0 && (ch == "-" || ch == " " || ch == "ー" || ch == "－" || ch == "　")) {
                run = 0
            }
        }
        return false
    }
}

extension String {
    /// The length an OpenAPI `maxLength` or `minLength` counts: Unicode code points (JSON Schema
    /// Validation 2020-12 §6.3.1, "the number of characters … as defined by RFC 8259"), not Swift's
    /// grapheme clusters. `count` is never larger and often smaller — "e" with a combining accent or
    /// "\r\n" is one Character but two code points — so a bound checked with `count` lets through text
    /// the document promises to refuse. Every length the API documents is checked with this.
    package var schemaLength: Int { unicodeScalars.count }
}
