import Access
import Fluent
import Foundation
import Store
import Vapor

/// `/employees/:id`: one person — the record (HR and administrators edit it, through
/// ``EmployeesController/update(_:with:on:)``, the API's rules), their cards, and for security staff
/// and administrators "suspend this person's cards" and "reinstate them".
///
/// Suspending a person is suspending each of their active cards through the one suspension path
/// (``CredentialSuspension``, reason `securityOfficer`, one `credential.suspended` record per card with
/// the officer's note), not a change of the person's status: status is HR's record of employment, and
/// a card stops opening doors at once while a status would not stop a card. Reinstating brings back the
/// cards a security officer suspended (``CredentialsController/reinstate(_:on:)``, one
/// `credential.reinstated` each) — never a card reported lost or revoked, which its holder or the
/// sweep stopped for another reason. Both are for the roles the cards page gives the same buttons to.
struct EmployeePage {
    struct Card: Encodable, Sendable {
        var serial: String
        var state: String
        var reason: String
    }
    struct Data: Encodable, Sendable {
        var id: String
        var employeeNumber: String
        var name: String
        var department: String
        var site: String
        var status: String
        var statuses: [PageOption]
        var groups: String
        /// Every access group, ticked where the person is a member: administrators change them here
        /// (``EmployeesController/adminOnly``), so people get into groups in the browser.
        var groupOptions: [PageOption]
        var canEditGroups: Bool
        var cards: [Card]
        var canEdit: Bool
        var canEditStatus: Bool
        var canSuspend: Bool
        var canReinstate: Bool
        /// Administrators record a leaving (it ends the person's access: ``EmployeesController/adminOnly``).
        var canRecordLeaving: Bool
        /// The leaving day recorded so far (the vault profile's), or empty.
        var leavingDate: String
        var note: String
    }
    struct EditForm: Content {
        var employeeNumber: String?
        var name: String?
        var department: String?
        var site: String?
        var status: String?
        var groups: [String]?
        /// Present when the form showed the group boxes: none ticked then means no groups (an absent
        /// field alone would mean "unchanged").
        var groupsShown: String?
    }
    struct SuspendForm: Content {
        var note: String?
    }
    struct LeavingForm: Content {
        var leavingDate: String?
    }

    func register(read: any RoutesBuilder, write: any RoutesBuilder, act: any RoutesBuilder, admin: any RoutesBuilder) {
        read.get("employees", ":id", use: show)
        write.post("employees", ":id", use: edit)
        act.post("employees", ":id", "suspend", use: suspend)
        act.post("employees", ":id", "reinstate", use: reinstate)
        admin.post("employees", ":id", "leaving", use: leaving)
    }

    func find(_ req: Request) async throws -> EmployeeModel {
        guard let id = req.parameters.get("id", as: UUID.self), let m = try await EmployeeModel.find(id, on: req.db) else {
            throw Abort(.notFound, reason: "no such employee")
        }
        return m
    }

    @Sendable func show(_ req: Request) async throws -> Response {
        try await render(req, try await find(req))
    }

    func render(_ req: Request, _ m: EmployeeModel, form: EditForm? = nil, note: String = "", problem: PageProblem? = nil) async throws -> Response {
        let lang = req.pageLanguage
        let role = try req.user.role
        let id = try m.requireID()
        let cards = try await CredentialModel.query(on: req.db).filter(\.$employeeID == id).sort(\.$notAfter, .descending).all()
        let status = form?.status ?? m.status
        let leavingDate = try await VaultProfileModel.find(id, on: req.db)?.leavingDate ?? ""
        // After a refused save, the boxes as they were sent (none ticked is none), not as stored.
        let member = Set(form?.groupsShown != nil ? (form?.groups ?? []) : JSONList.decode(m.groups))
        let groupOptions = role == .admin
            ? try await AccessGroupModel.query(on: req.db).sort(\.$id).all().compactMap { g in
                g.id.map { PageOption(value: $0, label: "\(g.name) (\($0))", checked: member.contains($0)) }
            }
            : []
        let data = Data(
            id: id.uuidString, employeeNumber: form?.employeeNumber ?? m.employeeNumber, name: form?.name ?? m.name,
            department: form?.department ?? m.department, site: form?.site ?? m.site, status: Messages.text("status_\(m.status)", lang),
            statuses: EmployeeSearch.statuses.map { PageOption(value: $0, label: Messages.text("status_\($0)", lang), checked: $0 == status) },
            groups: JSONList.decode(m.groups).joined(separator: ", "),
            groupOptions: groupOptions, canEditGroups: role == .admin,
            cards: cards.map { Card(serial: $0.serial, state: Messages.text("state_\($0.state)", lang),
                                    reason: $0.suspensionReason.map { Messages.text("suspensionReason_\($0)", lang) } ?? "") },
            canEdit: Pages.peopleWriters.contains(role), canEditStatus: role == .admin,
            canSuspend: Pages.operations.contains(role) && cards.contains { $0.state == "active" },
            canReinstate: Pages.operations.contains(role) && cards.contains(where: Self.reinstatable),
            canRecordLeaving: role == .admin, leavingDate: leavingDate,
            note: note)
        return try await req.renderPage("employee", titleKey: "employeeTitle", data, status: problem?.status ?? .ok, error: problem?.text)
    }

