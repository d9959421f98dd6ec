import Foundation
import Synchronization

/// What a test wants to go wrong in the database, and a record of what did.
///
/// A plan holds rules; every statement the server sends through a ``FaultInjectingDatabase`` is
/// classified (a read, a write to a table, a commit) and checked against them in order. The first rule
/// that matches and is due fires: the statement is not sent, and the caller gets an ``InjectedFault``
/// (or waits first, for a timeout). Rules can be added and removed while the server runs, so a test can
/// let the server start cleanly, break one table, watch what the server does, and mend it again.
///
/// The plan is shared by every connection of the pool, so "the third write" means the third anywhere.
public final class FaultPlan: Sendable {
    /// What kind of statement a rule matches.
    public enum Operation: Sendable, Equatable {
        /// `SELECT` and anything else that does not change rows.
        case read
        /// `INSERT`, `UPDATE`, `DELETE` (Fluent creates, updates and deletes, and raw SQL).
        case write
        /// `INSERT` only (Fluent creates): a rule for the rows themselves, not for a statement that
        /// merely takes a lock (the audit store's `UPDATE … WHERE 0 = 1` on SQLite). A statement
        /// classified as an insert also matches ``write`` rules.
        case insert
        /// The end of a transaction whose statements all succeeded: failing here rolls all of them back.
        case commit
    }

    /// What happens when a rule fires.
    public enum Effect: Sendable, Equatable {
        /// The statement fails at once with this message (a refused write, a full disk, a dropped link).
        case fail(String)
        /// The statement waits this long and then fails as timed out (a locked or unreachable database).
        case timeOut(after: Duration)
    }

    /// One thing to break.
    public struct Rule: Sendable {
        public var operation: Operation
        /// The table a write or read must touch; `nil` for any.
        public var table: String?
        /// How many matching statements pass before the rule fires (0: the first one fails).
        public var skip: Int
        /// How many times the rule fires before it is spent; `nil`: every time from then on.
        public var times: Int?
        public var effect: Effect

        public init(_ operation: Operation, table: String? = nil, skip: Int = 0, times: Int? = 1, effect: Effect = .fail("injected fault")) {
            self.operation = operation
            self.table = table
            self.skip = skip
            self.times = times
            self.effect = effect
        }
    }

    private struct State {
        var rules: [(id: Int, rule: Rule, seen: Int, fired: Int)] = []
        var nextID = 0
        var fired: [String] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Adds a rule and returns its id (for ``remove(_:)``).
    @discardableResult
    public func add(_ rule: Rule) -> Int {
        state.withLock { s in
            s.nextID += 1
            s.rules.append((s.nextID, rule, 0, 0))
            return s.nextID
        }
    }

    /// Removes one rule: the database works again for what it matched.
    public func remove(_ id: Int) {
        state.withLock { s in s.rules.removeAll { $0.id == id } }
    }

    /// Removes every rule.
    public func mend() {
        state.withLock { s in s.rules.removeAll() }
    }

    /// A description of each fault that fired, oldest first ("write audit_records: injected fault").
    public var fired: [String] { state.withLock { $0.fired } }

    /// Decides whether the statement may go ahead; the effect to apply if not.
    func check(_ operation: Operation, table: String?) -> Effect? {
        state.withLock { s in
            for i in s.rules.indices {
                let r = s.rules[i].rule
                guard r.operation == operation || (r.operation == .write && operation == .insert) else { continue }
                if let wanted = r.table, wanted.caseInsensitiveCompare(table ?? "") != .orderedSame { continue }
                if let times = r.times, s.rules[i].fired >= times { continue }
                s.rules[i].seen += 1
                guard s.rules[i].seen > r.skip else { continue }
                s.rules[i].fired += 1
                s.fired.append("\(operation) \(table ?? "-")")
                return r.effect
            }
            return nil
        }
    }

    /// Applies the rules to one statement: returns if it may go ahead, throws the injected fault if not.
    func enforce(_ operation: Operation, table: String?) async throws {
        guard let effect = check(operation, table: table) else { return }
        switch effect {
        case .fail(let message):
            throw InjectedFault(operation: operation, table: table, message: message)
        case .timeOut(let after):
            try await Task.sleep(for: after)
            throw InjectedFault(operation: operation, table: table, message: "timed out")
        }
    }
}
