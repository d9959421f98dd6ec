import Vapor

extension Request {
    /// The `limit` query parameter clamped to `1…maximum` (default `maximum` 10,000): a negative or
    /// zero limit must not mean "no limit" to the database (SQLite reads `LIMIT -1` as all rows), and a
    /// huge one must not read a whole table. Missing → `default`; present but not an integer → 400.
    func queryLimit(default value: Int, maximum: Int = 10_000) throws -> Int {
        let asked = try queryInteger("limit") ?? value
        return Swift.max(1, Swift.min(asked, maximum))
    }

    /// An integer query parameter: `nil` when the request does not name it, 400 when it names it with
    /// anything but one integer (`limit=abc`, `limit=0.5`, `limit=1&limit=2`). Vapor's own lookup
    /// answers `nil` for all of these, which would quietly turn a caller's mistake into the default,
    /// and the OpenAPI document says `type: integer`.
    package func queryInteger(_ name: String) throws -> Int? {
        let named = timesNamed(name)
        guard named > 0 else { return nil }
        guard named == 1, let text = query[String.self, at: name], let n = Int(text) ?? Self.saturated(text) else {
            throw Abort(.badRequest, reason: "\(name) must be one integer")
        }
        return n
    }

    /// A UUID query parameter: `nil` when absent, 400 when present and not a UUID.
    package func queryUUID(_ name: String) throws -> UUID? {
        let named = timesNamed(name)
        guard named > 0 else { return nil }
        guard named == 1, let text = query[String.self, at: name], let id = UUID(uuidString: text) else {
            throw Abort(.badRequest, reason: "\(name) must be a UUID")
        }
        return id
    }

    /// An integer too large for `Int` is still an integer (the document sets no bound): the nearest
    /// `Int`, which every caller clamps or compares.
    private static func saturated(_ text: String) -> Int? {
        let digits = text.drop { $0 == "-" || $0 == "+" }
        guard text.count - digits.count <= 1, !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return text.hasPrefix("-") ? Int.min : Int.max
    }

    /// A text query parameter: `nil` when the request does not name it, 400 when it names it more than
    /// once (which value would count?) or with an empty value (`month=`, `lang=`): the caller sent the
    /// parameter, so the default would quietly replace what they meant.
    package func queryText(_ name: String) throws -> String? {
        let named = timesNamed(name)
        guard named > 0 else { return nil }
        guard named == 1, let text = query[String.self, at: name], !text.isEmpty else {
            throw Abort(.badRequest, reason: "\(name) must be one non-empty value")
        }
        return text
    }

    /// A query parameter with a closed set of values (`stage`, `lang`, `format`): `nil` when absent, 400
    /// when present with anything but exactly one of `allowed` — an unknown value is not "no filter" or
    /// "the default language".
    package func queryChoice(_ name: String, among allowed: [String]) throws -> String? {
        guard let text = try queryText(name) else { return nil }
        guard allowed.contains(text) else {
            throw Abort(.badRequest, reason: "\(name) must be one of \(allowed.joined(separator: ", "))")
        }
        return text
    }

    /// How often the query string names `name` (`name`, `name=…` or `name[…]`); Vapor's decoder keeps
    /// one of several values without saying so.
    private func timesNamed(_ name: String) -> Int {
        (url.query ?? "").split(separator: "&").filter { $0 == name || $0.hasPrefix("\(name)=") || $0.hasPrefix("\(name)[") }.count
    }
}
