import Fluent
import Foundation
import SQLKit

/// One event uploaded by a door agent, kept by its id so a retried upload is recognised: the audit
/// record itself is in `audit_records`, written in the same transaction.
public final class DoorEventModel: Model, @unchecked Sendable {
    public static let schema = "door_events"
    @ID(key: .id) public var id: UUID?
    @Field(key: "door") public var door: String
    @Field(key: "event_time") public var eventTime: Date
    @Field(key: "received_at") public var receivedAt: Date
    public init() {}
    public init(id: UUID, door: String, eventTime: Date, receivedAt: Date) {
        self.id = id
        self.door = door
        self.eventTime = eventTime
        self.receivedAt = receivedAt
    }
}

/// A door agent's last heartbeat: which snapshot it runs, whether it was offline or stale, its outbox.
public final class DoorStatusModel: Model, @unchecked Sendable {
    public static let schema = "door_status"
    @ID(custom: "door", generatedBy: .user) public var id: String?
    @Field(key: "snapshot_version") public var snapshotVersion: Int
    @Field(key: "mode") public var mode: String
    @OptionalField(key: "offline_since") public var offlineSince: Date?
    @OptionalField(key: "stale_since") public var staleSince: Date?
    @Field(key: "outbox_depth") public var outboxDepth: Int
    @Field(key: "received_at") public var receivedAt: Date
    public init() {}
}

/// Adds `credentials.version`. Rows that exist already are stamped with the current policy version:
/// an agent asking for changes since an earlier version then receives them all, which is correct if
/// more than strictly needed.
public struct AddCredentialVersion: AsyncMigration {
    public init() {}

    public func prepare(on db: any Database) async throws {
        try await db.schema(CredentialModel.schema).field("version", .int).update()
        let current = try await PolicyLoader.currentVersion(on: db)
        try await CredentialModel.query(on: db).set(\.$version, to: current).update()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "credentials_version").on(CredentialModel.schema).column("version").run()
        }
    }

    public func revert(on db: any Database) async throws {
        if let sql = db as? any SQLDatabase { try await sql.drop(index: "credentials_version").run() }
        try await db.schema(CredentialModel.schema).deleteField("version").update()
    }
}

/// The door agents' tables: uploaded event ids and last heartbeats.
public struct CreateDoorTables: AsyncMigration {
    public init() {}

    public func prepare(on db: any Database) async throws {
        try await db.schema(DoorEventModel.schema)
            .id()
            .field("door", .string, .required)
            .field("event_time", .datetime, .required)
            .field("received_at", .datetime, .required)
            .create()
        try await db.schema(DoorStatusModel.schema)
            .field("door", .string, .identifier(auto: false))
            .field("snapshot_version", .int, .required)
            .field("mode", .string, .required)
            .field("offline_since", .datetime)
            .field("stale_since", .datetime)
            .field("outbox_depth", .int, .required)
            .field("received_at", .datetime, .required)
            .create()
    }

    public func revert(on db: any Database) async throws {
        try await db.schema(DoorStatusModel.schema).delete()
        try await db.schema(DoorEventModel.schema).delete()
    }
}

/// Stamps every credential written through Fluent with the policy version its change will be part of,
/// so door snapshots can send deltas. Done as model middleware rather than at each call site
/// (enrollment, suspension, reinstatement, the revocation sweep) so a new way of changing a
/// credential cannot forget it.
///
/// The stamp is a version taken from the atomic policy counter in the write's own transaction.
public struct CredentialVersionStamp: AsyncModelMiddleware {
    public typealias Model = CredentialModel

    /// The setting below which no delta can be given: raised when a credential row is deleted, since a
    /// delta carries changed rows and a deleted row is no longer there to carry.
    public static let deltaFloorKey = "snapshot_delta_floor"

    public init() {}

    // Each write takes a fresh version from the atomic counter in the same transaction as the row, so
    // stamps are handed out in commit order: an agent that has version V can never later miss a row
    // stamped V or lower (see ``PolicyLoader/bumpVersion(on:)``). Deltas include rows equal to `since`
    // as well, which costs at most a repeated row.
    public func create(model: CredentialModel, on db: any Database, next: AnyAsyncModelResponder) async throws {
        try await db.transaction { tx in
            model.version = try await PolicyLoader.bumpVersion(on: tx)
            try await next.create(model, on: tx)
        }
    }

    public func update(model: CredentialModel, on db: any Database, next: AnyAsyncModelResponder) async throws {
        try await db.transaction { tx in
            model.version = try await PolicyLoader.bumpVersion(on: tx)
            try await next.update(model, on: tx)
        }
    }

    public func delete(model: CredentialModel, force: Bool, on db: any Database, next: AnyAsyncModelResponder) async throws {
        try await db.transaction { tx in
            let floor = String(try await PolicyLoader.bumpVersion(on: tx))
            if let s = try await SettingModel.find(Self.deltaFloorKey, on: tx) {
                s.value = floor
                try await s.save(on: tx)
            } else {
                try await SettingModel(key: Self.deltaFloorKey, value: floor).create(on: tx)
            }
            try await next.delete(model, force: force, on: tx)
        }
    }

    /// The lowest `since` a delta can start from (0: any).
    public static func deltaFloor(on db: any Database) async throws -> Int {
        Int(try await SettingModel.find(deltaFloorKey, on: db)?.value ?? "0") ?? 0
    }
}

/// A door event the server received but could not vouch for, kept apart from the door decisions so it
/// never becomes an attendance crossing or a payroll minute, and shown to security and administrators
/// with the reason. Its id is also in `door_events`, so an upload retried later is a duplicate.
public final class QuarantinedDoorEventModel: Model, @unchecked Sendable {
    public static let schema = "door_event_quarantine"
    /// The event's own id (made by the agent).
    @ID(key: .id) public var id: UUID?
    @Field(key: "door") public var door: String
    /// The time the agent claimed.
    @Field(key: "event_time") public var eventTime: Date
    @Field(key: "received_at") public var receivedAt: Date
    /// A code (``DoorEventQuarantineReason``-style, e.g. `employee_mismatch`).
    @Field(key: "reason") public var reason: String
    /// The person the server found for the serial, if any (internal id).
    @OptionalField(key: "resolved_employee") public var resolvedEmployee: String?
    /// The event as uploaded (door wire JSON), for review.
    @Field(key: "body") public var body: String
    public init() {}
    public init(id: UUID, door: String, eventTime: Date, receivedAt: Date, reason: String, resolvedEmployee: String?, body: String) {
        self.id = id
        self.door = door
        self.eventTime = eventTime
        self.receivedAt = receivedAt
        self.reason = reason
        self.resolvedEmployee = resolvedEmployee
        self.body = body
    }
}
