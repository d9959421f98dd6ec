import Fluent

/// The `genuine` door level (issue 18): `credentials.card_key`, the card's own visual-application key
/// (`90 <e> 91 <n>`) checked at enrollment, `NULL` for a credential enrolled without it; and
/// `doors.keyless_admit_until`, until when a `genuine` door still admits such credentials with a warning
/// (`NULL`: refused from the start).
public struct AddGenuineCardColumns: AsyncMigration {
    public init() {}

    public func prepare(on database: any Database) async throws {
        try await database.schema(CredentialModel.schema).field("card_key", .data).update()
        try await database.schema(DoorModel.schema).field("keyless_admit_until", .datetime).update()
    }

    public func revert(on database: any Database) async throws {
        try await database.schema(DoorModel.schema).deleteField("keyless_admit_until").update()
        try await database.schema(CredentialModel.schema).deleteField("card_key").update()
    }
}
