import Fluent
import Foundation
import Synchronization
import Vapor

/// The problems this server knows it has right now, shown on `/health`.
///
/// Any part of the server that fails at something it keeps doing in the background (writing queued
/// door decisions, reloading the policy, sweeping CRLs) records a named problem here, and clears it
/// the next time the same thing works. A problem keeps the time it was first seen (``Problem/since``)
/// until it is cleared, so a monitor sees how long the server has been degraded, not when the last
/// retry failed.
///
/// Messages are shown to anyone who can reach `/health`: they never carry a My Number or a PIN. Record
/// an error with ``record(_:error:context:)``, which keeps the error's type and its text with every run
/// of digits redacted (see ``HealthRegistry/describe(_:)``); a message given as text must be written by
/// the caller from fixed words and counts.
public final class HealthRegistry: Sendable {
    /// A kind of problem; one of each is held at a time.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }
        public var description: String { rawValue }

        /// Queued door decisions (or another event) could not be written to the event log.
        public static let auditWrite: Code = "audit.write_failed"
        /// Reading the policy from the database failed; the server decides on the policy it last loaded.
        public static let policyReload: Code = "policy.reload_failed"
        /// The policy has not been confirmed current for longer than ``ServerConfig/maxPolicyAgeSeconds``.
        public static let policyStale: Code = "policy.stale"
        /// A CRL sweep failed.
        public static let crlSweep: Code = "crl.sweep_failed"
        /// Enrolled credentials whose issuing CA key the CRL sweep could not determine (not checked).
        public static let crlIssuerUnknown: Code = "crl.issuer_unknown"
        /// The database did not answer the health check itself.
        public static let database: Code = "database.unreachable"
    }

    /// One current problem.
    public struct Problem: Content, Equatable, Sendable {
        /// The problem's code (``Code``), for example `audit.write_failed`.
        public var code: String
        /// When it was first seen since it was last cleared (ISO 8601, UTC).
        public var since: String
        /// What failed, in words safe to show to anyone (no person, card, number or database text).
        public var message: String
    }

    private struct Entry { var since: Date; var message: String }
    private let entries = Mutex<[Code: Entry]>([:])

    public init() {}

    /// Records (or updates the message of) a problem; its ``Problem/since`` stays the time it was first
    /// recorded. `message` must be made of fixed words and counts, never of input or database text.
    public func record(_ code: Code, message: String, at now: Date = Date()) {
        entries.withLock { e in
            if var existing = e[code] {
                existing.message = message
                e[code] = existing
            } else {
                e[code] = Entry(since: now, message: message)
            }
        }
    }

    /// Records a problem caused by `error`: `context` (fixed words, for example "writing 500 queued
    /// door decisions") followed by ``describe(_:)`` of the error.
    public func record(_ code: Code, error: any Error, context: String, at now: Date = Date()) {
        record(code, message: "\(context): \(Self.describe(error))", at: now)
    }

    /// Clears a problem: the thing works again.
    public func clear(_ code: Code) {
        _ = entries.withLock { $0.removeValue(forKey: code) }
    }

    /// Whether `code` is currently recorded.
    public func has(_ code: Code) -> Bool { entries.withLock { $0[code] != nil } }

    /// The current problems, ordered by code.
    public var problems: [Problem] {
        let now = entries.withLock { $0 }
        return now.sorted { $0.key.rawValue < $1.key.rawValue }.map {
            Problem(code: $0.key.rawValue, since: Self.timestamp($0.value.since), message: $0.value.message)
        }
    }

    /// Whether anything is wrong.
    public var isDegraded: Bool { entries.withLock { !$0.isEmpty } }

    /// A description of `error` that is safe to log and to show on `/health`: an `Abort`'s reason
    /// (written for clients, redacted like the rest); for anything else its type, what kind of database failure it is, and its
    /// own text with every run of four or more digits (ASCII or full-width) replaced by `…` and cut to
    /// 200 characters. A library's text can quote a value it refused (a decoding error names the string
    /// it could not read); a My Number (12 digits) or a PIN (4 digits) cannot survive the redaction, and
    /// the cause (`disk I/O error`, `no such table`, a refused connection) stays readable.
    public static func describe(_ error: any Error) -> String {
        if let safe = error as? any SafeErrorDescription { return safe.safeDescription }
        // An Abort's reason is written for clients, but Vapor's own (a decoding error's) can quote the value.
        if let abort = error as? any AbortError { return "\(abort.status.code) \(redact(abort.reason))" }
        if error is CancellationError { return "cancelled" }
        let type = String(reflecting: Swift.type(of: error))
        var kind = ""
        if let db = error as? any DatabaseError {
            kind = db.isConnectionClosed ? "database connection closed; " : db.isConstraintFailure ? "database constraint; " : db.isSyntaxError ? "database refused the statement; " : "database error; "
        }
        return "\(kind)\(redact(String(describing: error))) (\(type))"
    }

    /// `text` with runs of 4+ digits replaced by `…`, at most 200 characters.
    static func redact(_ text: String) -> String {
        var out = "", digits = ""
        for c in text {
            if c.isNumber {
                digits.append(c)
                continue
            }
            out += digits.count >= 4 ? "…" : digits
            digits = ""
            out.append(c)
        }
        out += digits.count >= 4 ? "…" : digits
        return out.count > 200 ? String(out.prefix(200)) + "…" : out
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}

/// An error whose description is known to carry no person, card, number or database text, so
/// ``HealthRegistry/describe(_:)`` may show it whole.
public protocol SafeErrorDescription: Error {
    /// The description shown on `/health` and in logs.
    var safeDescription: String { get }
}
