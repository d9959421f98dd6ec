import Fluent
import Foundation

// The My Number vault's tables (issue 7). The number lives in `vault_numbers` only, as ciphertext under
// its own data key, in a row keyed by a random id and linked to the person by internal ids. No column,
// key or index of any table holds the number or anything derived from it (a hash, the last digits):
// 番号法9条 and PPC FAQ Q18-2 count an encoded number as the number. Every other table holds what the
// law asks to be recorded about numbers — requests, verifications, accesses, disposals, holds,
// designations — and never a number.

/// One stored number: AES-256-GCM ciphertext under its own data key, the data key wrapped by a
/// key-encryption key (`key_id` names the KEK, which is not secret). Apart from the employee table.
public final class VaultNumberModel: Model, @unchecked Sendable {
    public static let schema = "vault_numbers"
    /// The `NumberRecordID`: random, bound into the ciphertext's associated data.
    @ID(key: .id) public var id: UUID?
    /// The employee whose file this number is in (for a dependent, the employee who gave it).
    @Field(key: "employee_id") public var employeeID: UUID
    /// The dependent, when it is a dependent's number.
    @OptionalField(key: "dependent_id") public var dependentID: UUID?
    @Field(key: "format") public var format: Int
    /// The KEK the data key is wrapped under; `nil` once the data key is destroyed.
    @OptionalField(key: "key_id") public var keyID: String?
    @OptionalField(key: "wrapped_key") public var wrappedKey: Data?
    @Field(key: "ciphertext") public var ciphertext: Data
    /// Purpose codes collected for (JSON array).
    @Field(key: "purposes") public var purposes: String
    @Field(key: "collected_at") public var collectedAt: Date
    /// The identity verification that covers it; `nil` while a typed number awaits the handler's check.
    @OptionalField(key: "verification_id") public var verificationID: UUID?
    @OptionalField(key: "request_id") public var requestID: UUID?
    /// How it was given: card, typed, dependent.
    @Field(key: "source") public var source: String
    /// For a chip reading: what the card's integrity record said (`verified`, `issuer_unknown`); `nil`
    /// otherwise (``AddVaultChipIntegrityColumn``).
    @OptionalField(key: "chip_integrity") public var chipIntegrity: String?
    public init() {}
}

/// A dependent (扶養親族) of an employee: name and relation, for the notice and the forms.
public final class VaultDependentModel: Model, @unchecked Sendable {
    public static let schema = "vault_dependents"
    @ID(key: .id) public var id: UUID?
    @Field(key: "employee_id") public var employeeID: UUID
    @Field(key: "name") public var name: String
    @Field(key: "relation") public var relation: String
    /// The last day they were a dependent (YYYY-MM-DD), once known.
    @OptionalField(key: "dependency_end") public var dependencyEnd: String?
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

/// A collection request; `state` is the domain value (`Vault.CollectionRequest`) as JSON, which holds
/// no number. The columns beside it are for queries.
public final class VaultRequestModel: Model, @unchecked Sendable {
    public static let schema = "vault_requests"
    @ID(key: .id) public var id: UUID?
    @Field(key: "employee_id") public var employeeID: UUID
    @Field(key: "requested_by") public var requestedBy: String
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "expires_at") public var expiresAt: Date
    @Field(key: "state") public var state: String
    public init() {}
}

/// An identity-verification record (番号法16条): `record` is `Vault.IdentityVerificationRecord` as
/// JSON (document types, issuers, validity ends, who, when, how — never a number or a document
/// number). `card_differences` lists where the card's 4 items differed from the employee record.
public final class VaultVerificationModel: Model, @unchecked Sendable {
    public static let schema = "vault_verifications"
    @ID(key: .id) public var id: UUID?
    @Field(key: "employee_id") public var employeeID: UUID
    @OptionalField(key: "dependent_id") public var dependentID: UUID?
    @OptionalField(key: "request_id") public var requestID: UUID?
    @Field(key: "checked_by") public var checkedBy: String
    @Field(key: "checked_at") public var checkedAt: Date
    @Field(key: "record") public var record: String
    @Field(key: "card_differences") public var cardDifferences: String
    public init() {}
}

