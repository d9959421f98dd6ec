import Access
import Foundation

/// Crossings imported from the previous access system (negative event ids, see the door history
/// import) and MynaGate's own, read together.
public enum ImportedHistory {
    /// Whether `eventID` names an imported crossing rather than a door event of MynaGate's own.
    @inlinable public static func isImported(_ eventID: String) -> Bool { eventID.utf8.first == UInt8(ascii: "-") }

    /// `crossings` (grouped by person) without the imported ones on a day that also holds one of the
    /// person's own: the two systems never mix in one day, and the record MynaGate made itself wins.
    /// The import refuses such lines when it runs; this also holds when MynaGate's own crossings for
    /// that day arrive later (an offline door's upload, a person who had none when the import ran).
    public static func preferOwn(_ crossings: [BoundaryCrossing]) -> [BoundaryCrossing] {
        guard crossings.contains(where: { isImported($0.eventID) }) else { return crossings }
        var ownDays: Set<DayKey> = []
        for c in crossings where !isImported(c.eventID) {
            ownDays.insert(DayKey(employee: c.employee, day: EpochMinute.localDay(c.epochMinute)))
        }
        return crossings.filter { !isImported($0.eventID) || !ownDays.contains(DayKey(employee: $0.employee, day: EpochMinute.localDay($0.epochMinute))) }
    }

    struct DayKey: Hashable {
        var employee: EmployeeID
        var day: Int
    }
}
