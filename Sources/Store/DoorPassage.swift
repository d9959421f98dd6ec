import Access
import Audit
import Foundation

/// A granted passage a door recorded, read from its `door.decision` record: the one reading that every
/// table derived from door events (attendance's boundary crossings, the muster's whereabouts) uses.
///
/// Only decisions a door made count (actor `door:…`): a test tap asked by a signed-in officer is recorded
/// with the officer as actor and moves nobody. Uploaded events the server could not vouch for are
/// recorded as `door.event_quarantined` and never read here; the person of an uploaded grant is the
/// server's finding from the card's serial, not the door's claim (security issue 14, H1).
public struct DoorPassage: Sendable, Hashable {
    public var employee: EmployeeID
    public var door: DoorID
    /// The door's own time (`eventTime`, for an event decided offline and uploaded later), else the record's.
    public var time: Date
    /// When the server recorded it. A door's clock may run ahead (vetting allows minutes); ordering
    /// passages by the earlier of the two keeps a fast door from putting its passage after a later one.
    public var recorded: Date
    /// The audit record's sequence.
    public var event: Int64

    /// The passage `record` holds, or `nil` when it is not a granted door decision about a person.
    /// A record whose details cannot be read is not a passage: the log itself keeps it, and
    /// `AuditStore.verify` checks the chain it is part of.
    public static func of(_ record: AuditRecord) -> DoorPassage? {
        guard record.kind == "door.decision", record.actor.hasPrefix("door:"), record.subject.hasPrefix("employee:"),
              let details = try? JSONDecoder().decode([String: String].self, from: Data(record.details.utf8)),
              details["outcome"] == "grant", let door = details["door"] else { return nil }
        var time = record.time
        if let t = details["eventTime"], let parsed = try? Date(t, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
            time = parsed
        }
        return DoorPassage(employee: EmployeeID(rawValue: String(record.subject.dropFirst("employee:".count))), door: DoorID(rawValue: door),
                           time: time, recorded: record.time, event: record.sequence)
    }
}
