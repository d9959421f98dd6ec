import Fluent
import Foundation

/// What a new card still needs before it is a credential, and what made it one.
///
/// A card enrolled at the desk is bound to a person only with evidence the desk operator cannot supply on
/// their own (security review C1): the JPKI signing certificate's name and birth date matching the HR
/// record, or the holder accepting the card in their own session. A card for a person who holds a
/// privileged account (admin, security, hr) also needs an administrator other than the operator to
/// approve it, and its owner to confirm it with their password. Until then the credential is `pending`:
/// it opens no door, signs nobody in, and the person's earlier card keeps working. A person who holds
/// any account accepts every new card in their own session, even one whose signing certificate matched;
/// and a card bound by the signing certificate goes back to pending if the HR record's name or birth date
/// later changes (an operator cannot rename a record to match a card they hold, bind it, and rename it back).
public enum CredentialBinding {
    /// Evidence that the card is the person's: the value of `credentials.binding`.
    public enum Evidence: String, Sendable, Codable {
        /// The signing certificate's name and birth date matched the HR record, and its key signed the
        /// enrollment challenge after the signing password.
        case signingCertificate = "signing_certificate"
        /// The holder accepted the card in their own session, with their password.
        case holderSession = "holder_session"
        /// Recorded before binding was required (migrated rows).
        case legacy
    }
}

/// Adds the columns of ``CredentialBinding`` to `credentials`, and the card sign-in opt-in to `users`.
public struct AddCredentialBinding: AsyncMigration {
    public init() {}

    public func prepare(on db: any Database) async throws {
        // One column per ALTER: SQLite adds a single column per statement.
        try await db.schema(CredentialModel.schema).field("binding", .string).update()
        try await db.schema(CredentialModel.schema).field("binding_identity", .string).update()
        try await db.schema(CredentialModel.schema).field("enrolled_by", .string).update()
        try await db.schema(CredentialModel.schema).field("needs_approval", .bool).update()
        try await db.schema(CredentialModel.schema).field("approved_by", .string).update()
        try await db.schema(CredentialModel.schema).field("needs_holder", .bool).update()
        try await db.schema(CredentialModel.schema).field("holder_confirmed_at", .datetime).update()
        try await db.schema(CredentialModel.schema).field("retired_by", .string).update()
        try await db.schema(UserModel.schema).field("card_sign_in", .bool).update()
        try await CredentialModel.query(on: db).set(\.$binding, to: CredentialBinding.Evidence.legacy.rawValue).update()
        // Before this release the desk operator saw each person's emergency code at enrollment: those
        // codes are void, and each owner issues a new one on their cards page.
        try await EmployeeModel.query(on: db).set(\.$emergencyCodeHash, to: nil).update()
    }

    public func revert(on db: any Database) async throws {
        for f in ["binding", "binding_identity", "enrolled_by", "needs_approval", "approved_by", "needs_holder", "holder_confirmed_at", "retired_by"] {
            try await db.schema(CredentialModel.schema).deleteField(.string(f)).update()
        }
        try await db.schema(UserModel.schema).deleteField("card_sign_in").update()
    }
}
