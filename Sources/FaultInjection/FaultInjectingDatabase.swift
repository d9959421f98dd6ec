import Fluent
import Foundation
import NIOCore
import SQLKit

/// A database that runs every statement through a ``FaultPlan`` before handing it to the real one.
///
/// It is both a Fluent `Database` and an `SQLDatabase`, like the SQLite and PostgreSQL drivers, so the
/// server's raw SQL (the audit chain, attendance, door events) meets the same faults as its models.
/// Transactions hand their closure a wrapped connection too, and a ``FaultPlan/Operation/commit`` rule
/// fails a transaction after all its statements succeeded, which the real driver then rolls back.
/// Schema changes (migrations) are never broken: a test breaks the running server, not its set-up.
public struct FaultInjectingDatabase: Database, SQLDatabase {
    public let base: any Database
    public let plan: FaultPlan

    public init(base: any Database, plan: FaultPlan) {
        self.base = base
        self.plan = plan
    }

    private var sql: any SQLDatabase {
        // Both drivers MynaGate uses are SQL databases; the wrapper exists only over them.
        guard let s = base as? any SQLDatabase else { preconditionFailure("FaultInjectingDatabase needs an SQL database") }
        return s
    }

    // MARK: Database

    public var context: DatabaseContext { base.context }
    public var inTransaction: Bool { base.inTransaction }

    public func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> Void) -> EventLoopFuture<Void> {
        let operation: FaultPlan.Operation
        switch query.action {
        case .create: operation = .insert
        case .update, .delete: operation = .write
        case .read, .aggregate: operation = .read
        case .custom: operation = .write
        }
        return gate(operation, table: query.schema).flatMap { base.execute(query: query, onOutput: onOutput) }
    }

    public func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> { base.execute(schema: schema) }
    public func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> { base.execute(enum: `enum`) }

    public func transaction<T: Sendable>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        let plan = self.plan
        return base.transaction { tx in
            let wrapped = FaultInjectingDatabase(base: tx, plan: plan)
            return closure(wrapped).flatMap { value in wrapped.gate(.commit, table: nil).map { value } }
        }
    }

    public func withConnection<T: Sendable>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        let plan = self.plan
        return base.withConnection { closure(FaultInjectingDatabase(base: $0, plan: plan)) }
    }

    // MARK: SQLDatabase

    public var logger: Logger { base.logger }
    public var eventLoop: any EventLoop { base.eventLoop }
    public var version: (any SQLDatabaseReportedVersion)? { sql.version }
    public var dialect: any SQLDialect { sql.dialect }
    public var queryLogLevel: Logger.Level? { sql.queryLogLevel }

    public func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        let (operation, table) = Self.classify(sql.serialize(query).sql)
        guard let operation else { return sql.execute(sql: query, onRow) }
        return gate(operation, table: table).flatMap { sql.execute(sql: query, onRow) }
    }

    public func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let (operation, table) = Self.classify(sql.serialize(query).sql)
        if let operation { try await plan.enforce(operation, table: table) }
        try await sql.execute(sql: query, onRow)
    }

    public func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let plan = self.plan
        return try await sql.withSession { session in
            // A session is a connection, not a Fluent database: wrap it for its raw statements only.
            try await closure(FaultInjectingSQLSession(base: session, plan: plan))
        }
    }

    // MARK: Faults

    /// A future that succeeds when the plan lets the statement through and fails as the plan says otherwise.
    func gate(_ operation: FaultPlan.Operation, table: String?) -> EventLoopFuture<Void> {
        guard let effect = plan.check(operation, table: table) else { return eventLoop.makeSucceededVoidFuture() }
        switch effect {
        case .fail(let message):
            return eventLoop.makeFailedFuture(InjectedFault(operation: operation, table: table, message: message))
        case .timeOut(let after):
            let nanoseconds = after.components.seconds * 1_000_000_000 + after.components.attoseconds / 1_000_000_000
            return eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) {
                throw InjectedFault(operation: operation, table: table, message: "timed out")
            }.futureResult
        }
    }

    /// The kind of statement and the table it names, read from its SQL text: `INSERT INTO "t"`,
    /// `UPDATE t`, `DELETE FROM t` are writes (the first an insert), `SELECT … FROM t` a read; anything else (transaction
    /// control, pragmas, schema) is not subject to faults.
    public static func classify(_ text: String) -> (FaultPlan.Operation?, String?) {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "(" || $0 == "," }).map(String.init)
        guard let first = words.first?.uppercased() else { return (nil, nil) }
        func word(after keyword: String) -> String? {
            guard let i = words.firstIndex(where: { $0.uppercased() == keyword }), i + 1 < words.count else { return nil }
            return words[i + 1].trimmingCharacters(in: CharacterSet(charactersIn: "\"`[]"))
        }
        switch first {
        case "INSERT", "REPLACE": return (.insert, word(after: "INTO"))
        case "UPDATE": return (.write, words.count > 1 ? words[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"`[]")) : nil)
        case "DELETE": return (.write, word(after: "FROM"))
        case "SELECT", "WITH": return (.read, word(after: "FROM"))
        default: return (nil, nil)
        }
    }
}

/// An SQL session (one connection) under a fault plan; see ``FaultInjectingDatabase``.
struct FaultInjectingSQLSession: SQLDatabase {
    let base: any SQLDatabase
    let plan: FaultPlan

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        let plan = self.plan, base = self.base
        let (operation, table) = FaultInjectingDatabase.classify(base.serialize(query).sql)
        guard let operation else { return base.execute(sql: query, onRow) }
        return eventLoop.makeFutureWithTask { try await plan.enforce(operation, table: table) }.flatMap { base.execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let (operation, table) = FaultInjectingDatabase.classify(base.serialize(query).sql)
        if let operation { try await plan.enforce(operation, table: table) }
        try await base.execute(sql: query, onRow)
    }
}
