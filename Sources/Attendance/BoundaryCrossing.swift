import Access
import Foundation

/// Whether a person came into the workplace or left it.
public enum CrossingDirection: String, Sendable, Hashable, Codable {
    case entry = "in"
    case exit = "out"

    /// The direction of passing `door`, or `nil` when the door is a movement inside the premises (or
    /// outside it) rather than a crossing of the workplace boundary.
    ///
    /// `Door.from`/`Door.to` are `nil` for "outside the premises" (Access, Zone.swift), so a door from
    /// outside into a zone marked `isWorkplaceBoundary` is an entry and the reverse an exit. Doors
    /// between zones never count: going from the lobby to the office is not "arriving at work".
    public static func of(_ door: Door, boundaryZones: Set<ZoneID>) -> CrossingDirection? {
        if door.from == nil, let to = door.to, boundaryZones.contains(to) { return .entry }
        if door.to == nil, let from = door.from, boundaryZones.contains(from) { return .exit }
        return nil
    }
}

/// One granted passage through the workplace boundary: the input of attendance.
///
/// Door events themselves are never changed (they are in the hash-chained log); attendance reads them
/// as crossings and applies ``Correction`` values on top.
public struct BoundaryCrossing: Sendable, Hashable, Codable {
    /// The door event's id, so a correction or a report can point at the exact event.
    public var eventID: String
    public var employee: EmployeeID
    public var instant: Date
    public var direction: CrossingDirection

    public init(eventID: String, employee: EmployeeID, instant: Date, direction: CrossingDirection) {
        self.eventID = eventID
        self.employee = employee
        self.instant = instant
        self.direction = direction
    }

    /// Whole minutes since 1970-01-01T00:00Z (floor). Attendance counts by the minute: both ends are
    /// truncated the same way, so an interval is exact to under a minute and never rounded against
    /// the worker by a fixed rule (daily rounding down is not allowed; 昭63.3.14 基発150号 permits
    /// rounding only of the monthly total).
    @inlinable public var epochMinute: Int { EpochMinute.of(instant) }
}

/// Helpers for minutes since 1970-01-01T00:00Z, the module's internal clock (Japan is UTC+9 with no
/// daylight saving, so local dates are arithmetic — see `Access.JapanTime`).
public enum EpochMinute {
    public static let japanOffset = JapanTime.offsetSeconds / 60

    @inlinable public static func of(_ date: Date) -> Int { Int((date.timeIntervalSince1970 / 60).rounded(.down)) }
    @inlinable public static func date(_ minute: Int) -> Date { Date(timeIntervalSince1970: TimeInterval(minute) * 60) }
    /// The epoch minute of local midnight on `day` in Japan.
    @inlinable public static func midnight(_ day: CivilDate) -> Int { day.daysSinceEpoch * 1440 - japanOffset }
    /// The local day (days since epoch) containing `minute`.
    @inlinable public static func localDay(_ minute: Int) -> Int { floorDiv(minute + japanOffset, 1440) }
    /// Minutes since local midnight, 0…1439.
    @inlinable public static func minuteOfDay(_ minute: Int) -> Int { minute + japanOffset - localDay(minute) * 1440 }

    @inlinable static func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
}