    /// A card this page brings back: one a security officer stopped.
    static func reinstatable(_ c: CredentialModel) -> Bool {
        c.state == "suspended" && c.suspensionReason == Credential.SuspensionReason.securityOfficer.rawValue
    }

    @Sendable func edit(_ req: Request) async throws -> Response {
        let m = try await find(req)
        let id = try m.requireID()
        return try await req.submitForm(EditForm.self, flash: "employeeSaved", redirect: "/employees/\(id.uuidString)") { f in
            let trimmed = { (s: String?) in (s ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
            // HR's form has no status field and no group boxes: both are sent back as stored (nil groups:
            // unchanged), which the rules allow; anyone else sending them meets the API's own refusal.
            let groups = f.groupsShown != nil ? (f.groups ?? []) : nil
            let dto = EmployeesController.EmployeeDTO(
                employeeNumber: trimmed(f.employeeNumber), name: trimmed(f.name), department: trimmed(f.department), site: trimmed(f.site),
                status: f.status.map(trimmed) ?? m.status, groups: groups, validFrom: m.validFrom, validUntil: m.validUntil)
            _ = try await EmployeesController.update(id, with: dto, on: req)
            return nil
        } page: { form, problem in
            // What was typed is shown again, except a 12-digit run (a My Number pasted in): the stored value instead.
            let kept = { (typed: String?, stored: String) in typed.map { FreeText.containsNumberRun($0) ? stored : $0 } }
            let shown = form.map { f in
                EditForm(employeeNumber: kept(f.employeeNumber, m.employeeNumber), name: kept(f.name, m.name), department: kept(f.department, m.department),
                         site: kept(f.site, m.site), status: f.status, groups: f.groups, groupsShown: f.groupsShown)
            }
            return try await render(req, m, form: shown, problem: problem)
        }
    }

    @Sendable func suspend(_ req: Request) async throws -> Response {
        let m = try await find(req)
        let id = try m.requireID()
        return try await req.submitForm(SuspendForm.self, flash: "employeeCardsSuspended", redirect: "/employees/\(id.uuidString)") { f in
            let note = try FreeText.check(f.note ?? "", field: "note", max: 200)
            let active = try await CredentialModel.query(on: req.db).filter(\.$employeeID == id).filter(\.$state == "active").all()
            guard !active.isEmpty else { throw Abort(.conflict, reason: "this person has no active card to suspend") }
            for card in active {
                try await CredentialsController.suspend(card, reason: .securityOfficer, details: ["note": note], on: req)
            }
            return nil
        } page: { form, problem in
            try await render(req, m, note: form?.note.flatMap { FreeText.containsNumberRun($0) ? nil : $0 } ?? "", problem: problem)
        }
    }

    /// Records the person's leaving through ``EmployeeLeaving`` — the same step the people import takes:
    /// their access ends after the leaving day and the vault's retention starts from it.
    @Sendable func leaving(_ req: Request) async throws -> Response {
        let m = try await find(req)
        let id = try m.requireID()
        return try await req.submitForm(LeavingForm.self, flash: "employeeLeavingRecorded", redirect: "/employees/\(id.uuidString)") { f in
            guard let day = StrictDate.day(f.leavingDate ?? "") else {
                throw APIError(.badRequest, code: "bad_request", ja: "退職日はYYYY-MM-DD（1900〜2100年の実在する日付）で入力してください", en: "leavingDate: \(StrictDate.dayRule)")
            }
            try await req.writeAudited(changesPolicy: true) { tx, actor in
                ((), try await EmployeeLeaving.record(employeeID: id, leavingDate: day, actor: actor, on: tx))
            }
            return nil
        } page: { _, problem in
            try await render(req, m, problem: problem)
        }
    }

    @Sendable func reinstate(_ req: Request) async throws -> Response {
        let m = try await find(req)
        let id = try m.requireID()
        return try await req.submitForm(SuspendForm.self, flash: "employeeCardsReinstated", redirect: "/employees/\(id.uuidString)") { _ in
            let stopped = try await CredentialModel.query(on: req.db).filter(\.$employeeID == id).filter(\.$state == "suspended").all()
                .filter(Self.reinstatable)
            guard !stopped.isEmpty else { throw Abort(.conflict, reason: "this person has no card a security officer suspended") }
            for card in stopped {
                try await CredentialsController.reinstate(card, on: req)
            }
            return nil
        } page: { _, problem in
            try await render(req, m, problem: problem)
        }
    }
}
