/// Everything a door decision reads, held in memory: the server keeps one current, and a door
/// controller keeps the part for its zones. A value type, so a decision always sees one consistent
/// version.
public struct AccessPolicy: Sendable, Hashable, Codable {
    public var version: Int
    public var employees: [EmployeeID: Employee]
    public var credentials: [CredentialKey: Credential]
    public var doors: [DoorID: Door]
    public var zones: [ZoneID: Zone]
    public var groups: [GroupID: AccessGroup]
    public var schedules: [ScheduleID: WeeklySchedule]
    public var holidays: HolidayCalendar
    /// Site-wide lockdown: every door refuses.
    public var lockdown: Bool
    /// Doors unlocked for an emergency (fire exits, evacuation).
    public var emergencyUnlocked: Set<DoorID>
    /// Serial → credential keys, for doors that read only the serial (3 APDUs) and not the issuer.
    public private(set) var serialIndex: [String: [CredentialKey]]

    public init(
        version: Int = 0, employees: [Employee] = [], credentials: [Credential] = [], doors: [Door] = [], zones: [Zone] = [],
        groups: [AccessGroup] = [], schedules: [WeeklySchedule] = [], holidays: HolidayCalendar = HolidayCalendar(),
        lockdown: Bool = false, emergencyUnlocked: Set<DoorID> = []
    ) {
        self.version = version
        self.employees = Dictionary(employees.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        self.credentials = Dictionary(credentials.map { ($0.key, $0) }, uniquingKeysWith: { $1 })
        self.doors = Dictionary(doors.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        self.zones = Dictionary(zones.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        self.groups = Dictionary(groups.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        self.schedules = Dictionary(schedules.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        self.holidays = holidays
        self.lockdown = lockdown
        self.emergencyUnlocked = emergencyUnlocked
        self.serialIndex = [:]
        for key in self.credentials.keys { serialIndex[key.serial, default: []].append(key) }
    }

    /// Adds or replaces a credential, keeping the serial index current.
    public mutating func upsert(_ credential: Credential) {
        if credentials[credential.key] == nil { serialIndex[credential.key.serial, default: []].append(credential.key) }
        credentials[credential.key] = credential
    }

    /// The credential for `key`. A key with an empty issuer (a door that read only the serial) matches
    /// when exactly one enrolled credential has that serial; two issuers with the same serial are
    /// ambiguous and match nothing, so the door must read the whole certificate.
    public func resolve(_ key: CredentialKey) -> Credential? {
        if !key.issuer.isEmpty { return credentials[key] }
        guard let keys = serialIndex[key.serial], keys.count == 1 else { return nil }
        return credentials[keys[0]]
    }

    /// The level a door asks for: its override, else `pin` for a door into a My Number handling area,
    /// else `tap`.
    public func securityLevel(of door: Door) -> SecurityLevel {
        if let l = door.securityLevelOverride { return l }
        if let to = door.to, zones[to]?.isMyNumberHandlingArea == true { return .pin }
        return .tap
    }
}

/// Who is in which zone, for anti-passback. Updated with each granted passage.
public struct PresenceState: Sendable, Hashable, Codable {
    public private(set) var zoneOf: [EmployeeID: ZoneID]

    public init() { zoneOf = [:] }

    /// Records that `employee` passed `door` (call after a grant).
    public mutating func recordPassage(of employee: EmployeeID, through door: Door) {
        if let to = door.to { zoneOf[employee] = to } else { zoneOf[employee] = nil }
    }

    /// Puts `employee` back in `zone` (`nil`: outside every zone): a passage taken back because its
    /// decision could not be recorded, so the door did not open.
    public mutating func restore(_ employee: EmployeeID, to zone: ZoneID?) {
        zoneOf[employee] = zone
    }
}
