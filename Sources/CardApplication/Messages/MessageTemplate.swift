/// What a message is for.
public enum MessageTemplateKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// The campaign telling employees about the card (e.g. sent with the year-end adjustment papers).
    case campaign
    /// Reminder to pick up the card after the notice arrived.
    case pickupReminder
    /// Invitation to an on-site application session.
    case sessionInvitation
}

/// An editable message with `{placeholder}` fields, in one language.
///
/// Placeholders are `{` + letters, digits or `_` + `}`; anything else in braces is plain text, so
/// texts may contain braces. Values are inserted as they are (the page escapes HTML, not this).
public struct MessageTemplate: Sendable, Hashable, Codable {
    public var kind: MessageTemplateKind
    public var language: MessageLanguage
    public var subject: String
    public var body: String

    public init(kind: MessageTemplateKind, language: MessageLanguage, subject: String, body: String) {
        self.kind = kind
        self.language = language
        self.subject = subject
        self.body = body
    }

    /// The placeholders used in subject and body, in order of first use.
    public var placeholders: [String] {
        var seen: [String] = []
        for name in Self.placeholders(in: subject) + Self.placeholders(in: body) where !seen.contains(name) { seen.append(name) }
        return seen
    }

    /// Placeholders this template uses that are not in `known` — for warning an editor about a typo
    /// such as `{nmae}` before the message goes out.
    public func unknownPlaceholders(known: Set<String>) -> [String] { placeholders.filter { !known.contains($0) } }

    /// The message with placeholders filled; placeholders without a value stay as written and are
    /// listed in ``RenderedMessage/missing``, so nothing silently disappears.
    public func render(_ values: [String: String]) -> RenderedMessage {
        var missing: [String] = []
        let s = Self.fill(subject, values, &missing)
        let b = Self.fill(body, values, &missing)
        var unique: [String] = []
        for m in missing where !unique.contains(m) { unique.append(m) }
        return RenderedMessage(subject: s, body: b, missing: unique)
    }

    static func placeholders(in text: String) -> [String] {
        var names: [String] = []
        _ = scan(text) { name in names.append(name); return nil }
        return names
    }

    static func fill(_ text: String, _ values: [String: String], _ missing: inout [String]) -> String {
        var localMissing: [String] = []
        let out = scan(text) { name in
            if let v = values[name] { return v }
            localMissing.append(name)
            return nil
        }
        missing += localMissing
        return out
    }

    /// Walks `text`, calling `replace` for each placeholder; `nil` keeps the placeholder as written.
    private static func scan(_ text: String, _ replace: (String) -> String?) -> String {
        var out = ""
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if c == "{", let close = text[text.index(after: i)...].firstIndex(of: "}") {
                let name = text[text.index(after: i)..<close]
                if !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) {
                    out += replace(String(name)) ?? "{\(name)}"
                    i = text.index(after: close)
                    continue
                }
            }
            out.append(c)
            i = text.index(after: i)
        }
        return out
    }
}

/// A filled-in message.
public struct RenderedMessage: Sendable, Hashable, Codable {
    public var subject: String
    public var body: String
    /// Placeholders left unfilled.
    public var missing: [String]
}
