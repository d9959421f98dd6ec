import SQLKit

/// Many rows into one table as plain binds, 500 to an INSERT: for writes of tens of thousands of rows in
/// one transaction (the event log's records of a first people import, the people's vault profiles),
/// where one statement per row, each through Fluent's per-model reflection, held the database's write
/// turn for many seconds. Callers name the columns as the table's migration does.
public enum BulkInsert {
    /// Rows per statement: 500 rows of up to 10 columns stay far below SQLite's 32,766 and
    /// PostgreSQL's 65,535 bound parameters.
    public static let rowsPerStatement = 500

    /// Inserts `rows` (each one value per column, in `columns` order) into `table`.
    public static func run(into table: String, columns: [String], rows: [[any Encodable & Sendable]], on sql: any SQLDatabase) async throws {
        for start in stride(from: 0, to: rows.count, by: rowsPerStatement) {
            var insert = sql.insert(into: table).columns(columns)
            for row in rows[start..<min(start + rowsPerStatement, rows.count)] {
                precondition(row.count == columns.count, "a bulk-insert row has one value per column")
                insert = insert.values(row.map { SQLBind($0) as any SQLExpression })
            }
            try await insert.run()
        }
    }
}
