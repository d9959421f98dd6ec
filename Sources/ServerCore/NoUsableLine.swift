import Attendance
import Foundation
import Vapor

/// The one refusal of an imported file of which not one line could be used: 422 `no_usable_line`, each
/// bad line an issue by its number and reason (the first 50), never its text. Answering 200 "0
/// imported" instead would let a caller that checks only the status think the file was in — and a body
/// holding nothing but a would-be header line (what schemathesis sends as `[null, null]` or `{}`) is
/// such a file too, with no line errors at all.
package enum NoUsableLine {
    package struct Line {
        var line: Int
        var reason: String
        var ja: String
        var en: String

        package init(line: Int, reason: String, ja: String, en: String) { (self.line, self.reason, self.ja, self.en) = (line, reason, ja, en) }
    }

    package static func refusal(_ errors: [Line]) -> APIError {
        let (ja, en) = errors.first.map { ("\(errors.count)行に誤り、最初は\($0.line)行目", "\(errors.count) lines with errors, the first on line \($0.line)") }
            ?? ("読める行がありません", "nothing but a header or an empty file")
        return APIError(.unprocessableEntity, code: "no_usable_line", ja: "取り込める行がありません(\(ja))", en: "no line of the file could be imported (\(en))",
                        issues: errors.prefix(50).map { APIError.Issue(field: "line \($0.line)", code: $0.reason, messageJa: $0.ja, messageEn: $0.en) })
    }
}

/// A line of an imported file that was not read, as the API answers it: its number, the reason's
/// code, and the reason in Japanese and English (never the line's text). The one shape for every
/// import whose errors are ``CSVLineError``s (attendance's imports as `AttendanceService.LineErrorDTO`,
/// the people import).
public struct LineErrorDTO: Content, Sendable {
    public var line: Int
    public var reason: String
    public var ja: String
    public var en: String

    package init<Reason>(_ e: CSVLineError<Reason>) {
        (line, reason, ja, en) = (e.line, e.reason.rawValue, e.ja, e.en)
    }
}
