import Access
import Attendance
import Audit
import Fluent
import Foundation
import Store
import Vapor
import ServerCore

// 年次有給休暇: the register (管理簿, 労基則24条の7) and the 5-day duty (労基法39条7項) over storage.
// Grants and days taken are keyed by employee number; the rules are `Attendance.AnnualLeaveDuty`.
extension AttendanceService {
    public struct LeaveImportResult: Content, Sendable {
        /// Grant lines applied (new, changed or already stored as they are).
        public var grants: Int
        /// Leave-day lines applied.
        public var days: Int
        /// Rows the import added or changed: 0 when the same file is imported again.
        public var changed: Int
        public var encoding: String?
        public var errors: [LeaveLineErrorDTO]
    }
    /// A bad line: its number and reason, never its text (``LeaveLineError``).
    public typealias LeaveLineErrorDTO = LineErrorDTO

    /// Reads a leave file and applies its good lines with one record (`attendance.leave.imported`, the
    /// counts only) in one transaction. A file that is neither UTF-8 nor Shift_JIS is refused (422)
    /// and nothing is written. A line naming an employee number no one has is a line error.
    public func importLeave(_ data: Data, by actor: String) async throws -> LeaveImportResult {
        let parsed = AnnualLeaveCSV.parse(data)
        guard parsed.encoding != nil else { throw Abort(.unprocessableEntity, reason: "the file is neither UTF-8 nor Shift_JIS") }
        return try await audited { tx in
            // Inside the write: the employees are read from the transaction that stores the lines.
            let known = Set(try await EmployeeModel.query(on: tx).field(\.$employeeNumber).all().map(\.employeeNumber))
            var errors = parsed.errors
            var grants: [LeaveGrant] = [], days: [LeaveTaken] = []
            for (g, line) in zip(parsed.grants, parsed.grantLines) {
                if known.contains(g.employeeNumber) { grants.append(g) } else { errors.append(LeaveLineError(line: line, reason: .unknownEmployee)) }
            }
            for (t, line) in zip(parsed.taken, parsed.takenLines) {
                if known.contains(t.employeeNumber) { days.append(t) } else { errors.append(LeaveLineError(line: line, reason: .unknownEmployee)) }
            }
            errors.sort { $0.line < $1.line }
            var changed = 0
            for g in grants { if try await Self.put(g, by: actor, on: tx) { changed += 1 } }
            for t in days { if try await Self.put(t, by: actor, on: tx) { changed += 1 } }
            let result = LeaveImportResult(grants: grants.count, days: days.count, changed: changed, encoding: parsed.encoding,
                                           errors: errors.map(LeaveLineErrorDTO.init))
            return (result, [AuditDraft(kind: "attendance.leave.imported", actor: actor, subject: "attendance",
                                        details: ["grants": String(grants.count), "days": String(days.count), "changed": String(changed),
                                                  "errors": String(errors.count)])])
        }
    }

    /// One grant entered by hand (`attendance.leave.granted`).
    public func addLeaveGrant(_ grant: LeaveGrant, by actor: String) async throws {
        try await audited { tx in
            try await Self.requireEmployee(grant.employeeNumber, on: tx)
            _ = try await Self.put(grant, by: actor, on: tx)
            return ((), [AuditDraft(kind: "attendance.leave.granted", actor: actor, subject: "attendance",
                                    details: ["grantDate": grant.grantDate.description, "days": String(grant.days)])])
        }
    }

    /// One day of leave entered by hand (`attendance.leave.taken`).
    public func addLeaveDay(_ day: LeaveTaken, by actor: String) async throws {
        try await audited { tx in
            try await Self.requireEmployee(day.employeeNumber, on: tx)
            _ = try await Self.put(day, by: actor, on: tx)
            return ((), [AuditDraft(kind: "attendance.leave.taken", actor: actor, subject: "attendance",
                                    details: ["date": day.date.description, "kind": day.kind.rawValue])])
        }
    }