/// One access to a number (collect, reveal, export, dispose) for the person's own view: who, when,
/// which purpose — never the number.
public final class VaultAccessModel: Model, @unchecked Sendable {
    public static let schema = "vault_access"
    @ID(key: .id) public var id: UUID?
    @Field(key: "record_id") public var recordID: UUID
    /// The employee in whose view this appears.
    @Field(key: "employee_id") public var employeeID: UUID
    @OptionalField(key: "dependent_id") public var dependentID: UUID?
    /// `employee` or the dependent's relation code.
    @Field(key: "role") public var role: String
    @Field(key: "actor") public var actor: String
    @Field(key: "actor_name") public var actorName: String
    @Field(key: "at") public var at: Date
    @Field(key: "action") public var action: String
    @OptionalField(key: "purpose") public var purpose: String?
    @OptionalField(key: "batch_size") public var batchSize: Int?
    public init() {}
}

/// A disposal record: file, responsible person, date, method — no number.
public final class VaultDisposalModel: Model, @unchecked Sendable {
    public static let schema = "vault_disposals"
    @ID(key: .id) public var id: UUID?
    @Field(key: "record_id") public var recordID: UUID
    @Field(key: "file") public var file: String
    @Field(key: "employee_id") public var employeeID: UUID
    @Field(key: "role") public var role: String
    @Field(key: "responsible_person") public var responsiblePerson: String
    @Field(key: "performed_by") public var performedBy: String
    @Field(key: "disposed_at") public var disposedAt: Date
    @Field(key: "disposed_on") public var disposedOn: String
    @Field(key: "method") public var method: String
    @OptionalField(key: "retained_through") public var retainedThrough: String?
    @OptionalField(key: "governing_purpose") public var governingPurpose: String?
    public init() {}
}

/// A legal hold on an employee's numbers (their own and their dependents'): disposal pauses while it
/// stands.
public final class VaultLegalHoldModel: Model, @unchecked Sendable {
    public static let schema = "vault_legal_holds"
    @ID(key: .id) public var id: UUID?
    @Field(key: "employee_id") public var employeeID: UUID
    @Field(key: "reason") public var reason: String
    @Field(key: "placed_by") public var placedBy: String
    @Field(key: "placed_at") public var placedAt: Date
    @OptionalField(key: "released_at") public var releasedAt: Date?
    @OptionalField(key: "released_by") public var releasedBy: String?
    public init() {}
}

/// A designated handler (事務取扱担当者), one row per sign-in account; `responsible` marks the
/// responsible person (責任者).
public final class VaultHandlerModel: Model, @unchecked Sendable {
    public static let schema = "vault_handlers"
    /// The user account's id.
    @ID(custom: "user_id", generatedBy: .user) public var id: UUID?
    @Field(key: "responsible") public var responsible: Bool
    @Field(key: "designated_by") public var designatedBy: String
    @Field(key: "designated_at") public var designatedAt: Date
    public init() {}
}

/// What the HR record says of an employee beyond the employee table, for matching the card's 4 items
/// and for retention: address, birth date, sex code, and the leaving date once known.
public final class VaultProfileModel: Model, @unchecked Sendable {
    public static let schema = "vault_profiles"
    @ID(custom: "employee_id", generatedBy: .user) public var id: UUID?
    @Field(key: "address") public var address: String
    /// YYYY-MM-DD, or empty.
    @Field(key: "birth_date") public var birthDate: String
    /// 1 male, 2 female, 9 not applicable, or empty.
    @Field(key: "sex") public var sex: String
    /// The last day of employment (YYYY-MM-DD), once known.
    @OptionalField(key: "leaving_date") public var leavingDate: String?
    public init() {}

