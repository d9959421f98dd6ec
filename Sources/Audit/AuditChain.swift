import Crypto
import Foundation

/// The hash chain over ``AuditRecord``s.
///
/// hash = SHA-256( "MynaGate-audit-v1" ‖ sequence ‖ timeMillis ‖ len‖kind ‖ len‖actor ‖ len‖subject ‖
/// len‖details ‖ previousHash ), integers big-endian 8 bytes, lengths 4 bytes. Length prefixes keep
/// field boundaries unambiguous (moving a character from `actor` to `subject` changes the hash).
///
/// What it detects: an edited field (the row's hash no longer matches), a deleted or inserted row (a
/// sequence gap, or the next row's `previousHash` no longer matches), reordering. Deleting rows at the
/// end cannot be seen from the rows alone; pass the last known head (``AuditHead``) — the server keeps
/// it apart from the table and prints it — to catch that too.
public enum AuditChain {
    public static let genesisHash = [UInt8](repeating: 0, count: 32)

    /// The record that follows `last` (or the first record when `last` is nil).
    public static func seal(_ draft: AuditDraft, after last: AuditHead?) -> AuditRecord {
        let sequence = (last?.sequence ?? 0) + 1
        let previous = last?.hash ?? genesisHash
        let millis = Int64((draft.time.timeIntervalSince1970 * 1000).rounded())
        let details = draft.canonicalDetails
        let h = hash(sequence: sequence, timeMillis: millis, kind: draft.kind, actor: draft.actor, subject: draft.subject, details: details, previousHash: previous)
        return AuditRecord(sequence: sequence, timeMillis: millis, kind: draft.kind, actor: draft.actor, subject: draft.subject, details: details, previousHash: previous, hash: h)
    }

    /// The hash of a record's content.
    public static func hash(sequence: Int64, timeMillis: Int64, kind: String, actor: String, subject: String, details: String, previousHash: [UInt8]) -> [UInt8] {
        var h = SHA256()
        h.update(data: Array("MynaGate-audit-v1".utf8))
        func int(_ v: Int64) { withUnsafeBytes(of: v.bigEndian) { h.update(bufferPointer: $0) } }
        func text(_ s: String) {
            let b = Array(s.utf8)
            withUnsafeBytes(of: UInt32(b.count).bigEndian) { h.update(bufferPointer: $0) }
            h.update(data: b)
        }
        int(sequence)
        int(timeMillis)
        text(kind)
        text(actor)
        text(subject)
        text(details)
        h.update(data: previousHash)
        return Array(h.finalize())
    }

    /// Checks records given in sequence order, streaming: memory does not grow with the log.
    ///
    /// - Parameters:
    ///   - startingAfter: the record before the first one given (already verified), to check a log page by
    ///     page; `nil` when `records` starts at sequence 1.
    ///   - expectedHead: the last record's sequence and hash as kept outside the log, to detect truncation.
    public static func verify(_ records: some Sequence<AuditRecord>, startingAfter: AuditHead? = nil, expectedHead: AuditHead? = nil) -> AuditVerification {
        var previous: AuditHead? = startingAfter
        var count = 0
        for r in records {
            let expectedSequence = (previous?.sequence ?? 0) + 1
            if r.sequence != expectedSequence {
                return .broken(at: expectedSequence, r.sequence > expectedSequence ? .missingRecords(from: expectedSequence, to: r.sequence - 1) : .outOfOrder)
            }
            if r.previousHash != (previous?.hash ?? genesisHash) {
                return .broken(at: r.sequence, .previousHashMismatch)
            }
            let recomputed = hash(sequence: r.sequence, timeMillis: r.timeMillis, kind: r.kind, actor: r.actor, subject: r.subject, details: r.details, previousHash: r.previousHash)
            if recomputed != r.hash {
                return .broken(at: r.sequence, .contentChanged)
            }
            previous = AuditHead(sequence: r.sequence, hash: r.hash)
            count += 1
        }
        if let expectedHead {
            guard let previous, previous.sequence >= expectedHead.sequence else {
                return .broken(at: (previous?.sequence ?? 0) + 1, .truncated(expectedLast: expectedHead.sequence))
            }
            if previous.sequence == expectedHead.sequence && previous.hash != expectedHead.hash {
                return .broken(at: previous.sequence, .contentChanged)
            }
        }
        return .intact(count: count, head: previous)
    }
}

/// The latest record's sequence and hash: enough to append the next record, and to detect a log cut
/// short.
public struct AuditHead: Sendable, Hashable, Codable {
    public var sequence: Int64
    public var hash: [UInt8]
    public init(sequence: Int64, hash: [UInt8]) {
        self.sequence = sequence
        self.hash = hash
    }

    /// Hex of the hash, for printing and for keeping outside the database.
    public var hashHex: String { hash.lowercaseHex }
}

/// The outcome of ``AuditChain/verify(_:expectedHead:)``.
public enum AuditVerification: Sendable, Hashable {
    case intact(count: Int, head: AuditHead?)
    case broken(at: Int64, AuditBreak)

    public var isIntact: Bool { if case .intact = self { return true } else { return false } }
}

/// Where and how the chain breaks.
public enum AuditBreak: Sendable, Hashable, CustomStringConvertible {
    /// The row's fields do not match its hash: it was edited.
    case contentChanged
    /// The row does not point to the row before it: a row before it was replaced or removed.
    case previousHashMismatch
    /// Rows with these sequence numbers are missing.
    case missingRecords(from: Int64, to: Int64)
    /// Sequence numbers go backwards or repeat.
    case outOfOrder
    /// The log ends before the head that was recorded elsewhere.
    case truncated(expectedLast: Int64)
    /// A stored field (a hash) cannot be read at all: the row is damaged.
    case unreadable(field: String)

    public var description: String {
        switch self {
        case .contentChanged: return "the record was edited after it was written"
        case .previousHashMismatch: return "the record does not follow the one before it (a record was replaced)"
        case .missingRecords(let a, let b): return a == b ? "record \(a) is missing" : "records \(a)–\(b) are missing"
        case .outOfOrder: return "records are out of order or repeated"
        case .truncated(let n): return "the log ends before record \(n), which was recorded as the head"
        case .unreadable(let field): return "the record's \(field) cannot be read (the row is damaged)"
        }
    }
}
