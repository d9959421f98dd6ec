import Fluent
import Foundation

/// One import of door history from the access system MynaGate replaces: who brought it in, when, the
/// file's SHA-256, and what it added. Its crossings are in `attendance_crossings` with negative event
/// ids, `-(serial × 10,000,000 + line)`: imported, not door events of MynaGate's own (those are the
/// audit log's positive sequence numbers), and each traceable to the import and the line it came from.
public final class DoorHistoryImportModel: Model, @unchecked Sendable {
    public static let schema = "attendance_history_imports"
    @ID(key: .id) public var id: UUID?
    /// 1, 2, 3 … in the order imports were made (inside the write turn, so never two alike).
    @Field(key: "serial") public var serial: Int
    @Field(key: "imported_at") public var importedAt: Date
    @Field(key: "imported_by") public var importedBy: String
    @Field(key: "sha256") public var sha256: String
    @Field(key: "crossings") public var crossings: Int
    @Field(key: "refused") public var refused: Int
    @OptionalField(key: "first_at") public var firstAt: Date?
    @OptionalField(key: "last_at") public var lastAt: Date?
    public init() {}

    /// The event id of an imported crossing: negative, unique per import and line.
    public static func eventID(serial: Int, line: Int) -> Int64 { -(Int64(serial) * 10_000_000 + Int64(line)) }
    /// Lines per file an event id can tell apart.
    public static let maxLines = 9_999_999
}

public struct CreateDoorHistoryImports: AsyncMigration {
    public init() {}

    public func prepare(on db: any Database) async throws {
        try await db.schema(DoorHistoryImportModel.schema)
            .id()
            .field("serial", .int, .required)
            .field("imported_at", .datetime, .required)
            .field("imported_by", .string, .required)
            .field("sha256", .string, .required)
            .field("crossings", .int, .required)
            .field("refused", .int, .required)
            .field("first_at", .datetime)
            .field("last_at", .datetime)
            .unique(on: "serial")
            .create()
    }

    public func revert(on db: any Database) async throws {
        try await db.schema(DoorHistoryImportModel.schema).delete()
    }
}
