import Foundation

/// Why one line of an imported file was not read, in words for each language, without the line.
/// A reason names the field and what is wrong with it, never the text that was there: an import comes
/// from another system, and a column holding a My Number by mistake must not travel on into a page, an
/// API answer or a log.
public protocol CSVLineReason: RawRepresentable, Sendable, Hashable, Codable where RawValue == String {
    var ja: String { get }
    var en: String { get }
}

/// One line of an imported file that was not read: its number and the reason. The one shape of a line
/// error for every attendance import but the self-reports' (which quote a cut of the text, and predate
/// this rule). Never thrown at the file: its good lines are still read.
public struct CSVLineError<Reason: CSVLineReason>: Sendable, Hashable, Codable, Error {
    public var line: Int
    public var reason: Reason

    public init(line: Int, reason: Reason) {
        self.line = line
        self.reason = reason
    }

    public var ja: String { "\(line)行目: \(reason.ja)" }
    public var en: String { "line \(line): \(reason.en)" }
}
