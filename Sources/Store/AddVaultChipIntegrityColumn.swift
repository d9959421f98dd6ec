import Fluent

/// `vault_numbers.chip_integrity`: for a number read from a card's chip, what the text application's
/// integrity record said (`verified`, `issuer_unknown`); `NULL` for a typed number, a dependent's, or a
/// chip reading made before this column or without the record (issue 17 item 8). A mismatch is never
/// stored: such a reading is refused.
public struct AddVaultChipIntegrityColumn: AsyncMigration {
    public init() {}

    public func prepare(on database: any Database) async throws {
        try await database.schema(VaultNumberModel.schema).field("chip_integrity", .string).update()
    }

    public func revert(on database: any Database) async throws {
        try await database.schema(VaultNumberModel.schema).deleteField("chip_integrity").update()
    }
}
