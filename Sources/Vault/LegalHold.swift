import Access
import Foundation

/// A hold that pauses disposal of a number (litigation, an investigation, a tax audit), placed by the
/// responsible person. While it stands the planner never lists the number as due, whatever its dates.
public struct LegalHold: Sendable, Hashable, Codable, Identifiable {
    public var id: LegalHoldID
    /// Why; free text for the register. Must not contain a number (the server checks free text).
    public var reason: String
    public var placedBy: EmployeeID
    public var placedAt: Date

    public init(id: LegalHoldID = LegalHoldID(), reason: String, placedBy: EmployeeID, placedAt: Date) {
        self.id = id
        self.reason = reason
        self.placedBy = placedBy
        self.placedAt = placedAt
    }
}
