import Vapor

extension Request {
    /// The `limit` query parameter clamped to `1…maximum` (default `maximum` 10,000): a negative or
    /// zero limit must not mean "no limit" to the database (SQLite reads `LIMIT -1` as all rows), and a
    /// huge one must not read a whole table. Missing or unreadable → `default`.
    func queryLimit(default value: Int, maximum: Int = 10_000) -> Int {
        let asked = query[Int.self, at: "limit"] ?? value
        return Swift.max(1, Swift.min(asked, maximum))
    }
}
