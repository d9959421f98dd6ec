import Access

/// One line of a session's printed roster.
public struct RosterRow: Sendable, Hashable, Codable {
    public var number: Int
    public var application: ApplicationID
    public var employee: EmployeeID
    public var employeeNumber: String
    public var department: String
    public var name: String
    public var nameKana: String
    public var birthDate: CivilDate?
    public var address: String
    public var identityChecked: Bool
    public var applied: Bool
}

/// The roster of one session (who comes, in order) and each person's identity-document checklist.
public struct SessionRoster: Sendable, Hashable, Codable {
    public var session: SessionID
    public var municipality: Municipality
    public var date: CivilDate?
    public var place: String?
    public var rows: [RosterRow]
    public var checklists: [ApplicationID: IdentityChecklist]

    /// The company facts the roster shows besides the application data.
    public struct Person: Sendable, Hashable {
        public var employeeNumber: String
        public var department: String
        public init(employeeNumber: String, department: String) {
            self.employeeNumber = employeeNumber
            self.department = department
        }
    }

    /// Builds the roster in the session's order; applications not found in `applications` are skipped.
    public init(session: OnSiteSession, applications: [ApplicationRecord], people: [EmployeeID: Person] = [:],
                catalogue: [IdentityDocumentKind] = IdentityDocumentKind.standardCatalogue) {
        self.session = session.id
        municipality = session.municipality
        date = session.date
        place = session.place
        let byID = Dictionary(applications.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var rows: [RosterRow] = []
        var lists: [ApplicationID: IdentityChecklist] = [:]
        for id in session.roster {
            guard let app = byID[id] else { continue }
            let p = people[app.employee]
            let a = session.attendance[id]
            let name = app.data?.fullName ?? ""
            rows.append(RosterRow(
                number: rows.count + 1, application: id, employee: app.employee, employeeNumber: p?.employeeNumber ?? "",
                department: p?.department ?? "", name: name, nameKana: app.data?.fullNameKana ?? "",
                birthDate: app.data?.birthDate, address: app.data?.address ?? "",
                identityChecked: a?.identityChecked ?? false, applied: a?.applied ?? false))
            lists[id] = IdentityChecklist(personName: name, catalogue: catalogue)
        }
        self.rows = rows
        checklists = lists
    }
}
