import Foundation
/// An area people enter and leave through doors.
public struct Zone: Sendable, Hashable, Codable, Identifiable {
    /// How strictly a zone enforces that people leave before they enter again.
    public enum AntiPassback: String, Sendable, Hashable, Codable {
        /// No check.
        case off
        /// Entering twice without leaving is granted but flagged for the security officer.
        case soft
        /// Entering twice without leaving is refused (a card passed back to someone else).
        case hard
    }

    public var id: ZoneID
    public var name: String
    /// Part of the workplace boundary: first entry and last exit here count for attendance.
    public var isWorkplaceBoundary: Bool
    /// A room where My Number work is done (管理区域/取扱区域): its doors default to `pin`.
    public var isMyNumberHandlingArea: Bool
    public var antiPassback: AntiPassback

    public init(id: ZoneID, name: String, isWorkplaceBoundary: Bool = false, isMyNumberHandlingArea: Bool = false, antiPassback: AntiPassback = .off) {
        self.id = id
        self.name = name
        self.isWorkplaceBoundary = isWorkplaceBoundary
        self.isMyNumberHandlingArea = isMyNumberHandlingArea
        self.antiPassback = antiPassback
    }
}

/// How much a door asks of the card holder.
public enum SecurityLevel: String, Sendable, Hashable, Codable, CaseIterable {
    /// Certificate read and checked (かざし): no PIN. Allowed for building entry since 2024-05-27 when
    /// the first registration used the PIN; a copied certificate could be replayed, so only for doors
    /// where that risk is accepted (domain.md section 3).
    case tap
    /// The certificate read, then the visual application (券面事項確認AP) signs a fresh challenge with the
    /// card's own key, enrolled with the credential: proves this physical card is present — a copied
    /// certificate on another card cannot sign — without a PIN and without spending any try (docs/SECURITY.md).
    case genuine
    /// PIN and the card's signature over a fresh challenge: proves the card and its holder are present.
    case pin

    /// A level this version does not know (a newer server's) is read as `pin`, the strictest: a door
    /// agent must not fail to read its whole snapshot, nor open a door more easily than it was meant to.
    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        self = SecurityLevel(rawValue: raw) ?? .pin
    }
}

/// A door leads from one zone into another.
public struct Door: Sendable, Hashable, Codable, Identifiable {
    public var id: DoorID
    public var name: String
    /// Where the person is before passing (nil: outside the premises).
    public var from: ZoneID?
    /// Where the person is after passing (nil: outside the premises).
    public var to: ZoneID?
    /// Explicit level; `nil` means the default for the zone it leads into.
    public var securityLevelOverride: SecurityLevel?
    /// At a `genuine` door, a credential enrolled before the card's own key was (no ``Credential/cardKey``)
    /// is admitted with a warning before this instant, and refused from it on with a reason that sends
    /// the holder to the desk. `nil`: refused from the start.
    public var keylessAdmitUntil: Date?
    /// The door's own schedule: outside its windows (and on the holidays it closes for) the door lets
    /// nobody in, whatever their groups allow — a side entrance open only in office hours while the
    /// lobby stays open around the clock by the main door. Leaving the premises is never refused by it.
    /// `nil`: the groups' schedules alone decide.
    public var schedule: ScheduleID?

    public init(id: DoorID, name: String, from: ZoneID?, to: ZoneID?, securityLevel: SecurityLevel? = nil, keylessAdmitUntil: Date? = nil,
                schedule: ScheduleID? = nil) {
        self.id = id
        self.name = name
        self.from = from
        self.to = to
        self.securityLevelOverride = securityLevel
        self.keylessAdmitUntil = keylessAdmitUntil
        self.schedule = schedule
    }
}
