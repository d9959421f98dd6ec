import Foundation

/// A person who may hold an entry credential.
public struct Employee: Sendable, Hashable, Codable, Identifiable {
    /// Whether the person is currently employed.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case active, onLeave, retired
    }

    public var id: EmployeeID
    /// The company's employee number (社員番号) — never the My Number.
    public var employeeNumber: String
    public var name: String
    public var department: String
    public var status: Status
    /// First day of validity (inclusive), if limited (e.g. a contractor's start date).
    public var validFrom: Date?
    /// End of validity (exclusive), if limited.
    public var validUntil: Date?
    /// The access groups the person belongs to.
    public var groups: Set<GroupID>

    public init(
        id: EmployeeID, employeeNumber: String, name: String, department: String, status: Status = .active,
        validFrom: Date? = nil, validUntil: Date? = nil, groups: Set<GroupID> = []
    ) {
        self.id = id
        self.employeeNumber = employeeNumber
        self.name = name
        self.department = department
        self.status = status
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.groups = groups
    }

    private enum CodingKeys: String, CodingKey { case id, employeeNumber, name, department, status, validFrom, validUntil, groups }

    /// Writes `groups` sorted: a `Set`'s order depends on its history, so two equal employees could encode
    /// to different bytes — and the door snapshot is signed and compared as bytes (found by the
    /// FuzzDoorSnapshot target: a decoded snapshot re-encoded differently from the first encoding).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(employeeNumber, forKey: .employeeNumber)
        try c.encode(name, forKey: .name)
        try c.encode(department, forKey: .department)
        try c.encode(status, forKey: .status)
        try c.encodeIfPresent(validFrom, forKey: .validFrom)
        try c.encodeIfPresent(validUntil, forKey: .validUntil)
        try c.encode(groups.map(\.rawValue).sorted(), forKey: .groups)
    }
}
