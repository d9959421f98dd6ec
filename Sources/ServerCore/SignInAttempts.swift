#if canImport(Glibc)
import Glibc
#endif
import Audit
import Fluent
import Foundation
import NIOPosix
import SQLKit
import Store
import Synchronization
import Vapor

/// Counting sign-in attempts in the database, before the secret is checked.
///
/// Each attempt is counted by one statement that increments and returns the new count (`UPDATE …
/// RETURNING`, `INSERT … ON CONFLICT DO UPDATE … RETURNING`), on SQLite and PostgreSQL alike, before the
/// password or code is looked at. Parallel requests therefore each get a different number, and only
/// those numbered up to the threshold are checked: however many arrive at once, at most the threshold
/// of guesses is tried per window, on every server sharing the database.
enum SignInAttempts {
    /// A password attempt counted against an existing account.
    struct Counted {
        var userID: UUID
        var passwordHash: String
        /// This attempt's number in the current window (1 = first since the last success or lock).
        var attempt: Int
    }

    /// Counts one password attempt for `username`; `nil` when no such account exists.
    ///
    /// The count starts again when a lock has run out. The attempt that reaches the threshold sets the
    /// lock at once (it is lifted if that very attempt turns out right), so the lock never depends on
    /// a request finishing, and attempts past the threshold are refused without a check.
    static func countPassword(username: String, threshold: Int, lockSeconds: Int, on db: any Database) async throws -> Counted? {
        let sql = try sqlDatabase(db)
        let now = Date(), lockEnd = now.addingTimeInterval(TimeInterval(lockSeconds))
        let rows = try await sql.raw("""
            UPDATE users SET
              failed_attempts = CASE WHEN locked_until IS NOT NULL AND locked_until <= \(bind: now) THEN 1 ELSE failed_attempts + 1 END,
              locked_until = CASE
                WHEN locked_until IS NOT NULL AND locked_until > \(bind: now) THEN locked_until
                WHEN (CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failed_attempts + 1 END) >= \(bind: threshold) THEN \(bind: lockEnd)
                ELSE NULL END
            WHERE username = \(bind: username)
            RETURNING id, password_hash, failed_attempts
            """).all()
        guard let row = rows.first else { return nil }
        return Counted(userID: try row.decode(column: "id", as: UUID.self), passwordHash: try row.decode(column: "password_hash", as: String.self),
                       attempt: try row.decode(column: "failed_attempts", as: Int.self))
    }

    /// A right password within the threshold: the count and any lock are cleared.
    static func passwordSucceeded(userID: UUID, on db: any Database) async throws {
        let sql = try sqlDatabase(db)
        try await sql.raw("UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = \(bind: userID)").run()
    }

    /// Counts one emergency-code attempt for `employeeNumber` (as typed, known or not) from `client`;
    /// returns this attempt's number in the window and when the window ends.
    static func countLostCard(employeeNumber: String, client: String, windowSeconds: Int, on db: any Database) async throws -> (attempt: Int, windowEnds: Date) {
        let sql = try sqlDatabase(db)
        let now = Date(), end = now.addingTimeInterval(TimeInterval(windowSeconds))
        let rows = try await sql.raw("""
            INSERT INTO lost_card_attempts (id, employee_number, client, attempts, window_ends)
            VALUES (\(bind: UUID()), \(bind: employeeNumber), \(bind: client), 1, \(bind: end))
            ON CONFLICT (employee_number, client) DO UPDATE SET
              attempts = CASE WHEN lost_card_attempts.window_ends <= \(bind: now) THEN 1 ELSE lost_card_attempts.attempts + 1 END,
              window_ends = CASE WHEN lost_card_attempts.window_ends <= \(bind: now) THEN excluded.window_ends ELSE lost_card_attempts.window_ends END
            RETURNING attempts, window_ends
            """).all()
        guard let row = rows.first else { throw Abort(.internalServerError, reason: "the attempt counter returned no row") }
        return (try row.decode(column: "attempts", as: Int.self), try row.decode(column: "window_ends", as: Date.self))
    }

    /// The right code: this client's count for the number is cleared.
    static func lostCardSucceeded(employeeNumber: String, client: String, on db: any Database) async throws {
        try await LostCardAttemptModel.query(on: db).filter(\.$employeeNumber == employeeNumber).filter(\.$client == client).delete()
    }

    private static func sqlDatabase(_ db: any Database) throws -> any SQLDatabase {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError, reason: "database without SQL") }
        return sql
    }
}

