import Foundation

/// Where people gather when a building is evacuated (避難場所・集合場所), and which zones empty towards it.
public struct AssemblyPoint: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    /// The zones whose occupants go to this point. A zone belongs to one point at most.
    public var zones: [ZoneID]

    public init(id: String, name: String, zones: [ZoneID]) {
        self.id = id
        self.name = name
        self.zones = zones
    }
}

/// Where one person last was, from the last granted passage a door recorded for them: the zone the
/// door led into, or outside the premises (`zone == nil`).
public struct Whereabouts: Sendable, Hashable {
    public var employee: EmployeeID
    /// The zone entered; `nil` when the last passage led out of the premises.
    public var zone: ZoneID?
    /// When the door let them through (the door's own time for an event decided offline).
    public var since: Date
    public var door: DoorID

    public init(employee: EmployeeID, zone: ZoneID?, since: Date, door: DoorID) {
        self.employee = employee
        self.zone = zone
        self.since = since
        self.door = door
    }

    /// Whether `other` replaces this as the newer passage: by the time the door gave, and by the event's
    /// order in the log for two passages within the same millisecond. An offline door's event uploaded
    /// late is older than what the person did since, and must not move them back.
    public static func isNewer(_ at: Date, event: Int64, than old: (at: Date, event: Int64)) -> Bool {
        at > old.at || (at == old.at && event > old.event)
    }
}

/// The evacuation roll call (点呼): the people inside the premises, grouped by the assembly point their
/// zone empties towards, with those not yet accounted for first.
///
/// Who is inside is what the doors recorded: the zone of each person's last granted passage. Nobody is
/// left out for having been inside long — a person who left by a door that did not read their card
/// still shows, with when they were last seen, because a roll call that misses someone costs more than
/// one that lists someone already gone.
public enum MusterRoll {
    /// One person on the roll.
    public struct Entry: Sendable, Hashable {
        public var employee: EmployeeID
        public var zone: ZoneID
        public var since: Date
        public var door: DoorID
        /// When and by whom the person was ticked off as safe; `nil` while unaccounted for.
        public var accountedAt: Date?
        public var accountedBy: String?
        /// A passage out of the premises recorded after the roll was taken (the person badged out).
        public var leftAt: Date?

        public init(employee: EmployeeID, zone: ZoneID, since: Date, door: DoorID, accountedAt: Date? = nil, accountedBy: String? = nil, leftAt: Date? = nil) {
            self.employee = employee
            self.zone = zone
            self.since = since
            self.door = door
            self.accountedAt = accountedAt
            self.accountedBy = accountedBy
            self.leftAt = leftAt
        }

        public var isAccounted: Bool { accountedAt != nil }
    }

    /// The people going to one assembly point (``Group/point`` `nil`: zones no point was named for).
    public struct Group: Sendable, Hashable {
        public var point: AssemblyPoint?
        public var entries: [Entry]
        public var unaccounted: Int { entries.count { !$0.isAccounted } }
    }

    /// The point each zone empties towards (the first point that names it).
    public static func pointOf(_ points: [AssemblyPoint]) -> [ZoneID: Int] {
        var out: [ZoneID: Int] = [:]
        for (i, p) in points.enumerated() { for z in p.zones where out[z] == nil { out[z] = i } }
        return out
    }

    /// The people inside now: everyone whose last passage led into a zone.
    public static func inside(_ whereabouts: [Whereabouts]) -> [Entry] {
        whereabouts.compactMap { w in w.zone.map { Entry(employee: w.employee, zone: $0, since: w.since, door: w.door) } }
    }

    /// Groups `entries` by assembly point, in the points' order, then the zones no point names. Within a
    /// group: the unaccounted first (those with no record of leaving before those who badged out), then
    /// by `order` (a name, so a warden reading down the list finds a person where they expect).
    public static func group(_ entries: [Entry], points: [AssemblyPoint], order: (EmployeeID) -> String) -> [Group] {
        let pointOf = pointOf(points)
        var buckets = Array(repeating: [Entry](), count: points.count + 1)
        for e in entries { buckets[pointOf[e.zone] ?? points.count].append(e) }
        var groups: [Group] = []
        for (i, bucket) in buckets.enumerated() where i < points.count || !bucket.isEmpty {
            let keyed = bucket.map { (rank: $0.isAccounted ? 2 : ($0.leftAt == nil ? 0 : 1), name: order($0.employee), entry: $0) }
            let sorted = keyed.sorted { a, b in
                if a.rank != b.rank { return a.rank < b.rank }
                if a.name != b.name { return a.name < b.name }
                return a.entry.employee.rawValue < b.entry.employee.rawValue
            }.map(\.entry)
            groups.append(Group(point: i < points.count ? points[i] : nil, entries: sorted))
        }
        return groups
    }
}