    /// The number is never repeated in the refusal: it may be anything typed into the field.
    static func requireEmployee(_ number: String, on db: any Database) async throws {
        guard try await EmployeeModel.query(on: db).filter(\.$employeeNumber == number).count() > 0 else {
            throw APIError(.unprocessableEntity, code: "unknown_employee", ja: "この社員番号の従業員がいません。", en: "No employee has this employee number.")
        }
    }

    /// Stores a grant, replacing the person's grant of the same date; false when it was stored as it is.
    static func put(_ g: LeaveGrant, by actor: String, on db: any Database) async throws -> Bool {
        let found = try await LeaveGrantModel.query(on: db).filter(\.$employeeNumber == g.employeeNumber)
            .filter(\.$grantDate == g.grantDate.description).first()
        if let found, found.days == g.days { return false }
        let m = found ?? LeaveGrantModel()
        if found == nil { m.id = UUID() }
        m.employeeNumber = g.employeeNumber
        m.grantDate = g.grantDate.description
        m.days = g.days
        m.recordedBy = actor
        m.recordedAt = Date()
        try await m.save(on: db)
        return true
    }

    /// Stores a day of leave, replacing the person's entry of the same day; false when it was stored as it is.
    static func put(_ t: LeaveTaken, by actor: String, on db: any Database) async throws -> Bool {
        let found = try await LeaveDayModel.query(on: db).filter(\.$employeeNumber == t.employeeNumber)
            .filter(\.$date == t.date.description).first()
        if let found, found.kind == t.kind.rawValue, found.hours == t.hours { return false }
        let m = found ?? LeaveDayModel()
        if found == nil { m.id = UUID() }
        m.employeeNumber = t.employeeNumber
        m.date = t.date.description
        m.kind = t.kind.rawValue
        m.hours = t.hours
        m.recordedBy = actor
        m.recordedAt = Date()
        try await m.save(on: db)
        return true
    }

    /// The register checked on `today`: every stored grant (or those of `numbers`), with its days.
    /// A row that no longer reads stops the read (``UnreadableLeaveRow``), never dropped.
    public func leaveRegister(numbers: [String]? = nil, today: CivilDate, context: AttendanceContext) async throws -> [AnnualLeaveDuty] {
        var gq = LeaveGrantModel.query(on: db), dq = LeaveDayModel.query(on: db)
        if let numbers {
            if numbers.isEmpty { return [] }
            gq = gq.filter(\.$employeeNumber ~~ numbers)
            dq = dq.filter(\.$employeeNumber ~~ numbers)
        }
        let grants = try await gq.all().map { try $0.grant() }
        let days = try await dq.all().map { try $0.taken() }
        return AnnualLeaveDuty.register(grants: grants, taken: days, today: today, warningDays: context.settings.leaveWarningDays)
    }

    /// The leave alerts of `month` for `people`: each grant that is a warning or overdue on the month's last
    /// day (today for this month). An overdue grant is shown for a year after its deadline — the length
    /// of the next grant's year, whose own status carries on from there.
    func leaveAlerts(_ month: YearMonth, people: [Person], context: AttendanceContext) async throws -> [EmployeeID: [AgreementAlert]] {
        let today = Self.today
        let asOf = min(today, month.lastDay)
        // A person's page asks for one; the everyone pages read the whole register once.
        let duties = try await leaveRegister(numbers: people.count <= 500 ? people.map(\.number) : nil, today: asOf, context: context)
        let ids = Dictionary(people.map { ($0.number, $0.id) }, uniquingKeysWith: { a, _ in a })
        var out: [EmployeeID: [AgreementAlert]] = [:]
        for d in duties {
            guard let id = ids[d.grant.employeeNumber], let alert = AgreementAlert(leave: d, month: month) else { continue }
            if d.status == .overdue, d.deadline < month.firstDay.adding(days: -366) { continue }
            out[id, default: []].append(alert)
        }
        return out
    }
}
