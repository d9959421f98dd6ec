import Foundation

/// A random internal identifier. Vault ids are UUIDs drawn at creation and never derived from the
/// number (番号法9条; PPC FAQ Q18-2: an encoded or rearranged number is still the number), so they can be
/// keys, indexes, log fields and URL parts.
public struct VaultIdentifier<Kind>: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public var rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
    /// A new random identifier.
    public init() { rawValue = UUID() }
    /// Parses the textual UUID form.
    public init?(_ text: String) {
        guard let u = UUID(uuidString: text) else { return nil }
        rawValue = u
    }
    public var description: String { rawValue.uuidString.lowercased() }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(UUID.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// The kinds of ``VaultIdentifier`` (types with no values).
public enum VaultIdentifierKind {
    public enum NumberRecord {}
    public enum Subject {}
    public enum CollectionRequest {}
    public enum Verification {}
    public enum Disposal {}
    public enum AccessEntry {}
    public enum LegalHold {}
}

/// The internal id of one stored number (one row of the number table, apart from the employee table).
/// It is also bound into the ciphertext's associated data, so a ciphertext copied to another row fails.
public typealias NumberRecordID = VaultIdentifier<VaultIdentifierKind.NumberRecord>
/// One person whose number a request asks for (the employee or one dependent).
public typealias SubjectID = VaultIdentifier<VaultIdentifierKind.Subject>
/// A collection request.
public typealias CollectionRequestID = VaultIdentifier<VaultIdentifierKind.CollectionRequest>
/// An identity-verification record.
public typealias VerificationID = VaultIdentifier<VaultIdentifierKind.Verification>
/// A disposal record.
public typealias DisposalID = VaultIdentifier<VaultIdentifierKind.Disposal>
/// An access-log entry.
public typealias AccessEntryID = VaultIdentifier<VaultIdentifierKind.AccessEntry>
/// A legal hold.
public typealias LegalHoldID = VaultIdentifier<VaultIdentifierKind.LegalHold>
