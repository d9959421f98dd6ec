import Foundation

/// What a door does once its snapshot is older than its staleness limit.
public enum FailMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// Deny every tap: the door stays locked (the default for doors into secured areas).
    case secure
    /// Open for every tap: an emergency exit must never trap people.
    case safe
}

/// How one door controller behaves.
public struct DoorConfiguration: Sendable {
    /// The door this controller guards.
    public var door: String
    /// What to do once the snapshot is stale.
    public var failMode: FailMode
    /// How old the last successful sync may be before the door is stale (default 24 hours).
    public var stalenessLimit: TimeInterval
    /// How long a grant releases the lock.
    public var openSeconds: Double

    /// A configuration; see each property.
    public init(door: String, failMode: FailMode = .secure, stalenessLimit: TimeInterval = 24 * 3600, openSeconds: Double = 5) {
        self.door = door
        self.failMode = failMode
        self.stalenessLimit = stalenessLimit
        self.openSeconds = openSeconds
    }
}
