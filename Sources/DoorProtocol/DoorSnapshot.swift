import Access
import Foundation

/// The part of the access policy one door needs to decide alone, as served by
/// `GET /api/v1/doors/{id}/snapshot?since=V` and signed by the server (see ``DoorWire/signatureHeader``).
///
/// A full snapshot (`full == true`) replaces whatever the agent held. A delta (`full == false`) carries
/// the small tables (doors, zones, groups, schedules, holidays, employees, lockdown) in full and only the
/// credentials changed after `since`, plus the keys of credentials that no longer exist; apply it with
/// ``applying(_:)``.
public struct DoorSnapshot: Sendable, Hashable, Codable {
    /// The policy version this snapshot reflects; the agent passes it back as `since`.
    public var version: Int
    /// Whether ``policy`` is complete (else a delta over the agent's previous snapshot).
    public var full: Bool
    /// The door this snapshot was made for.
    public var door: DoorID
    /// When the server built it (the agent's staleness clock starts from its own receipt, not this). The
    /// agent refuses a body whose time is too far from its own clock.
    public var generatedAt: Date
    /// The random value the agent sent with its request (`nonce=`), signed back by the server: a body
    /// recorded earlier and replayed carries another request's nonce and is refused. `nil` only in a
    /// snapshot that was never requested over the network (a local bench).
    public var nonce: String?
    /// The door's part of the policy: complete when ``full``, else the small tables and changed credentials.
    public var policy: Policy
    /// Credentials deleted since `since` (always empty in a full snapshot).
    public var removedCredentials: [CredentialKey]

    public init(version: Int, full: Bool, door: DoorID, generatedAt: Date, nonce: String? = nil, policy: Policy,
                removedCredentials: [CredentialKey] = []) {
        self.version = version
        self.full = full
        self.door = door
        self.generatedAt = generatedAt
        self.nonce = nonce
        self.policy = policy
        self.removedCredentials = removedCredentials
    }

    /// The policy as plain arrays: ``AccessPolicy``'s dictionaries are keyed by wrapper types, which
    /// JSON would encode as alternating key/value arrays; lists are clearer on the wire and in a local
    /// store.
    public struct Policy: Sendable, Hashable, Codable {
        /// This door and every door sharing a zone with it.
        public var doors: [Door]
        /// The zones those doors touch.
        public var zones: [Zone]
        /// Every access group (small, and any may grant a zone this door leads into).
        public var groups: [AccessGroup]
        public var schedules: [WeeklySchedule]
        public var holidays: [Holiday]
        /// Every employee: a credential's holder decides status and validity.
        public var employees: [Employee]
        /// Every credential with its state: suspended and retired ones are included so the door
        /// refuses them with the right reason rather than as unknown.
        public var credentials: [SnapshotCredential]
        public var lockdown: Bool
        public var emergencyUnlocked: [DoorID]

        public init(doors: [Door] = [], zones: [Zone] = [], groups: [AccessGroup] = [], schedules: [WeeklySchedule] = [],
                    holidays: [Holiday] = [], employees: [Employee] = [], credentials: [SnapshotCredential] = [],
                    lockdown: Bool = false, emergencyUnlocked: [DoorID] = []) {
            self.doors = doors
            self.zones = zones
            self.groups = groups
            self.schedules = schedules
            self.holidays = holidays
            self.employees = employees
            self.credentials = credentials
            self.lockdown = lockdown
            self.emergencyUnlocked = emergencyUnlocked
        }

        /// The in-memory policy ``AccessDecider`` reads, at `version`.
        public func accessPolicy(version: Int) -> AccessPolicy {
            var calendar = HolidayCalendar()
            for h in holidays { calendar.add(h.date, name: h.name) }
            return AccessPolicy(version: version, employees: employees, credentials: credentials.map(\.credential), doors: doors, zones: zones,
                                groups: groups, schedules: schedules, holidays: calendar, lockdown: lockdown,
                                emergencyUnlocked: Set(emergencyUnlocked))
        }
    }

    /// One public holiday.
    public struct Holiday: Sendable, Hashable, Codable {
        public var date: CivilDate
        public var name: String
        public init(date: CivilDate, name: String) {
            self.date = date
            self.name = name
        }
    }

    /// The decider's ``AccessPolicy`` at this snapshot's version.
    public func accessPolicy() -> AccessPolicy { policy.accessPolicy(version: version) }

    /// This snapshot with `next` applied: `next` itself when it is full; otherwise the small tables from
    /// `next`, the credentials it carries replacing ours by key, and its removed credentials dropped.
    public func applying(_ next: DoorSnapshot) -> DoorSnapshot {
        if next.full { return next }
        var byKey: [CredentialKey: SnapshotCredential] = [:]
        var order: [CredentialKey] = []
        for c in policy.credentials + next.policy.credentials {
            if byKey[c.credential.key] == nil { order.append(c.credential.key) }
            byKey[c.credential.key] = c
        }
        for key in next.removedCredentials { byKey[key] = nil }
        var merged = next
        merged.full = true
        merged.removedCredentials = []
        merged.policy.credentials = order.compactMap { byKey[$0] }
        return merged
    }
}

/// A credential as a door holds it: the decision's view, the enrolled certificate (DER) for checking
/// signatures at `pin` doors, and the policy version at which it last changed.
public struct SnapshotCredential: Sendable, Hashable, Codable {
    public var credential: Credential
    /// The JPKI user-authentication certificate, DER (base64 in JSON); empty when none is enrolled.
    public var certificate: Data
    /// The policy version of this credential's last change.
    public var version: Int

    public init(credential: Credential, certificate: Data = Data(), version: Int = 0) {
        self.credential = credential
        self.certificate = certificate
        self.version = version
    }
}
