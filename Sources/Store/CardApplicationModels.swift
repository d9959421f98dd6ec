import Fluent
import Foundation

// Card applications (一括申請, issue 9). The domain values of module `CardApplication` (an application
// with its history, a contractor batch, an on-site session) are stored whole as JSON in a `record`
// column, with the few fields the server searches by copied into their own columns. Store does not
// depend on `CardApplication`: the server encodes and decodes the records. Ordinary personal data only
// (name, kana, birth date, address, contact, the face photo): no table here has a My Number column,
// and nothing stored here is ever a My Number.

/// One employee's card application.
public final class CardApplicationModel: Model, @unchecked Sendable {
    public static let schema = "card_applications"
    @ID(key: .id) public var id: UUID?
    @Field(key: "employee_id") public var employeeID: UUID
    /// `ApplicationStage` raw value, for listing by stage.
    @Field(key: "stage") public var stage: String
    /// `ApplicationRoute` raw value, when chosen.
    @OptionalField(key: "route") public var route: String?
    @OptionalField(key: "batch_id") public var batchID: String?
    @OptionalField(key: "session_id") public var sessionID: String?
    /// `ApplicationRecord` as JSON.
    @Field(key: "record") public var record: String
    @Field(key: "updated_at") public var updatedAt: Date
    public init() {}
}

/// The face photo of an application, as uploaded (only photos that passed the checks are kept). Stored
/// in the database rather than the data directory, so servers sharing one PostgreSQL all see it and
/// one backup holds everything.
public final class CardApplicationPhotoModel: Model, @unchecked Sendable {
    public static let schema = "card_application_photos"
    @ID(key: .id) public var id: UUID?
    @Field(key: "application_id") public var applicationID: UUID
    @Field(key: "employee_id") public var employeeID: UUID
    @Field(key: "bytes") public var bytes: Data
    @Field(key: "uploaded_at") public var uploadedAt: Date
    public init() {}
}

/// What an employee said about their card: `hasCard` or `declined` (no reason is ever recorded).
public final class CardStatementModel: Model, @unchecked Sendable {
    public static let schema = "card_statements"
    @ID(custom: "employee_id", generatedBy: .user) public var id: UUID?
    @Field(key: "statement") public var statement: String
    @Field(key: "updated_at") public var updatedAt: Date
    public init() {}
}

/// A batch for the application-receiving contractor: the record and the package (ZIP) as built.
public final class CardBatchModel: Model, @unchecked Sendable {
    public static let schema = "card_batches"
    @ID(custom: "id", generatedBy: .user) public var id: String?
    /// `ContractorBatch` as JSON.
    @Field(key: "record") public var record: String
    /// The ZIP exactly as built (CSV + photos), so what is downloaded is what was recorded.
    @Field(key: "package") public var package: Data
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "sent_at") public var sentAt: Date?
    public init() {}
}

/// An on-site application session with a city's staff.
public final class CardSessionModel: Model, @unchecked Sendable {
    public static let schema = "card_sessions"
    @ID(custom: "id", generatedBy: .user) public var id: String?
    @Field(key: "municipality") public var municipality: String
    @Field(key: "status") public var status: String
    /// `OnSiteSession` as JSON.
    @Field(key: "record") public var record: String
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

/// The card application tables.
public struct CreateCardApplicationTables: AsyncMigration {
    public init() {}

    public func prepare(on db: any Database) async throws {
        try await db.schema(CardApplicationModel.schema)
            .id()
            .field("employee_id", .uuid, .required)
            .field("stage", .string, .required)
            .field("route", .string)
            .field("batch_id", .string)
            .field("session_id", .string)
            .field("record", .string, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await db.schema(CardApplicationPhotoModel.schema)
            .id()
            .field("application_id", .uuid, .required)
            .field("employee_id", .uuid, .required)
            .field("bytes", .data, .required)
            .field("uploaded_at", .datetime, .required)
            .unique(on: "application_id")
            .create()
        try await db.schema(CardStatementModel.schema)
            .field("employee_id", .uuid, .identifier(auto: false))
            .field("statement", .string, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await db.schema(CardBatchModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("record", .string, .required)
            .field("package", .data, .required)
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .create()
        try await db.schema(CardSessionModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("municipality", .string, .required)
            .field("status", .string, .required)
            .field("record", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
    }

    public func revert(on db: any Database) async throws {
        for s in [CardSessionModel.schema, CardBatchModel.schema, CardStatementModel.schema, CardApplicationPhotoModel.schema, CardApplicationModel.schema] {
            try await db.schema(s).delete()
        }
    }
}
