import Audit
import Fluent
import Foundation
import SQLKit
import Synchronization

/// The event log in the database: appends sealed, hash-chained records and verifies the table.
///
/// Appends take turns: one at a time in this process, and across processes by a lock held for the
/// append's transaction (an advisory lock on PostgreSQL, the write lock on SQLite), after which the head
/// is read and the records sealed on it. Should anything append without taking the turn, the primary
/// key on `sequence` is the arbiter: the insert fails and the append is tried again on the new head.
public actor AuditStore {
    private let db: any Database
    /// One append at a time from this process (see ``append(building:)``): whether one is under way,
    /// and the appends waiting for it, first come first served.
    private var appending = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
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
        guard let record = try await append([draft]).last else {
            // append(building:) seals exactly the drafts it is given; one in, one out.
            throw AuditStoreError.nothingSealed
        }
        return record
    }

    /// Appends records in one transaction (a door's batch, a burst of decisions).
    public func append(_ drafts: [AuditDraft]) async throws -> [AuditRecord] {
        guard !drafts.isEmpty else { return [] }
        return try await append(building: { _ in drafts })
    }

    /// The PostgreSQL advisory lock servers take, for the length of a transaction, to append.
    static let appendLockKey: Int64 = 0x4D59_4E41_4155_4454  // "MYNAAUDT"

    /// How many times an append is tried when other writers keep taking the next sequence number.
    public static let maxAttempts = 5

    /// Appends the records `build` returns, in the same transaction as whatever `build` writes with the
    /// database it is given: both are committed or neither is (a door's events are recorded as received
    /// exactly when their audit records exist).
    ///
    /// Only a lost race is retried: the transaction failed on a constraint (the next sequence number,
    /// or a row another writer stored first, such as the same door event uploaded to another server)
    /// *and* the log's head moved while it ran, so another writer committed. Then `build` runs again on
    /// the new head, so it must read what it needs inside the transaction. Anything else — a refusal
    /// thrown by `build`, a failing `derive`, a full disk, a lost connection, a refused write — is
    /// thrown at once as itself, with `build` run once. After ``maxAttempts`` lost races the error is
    /// ``AuditStoreError/contention(attempts:)``.
    ///
    /// Appends from this process are taken one at a time (the actor alone is reentrant across the
    /// database awaits), so only other processes can make an append lose a race.
    public func append(building build: @escaping @Sendable (any Database) async throws -> [AuditDraft]) async throws -> [AuditRecord] {
        await takeTurn()
        defer { passTurn() }
        let derive = self.derive
        for attempt in 0..<Self.maxAttempts {
            // The head this attempt seals on, read inside its transaction once the turn is taken: to tell
            // a lost race (the head moved after that) from a failure of its own. Read before taking the
            // turn instead, another server's append in between would make an own mistake look like a race.
            let sealedOn = SealedOn()
            do {
                return try await db.transaction { tx -> [AuditRecord] in
                    // Taking the turn first means the head read next is the one to seal on: every writer
                    // that uses this store waits here instead of racing and retrying (which starves one
                    // of two servers appending back to back).
                    try await Self.takeAppendTurn(on: tx)
                    var h = try await Self.loadHead(on: tx)
                    sealedOn.set(h)
                    var sealed: [AuditRecord] = []
                    for d in try await build(tx) {
                        let r = AuditChain.seal(d, after: h)
                        sealed.append(r)
                        h = AuditHead(sequence: r.sequence, hash: r.hash)
                    }
                    try await Self.insert(sealed, on: tx)
                    if let derive, !sealed.isEmpty { try await derive(sealed, tx) }
                    return sealed
                }
            } catch {
                guard (error as? any DatabaseError)?.isConstraintFailure == true else { throw error }
                // A constraint failure with the head where it was is this append's own fault (a
                // duplicate key `build` wrote, a check the data fails): retrying would fail the same way.
                // With the head moved, a writer that does not take the turn committed first.
                // Failing before the head was read (taking the turn) is not a race either.
                guard let seen = sealedOn.head, try await Self.loadHead(on: db) != seen else { throw error }
                // A random pause that grows with each loss, so writers do not collide again in lockstep.
                if attempt + 1 < Self.maxAttempts { try await Task.sleep(for: .milliseconds(Int.random(in: 1...(4 << attempt)))) }
            }
        }
        throw AuditStoreError.contention(attempts: Self.maxAttempts)
    }

    private func takeTurn() async {
        guard appending else { appending = true; return }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func passTurn() {
        // The turn passes straight to the next waiter, so nobody can slip in between.
        if waiting.isEmpty { appending = false } else { waiting.removeFirst().resume() }
    }

    /// Takes the database's write turn for the rest of the transaction. PostgreSQL: an advisory lock
    /// every server takes before appending. SQLite: a write that changes nothing takes the file's write
    /// lock now, before the head is read (reading first and writing later would fail with
    /// `SQLITE_BUSY_SNAPSHOT` whenever anything else wrote in between).
    static func takeAppendTurn(on tx: any Database) async throws {
        guard let sql = tx as? any SQLDatabase else { return }
        if sql.dialect.name == "postgresql" {
            try await sql.raw("SELECT pg_advisory_xact_lock(\(literal: appendLockKey))").run()
        } else {
            try await sql.raw("UPDATE \(ident: AuditRecordModel.schema) SET \(ident: "sequence") = \(ident: "sequence") WHERE 0 = 1").run()
        }
    }

    /// The last record's sequence and hash.
    public static func loadHead(on db: any Database) async throws -> AuditHead? {
        guard let last = try await AuditRecordModel.query(on: db).sort(\.$id, .descending).first() else { return nil }
        let sequence = try last.requireID()
        return AuditHead(sequence: sequence, hash: try hexBytes(last.hash, field: "hash", sequence: sequence))
    }

    /// Verifies the whole table in pages, so memory stays flat however long the log is.
    public static func verify(on db: any Database, expectedHead: AuditHead? = nil, pageSize: Int = 5_000) async throws -> AuditVerification {
        var previous: AuditHead?
        var count = 0
        while true {
            let after = previous?.sequence ?? 0
            let page = try await AuditRecordModel.query(on: db).filter(\.$id > after).sort(\.$id, .ascending).limit(pageSize).all()
            if page.isEmpty { break }
            var records: [AuditRecord] = []
            for m in page {
                do { records.append(try record(from: m)) } catch let e as AuditStoreError {
                    // A stored hash that is not hex is damage to the log, reported like any other break.
                    guard case .unreadableRecord(let sequence, let field) = e else { throw e }
                    let intact = AuditChain.verify(records, startingAfter: previous)
                    return intact.isIntact ? .broken(at: sequence, .unreadable(field: field)) : intact
                }
            }
            let result = AuditChain.verify(records, startingAfter: previous)
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

    /// Writes sealed records, many to an INSERT: a first import of 50,000 people seals 50,001 records,
    /// and one statement each (through Fluent's reflection on every model) held the write turn so long
    /// that the policy went stale meanwhile. SQL databases get the rows as plain binds; any other
    /// (none today) goes through the model.
    static func insert(_ records: [AuditRecord], on tx: any Database) async throws {
        guard let sql = tx as? any SQLDatabase else {
            for r in records { try await model(r).create(on: tx) }
            return
        }
        let rows: [[any Encodable & Sendable]] = try records.map { r in
            [r.sequence, r.timeMillis, r.kind, r.actor, r.subject, r.details, hexString(r.previousHash), hexString(r.hash),
             try outcome(details: r.details, sequence: r.sequence)]
        }
        try await BulkInsert.run(into: AuditRecordModel.schema,
                                 columns: ["sequence", "time_ms", "kind", "actor", "subject", "details", "previous_hash", "hash", "outcome"],
                                 rows: rows, on: sql)
    }

    static func model(_ r: AuditRecord) throws -> AuditRecordModel {
        let m = AuditRecordModel()
        m.id = r.sequence
        m.timeMillis = r.timeMillis
        m.kind = r.kind
        m.actor = r.actor
        m.subject = r.subject
        m.details = r.details
        m.previousHash = hexString(r.previousHash)
        m.hash = hexString(r.hash)
        m.outcome = try outcome(details: r.details, sequence: r.sequence)
        return m
    }

    /// The outcome a record's details name, for the unhashed `outcome` column (``AddAuditOutcomeColumn``).
    /// Details that are not a JSON object of strings are an error, as they can only come from damage.
    static func outcome(details: String, sequence: Int64) throws -> String? {
        do {
            return try JSONDecoder().decode([String: String].self, from: Data(details.utf8))["outcome"]
        } catch {
            throw AuditStoreError.unreadableRecord(sequence: sequence, field: "details")
        }
    }

    /// The record a stored row holds; a hash that is not hex (a damaged or edited row) is
    /// ``AuditStoreError/unreadableRecord(sequence:field:)``, never read as empty.
    public static func record(from m: AuditRecordModel) throws -> AuditRecord {
        let sequence = try m.requireID()
        return AuditRecord(sequence: sequence, timeMillis: m.timeMillis, kind: m.kind, actor: m.actor, subject: m.subject, details: m.details,
                           previousHash: try hexBytes(m.previousHash, field: "previous_hash", sequence: sequence),
                           hash: try hexBytes(m.hash, field: "hash", sequence: sequence))
    }

    static func hexString(_ b: [UInt8]) -> String { b.lowercaseHex }
    static func hexBytes(_ s: String, field: String, sequence: Int64) throws -> [UInt8] {
        let digits = Array(s.utf8)
        guard digits.count == 64 else { throw AuditStoreError.unreadableRecord(sequence: sequence, field: field) }
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let hi = hexValue(digits[i]), let lo = hexValue(digits[i + 1]) else {
                throw AuditStoreError.unreadableRecord(sequence: sequence, field: field)
            }
            out.append(hi << 4 | lo)
        }
        return out
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Why an append or a read of the event log failed, when it is not the database's own error.
public enum AuditStoreError: Error, Equatable, CustomStringConvertible {
    /// Other writers took the next sequence number on every attempt.
    case contention(attempts: Int)
    /// A stored row's hash is not 64 hex digits: the row is damaged.
    case unreadableRecord(sequence: Int64, field: String)
    /// An append of one draft sealed nothing (an internal error).
    case nothingSealed

    public var description: String {
        switch self {
        case .contention(let n):
            return "could not append to the event log after \(n) attempts: another writer took the next sequence number each time"
        case .unreadableRecord(let sequence, let field):
            return "event log record \(sequence): the stored \(field) is not a 64-digit hex hash (the row is damaged)"
        case .nothingSealed:
            return "appending one event sealed no record"
        }
    }
}

/// The head an append attempt sealed on, set inside its transaction (see ``AuditStore/append(building:)``).
private final class SealedOn: Sendable {
    private let value = Mutex<AuditHead??>(nil)
    /// `nil` until the attempt read the head; then the head it read (`.some(nil)`: the log was empty).
    var head: AuditHead?? { value.withLock { $0 } }
    func set(_ head: AuditHead?) { value.withLock { $0 = .some(head) } }
}
