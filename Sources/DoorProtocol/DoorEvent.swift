import Access
import Foundation

/// One decision taken by a door agent, uploaded by `POST /api/v1/doors/{id}/events`.
///
/// The agent makes ``id`` when it writes the event to its outbox, before the door acts; the server
/// stores each id once, so an upload retried after a crash or a lost response never duplicates.
/// It carries the certificate serial and internal ids only, never a My Number or a PIN.
public struct DoorEvent: Sendable, Hashable, Codable, Identifiable {
    /// Made by the agent when it writes the event to its outbox; the key of idempotency.
    public var id: UUID
    /// When the door decided (the agent's clock).
    public var time: Date
    public var door: DoorID
    /// The auth certificate's serial, upper-case hex.
    public var serial: String
    /// The issuer, when the door read it.
    public var issuer: String?
    public var outcome: Decision.Outcome
    /// ``DecisionReason/code``.
    public var reason: String
    public var employee: EmployeeID?
    /// Whether the agent decided without reaching the server.
    public var offline: Bool
    /// The snapshot version the decision read.
    public var snapshotVersion: Int
    /// ``DecisionWarning`` raw values.
    public var warnings: [String]

    public init(id: UUID = UUID(), time: Date, door: DoorID, serial: String, issuer: String? = nil, outcome: Decision.Outcome, reason: String,
                employee: EmployeeID? = nil, offline: Bool, snapshotVersion: Int, warnings: [String] = []) {
        self.id = id
        self.time = time
        self.door = door
        self.serial = serial
        self.issuer = issuer
        self.outcome = outcome
        self.reason = reason
        self.employee = employee
        self.offline = offline
        self.snapshotVersion = snapshotVersion
        self.warnings = warnings
    }
}

/// A batch of events in one upload.
public struct DoorEventBatch: Sendable, Hashable, Codable {
    /// The most events one request may carry; the server refuses a larger batch with 413.
    public static let maxEvents = 1_000

    public var events: [DoorEvent]
    public init(events: [DoorEvent]) { self.events = events }
}

/// The server's answer to a batch: how many events were new, how many it already held (an earlier,
/// possibly unacknowledged, upload), and how many of the new ones it quarantined (kept for a security
/// officer to review, never counted as attendance). The agent drops the whole batch from its outbox in
/// every case: the server holds each event, so sending it again would change nothing.
public struct DoorEventBatchResult: Sendable, Hashable, Codable {
    /// Events stored now as door decisions.
    public var accepted: Int
    /// Events the server already held, or repeated within the batch.
    public var duplicates: Int
    /// Events stored now in quarantine: the server could not vouch for them (an unknown card, a person
    /// other than the card's holder, a time in the future or older than a door keeps events, a card not
    /// valid at that time).
    public var quarantined: Int

    public init(accepted: Int, duplicates: Int, quarantined: Int = 0) {
        self.accepted = accepted
        self.duplicates = duplicates
        self.quarantined = quarantined
    }

    private enum CodingKeys: String, CodingKey { case accepted, duplicates, quarantined }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        accepted = try c.decode(Int.self, forKey: .accepted)
        duplicates = try c.decode(Int.self, forKey: .duplicates)
        // A server older than quarantine does not send the field.
        quarantined = try c.decodeIfPresent(Int.self, forKey: .quarantined) ?? 0
    }
}
