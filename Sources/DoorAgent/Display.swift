import Access
import Foundation

/// What the door shows the person in front of it.
public enum DisplayMessage: Sendable, Hashable {
    /// A decision: the outcome, its reason code and sentences in Japanese and English.
    case decision(Decision)
    /// Asking for the PIN; the card allows `triesLeft` more tries.
    case enterPIN(triesLeft: Int)
    /// One try is left: asking the holder to confirm before the PIN is sent.
    case confirmLastTry
    /// Something the holder should know that is not a decision (an unreadable card, a stale door).
    case notice(japanese: String, english: String)

    /// One line for a terminal or a display driver: tab-separated fields, the kind first.
    ///
    /// `decision\t<grant|deny>\t<code>\t<ja>\t<en>`, `pin\t<tries left>`, `confirm\t1`, `notice\t<ja>\t<en>`.
    public var line: String {
        switch self {
        case .decision(let d):
            return ["decision", d.outcome.rawValue, d.reason.code, d.reason.japaneseSentence, d.reason.englishSentence].joined(separator: "\t")
        case .enterPIN(let n):
            return "pin\t\(n)\t暗証番号を入力してください（残り\(n)回）\tEnter the PIN (\(n) \(n == 1 ? "try" : "tries") left)"
        case .confirmLastTry:
            return "confirm\t1\t残り1回です。続けますか？\tOne try left. Continue?"
        case .notice(let ja, let en):
            return "notice\t\(ja)\t\(en)"
        }
    }
}

/// The door's screen (or LEDs and buzzer behind a driver).
public protocol Display: Sendable {
    /// Shows `message`.
    func show(_ message: DisplayMessage) async
}

/// Writes each message as one line to standard output.
public struct StandardOutputDisplay: Display {
    /// A display on standard output.
    public init() {}

    public func show(_ message: DisplayMessage) async {
        FileHandle.standardOutput.write(Data((message.line + "\n").utf8))
    }
}

/// Keeps every message shown, for tests.
public actor RecordingDisplay: Display {
    /// Every message, oldest first.
    public private(set) var messages: [DisplayMessage] = []

    /// An empty display.
    public init() {}

    public func show(_ message: DisplayMessage) async { messages.append(message) }
}
