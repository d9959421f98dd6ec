import Fluent
import Foundation

// Fluent models. Each maps one table; the domain types in `Access` and `Audit` are built from them by
// `PolicyLoader` and `AuditStore`. No table has a column for the My Number: credentials are keyed by
// certificate issuer and serial, people by an internal UUID and their employee number.
// Models are classes because Fluent requires it; `@unchecked Sendable` is Fluent's documented pattern
// (property wrappers guard their storage, and a model is used by one task at a time).

/// A sign-in account.
public final class UserModel: Model, @unchecked Sendable {
    public static let schema = "users"
    @ID(key: .id) public var id: UUID?
    @Field(key: "username") public var username: String
    @Field(key: "password_hash") public var passwordHash: String
    @Field(key: "role") public var role: String
    @OptionalField(key: "employee_id") public var employeeID: UUID?
    @Field(key: "failed_attempts") public var failedAttempts: Int
    @OptionalField(key: "locked_until") public var lockedUntil: Date?
    /// The owner opted in, with their password, to signing in with their card alone. Accounts of role
    /// employee may always sign in with the card; for admin, security and hr the card is otherwise only a
    /// second factor beside the password (security review C1).
    @OptionalField(key: "card_sign_in") public var cardSignIn: Bool?
    public init() {}
    public init(username: String, passwordHash: String, role: String, employeeID: UUID?) {
        self.username = username
        self.passwordHash = passwordHash
        self.role = role
        self.employeeID = employeeID
        self.failedAttempts = 0
    }
}

/// A person.
public final class EmployeeModel: Model, @unchecked Sendable {
    public static let schema = "employees"
    @ID(key: .id) public var id: UUID?
    @Field(key: "employee_number") public var employeeNumber: String
    @Field(key: "name") public var name: String
    @Field(key: "department") public var department: String
    @Field(key: "site") public var site: String
    @Field(key: "status") public var status: String
    @OptionalField(key: "valid_from") public var validFrom: Date?
    @OptionalField(key: "valid_until") public var validUntil: Date?
    /// Access group ids, as a JSON array.
    @Field(key: "groups") public var groups: String
    /// bcrypt of the emergency code that suspends this person's cards without signing in (shown once).
    @OptionalField(key: "emergency_code_hash") public var emergencyCodeHash: String?
    public init() {}
    public init(employeeNumber: String, name: String, department: String, site: String = "", status: String = "active", groups: [String] = []) {
        self.employeeNumber = employeeNumber
        self.name = name
        self.department = department
        self.site = site
        self.status = status
        self.groups = JSONList.encode(groups)
    }
}

/// A card's JPKI user-authentication certificate bound to an employee.
public final class CredentialModel: Model, @unchecked Sendable {
    public static let schema = "credentials"
    @ID(key: .id) public var id: UUID?
    @Field(key: "employee_id") public var employeeID: UUID
    @Field(key: "kind") public var kind: String
    @Field(key: "issuer") public var issuer: String
    @Field(key: "serial") public var serial: String
    @Field(key: "certificate") public var certificate: Data
    @Field(key: "not_before") public var notBefore: Date
    @Field(key: "not_after") public var notAfter: Date
    /// pending (awaiting binding or approval, see ``CredentialBinding``), active, suspended, retired,
    /// rejected (the holder or an administrator refused a pending card)
    @Field(key: "state") public var state: String
    @OptionalField(key: "suspension_reason") public var suspensionReason: String?
    @OptionalField(key: "state_changed_at") public var stateChangedAt: Date?
    /// The policy version of this row's last change (added by ``AddCredentialVersion``, stamped by
    /// ``CredentialVersionStamp``): door snapshots send only credentials changed since the agent's version.
    @OptionalField(key: "version") public var version: Int?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    /// How the card was bound to the person (``CredentialBinding/Evidence``); `nil` while pending on the holder.
    @OptionalField(key: "binding") public var binding: String?
    /// For a card bound by its signing certificate: the fingerprint of the HR record's name and birth date
    /// it matched. A later change to either puts the card back to pending (``CredentialBinding``).
    @OptionalField(key: "binding_identity") public var bindingIdentity: String?
    /// The desk operator who enrolled it (`user:…`).
    @OptionalField(key: "enrolled_by") public var enrolledBy: String?
    /// Whether an administrator other than the operator must approve it (the person holds a privileged account).
    @OptionalField(key: "needs_approval") public var needsApproval: Bool?
    /// The approving administrator (`user:…`).
    @OptionalField(key: "approved_by") public var approvedBy: String?
    /// Whether the holder must accept it in their own session.
    @OptionalField(key: "needs_holder") public var needsHolder: Bool?
    /// When the holder accepted it.
    @OptionalField(key: "holder_confirmed_at") public var holderConfirmedAt: Date?
    /// For a retired card: who enrolled the card that replaced it, shown to the owner.
    @OptionalField(key: "retired_by") public var retiredBy: String?
    /// The card's own visual-application key, `90 <e> 91 <n>` (``AddGenuineCardColumns``).
    @OptionalField(key: "card_key") public var cardKey: Data?
    public init() {}
}

/// A zone (area).
public final class ZoneModel: Model, @unchecked Sendable {
    public static let schema = "zones"
    @ID(custom: "id", generatedBy: .user) public var id: String?
    @Field(key: "name") public var name: String
    @Field(key: "workplace_boundary") public var workplaceBoundary: Bool
    @Field(key: "my_number_area") public var myNumberArea: Bool
    @Field(key: "anti_passback") public var antiPassback: String
    public init() {}
}

