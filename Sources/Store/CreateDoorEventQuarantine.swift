import Fluent
import SQLKit

/// The quarantine of uploaded door events the server could not vouch for (security issue 14, H1).
public struct CreateDoorEventQuarantine: AsyncMigration {
    public init() {}

    public func prepare(on db: any Database) async throws {
        try await db.schema(QuarantinedDoorEventModel.schema)
            .id()
            .field("door", .string, .required)
            .field("event_time", .datetime, .required)
            .field("received_at", .datetime, .required)
            .field("reason", .string, .required)
            .field("resolved_employee", .string)
            .field("body", .string, .required)
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "door_event_quarantine_received").on(QuarantinedDoorEventModel.schema).column("received_at").run()
        }
    }

    public func revert(on db: any Database) async throws {
        try await db.schema(QuarantinedDoorEventModel.schema).delete()
    }
}
