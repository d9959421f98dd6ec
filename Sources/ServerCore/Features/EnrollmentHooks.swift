import Audit
import Fluent
import Foundation
import NIOConcurrencyHelpers

/// What features do when a person's card becomes active: the card application feature closes the
/// person's open application (the card is in MynaGate now). The core's enrollment knows nothing of
/// card applications; it calls each hook after the credential is active and appends the records the
/// hook returns, so a feature's reaction is in the event log beside the enrollment itself.
package final class EnrollmentHooks: Sendable {
    /// A hook: the person whose card became active, who enrolled it, the database. It returns the
    /// records of what it changed. A hook that throws fails the request (the card stays active: the
    /// enrollment and its record are already stored), so its failure is seen rather than skipped.
    package typealias Hook = @Sendable (_ employee: UUID, _ actor: String, _ db: any Database) async throws -> [AuditDraft]

    private let hooks = NIOLockedValueBox<[Hook]>([])

    package init() {}

    /// Adds a hook; features add theirs when they register.
    package func add(_ hook: @escaping Hook) { hooks.withLockedValue { $0.append(hook) } }

    /// Runs every hook in the order added, returning all their records.
    package func enrolled(employee: UUID, actor: String, on db: any Database) async throws -> [AuditDraft] {
        var drafts: [AuditDraft] = []
        for hook in hooks.withLockedValue({ $0 }) { drafts += try await hook(employee, actor, db) }
        return drafts
    }
}
