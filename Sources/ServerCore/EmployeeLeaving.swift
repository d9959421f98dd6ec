import Access
import Audit
import Fluent
import Foundation
import Store
import Vapor

/// A person leaving the company, recorded in the one way every caller shares (the people import
/// today, the employees page later): their access ends at the end of the leaving day in Japan, and
/// the vault's retention of their numbers starts from that day.
///
/// - The employee's `validUntil` becomes ``endOfDay(_:)`` of the leaving date: door decisions and
///   card sign-in refuse the person from then (``Access/AccessDecider`` denies at or after it), so
///   their credentials end without a second step.
/// - The vault profile's `leavingDate` (``Store/VaultProfileModel``) is set — the row is created
///   when the person has none yet — which is what the vault's retention plan reads
///   (`VaultService+Retention.swift`: the numbers are kept 7 years from it, then disposed of).
///
/// It writes on the transaction it is given and returns the audit record(s) for the caller to seal in
/// that same transaction (`req.writeAudited`, `AuditStore.append(building:)`). It does not bump the
/// policy version: the caller does, once, with its own change.
public enum EmployeeLeaving {
    /// The first instant after `leavingDate` in Japan (00:00 JST of the next day): `validUntil` is
    /// exclusive, so the leaving day itself is still a working day.
    public static func endOfDay(_ leavingDate: CivilDate) -> Date {
        JapanTime.instant(leavingDate.adding(days: 1))
    }

    /// Records that employee `employeeID` leaves on `leavingDate` (their last day, Japan time).
    ///
    /// - Returns: one `config.employee.leaving` record with the leaving date and the validity before
    ///   and after; nothing when both were already so (recording the same leaving twice is a no-op).
    /// - Throws: 404 (`not_found`) when there is no such employee.
    public static func record(employeeID: UUID, leavingDate: CivilDate, actor: String, on tx: any Database) async throws -> [AuditDraft] {
        guard let employee = try await EmployeeModel.find(employeeID, on: tx) else {
            throw APIError(.notFound, code: "not_found", ja: "従業員が見つかりません", en: "no such employee")
        }
        return try await record(employee, leavingDate: leavingDate, actor: actor, on: tx)
    }

    /// Whether ending access at `until` ends it earlier than `current` (none: never ends).
    static func shortens(_ until: Date, _ current: Date?) -> Bool {
        guard let current else { return true }
        return until < current && !EmployeesController.sameSecond(until, current)
    }

    /// ``record(employeeID:leavingDate:actor:on:)`` for a row the caller already holds (the import reads them all at once).
    static func record(_ employee: EmployeeModel, leavingDate: CivilDate, actor: String, on tx: any Database) async throws -> [AuditDraft] {
        let id = try employee.requireID()
        let until = endOfDay(leavingDate), day = leavingDate.description
        let before = employee.validUntil
        var details = ["leavingDate": day]
        // A leaving only ever shortens access: an earlier end an administrator set (someone cut off before
        // their last day) is kept, so a later monthly import of the HR master cannot give access back.
        if Self.shortens(until, before) {
            details["validUntil.before"] = before.map { $0.formatted(.iso8601) } ?? ""
            details["validUntil.after"] = until.formatted(.iso8601)
            employee.validUntil = until
            try await employee.save(on: tx)
        }
        let profile = try await VaultProfileModel.find(id, on: tx)
        if let profile {
            if profile.leavingDate != day {
                profile.leavingDate = day
                try await profile.save(on: tx)
                details["vaultProfile"] = "updated"
            }
        } else {
            let p = VaultProfileModel.empty(for: id)
            p.leavingDate = day
            try await p.create(on: tx)
            details["vaultProfile"] = "created"
        }
        guard details.count > 1 else { return [] }
        return [AuditDraft(kind: "config.employee.leaving", actor: actor, subject: "employee:\(id.uuidString)", details: details)]
    }
}
