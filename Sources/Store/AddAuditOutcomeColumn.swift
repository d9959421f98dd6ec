import Fluent
import Foundation
import SQLKit

/// The event log's `outcome` column (grant or deny, for door decisions and door events): the event
/// search filters on it with an index instead of `LIKE '%"outcome":"grant"%'` on the details JSON,
/// which scanned the whole table and depended on how the JSON was spaced.
///
/// The column is derived from `details` and not part of the record's hash (``AuditChain`` hashes the
/// fields it always did), so adding it and filling it for old rows changes no hash. New records get it
/// when they are appended (``AuditStore``); rows written before this migration are filled here.
public struct AddAuditOutcomeColumn: AsyncMigration {
    public init() {}

    public func prepare(on db: any Database) async throws {
        try await db.schema(AuditRecordModel.schema).field("outcome", .string).update()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "audit_records_outcome").on(AuditRecordModel.schema).column("outcome").column("sequence").run()
        }
        try await Self.backfill(on: db)
    }

    public func revert(on db: any Database) async throws {
        if let sql = db as? any SQLDatabase { try await sql.drop(index: "audit_records_outcome").ifExists().run() }
        try await db.schema(AuditRecordModel.schema).deleteField("outcome").update()
    }

    /// Fills `outcome` for rows that have an outcome in their details and none in the column, a page at
    /// a time by sequence (memory stays flat however long the log is), one UPDATE per value per page.
    public static func backfill(on db: any Database, pageSize: Int = 5_000) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        var after: Int64 = 0
        while true {
            let page = try await AuditRecordModel.query(on: db).filter(\.$id > after).filter(\.$outcome == nil)
                .sort(\.$id, .ascending).limit(pageSize).all()
            guard let last = page.last else { break }
            after = try last.requireID()
            var byOutcome: [String: [Int64]] = [:]
            for m in page {
                if let o = try AuditStore.outcome(details: m.details, sequence: try m.requireID()) { byOutcome[o, default: []].append(try m.requireID()) }
            }
            for (outcome, ids) in byOutcome {
                try await sql.update(AuditRecordModel.schema).set("outcome", to: outcome).where("sequence", .in, ids).run()
            }
        }
    }
}
