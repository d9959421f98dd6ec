import Audit
import CardApplication
import Fluent
import Foundation
import Store
import Vapor
import ServerCore

/// A change to the card-application records and its event-log record, written together.
extension CardApplications {
    /// The event-log record of `kind` (`card_application.<kind>`) for `record`: the employee is the
    /// subject; the application and its stage are in the details.
    static func auditDraft(_ kind: String, _ record: ApplicationRecord, actor: String, details: [String: String] = [:]) -> AuditDraft {
        var d = details
        d["application"] = record.id.rawValue
        d["stage"] = record.stage.rawValue
        return AuditDraft(kind: "card_application.\(kind)", actor: actor, subject: "employee:\(record.employee.rawValue)", details: d)
    }

}

extension CardOps {
    /// Applies `event` to application `id` — read again inside the transaction, so a change made
    /// meanwhile is built on rather than overwritten — and records it as `kind` (the event's name unless
    /// given).
    func applyAudited(_ event: ApplicationEvent, to id: UUID, kind: String? = nil, details: [String: String] = [:]) async throws -> ApplicationRecord {
        try await writeAudited { tx, actor in
            let r = try await CardApplications.apply(event, to: try await CardApplications.load(id, on: tx), actor: actor, on: tx)
            return (r, [CardApplications.auditDraft(kind ?? event.name, r, actor: actor, details: details)])
        }
    }
}
