import Access
import Foundation
import Store

/// An event as a table row for people: Japan time, names instead of ids where the policy knows them,
/// the outcome in the page's language.
struct EventRow: Encodable, Sendable {
    package var sequence: Int64
    package var time: String
    package var kind: String
    package var actor: String
    package var subject: String
    package var outcome: String
    var outcomeClass: String
    package var reason: String

    package static func rows(_ records: [AuditRecordModel], policy: AccessPolicy, lang: PageLanguage) throws -> [EventRow] {
        try records.map { m in
            let e = try EventsController.dto(m)
            let outcome = e.details["outcome"]
            return EventRow(sequence: e.sequence, time: PageTime.show(e.time), kind: e.kind, actor: describe(e.actor, policy),
                            subject: describe(e.subject, policy), outcome: outcome.map { Messages.text($0, lang) } ?? "",
                            outcomeClass: outcome == "deny" ? "alert-on" : "", reason: reasonText(e.details["reason"] ?? e.details["why"] ?? "", lang))
        }
    }

    /// A decision's reason code as a short label in the page's language, the code beside it so a row can
    /// still be matched with an export; other texts (an enrollment refusal's why) are shown as stored.
    static func reasonText(_ code: String, _ lang: PageLanguage) -> String {
        guard let label = DecisionReason.label(forCode: code) else { return code }
        return "\(lang == .en ? label.english : label.japanese) (\(code))"
    }

    /// `employee:<uuid>` becomes "E0011 佐藤 花子" and `door:<id>` the door's name; the id stays
    /// beside the name so the row can still be matched with an export.
    package static func describe(_ ref: String, _ policy: AccessPolicy) -> String {
        if ref.hasPrefix("employee:") {
            let id = EmployeeID(rawValue: String(ref.dropFirst("employee:".count)))
            if let e = policy.employees[id] { return "\(e.employeeNumber) \(e.name)" }
        }
        if ref.hasPrefix("door:") {
            let id = DoorID(rawValue: String(ref.dropFirst("door:".count)))
            if let d = policy.doors[id] { return "\(d.name) (\(id.rawValue))" }
        }
        return ref
    }
}
