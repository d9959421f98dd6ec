/// A language a person reads MynaGate's sentences in. Japanese is the default everywhere, as in the
/// rest of MynaGate's pages.
public enum MessageLanguage: String, Sendable, Hashable, Codable, CaseIterable {
    case japanese = "ja"
    case english = "en"
}

/// Something the module tells a person: a stable machine code (for APIs, logs and tests) and one
/// sentence in Japanese and one in English, because the employee, the clerk and the city's staff may
/// read either. No message ever contains the My Number: this module never receives it.
public protocol BilingualMessage: Sendable {
    /// A stable snake_case code, independent of the wording.
    var code: String { get }
    /// The sentence in Japanese.
    var japaneseMessage: String { get }
    /// The sentence in English.
    var englishMessage: String { get }
}

extension BilingualMessage {
    /// The sentence in `language`.
    public func message(in language: MessageLanguage) -> String {
        language == .japanese ? japaneseMessage : englishMessage
    }
}