/// bcrypt off the event loop, on a pool of its own: a quarter of a second of hashing per check would
/// otherwise stall every request sharing the loop, and on the application's blocking pool it would
/// hold up the SQLite statements that run there (a burst of sign-ins would slow every request).
package enum PasswordCheck {
    /// Two threads for the whole process, started once and kept for its lifetime. Checks beyond two at
    /// a time wait their turn; the sign-in rate limits bound how many arrive.
    package static let pool: NIOThreadPool = {
        let p = NIOThreadPool(numberOfThreads: 2)
        p.start()
        return p
    }()

    /// Runs `body` on the pool at the lowest CPU priority. On Linux a thread's nice value is its own
    /// (`setpriority(PRIO_PROCESS, 0, …)` changes only the calling thread), so a burst of sign-ins —
    /// bcrypt at cost 12 is some 250 ms of CPU each — yields the cores to the event loops that answer
    /// door decisions instead of taking an equal share of them. Raising one's own nice value needs no
    /// privilege; if it fails anyway the check runs at normal priority, which is only slower for doors.
    static func onPool<T: Sendable>(_ eventLoop: any EventLoop, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(eventLoop: eventLoop) {
            #if os(Linux)
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
            #endif
            return try body()
        }.get()
    }

    /// Whether `secret` matches `hash`. A stored hash that cannot be read is logged and counts as wrong.
    package static func verify(_ secret: String, hash: String, on req: Request) async -> Bool {
        do {
            return try await onPool(req.eventLoop) { try Bcrypt.verify(secret, created: hash) }
        } catch {
            req.logger.error("bcrypt could not check a stored hash", metadata: ["error": .string(String(describing: error))])
            return false
        }
    }

    /// Spends the time of one check against a hash of `cost`, for an unknown name or a locked account,
    /// so that neither is told apart from a wrong secret by timing.
    package static func spendTime(_ secret: String, cost: Int, on req: Request) async throws {
        _ = await verify(secret, hash: try await dummyHash(cost: cost, on: req), on: req)
    }

    private static let dummies = Mutex<[Int: String]>([:])

    /// A real bcrypt hash of nothing in particular at `cost`, made once per cost.
    static func dummyHash(cost: Int, on req: Request) async throws -> String {
        if let h = dummies.withLock({ $0[cost] }) { return h }
        let h = try await onPool(req.eventLoop) { try Bcrypt.hash("mynagate-no-such-secret", cost: cost) }
        dummies.withLock { $0[cost] = h }
        return h
    }
}

extension PasswordCheck {
    /// The answer to a wrong password typed again by a signed-in person: 422 (the session is fine; the
    /// request's content is not), so it is not mistaken for a sign-in refusal.
    package static let wrong = "wrong password"

    /// Why a password is being checked; recorded with a failure.
    package enum Purpose: String {
        case signIn = "password"
        case cardSignIn = "card+password"
        case reauthentication
    }

    /// The one rule for checking an account's password, wherever it is typed (sign-in, card + password,
    /// typed again on `/my/cards`): the attempt is counted before bcrypt (at most the threshold checked per
    /// window, shared by every server); an unknown account or one past the threshold spends the time of a
    /// check; a wrong password is recorded (`account.sign_in_failed`, and `account.locked` at the
    /// threshold), queued like door decisions because a burst of failures is attacker-driven; a right one
    /// clears the count. Returns the account's id when the password is right.
    package static func check(username: String, password: String, purpose: Purpose, on req: Request) async throws -> UUID? {
        guard password.schemaLength <= 1024 else { return nil }
        let config = req.state.config
        let threshold = max(1, config.lockoutThreshold)
        guard let counted = try await SignInAttempts.countPassword(username: username, threshold: threshold,
                                                                   lockSeconds: config.lockoutMinutes * 60, on: req.db) else {
            try await spendTime(password, cost: config.bcryptCost, on: req)
            return nil
        }
        guard counted.attempt <= threshold else {
            // Locked: the password is not checked at all, but the time of a check is spent.
            try await spendTime(password, cost: config.bcryptCost, on: req)
            return nil
        }
        guard await verify(password, hash: counted.passwordHash, on: req) else {
            req.state.metrics.increment(Metrics.Name.signInFailures, labels: ["method": purpose.rawValue])
            try await req.state.events.enqueue(AuditDraft(kind: "account.sign_in_failed", actor: "anonymous", subject: "user:\(username)",
                                                      details: ["attempt": String(counted.attempt), "method": purpose.rawValue]))
            if counted.attempt == threshold {
                try await req.state.events.enqueue(AuditDraft(kind: "account.locked", actor: "anonymous", subject: "user:\(username)",
                                                          details: ["minutes": String(config.lockoutMinutes)]))
            }
            return nil
        }
        try await SignInAttempts.passwordSucceeded(userID: counted.userID, on: req.db)
        return counted.userID
    }

    /// The signed-in person types their password again for an act that must be theirs (accepting a
    /// card, changing how they sign in, a new emergency code).
    static func reauthenticate(_ password: String, for user: SessionUser, on req: Request) async throws {
        guard try await check(username: user.username, password: password, purpose: .reauthentication, on: req) != nil else {
            throw Abort(.unprocessableEntity, reason: wrong)
        }
    }

    /// A bcrypt hash of `secret` at `cost`, on the pool.
    package static func hash(_ secret: String, cost: Int, on req: Request) async throws -> String {
        try await onPool(req.eventLoop) { try Bcrypt.hash(secret, cost: cost) }
    }
}
