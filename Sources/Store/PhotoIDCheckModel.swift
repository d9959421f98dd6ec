import Fluent
import Foundation

/// A My Number card shown as general photo ID (issue 7, point 3): whose card, the issuer printed on the
/// front, its validity end, who checked, when and on what occasion. Never the number, never the back
/// side, and no image (MynaGate offers none to keep: the guideline's "front side only" is met by not
/// copying the card at all).
public final class PhotoIDCheckModel: Model, @unchecked Sendable {
    public static let schema = "photo_id_checks"
    @ID(key: .id) public var id: UUID?
    @Field(key: "employee_id") public var employeeID: UUID
    @Field(key: "issuer") public var issuer: String
    /// `YYYY-MM-DD`.
    @Field(key: "valid_until") public var validUntil: String
    @Field(key: "checked_by") public var checkedBy: String
    @Field(key: "checked_at") public var checkedAt: Date
    /// Why the ID was checked; runs of 12 or more digits are masked before it is stored.
    @Field(key: "occasion") public var occasion: String
    public init() {}
}

/// The table of card-as-photo-ID checks (its own migration: databases made before it get it added).
public struct CreatePhotoIDChecks: AsyncMigration {
    public init() {}

    public func prepare(on db: any Database) async throws {
        try await db.schema(PhotoIDCheckModel.schema)
            .id()
            .field("employee_id", .uuid, .required)
            .field("issuer", .string, .required)
            .field("valid_until", .string, .required)
            .field("checked_by", .string, .required)
            .field("checked_at", .datetime, .required)
            .field("occasion", .string, .required)
            .create()
    }

    public func revert(on db: any Database) async throws {
        try await db.schema(PhotoIDCheckModel.schema).delete()
    }
}
