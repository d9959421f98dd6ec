import Foundation

/// One entry of the append-only event log: a door decision, an enrollment, a suspension, a
/// configuration change, a reveal of a number. Records are chained: each carries the hash of the one
/// before, so editing, deleting or reordering a stored row is detectable (``AuditChain/verify(_:)``).
///
/// Nothing here may contain a My Number or a PIN: `details` describes what happened in terms of
/// internal ids, certificate serials and reason codes.
public struct AuditRecord: Sendable, Hashable, Codable {
    /// 1, 2, 3, … with no gaps.
    public var sequence: Int64
    /// When it happened, in milliseconds since 1970 (an integer, so the hash is exact across databases).
    public var timeMillis: Int64
    /// What happened, as a dotted code: `door.decision`, `credential.suspended`, `config.door.updated`.
    public var kind: String
    /// Who or what caused it: a user id, a door id, `system`.
    public var actor: String
    /// Whom or what it concerns: an employee id, a credential key, a door id.
    public var subject: String
    /// Details as canonical JSON (sorted keys).
    public var details: String
    /// The previous record's hash (32 zero bytes for the first).
    public var previousHash: [UInt8]
    /// SHA-256 over this record's fields and `previousHash`.
    public var hash: [UInt8]

    public init(sequence: Int64, timeMillis: Int64, kind: String, actor: String, subject: String, details: String, previousHash: [UInt8], hash: [UInt8]) {
        self.sequence = sequence
        self.timeMillis = timeMillis
        self.kind = kind
        self.actor = actor
        self.subject = subject
        self.details = details
        self.previousHash = previousHash
        self.hash = hash
    }

    /// The time as a `Date`.
    public var time: Date { Date(timeIntervalSince1970: Double(timeMillis) / 1000) }
}

/// What a caller records; the chain fills in sequence and hashes.
public struct AuditDraft: Sendable, Hashable {
    public var time: Date
    public var kind: String
    public var actor: String
    public var subject: String
    public var details: [String: String]

    public init(time: Date = Date(), kind: String, actor: String, subject: String, details: [String: String] = [:]) {
        self.time = time
        self.kind = kind
        self.actor = actor
        self.subject = subject
        self.details = details
    }

    /// `details` as canonical JSON: keys sorted, so the same facts always hash the same.
    public var canonicalDetails: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(details), as: UTF8.self)) ?? "{}"
    }
}
