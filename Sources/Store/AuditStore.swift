import Audit
import Fluent
import Foundation

/// The event log in the database: appends sealed, hash-chained records and verifies the table.
///
/// Appends are serialised in this process by the actor. Across servers sharing one database the
/// primary key on `sequence` is the arbiter: if another server took the next number first, the insert
/// fails, the head is re-read and the record re-sealed on top of it.
public actor AuditStore {
    private let db: any Database
    private var head: AuditHead?
    private var headLoaded = false
    /// Called inside each append's transaction with the sealed records, so tables derived from events
    /// (attendance crossings) are written exactly when the events are.
    private let derive: (@Sendable ([AuditRecord], any Database) async throws -> Void)?

    public init(db: any Database, derive: (@Sendable ([AuditRecord], any Database) async throws -> Void)? = nil) {
        self.db = db
        self.derive = derive
    }

    /// Appends one record and returns it.
    @discardableResult
    public func append(_ draft: AuditDraft) async throws -> AuditRecord {
        try await append([draft]).last!
    }

    /// Appends records in one transaction (a door's batch, a burst of decisions).
    public func append(_ drafts: [AuditDraft]) async throws -> [AuditRecord] {
        guard !drafts.isEmpty else { return [] }
        return try await append(building: { _ in drafts })
    }

    /// Appends the records `build` returns, in the same transaction as whatever `build` writes with the
    /// database it is given: both are committed or neither is (a door's events are recorded as received
    /// exactly when their audit records exist).
    ///
    /// `build` may run more than once: when another server took the next sequence number, or any write
    /// in the transaction failed (another server storing the same door event first), the transaction is
    /// rolled back and retried on the new head, so `build` must read what it needs inside it.
    public func append(building build: @escaping @Sendable (any Database) async throws -> [AuditDraft]) async throws -> [AuditRecord] {
        let derive = self.derive
        for attempt in 0..<5 {
            if !headLoaded || attempt > 0 { head = try await Self.loadHead(on: db); headLoaded = true }
            let start = head
            do {
                let (sealed, newHead) = try await db.transaction { tx -> ([AuditRecord], AuditHead?) in
                    var sealed: [AuditRecord] = []
                    var h = start
                    for d in try await build(tx) {
                        let r = AuditChain.seal(d, after: h)
                        sealed.append(r)
                        h = AuditHead(sequence: r.sequence, hash: r.hash)
                    }
                    for r in sealed { try await Self.model(r).create(on: tx) }
                    if let derive, !sealed.isEmpty { try await derive(sealed, tx) }
                    return (sealed, h)
                }
                head = newHead
                return sealed
            } catch {
                // Another server appended first (duplicate sequence): retry on the new head.
                continue
            }
        }
        throw AuditStoreError.contention
    }

    /// The last record's sequence and hash.
    public static func loadHead(on db: any Database) async throws -> AuditHead? {
        guard let last = try await AuditRecordModel.query(on: db).sort(\.$id, .descending).first() else { return nil }
        return AuditHead(sequence: last.id ?? 0, hash: hexBytes(last.hash))
    }

    /// Verifies the whole table in pages, so memory stays flat however long the log is.
    public static func verify(on db: any Database, expectedHead: AuditHead? = nil, pageSize: Int = 5_000) async throws -> AuditVerification {
        var previous: AuditHead?
        var count = 0
        while true {
            let after = previous?.sequence ?? 0
            let page = try await AuditRecordModel.query(on: db).filter(\.$id > after).sort(\.$id, .ascending).limit(pageSize).all()
            if page.isEmpty { break }
            let result = AuditChain.verify(page.map(record(from:)), startingAfter: previous)
            switch result {
            case .broken: return result
            case .intact(let n, let head):
                count += n
                previous = head
            }
        }
        return AuditChain.verify([], startingAfter: previous, expectedHead: expectedHead).isIntact
            ? .intact(count: count, head: previous)
            : AuditChain.verify([], startingAfter: previous, expectedHead: expectedHead)
    }

    static func model(_ r: AuditRecord) -> AuditRecordModel {
        let m = AuditRecordModel()
        m.id = r.sequence
        m.timeMillis = r.timeMillis
        m.kind = r.kind
        m.actor = r.actor
        m.subject = r.subject
        m.details = r.details
        m.previousHash = hexString(r.previousHash)
        m.hash = hexString(r.hash)
        return m
    }

    public static func record(from m: AuditRecordModel) -> AuditRecord {
        AuditRecord(sequence: m.id ?? 0, timeMillis: m.timeMillis, kind: m.kind, actor: m.actor, subject: m.subject, details: m.details,
                    previousHash: hexBytes(m.previousHash), hash: hexBytes(m.hash))
    }

    static func hexString(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }
    static func hexBytes(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = s.utf8.makeIterator()
        while let a = it.next(), let b = it.next() {
            guard let v = UInt8(String(decoding: [a, b], as: UTF8.self), radix: 16) else { return [] }
            out.append(v)
        }
        return out
    }
}

public enum AuditStoreError: Error, CustomStringConvertible {
    case contention
    public var description: String { "could not append to the event log after 5 attempts (heavy contention between servers)" }
}
