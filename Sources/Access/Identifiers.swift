/// An internal identifier of one kind of thing, distinguished by `Kind` so that a door id can never be
/// passed where an employee id is expected.
///
/// None is derived from the My Number (番号法9条): people are known by an internal id and their
/// employee number, cards by their certificate.
public struct Identifier<Kind>: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public var description: String { rawValue }
}

/// The kinds of ``Identifier`` (types with no values: they only tell identifiers apart).
public enum IdentifierKind {
    public enum Employee {}
    public enum Door {}
    public enum Zone {}
    public enum Group {}
    public enum Schedule {}
}

/// A person's internal identifier.
public typealias EmployeeID = Identifier<IdentifierKind.Employee>
/// A door's identifier.
public typealias DoorID = Identifier<IdentifierKind.Door>
/// A zone's identifier.
public typealias ZoneID = Identifier<IdentifierKind.Zone>
/// An access group's identifier.
public typealias GroupID = Identifier<IdentifierKind.Group>
/// A weekly schedule's identifier.
public typealias ScheduleID = Identifier<IdentifierKind.Schedule>