/// A door between two zones.
public final class DoorModel: Model, @unchecked Sendable {
    public static let schema = "doors"
    @ID(custom: "id", generatedBy: .user) public var id: String?
    @Field(key: "name") public var name: String
    @OptionalField(key: "from_zone") public var fromZone: String?
    @OptionalField(key: "to_zone") public var toZone: String?
    @OptionalField(key: "security_level") public var securityLevel: String?
    /// See ``AddGenuineCardColumns``.
    @OptionalField(key: "keyless_admit_until") public var keylessAdmitUntil: Date?
    /// The door's own schedule (``AddDoorSchedule``); nil: the groups' schedules alone decide.
    @OptionalField(key: "schedule_id") public var scheduleID: String?
    public init() {}
}

/// An access group with its grants (JSON array of {zone, schedule}).
public final class AccessGroupModel: Model, @unchecked Sendable {
    public static let schema = "access_groups"
    @ID(custom: "id", generatedBy: .user) public var id: String?
    @Field(key: "name") public var name: String
    @Field(key: "grants") public var grants: String
    public init() {}
}

/// A weekly schedule (windows as JSON: {"monday":["08:00-20:00"], …}).
public final class ScheduleModel: Model, @unchecked Sendable {
    public static let schema = "schedules"
    @ID(custom: "id", generatedBy: .user) public var id: String?
    @Field(key: "name") public var name: String
    @Field(key: "windows") public var windows: String
    @Field(key: "holiday_rule") public var holidayRule: String
    public init() {}
}

/// A public holiday.
public final class HolidayModel: Model, @unchecked Sendable {
    public static let schema = "holidays"
    @ID(custom: "date", generatedBy: .user) public var id: String?
    @Field(key: "name") public var name: String
    public init() {}
    public init(date: String, name: String) {
        self.id = date
        self.name = name
    }
}

/// Small key–value settings: lockdown, emergency unlocks, the policy version.
public final class SettingModel: Model, @unchecked Sendable {
    public static let schema = "settings"
    @ID(custom: "key", generatedBy: .user) public var id: String?
    @Field(key: "value") public var value: String
    public init() {}
    public init(key: String, value: String) {
        self.id = key
        self.value = value
    }

    /// Stores `value` under `key`, replacing what was there: the one way a setting is written. Callers
    /// run it inside the transaction of the change it belongs to, so the read and the write are one turn.
    public static func put(_ key: String, _ value: String, on db: any Database) async throws {
        if let s = try await SettingModel.find(key, on: db) {
            s.value = value
            try await s.save(on: db)
        } else {
            try await SettingModel(key: key, value: value).create(on: db)
        }
    }
}

/// One row of the append-only, hash-chained event log.
public final class AuditRecordModel: Model, @unchecked Sendable {
    public static let schema = "audit_records"
    @ID(custom: "sequence", generatedBy: .user) public var id: Int64?
    @Field(key: "time_ms") public var timeMillis: Int64
    @Field(key: "kind") public var kind: String
    @Field(key: "actor") public var actor: String
    @Field(key: "subject") public var subject: String
    @Field(key: "details") public var details: String
    @Field(key: "previous_hash") public var previousHash: String
    @Field(key: "hash") public var hash: String
    /// `details["outcome"]` (grant or deny) copied to a column for the event search; not hashed
    /// (``AddAuditOutcomeColumn``).
    @OptionalField(key: "outcome") public var outcome: String?
    public init() {}
}

/// A challenge for a card to sign (enrollment, PIN doors, card sign-in). Stored so that any server
/// sharing the database can verify it, and marked used so it is single-use across servers.
public final class ChallengeModel: Model, @unchecked Sendable {
    public static let schema = "challenges"
    @ID(key: .id) public var id: UUID?
    @Field(key: "context") public var context: String
    @Field(key: "nonce") public var nonce: Data
    @Field(key: "expires_at") public var expiresAt: Date
    @Field(key: "used") public var used: Bool
    public init() {}
}

/// The first step of a two-step "suspend my card": confirmed within a few minutes or dropped.
public final class SuspensionRequestModel: Model, @unchecked Sendable {
    public static let schema = "suspension_requests"
    @ID(key: .id) public var id: UUID?
    @Field(key: "credential_id") public var credentialID: UUID
    @Field(key: "requested_by") public var requestedBy: String
    @Field(key: "expires_at") public var expiresAt: Date
    public init() {}
}

/// JSON arrays of strings in a text column (portable across SQLite and PostgreSQL).
public enum JSONList {
    public static func encode(_ list: [String]) -> String {
        (try? String(decoding: JSONEncoder().encode(list), as: UTF8.self)) ?? "[]"
    }
    public static func decode(_ text: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }

    /// A stored list that must be read exactly (the doors under emergency unlock): text that is not a
    /// list of strings throws ``StoredConfigurationError`` rather than reading as empty — which would
    /// relock every door and, written back by the next toggle, erase the list.
    public static func decodeStored(_ text: String, setting: String) throws -> [String] {
        do { return try JSONDecoder().decode([String].self, from: Data(text.utf8)) } catch {
            throw StoredConfigurationError(what: "setting", id: setting, field: "value")
        }
    }
}
