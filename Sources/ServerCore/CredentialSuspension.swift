import Access
import Audit
import Fluent
import Foundation
import Store

/// The one way a credential becomes suspended, whoever asks: security staff, the holder (lost card),
/// or the revocation sweep. Every path bumps the policy version — this server reloads at once, the
/// others sharing the database within their polling interval — and writes `credential.suspended` with
/// the reason, so the event log says why a card stopped working.
enum CredentialSuspension {
    /// Suspends `m` if it is active.
    /// - Parameters:
    ///   - details: extra words for the event (never a PIN, a key or a My Number).
    /// - Returns: whether this call suspended it (false when it was not active).
    @discardableResult
    static func suspend(_ m: CredentialModel, reason: Credential.SuspensionReason, actor: String, details: [String: String] = [:],
                        on db: any Database, policy: PolicyCache, events: EventWriter) async throws -> Bool {
        guard m.state == "active" else { return false }
        m.state = "suspended"
        m.suspensionReason = reason.rawValue
        m.stateChangedAt = Date()
        try await m.save(on: db)
        try await policy.changed()
        var d = details
        d["serial"] = m.serial
        d["reason"] = reason.rawValue
        try await events.appendNow(AuditDraft(kind: "credential.suspended", actor: actor, subject: "employee:\(m.employeeID.uuidString)", details: d))
        return true
    }
}
