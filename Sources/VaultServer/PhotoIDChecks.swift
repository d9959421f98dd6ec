import Access
import Audit
import Fluent
import Foundation
import Store
import Vapor
import Vault
import ServerCore

/// The My Number card used as general photo ID (本人確認書類として提示されたカード), issue 7 point 3:
/// whoever checks a person's card at a desk — reception issuing a visitor badge, HR checking a new
/// hire — records whose card, the issuer on its front, its validity end, who checked, when and why.
/// The number is never asked for, so it cannot be written down (番号法20条), and no image is offered.
///
/// `/api/v1/photo-id-checks` (JSON) and `/photo-id` (page) for admin, hr and security.
struct PhotoIDChecks {
    static let roles: Set<Role> = [.admin, .hr, .security]

    struct Input: Content {
        var employeeId: UUID?
        var employeeNumber: String?
        var issuer: String?
        var validUntil: String?
        var occasion: String?
    }

    /// One check as the API and the page show it.
    struct Row: Content {
        var id: UUID
        var employeeId: UUID
        var employeeNumber: String
        var name: String
        var issuer: String
        var validUntil: String
        var checkedBy: String
        var checkedAt: Date
        var checkedAtText: String
        var occasion: String
        /// Always true: only the front side is ever looked at; kept in the data so an export says so.
        var frontSideOnly: Bool
    }

    struct PageData: Encodable, Sendable {
        var rows: [Row]
        var empty: Bool
        var form: Input
    }

    func register(_ app: Application) {
        let api = app.grouped(RoleMiddleware(Self.roles)).grouped("api", "v1", "photo-id-checks")
        api.get(use: list)
        api.post(use: create)
        let page = app.grouped(PageRoleMiddleware(Self.roles))
        page.get("photo-id", use: showPage)
        page.post("photo-id", use: submitPage)
    }

    // MARK: API

    @Sendable func list(_ req: Request) async throws -> [Row] {
        let employee = try req.queryUUID("employee")
        return try await Self.rows(employee: employee, on: req.db)
    }

    @Sendable func create(_ req: Request) async throws -> Response {
        let input: Input
        do { input = try req.decodeBody(Input.self) } catch let e as APIError { throw e } catch {
            throw APIError.bad("the body must be JSON with employeeId, issuer, validUntil and occasion", ja: "入力の形式が正しくありません")
        }
        let row = try await Self.record(input, by: try req.user.username, on: req)
        return try await row.encodeResponse(status: .created, for: req)
    }

    // MARK: Page

    @Sendable func showPage(_ req: Request) async throws -> Response {
        let rows = try await Self.rows(employee: nil, on: req.db)
        return try await req.renderPage("photo-id", titleKey: "photoIDTitle", PageData(rows: rows, empty: rows.isEmpty, form: Input()))
    }

    @Sendable func submitPage(_ req: Request) async throws -> Response {
        try await req.submitForm(Input.self, flash: "photoIDSaved", redirect: "/photo-id") { input in
            _ = try await Self.record(input, by: try req.user.username, on: req)
            return nil
        } page: { input, problem in
            let rows = try await Self.rows(employee: nil, on: req.db)
            // The form comes back as typed, except any field holding a run of digits that may be a My
            // Number typed by mistake (an issuer, an employee number or an occasion): it is not shown again.
            var form = input ?? Input()
            let mayHoldNumber = { (text: String?) in text.map(FreeText.containsNumberRun) ?? false }
            if mayHoldNumber(form.employeeNumber) { form.employeeNumber = nil }
            if mayHoldNumber(form.issuer) { form.issuer = nil }
            if mayHoldNumber(form.occasion) { form.occasion = nil }
            return try await req.renderPage("photo-id", titleKey: "photoIDTitle", PageData(rows: rows, empty: rows.isEmpty, form: form),
                                            status: problem.status, error: problem.text)
        }
    }

    // MARK: Logic

    /// Validates with the Vault module's rule (issuer present, card not expired, no 12-digit run kept)
    /// and stores the check with an audit event that names the person, never a number.
    static func record(_ input: Input, by username: String, on req: Request) async throws -> Row {
        let employee: EmployeeModel?
        if let id = input.employeeId {
            employee = try await EmployeeModel.find(id, on: req.db)
        } else if let number = input.employeeNumber?.trimmingCharacters(in: .whitespaces), !number.isEmpty {
            employee = try await EmployeeModel.query(on: req.db).filter(\.$employeeNumber == String(number.prefix(32))).first()
        } else {
            throw APIError.bad("employeeId or employeeNumber is required", ja: "社員を指定してください")
        }
        guard let employee, let employeeID = employee.id else { throw APIError.noSuch("employee", ja: "社員") }
        let issuer = try FreeText.check(input.issuer ?? "", field: "issuer", max: 60)
        // A free-text field is where a number would slip in: refused here, and masked by the domain too.
        let occasion = try FreeText.check(input.occasion ?? "", field: "occasion", max: 200)
        guard let validUntil = StrictDate.day(input.validUntil ?? "") else {
            throw APIError.bad("validUntil: \(StrictDate.dayRule)", ja: "有効期限は YYYY-MM-DD（1900〜2100年の実在する日付）で入力してください")
        }
        let now = Date()
        let record: CardAsPhotoIDRecord
        do {
            record = try CardAsPhotoIDRecord(person: EmployeeID(rawValue: employeeID.uuidString), issuer: issuer, validUntil: validUntil,
                                             checkedBy: EmployeeID(rawValue: "user:\(username)"), checkedAt: now, occasion: occasion)
        } catch {
            throw APIError.vault(error)
        }
        let m = PhotoIDCheckModel()
        m.id = UUID()
        m.employeeID = employeeID
        m.issuer = record.issuer
        m.validUntil = record.validUntil.description
        m.checkedBy = username
        m.checkedAt = now
        m.occasion = record.occasion
        try await req.db.transaction { tx in try await m.create(on: tx) }
        try await req.application.mynagate.events.appendNow(AuditDraft(
            kind: "identity.card_as_photo_id", actor: "user:\(username)", subject: "employee:\(employeeID.uuidString)",
            details: ["check": (try m.requireID()).uuidString, "issuer": record.issuer, "validUntil": record.validUntil.description, "frontSideOnly": "true"]))
        return try row(m, employee)
    }

    static func rows(employee: UUID?, on db: any Database) async throws -> [Row] {
        var q = PhotoIDCheckModel.query(on: db).sort(\.$checkedAt, .descending).limit(200)
        if let employee { q = q.filter(\.$employeeID == employee) }
        let checks = try await q.all()
        let people = try await EmployeeModel.query(on: db).filter(\.$id ~~ Set(checks.map(\.employeeID))).all()
        let byID = Dictionary(people.compactMap { p in p.id.map { ($0, p) } }, uniquingKeysWith: { a, _ in a })
        return try checks.compactMap { c in try byID[c.employeeID].map { try row(c, $0) } }
    }

    static func row(_ m: PhotoIDCheckModel, _ e: EmployeeModel) throws -> Row {
        Row(id: try m.requireID(), employeeId: m.employeeID, employeeNumber: e.employeeNumber, name: e.name, issuer: m.issuer, validUntil: m.validUntil,
            checkedBy: m.checkedBy, checkedAt: m.checkedAt, checkedAtText: PageTime.show(m.checkedAt), occasion: m.occasion, frontSideOnly: true)
    }
}