    /// A profile for `employee` with nothing recorded yet (empty address, birth date and sex): what is
    /// made when the first of its fields — a leaving date, a birth date from the HR master — arrives.
    public static func empty(for employee: UUID) -> VaultProfileModel {
        let p = VaultProfileModel()
        p.id = employee; p.address = ""; p.birthDate = ""; p.sex = ""
        return p
    }
}

/// The vault's tables, in one migration.
public struct CreateVaultTables: AsyncMigration {
    public init() {}

    public func prepare(on db: any Database) async throws {
        try await db.schema(VaultNumberModel.schema)
            .id()
            .field("employee_id", .uuid, .required)
            .field("dependent_id", .uuid)
            .field("format", .int, .required)
            .field("key_id", .string)
            .field("wrapped_key", .data)
            .field("ciphertext", .data, .required)
            .field("purposes", .string, .required)
            .field("collected_at", .datetime, .required)
            .field("verification_id", .uuid)
            .field("request_id", .uuid)
            .field("source", .string, .required)
            .create()
        try await db.schema(VaultDependentModel.schema)
            .id()
            .field("employee_id", .uuid, .required)
            .field("name", .string, .required)
            .field("relation", .string, .required)
            .field("dependency_end", .string)
            .field("created_at", .datetime, .required)
            .create()
        try await db.schema(VaultRequestModel.schema)
            .id()
            .field("employee_id", .uuid, .required)
            .field("requested_by", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("state", .string, .required)
            .create()
        try await db.schema(VaultVerificationModel.schema)
            .id()
            .field("employee_id", .uuid, .required)
            .field("dependent_id", .uuid)
            .field("request_id", .uuid)
            .field("checked_by", .string, .required)
            .field("checked_at", .datetime, .required)
            .field("record", .string, .required)
            .field("card_differences", .string, .required)
            .create()
        try await db.schema(VaultAccessModel.schema)
            .id()
            .field("record_id", .uuid, .required)
            .field("employee_id", .uuid, .required)
            .field("dependent_id", .uuid)
            .field("role", .string, .required)
            .field("actor", .string, .required)
            .field("actor_name", .string, .required)
            .field("at", .datetime, .required)
            .field("action", .string, .required)
            .field("purpose", .string)
            .field("batch_size", .int)
            .create()
        try await db.schema(VaultDisposalModel.schema)
            .id()
            .field("record_id", .uuid, .required)
            .field("file", .string, .required)
            .field("employee_id", .uuid, .required)
            .field("role", .string, .required)
            .field("responsible_person", .string, .required)
            .field("performed_by", .string, .required)
            .field("disposed_at", .datetime, .required)
            .field("disposed_on", .string, .required)
            .field("method", .string, .required)
            .field("retained_through", .string)
            .field("governing_purpose", .string)
            .create()
        try await db.schema(VaultLegalHoldModel.schema)
            .id()
            .field("employee_id", .uuid, .required)
            .field("reason", .string, .required)
            .field("placed_by", .string, .required)
            .field("placed_at", .datetime, .required)
            .field("released_at", .datetime)
            .field("released_by", .string)
            .create()
        try await db.schema(VaultHandlerModel.schema)
            .field("user_id", .uuid, .identifier(auto: false))
            .field("responsible", .bool, .required)
            .field("designated_by", .string, .required)
            .field("designated_at", .datetime, .required)
            .create()
        try await db.schema(VaultProfileModel.schema)
            .field("employee_id", .uuid, .identifier(auto: false))
            .field("address", .string, .required)
            .field("birth_date", .string, .required)
            .field("sex", .string, .required)
            .field("leaving_date", .string)
            .create()
    }

    public func revert(on db: any Database) async throws {
        for s in [VaultProfileModel.schema, VaultHandlerModel.schema, VaultLegalHoldModel.schema, VaultDisposalModel.schema, VaultAccessModel.schema,
                  VaultVerificationModel.schema, VaultRequestModel.schema, VaultDependentModel.schema, VaultNumberModel.schema] {
            try await db.schema(s).delete()
        }
    }
}
