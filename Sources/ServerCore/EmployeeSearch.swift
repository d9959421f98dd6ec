import Fluent
import MyNumber
import SQLKit
import Store
import Vapor

/// One search over the people records, shared by `GET /api/v1/employees` and the `/employees` page, so
/// both answer the same rows for the same words (issue 21, item 3). Filters combine (AND); the rows
/// come in employee-number order, a page at a time (offset paging over the unique employee-number
/// index; ``AddEmployeeSearchIndexes`` keeps the filters and the card-state subqueries on indexes, so
/// a deep page at 50,000 people stays well under 200 ms — `mynagate bench employees`).
package struct EmployeeSearch: Sendable, Equatable {
    /// Which cards a person holds, as a security officer asks it: someone with a working card, someone
    /// waiting for one (a pending card and no active one), someone with neither.
    package enum CardState: String, Sendable, CaseIterable {
        case active, pending
        /// Neither an active nor a pending card (not `none`: that would read as `Optional.none`).
        case noCard = "none"
    }

    /// An employee-number prefix or a part of the name.
    package var text: String?
    package var department: String?
    package var site: String?
    package var status: String?
    package var card: CardState?
    /// 1-based.
    package var page: Int = 1
    package var pageSize: Int = 50

    package init(text: String? = nil, department: String? = nil, site: String? = nil, status: String? = nil, card: CardState? = nil,
                 page: Int = 1, pageSize: Int = 50) {
        (self.text, self.department, self.site, self.status, self.card, self.page, self.pageSize) = (text, department, site, status, card, page, pageSize)
    }

    static let statuses = ["active", "onLeave", "retired"]
    /// Far enough for every page of 200,000 people at the smallest page size; beyond it is a mistake
    /// (and an offset the database would have to walk).
    static let maxPage = 100_000

    /// Reads the query parameters (`q`, `department`, `site`, `status`, `card`, `page`, `limit`).
    /// Anything malformed is a 400 naming the parameter, never echoing it; a search text that is or
    /// holds a My Number is a 422: the number is never a key to look people up by.
    ///
    /// - Parameter blankIsAll: the page's filter form sends `department=` for "all"; the API, whose
    ///   callers leave a parameter out, refuses an empty one (``Request/queryText(_:)``).
    package static func from(_ req: Request, defaultPageSize: Int, maxPageSize: Int, blankIsAll: Bool = false) throws -> EmployeeSearch {
        func text(_ name: String) throws -> String? {
            if blankIsAll, req.query[String.self, at: name]?.isEmpty == true { return nil }
            return try req.queryText(name)
        }
        func choice(_ name: String, among allowed: [String]) throws -> String? {
            if blankIsAll, req.query[String.self, at: name]?.isEmpty == true { return nil }
            return try req.queryChoice(name, among: allowed)
        }
        var s = EmployeeSearch(pageSize: try req.queryLimit(default: defaultPageSize, maximum: maxPageSize))
        if let q = try text("q") {
            let t = q.trimmingCharacters(in: .whitespaces)
            // U+0000 cannot be compared with PostgreSQL's text: refused, not a database error.
            guard q.schemaLength <= 100, !q.unicodeScalars.contains("\u{0}") else { throw Abort(.badRequest, reason: "q must be at most 100 characters, without NUL") }
            if case .success = IndividualNumber.check(t) { throw Abort(.unprocessableEntity, reason: "q must not be a My Number") }
            guard !FreeText.containsNumberRun(t) else { throw Abort(.unprocessableEntity, reason: "q must not contain a 12-digit number") }
            s.text = t.isEmpty ? nil : t
        }
        for name in ["department", "site"] {
            guard let v = try text(name) else { continue }
            guard v.schemaLength <= 100, !v.unicodeScalars.contains("\u{0}") else { throw Abort(.badRequest, reason: "\(name) must be at most 100 characters, without NUL") }
            if name == "department" { s.department = v } else { s.site = v }
        }
        s.status = try choice("status", among: statuses)
        s.card = try choice("card", among: CardState.allCases.map(\.rawValue)).flatMap(CardState.init(rawValue:))
        if let page = try req.queryInteger("page") {
            guard (1...maxPage).contains(page) else { throw Abort(.badRequest, reason: "page must be 1–\(maxPage)") }
            s.page = page
        }
        return s
    }

    /// The matching rows, filtered but neither ordered nor paged.
    func query(on db: any Database) -> QueryBuilder<EmployeeModel> {
        var q = EmployeeModel.query(on: db)
        if let text {
            // `%` and `_` typed by a person are letters, not wildcards.
            let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            let match: SQLQueryString = "(\(ident: "employees").\(ident: "employee_number") LIKE \(bind: escaped + "%") ESCAPE '\\' OR \(ident: "employees").\(ident: "name") LIKE \(bind: "%" + escaped + "%") ESCAPE '\\')"
            q = q.filter(.custom(match))
        }
        if let department { q = q.filter(\.$department == department) }
        if let site { q = q.filter(\.$site == site) }
        if let status { q = q.filter(\.$status == status) }
        switch card {
        case nil: break
        case .active: q = q.filter(.custom(Self.holds("active")))
        case .pending: q = q.filter(.custom("\(Self.holds("pending")) AND NOT \(Self.holds("active"))" as SQLQueryString))
        case .noCard: q = q.filter(.custom("NOT \(Self.holdsAny(["active", "pending"]))" as SQLQueryString))
        }
        return q
    }

    /// Whether the person has a card in `state` (on the `credentials (employee_id, state)` index).
    static func holds(_ state: String) -> SQLQueryString { holdsAny([state]) }

    /// Whether the person has a card in any of `states`: one probe of the index per person, where
    /// "neither active nor pending" as two subqueries would be two.
    static func holdsAny(_ states: [String]) -> SQLQueryString {
        var list: SQLQueryString = "\(bind: states.first ?? "")"
        for state in states.dropFirst() { list = "\(list), \(bind: state)" }
        return "EXISTS (SELECT 1 FROM \(ident: CredentialModel.schema) c WHERE c.\(ident: "employee_id") = \(ident: "employees").\(ident: "id") AND c.\(ident: "state") IN (\(list)))"
    }

    /// One page of matches, in employee-number order.
    package func rows(on db: any Database) async throws -> [EmployeeModel] {
        try await query(on: db).sort(\.$employeeNumber).offset((page - 1) * pageSize).limit(pageSize).all()
    }

    /// How many people match (for "page 3 of 12").
    package func count(on db: any Database) async throws -> Int {
        try await query(on: db).count()
    }

    /// All the `/employees` page reads for one search: the page of people, how many match, each shown
    /// person's card state, and the departments and sites to filter by. `mynagate bench employees`
    /// times this, so what it measures is what the page does.
    package struct Results: Sendable {
        package var people: [EmployeeModel]
        package var total: Int
        package var cards: [UUID: CardState]
        package var departments: [String]
        package var sites: [String]
    }

    package func results(on db: any Database) async throws -> Results {
        let people = try await rows(on: db)
        let ids = try people.map { try $0.requireID() }
        var cards: [UUID: CardState] = [:]
        if !ids.isEmpty {
            for c in try await CredentialModel.query(on: db).filter(\.$employeeID ~~ ids).filter(\.$state ~~ ["active", "pending"]).all() {
                if c.state == "active" { cards[c.employeeID] = .active } else if cards[c.employeeID] == nil { cards[c.employeeID] = .pending }
            }
        }
        return Results(people: people, total: try await count(on: db), cards: cards,
                       departments: try await EmployeeModel.query(on: db).unique().all(\.$department).filter { !$0.isEmpty }.sorted(),
                       sites: try await EmployeeModel.query(on: db).unique().all(\.$site).filter { !$0.isEmpty }.sorted())
    }
}
