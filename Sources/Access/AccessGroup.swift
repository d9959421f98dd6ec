/// A set of people allowed into zones at the times of a schedule.
public struct AccessGroup: Sendable, Hashable, Codable, Identifiable {
    /// One permission: a zone and when.
    public struct Grant: Sendable, Hashable, Codable {
        public var zone: ZoneID
        public var schedule: ScheduleID
        public init(zone: ZoneID, schedule: ScheduleID) {
            self.zone = zone
            self.schedule = schedule
        }
    }

    public var id: GroupID
    public var name: String
    public var grants: [Grant]

    public init(id: GroupID, name: String, grants: [Grant]) {
        self.id = id
        self.name = name
        self.grants = grants
    }
}
