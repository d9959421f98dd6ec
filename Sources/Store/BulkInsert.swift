import SQLKit

/// Many rows into one table as plain binds, 500 to an INSERT: for writes of tens of thousands of rows in
/// one transaction (the event log's records of a first people import, the people's vault profiles),
/// where one statement per row, each through Fluent's per-model reflection, held the database's write
/// turn for many seconds. Callers name the columns as the table's migration does. It bypasses Fluent's
/// model middleware (such as the credentials' version stamp): not for tables that have one.
public enum BulkInsert {
    /// Rows per statement: 500 rows of up to 10 columns stay far below SQLite's 32,766 and
    /// PostgreSQL's 65,535 bound parameters.
    public static let rowsPerStatement = 500

    /// Inserts `rows` (each one value per column, in `columns` order) into `table`.
    public static func run(into table: String, columns: [String], rows: [[any Encodable & Sendable]], on sql: any SQLDatabase) async throws {
        for start in stride(from: 0, to: rows.count, by: rowsPerStatement) {
            var insert = sql.insert(into: table).columns(columns)
            for row in rows[start..<min(start + rowsPerStatement, rows.count)] {
                guard row.count == columns.count else { throw BulkInsertError.rowWidth(table: table, expected: columns.count, got: row.count) }
                insert = insert.values(row.map { SQLBind($0) as any SQLExpression })
            }
            try await insert.run()
        }
    }
}

/// A row that does not have one value per column: a mistake of the caller, said rather than crashing.
public enum BulkInsertError: Error, CustomStringConvertible {
    case rowWidth(table: String, expected: Int, got: Int)

    public var description: String {
        switch self {
        case .rowWidth(let table, let expected, let got): "a row for \(table) has \(got) values for \(expected) columns"
        }
    }
}
