import Fluent
import SQLKit

/// Indexes for the people search (issue 21, item 3): each filter of the employees list on its own
/// index in employee-number order, and a person's cards by state (the card-state filter asks "does
/// this person hold an active card?" once per row). Plain `CREATE INDEX`, the same on SQLite and
/// PostgreSQL.
public struct AddEmployeeSearchIndexes: AsyncMigration {
    public init() {}

    static let indexes: [(name: String, table: String, columns: String)] = [
        ("credentials_employee_state", "credentials", "employee_id, state"),
        ("employees_department_number", "employees", "department, employee_number"),
        ("employees_site_number", "employees", "site, employee_number"),
        ("employees_status_number", "employees", "status, employee_number"),
    ]

    public func prepare(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        for i in Self.indexes {
            try await sql.raw("CREATE INDEX \(ident: i.name) ON \(ident: i.table) (\(unsafeRaw: i.columns))").run()
        }
    }

    public func revert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        for i in Self.indexes {
            try await sql.raw("DROP INDEX \(ident: i.name)").run()
        }
    }
}
