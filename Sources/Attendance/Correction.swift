import Access
import Foundation

/// A manual correction of attendance, kept beside the door events rather than editing them: the 2017
/// guideline (労働時間の適正な把握のために使用者が講ずべき措置に関するガイドライン, 平29.1.20 基発0120第3号)
/// asks that the objective record be kept and any adjustment be explained, so each correction names who
/// made it and why.
public struct Correction: Sendable, Hashable, Codable, Identifiable {
    /// What the correction does to the stream of crossings.
    public enum Action: Sendable, Hashable, Codable {
        /// A crossing the door did not record (forgot to tap out, entered behind a colleague).
        case add(direction: CrossingDirection, at: Date)
        /// The event happened at a different time than recorded (e.g. a door clock was wrong).
        case move(eventID: String, to: Date)
        /// The event is not a crossing of this person (e.g. tapped twice, card lent by mistake).
        case void(eventID: String)
    }

    public var id: String
    public var employee: EmployeeID
    public var action: Action
    /// Who made the correction (a user id, never a name typed freely).
    public var correctedBy: String
    public var reason: String
    public var madeAt: Date

    public init(id: String, employee: EmployeeID, action: Action, correctedBy: String, reason: String, madeAt: Date) {
        self.id = id
        self.employee = employee
        self.action = action
        self.correctedBy = correctedBy
        self.reason = reason
        self.madeAt = madeAt
    }

    /// One person's crossings with `corrections` applied, sorted by time. Added crossings get the
    /// event id `correction:<id>` so a day shows which times came from a correction.
    public static func apply(_ corrections: [Correction], to crossings: [BoundaryCrossing]) -> [BoundaryCrossing] {
        if corrections.isEmpty { return crossings }
        var moved: [String: Date] = [:]
        var voided: Set<String> = []
        var out: [BoundaryCrossing] = []
        out.reserveCapacity(crossings.count + corrections.count)
        // Corrections are applied in the order they were made, so a later one wins.
        for c in corrections.sorted(by: { $0.madeAt < $1.madeAt }) {
            switch c.action {
            case .add(let direction, let at):
                out.append(BoundaryCrossing(eventID: "correction:\(c.id)", employee: c.employee, instant: at, direction: direction))
            case .move(let id, let to): moved[id] = to
            case .void(let id): voided.insert(id)
            }
        }
        for var x in crossings where !voided.contains(x.eventID) {
            if let to = moved[x.eventID] { x.instant = to }
            out.append(x)
        }
        out.sort { $0.instant < $1.instant }
        return out
    }
}
