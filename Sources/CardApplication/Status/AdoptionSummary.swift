/// Counts of each ``CardStatus`` in a group of people, with the ratios a dashboard shows.
public struct AdoptionCounts: Sendable, Hashable, Codable {
    public private(set) var total = 0
    public private(set) var byStatus: [CardStatus: Int] = [:]

    public init() {}

    /// Adds one person.
    public mutating func add(_ status: CardStatus) {
        total += 1
        byStatus[status, default: 0] += 1
    }

    /// How many people have `status`.
    public func count(_ status: CardStatus) -> Int { byStatus[status] ?? 0 }

    /// People who hold a card, enrolled or not.
    public var cardHolders: Int { count(.enrolled) + count(.cardNotEnrolled) }

    /// Enrolled ÷ total (0 for an empty group): the number the campaign is about, since enrolled cards
    /// are what open doors.
    public var enrolledRatio: Double { ratio(count(.enrolled)) }
    /// Card holders ÷ total.
    public var cardHolderRatio: Double { ratio(cardHolders) }
    /// (Card holders + applying) ÷ total: who will have a card once open applications finish.
    public var reachRatio: Double { ratio(cardHolders + count(.applying)) }

    private func ratio(_ n: Int) -> Double { total == 0 ? 0 : Double(n) / Double(total) }
}

/// Card adoption overall, by department and by site.
public struct AdoptionSummary: Sendable, Hashable, Codable {
    /// One group of the summary, named by its department or site.
    public struct Group: Sendable, Hashable, Codable {
        public var name: String
        public var counts: AdoptionCounts
    }

    public private(set) var overall = AdoptionCounts()
    /// Departments, sorted by name so pages and exports are stable.
    public private(set) var byDepartment: [Group] = []
    /// Sites, sorted by name.
    public private(set) var bySite: [Group] = []

    public init(_ rows: [EmployeeCardStatus]) {
        var departments: [String: AdoptionCounts] = [:]
        var sites: [String: AdoptionCounts] = [:]
        for row in rows {
            overall.add(row.status)
            departments[row.department, default: AdoptionCounts()].add(row.status)
            sites[row.site, default: AdoptionCounts()].add(row.status)
        }
        byDepartment = departments.map { Group(name: $0.key, counts: $0.value) }.sorted { $0.name < $1.name }
        bySite = sites.map { Group(name: $0.key, counts: $0.value) }.sorted { $0.name < $1.name }
    }

    /// The counts of one department, if anyone works there.
    public func department(_ name: String) -> AdoptionCounts? { byDepartment.first { $0.name == name }?.counts }
    /// The counts of one site, if anyone works there.
    public func site(_ name: String) -> AdoptionCounts? { bySite.first { $0.name == name }?.counts }
}
