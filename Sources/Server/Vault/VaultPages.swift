import Access
import Fluent
import Foundation
import MynaCard
import MyNumber
import SmartCard
import Store
import Vapor
import Vault

/// The vault's web pages (`/vault/...`), Japanese by default. They call ``VaultService`` like the API.
/// Handler pages need the hr role (route) and a designation (checked here, a 403 page otherwise).
struct VaultPages {
    func register(_ routes: any RoutesBuilder) {
        let hr = routes.grouped(PageRoleMiddleware(VaultController.handlerRoles))
        hr.get("vault", "requests", use: requests)
        hr.post("vault", "requests", use: createRequest)
        hr.get("vault", "requests", ":id", use: request)
        hr.post("vault", "requests", ":id", "documents", use: recordDocuments)
        hr.post("vault", "numbers", ":id", "reveal", use: reveal)
        hr.get("vault", "employees", use: employee)
        hr.post("vault", "employees", ":id", "profile", use: saveProfile)
        hr.post("vault", "employees", ":id", "holds", use: placeHold)
        hr.post("vault", "holds", ":id", "release", use: releaseHold)
        hr.get("vault", "export", use: exportForm)
        hr.post("vault", "export", use: export)
        hr.get("vault", "disposals", use: disposals)
        hr.post("vault", "disposals", "run", use: runDisposal)
        routes.grouped(PageRoleMiddleware(VaultController.registerRoles)).get("vault", "register", use: registerPage)
        let admin = routes.grouped(PageRoleMiddleware([.admin]))
        admin.get("vault", "handlers", use: handlers)
        admin.post("vault", "handlers", use: designate)
        admin.post("vault", "handlers", ":id", "remove", use: undesignate)
        let everyone = routes.grouped(PageRoleMiddleware(Set(Role.allCases)))
        everyone.get("vault", "my", use: my)
        everyone.post("vault", "my", "requests", ":id", "acknowledge", use: acknowledge)
        everyone.post("vault", "my", "requests", ":id", "give", use: giveTyped)
        everyone.post("vault", "my", "requests", ":id", "card", use: giveCard)
        everyone.get("vault", "my-access", use: myAccess)
    }

    struct Option: Encodable, Sendable {
        var value: String
        var label: String
    }

    static func purposeOptions(_ lang: PageLanguage) -> [Option] {
        Purpose.allCases.map { Option(value: $0.rawValue, label: lang == .ja ? $0.japanese : $0.english) }
    }

    /// Renders a handler page, or the 403 page for an hr account that is not designated.
    func handlerPage<Body: Encodable & Sendable>(_ req: Request, _ body: (VaultActor) async throws -> (String, String, Body),
                                                 message: String? = nil) async throws -> Response {
        let actor = try await req.vaultActor()
        guard actor.isHandler else {
            return try await req.renderPage("forbidden", titleKey: "forbiddenTitle", NoData(), status: .forbidden, error: req.errorText(APIError.notHandler))
        }
        let (template, title, data) = try await body(actor)
        return try await req.renderPage(template, titleKey: title, data, message: message)
    }

    // MARK: Requests

    struct RequestRow: Encodable, Sendable {
        var id: String
        var employeeNumber: String
        var employeeName: String
        var status: String
        var purposes: String
        var subjects: String
        var createdAt: String
        var expiresAt: String
    }

    struct RequestsData: Encodable, Sendable {
        var requests: [RequestRow]
        var empty: Bool
        var purposes: [Option]
        var relations: [Option]
    }

    static func rows(_ views: [VaultViews.RequestView], lang: PageLanguage) -> [RequestRow] {
        views.map { v in
            RequestRow(id: v.id.uuidString, employeeNumber: v.employeeNumber, employeeName: v.employeeName, status: lang == .ja ? v.statusJa : v.statusEn,
                       purposes: Array(Set(v.subjects.flatMap { lang == .ja ? $0.purposesJa : $0.purposesEn })).sorted().joined(separator: "、"),
                       subjects: v.subjects.map { "\($0.name)（\(lang == .ja ? $0.roleJa : $0.roleEn)）" }.joined(separator: "、"),
                       createdAt: PageTime.show(v.createdAt), expiresAt: PageTime.show(v.expiresAt))
        }
    }

    func requestsData(_ req: Request) async throws -> RequestsData {
        let lang = req.pageLanguage
        let views = try await VaultViews.requests(try await VaultRequestModel.query(on: req.db).sort(\.$createdAt, .descending).limit(200).all(), on: req.db)
        return RequestsData(requests: Self.rows(views, lang: lang), empty: views.isEmpty, purposes: Self.purposeOptions(lang),
                            relations: DependentRelation.allCases.map { Option(value: $0.rawValue, label: lang == .ja ? $0.japanese : $0.english) })
    }

    @Sendable func requests(_ req: Request) async throws -> Response {
        try await handlerPage(req) { _ in ("vault-requests", "vaultRequestsTitle", try await requestsData(req)) }
    }

    struct RequestForm: Content {
        var employeeNumber: String?
        var employeePurposes: [String]?
        var dependentName: String?
        var relation: String?
        var dependentPurposes: [String]?
        var expiresInDays: String?
    }

    @Sendable func createRequest(_ req: Request) async throws -> Response {
        let actor = try await req.vaultActor()
        guard actor.isHandler else { return try await handlerPage(req) { _ in ("", "", NoData()) } }
        func one(_ k: String?) -> String { (k ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        do {
            let form = try req.pageForm(RequestForm.self)
            let number = one(form.employeeNumber)
            guard let e = try await EmployeeModel.query(on: req.db).filter(\.$employeeNumber == number).first() else {
                throw APIError.noSuch("employee", ja: "従業員")
            }
            var subjects: [VaultService.SubjectInput] = []
            let own = form.employeePurposes ?? []
            if !own.isEmpty { subjects.append(.init(kind: "employee", purposes: own)) }
            if !one(form.dependentName).isEmpty {
                subjects.append(.init(kind: "dependent", name: one(form.dependentName), relation: one(form.relation), purposes: form.dependentPurposes ?? []))
            }
            let m = try await VaultService.createRequest(employeeID: try e.requireID(), subjects: subjects, expiresInDays: Int(one(form.expiresInDays)) ?? 14,
                                                         actor: actor, on: req.db, append: req.vaultAppend)
            req.flash("vaultRequestCreated")
            return req.seeOther("/vault/requests/\((try m.requireID()).uuidString)")
        } catch {
            let problem = req.pageProblem(error)
            return try await req.renderPage("vault-requests", titleKey: "vaultRequestsTitle", try await requestsData(req), status: problem.status,
                                            error: problem.text, switchPath: "/vault/requests")
        }
    }

    // MARK: One request

    struct DiffRow: Encodable, Sendable {
        var field: String
        var card: String
        var record: String
    }

    struct SubjectRow: Encodable, Sendable {
        var id: String
        var name: String
        var role: String
        var purposes: [Option]
        var state: String
        var stateCode: String
        var recordId: String?
        var awaiting: Bool
        var given: Bool
        var verification: String?
        var documents: [String]
        var hasDifferences: Bool
        var cardRead: Bool
        var differences: [DiffRow]
    }

    struct RequestData: Encodable, Sendable {
        var id: String
        var employeeId: String
        var employeeNumber: String
        var employeeName: String
        var status: String
        var createdAt: String
        var expiresAt: String
        var acknowledgedAt: String
        var subjects: [SubjectRow]
        var documentTypes: [Option]
        var revealed: Revealed?
    }

    struct Revealed: Encodable, Sendable {
        var person: String
        var purpose: String
        var number: String
        var at: String
    }

    static func requestData(_ v: VaultViews.RequestView, lang: PageLanguage) -> RequestData {
        let ja = lang == .ja
        let subjects = v.subjects.map { s in
            SubjectRow(id: s.subjectId.uuidString, name: s.name, role: ja ? s.roleJa : s.roleEn,
                       purposes: zip(s.purposes, ja ? s.purposesJa : s.purposesEn).map { Option(value: $0.0, label: $0.1) },
                       state: Messages.text("vaultSubjectState_\(s.state)", lang), stateCode: s.state, recordId: s.recordId?.uuidString,
                       awaiting: s.state == "awaiting_verification", given: s.state == "given",
                       verification: s.verification.map { "\($0.methodJa)（\($0.checkedBy)、\(PageTime.show($0.checkedAt))）" },
                       documents: s.verification?.documents.map { "\($0.typeJa)：\($0.issuer)\($0.validUntil.map { "（\($0)まで）" } ?? "")" } ?? [],
                       hasDifferences: !(s.verification?.cardDifferences.isEmpty ?? true), cardRead: s.verification?.cardReading == "chip_with_pin",
                       differences: (s.verification?.cardDifferences ?? []).map {
                           DiffRow(field: Messages.text("vaultField_\($0.field)", lang), card: $0.card, record: $0.record.isEmpty ? Messages.text("none", lang) : $0.record)
                       })
        }
        return RequestData(id: v.id.uuidString, employeeId: v.employeeId.uuidString, employeeNumber: v.employeeNumber, employeeName: v.employeeName,
                           status: ja ? v.statusJa : v.statusEn, createdAt: PageTime.show(v.createdAt), expiresAt: PageTime.show(v.expiresAt),
                           acknowledgedAt: v.noticeAcknowledgedAt.map(PageTime.show) ?? "—", subjects: subjects,
                           documentTypes: IdentityDocumentType.allCases.filter { $0 != .myNumberCard && $0.role != .notAcceptable }
                               .map { Option(value: $0.rawValue, label: ja ? $0.japanese : $0.english) }, revealed: nil)
    }

    func loadRequest(_ req: Request) async throws -> VaultViews.RequestView {
        guard let id = req.parameters.get("id", as: UUID.self), let m = try await VaultRequestModel.find(id, on: req.db) else {
            throw APIError.noSuch("request", ja: "依頼")
        }
        return try await VaultViews.request(m, on: req.db)
    }

    @Sendable func request(_ req: Request) async throws -> Response {
        try await handlerPage(req) { _ in ("vault-request", "vaultRequestTitle", Self.requestData(try await loadRequest(req), lang: req.pageLanguage)) }
    }

    struct DocumentsForm: Content {
        var subjectId: UUID?
        var type1: String?
        var issuer1: String?
        var validUntil1: String?
        var type2: String?
        var issuer2: String?
        var validUntil2: String?
        var type3: String?
        var issuer3: String?
        var validUntil3: String?
        var detailsUnchanged: String?
    }

    @Sendable func recordDocuments(_ req: Request) async throws -> Response {
        let actor = try await req.vaultActor()
        guard actor.isHandler else { return try await handlerPage(req) { _ in ("", "", NoData()) } }
        let view = try await loadRequest(req)
        let f = try req.decodeBody(DocumentsForm.self)
        var docs: [VaultService.DocumentInput] = []
        for (t, i, v) in [(f.type1, f.issuer1, f.validUntil1), (f.type2, f.issuer2, f.validUntil2), (f.type3, f.issuer3, f.validUntil3)] {
            guard let t, !t.isEmpty else { continue }
            docs.append(.init(type: t, issuer: i ?? "", validUntil: v, detailsUnchanged: t == IdentityDocumentType.notificationCard.rawValue ? (f.detailsUnchanged == "on") : nil))
        }
        do {
            try await VaultService.recordDocuments(requestID: view.id, subjectID: f.subjectId, documents: docs, actor: actor, on: req.db, append: req.vaultAppend)
            req.flash("vaultVerified")
            return req.seeOther("/vault/requests/\(view.id.uuidString)")
        } catch let e as APIError {
            return try await req.renderPage("vault-request", titleKey: "vaultRequestTitle", Self.requestData(view, lang: req.pageLanguage), status: e.status,
                                            error: req.errorText(e), switchPath: "/vault/requests/\(view.id.uuidString)")
        }
    }

    struct RevealForm: Content { var purpose: String? }

    /// Shows one number to a designated handler for a stated purpose, on a page that is never cached.
    @Sendable func reveal(_ req: Request) async throws -> Response {
        let actor = try await req.vaultActor()
        guard actor.isHandler else { return try await handlerPage(req) { _ in ("", "", NoData()) } }
        guard let id = req.parameters.get("id", as: UUID.self) else { throw APIError.bad("id must be a UUID", ja: "IDが正しくありません") }
        let keys = req.application.vaultKeys
        let lang = req.pageLanguage
        do {
            let form = try req.pageForm(RevealForm.self)
            let r = try await VaultService.reveal(recordID: id, purposeCode: form.purpose, actor: actor, sealer: { try keys.sealer() }, on: req.db, append: req.vaultAppend)
            let p = try VaultService.storedPurpose(r.purpose)
            let data = Revealed(person: r.personName, purpose: lang == .ja ? p.japanese : p.english, number: r.number, at: PageTime.show(r.revealedAt))
            return VaultController.noStore(try await req.renderPage("vault-revealed", titleKey: "vaultRevealedTitle", data, switchPath: "/vault/requests"))
        } catch {
            let problem = req.pageProblem(error)
            return try await req.renderPage("done", titleKey: "vaultRevealedTitle", NoData(), status: problem.status, error: problem.text, switchPath: "/vault/requests")
        }
    }

    // MARK: Employee file

    struct NumberRow: Encodable, Sendable {
        var recordId: String
        var person: String
        var role: String
        var purposes: [Option]
        var verified: Bool
        /// Whether the number came from a chip whose integrity record was checked, and how far.
        var fromChip: Bool
        var chip: String
        var collectedAt: String
        var disposal: String
    }

    struct HoldRow: Encodable, Sendable {
        var id: String
        var reason: String
        var placedBy: String
        var placedAt: String
        var active: Bool
    }

    struct EmployeeData: Encodable, Sendable {
        var query: String
        var found: Bool
        var id: String
        var employeeNumber: String
        var name: String
        var address: String
        var birthDate: String
        var sex: String
        var leavingDate: String
        var numbers: [NumberRow]
        var noNumbers: Bool
        var holds: [HoldRow]
        var requests: [RequestRow]
    }

    func employeeData(_ req: Request, _ e: EmployeeModel?, query: String) async throws -> EmployeeData {
        let lang = req.pageLanguage
        guard let e else {
            return EmployeeData(query: query, found: false, id: "", employeeNumber: "", name: "", address: "", birthDate: "", sex: "", leavingDate: "",
                                numbers: [], noNumbers: true, holds: [], requests: [])
        }
        let v = try await VaultViews.employee(e, on: req.db)
        let numbers = try v.numbers.map { n in
            NumberRow(recordId: n.recordId.uuidString, person: n.person, role: lang == .ja ? n.roleJa : VaultService.role(code: n.role).english,
                      purposes: try zip(n.purposes, n.purposesJa).map { Option(value: $0.0, label: lang == .ja ? $0.1 : try VaultService.storedPurpose($0.0).english) },
                      verified: n.verified, fromChip: n.chipIntegrity != nil,
                      chip: n.chipIntegrity.map { Messages.text("vaultChip_\($0)", lang) } ?? "",
                      collectedAt: PageTime.show(n.collectedAt), disposal: n.disposalJa)
        }
        let reqs = try await VaultViews.requests(try await VaultRequestModel.query(on: req.db).filter(\.$employeeID == v.id).sort(\.$createdAt, .descending).all(), on: req.db)
        return EmployeeData(query: query, found: true, id: v.id.uuidString, employeeNumber: v.employeeNumber, name: v.name, address: v.address,
                            birthDate: v.birthDate, sex: v.sex, leavingDate: v.leavingDate ?? "", numbers: numbers, noNumbers: numbers.isEmpty,
                            holds: v.holds.map { HoldRow(id: $0.id.uuidString, reason: $0.reason, placedBy: $0.placedBy, placedAt: PageTime.show($0.placedAt), active: $0.releasedAt == nil) },
                            requests: Self.rows(reqs, lang: lang))
    }

    @Sendable func employee(_ req: Request) async throws -> Response {
        try await handlerPage(req) { _ in
            let q = String((req.query[String.self, at: "employee"] ?? "").trimmingCharacters(in: .whitespaces).prefix(32))
            let e = q.isEmpty ? nil : try await EmployeeModel.query(on: req.db).filter(\.$employeeNumber == q).first()
            return ("vault-employee", "vaultEmployeeTitle", try await employeeData(req, e, query: q))
        }
    }

    func employeeAction(_ req: Request, flash: String, _ body: (VaultActor, EmployeeModel) async throws -> Void) async throws -> Response {
        let actor = try await req.vaultActor()
        guard actor.isHandler else { return try await handlerPage(req) { _ in ("", "", NoData()) } }
        guard let id = req.parameters.get("id", as: UUID.self), let e = try await EmployeeModel.find(id, on: req.db) else {
            throw APIError.noSuch("employee", ja: "従業員")
        }
        do {
            try await body(actor, e)
            req.flash(flash)
            return req.seeOther("/vault/employees?employee=\(e.employeeNumber.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
        } catch {
            let problem = req.pageProblem(error)
            return try await req.renderPage("vault-employee", titleKey: "vaultEmployeeTitle", try await employeeData(req, e, query: e.employeeNumber),
                                            status: problem.status, error: problem.text, switchPath: "/vault/employees")
        }
    }

    @Sendable func saveProfile(_ req: Request) async throws -> Response {
        try await employeeAction(req, flash: "vaultProfileSaved") { actor, e in
            try await VaultService.setProfile(employeeID: try e.requireID(), try req.pageForm(VaultService.ProfileInput.self), actor: actor, on: req.db, append: req.vaultAppend)
        }
    }

    struct HoldForm: Content { var reason: String? }

    @Sendable func placeHold(_ req: Request) async throws -> Response {
        try await employeeAction(req, flash: "vaultHoldPlaced") { actor, e in
            let reason = try req.pageForm(HoldForm.self).reason ?? ""
            _ = try await VaultService.placeHold(employeeID: try e.requireID(), reason: reason, actor: actor, on: req.db, append: req.vaultAppend)
        }
    }

    @Sendable func releaseHold(_ req: Request) async throws -> Response {
        let actor = try await req.vaultActor()
        guard actor.isHandler else { return try await handlerPage(req) { _ in ("", "", NoData()) } }
        guard let id = req.parameters.get("id", as: UUID.self), let h = try await VaultLegalHoldModel.find(id, on: req.db),
              let e = try await EmployeeModel.find(h.employeeID, on: req.db) else { throw APIError.noSuch("legal hold", ja: "法的保全") }
        try await VaultService.releaseHold(holdID: id, actor: actor, on: req.db, append: req.vaultAppend)
        req.flash("vaultHoldReleased")
        return req.seeOther("/vault/employees?employee=\(e.employeeNumber.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
    }

    // MARK: Export

    struct ExportData: Encodable, Sendable { var purposes: [Option] }

    @Sendable func exportForm(_ req: Request) async throws -> Response {
        try await handlerPage(req) { _ in ("vault-export", "vaultExportTitle", ExportData(purposes: Self.purposeOptions(req.pageLanguage))) }
    }

    struct ExportForm: Content {
        var purpose: String?
        var encoding: String?
    }

    @Sendable func export(_ req: Request) async throws -> Response {
        let actor = try await req.vaultActor()
        guard actor.isHandler else { return try await handlerPage(req) { _ in ("", "", NoData()) } }
        let keys = req.application.vaultKeys
        do {
            let form = try req.pageForm(ExportForm.self)
            let purpose = form.purpose
            let encoding = form.encoding ?? "utf-8"
            let out = try await VaultService.export(purposeCode: purpose, encoding: encoding, actor: actor, sealer: { try keys.sealer() }, on: req.db, append: req.vaultAppend)
            return VaultController.csv(out.data, encoding: encoding, purpose: purpose ?? "")
        } catch {
            let problem = req.pageProblem(error)
            return try await req.renderPage("vault-export", titleKey: "vaultExportTitle", ExportData(purposes: Self.purposeOptions(req.pageLanguage)),
                                            status: problem.status, error: problem.text, switchPath: "/vault/export")
        }
    }

    // MARK: Disposal

    struct PlanRow: Encodable, Sendable {
        var employeeNumber: String
        var role: String
        var purposes: String
        var status: String
        var retainedThrough: String
    }

    struct DisposalsData: Encodable, Sendable {
        var plans: [PlanRow]
        var records: [VaultViews.DisposalRow]
        var noRecords: Bool
        var result: String?
    }

    func disposalsData(_ req: Request, result: String? = nil) async throws -> DisposalsData {
        let lang = req.pageLanguage
        let date = JapanTime(Date()).date
        var plans: [PlanRow] = []
        for (n, m, p) in try await VaultService.plans(on: date, db: req.db) {
            let e = try await EmployeeModel.find(n.employeeID, on: req.db)
            plans.append(PlanRow(employeeNumber: e?.employeeNumber ?? "", role: lang == .ja ? m.role.japanese : m.role.english,
                                 purposes: m.purposes.sorted().map { lang == .ja ? $0.japanese : $0.english }.joined(separator: "、"),
                                 status: lang == .ja ? p.status(on: date).japanese : p.status(on: date).english, retainedThrough: p.retainedThrough?.description ?? "—"))
        }
        let records = try await VaultViews.disposals(on: req.db).map { r -> VaultViews.DisposalRow in
            var r = r
            if lang == .en { r.methodJa = DisposalMethod(rawValue: r.method)?.english ?? r.method }
            return r
        }
        return DisposalsData(plans: plans, records: records, noRecords: records.isEmpty, result: result)
    }

    @Sendable func disposals(_ req: Request) async throws -> Response {
        try await handlerPage(req) { _ in ("vault-disposals", "vaultDisposalsTitle", try await disposalsData(req)) }
    }

    struct DisposalForm: Content { var dryRun: String? }

    @Sendable func runDisposal(_ req: Request) async throws -> Response {
        let actor = try await req.vaultActor()
        guard actor.isHandler else { return try await handlerPage(req) { _ in ("", "", NoData()) } }
        do {
            // A body that cannot be read is refused (pageForm), never run as "not a dry run".
            let dry = try req.pageForm(DisposalForm.self).dryRun == "on"
            let run = try await VaultService.runDisposal(dryRun: dry, performedBy: actor.username, on: req.db, append: req.vaultAppend)
            let text = "\(req.text("vaultDisposalDone")): \(run.disposed) / \(run.onHold) / \(run.retained) / \(run.inUse) (disposed / on hold / retained / in use)\(dry ? " — dry run" : "")"
            return try await req.renderPage("vault-disposals", titleKey: "vaultDisposalsTitle", try await disposalsData(req, result: text), message: text, switchPath: "/vault/disposals")
        } catch {
            let problem = req.pageProblem(error)
            return try await req.renderPage("vault-disposals", titleKey: "vaultDisposalsTitle", try await disposalsData(req), status: problem.status,
                                            error: problem.text, switchPath: "/vault/disposals")
        }
    }

    // MARK: Register, handlers

    struct RegisterData: Encodable, Sendable {
        var files: [VaultViews.FileRow]
        var handlers: [VaultViews.HandlerRow]
        var retention: [VaultViews.RetentionRow]
        var rooms: [VaultViews.RoomRow]
        var noRoom: Bool
        var currentKeyId: String?
        var keys: [Option]
    }

    @Sendable func registerPage(_ req: Request) async throws -> Response {
        let r = try await VaultViews.register(on: req.db, keys: req.application.vaultKeys, policy: req.state.policy.current)
        let lang = req.pageLanguage
        let rooms = r.rooms.map { room in
            var room = room
            room.levels = room.levels.map { Messages.text("level_\($0)", lang) }
            return room
        }
        let data = RegisterData(files: r.files, handlers: r.handlers, retention: r.retention, rooms: rooms, noRoom: rooms.isEmpty,
                                currentKeyId: r.currentKeyId, keys: r.recordsByKey.sorted { $0.key < $1.key }.map { Option(value: $0.key, label: String($0.value)) })
        return try await req.renderPage("vault-register", titleKey: "vaultRegisterTitle", data)
    }

    struct HandlersData: Encodable, Sendable {
        var handlers: [VaultViews.HandlerRow]
        var empty: Bool
    }

    @Sendable func handlers(_ req: Request) async throws -> Response {
        let h = try await VaultViews.handlers(on: req.db)
        return try await req.renderPage("vault-handlers", titleKey: "vaultHandlersTitle", HandlersData(handlers: h, empty: h.isEmpty))
    }

    struct DesignateForm: Content {
        var username: String?
        var responsible: String?
    }

    @Sendable func designate(_ req: Request) async throws -> Response {
        try await req.submitForm(DesignateForm.self, flash: "vaultHandlerSaved", redirect: "/vault/handlers") { form in
            _ = try await VaultService.designate(username: form.username ?? "", responsible: form.responsible == "on", by: "user:\(try req.user.username)",
                                                 on: req.db, append: req.vaultAppend)
            return nil
        } page: { _, problem in
            let h = try await VaultViews.handlers(on: req.db)
            return try await req.renderPage("vault-handlers", titleKey: "vaultHandlersTitle", HandlersData(handlers: h, empty: h.isEmpty), status: problem.status,
                                            error: problem.text, switchPath: "/vault/handlers")
        }
    }

    @Sendable func undesignate(_ req: Request) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw APIError.bad("id must be a UUID", ja: "IDが正しくありません") }
        try await VaultService.undesignate(userID: id, by: "user:\(try req.user.username)", on: req.db, append: req.vaultAppend)
        req.flash("vaultHandlerSaved")
        return req.seeOther("/vault/handlers")
    }

    // MARK: The employee's own

    struct MySubject: Encodable, Sendable {
        var id: String
        var name: String
        var role: String
        var isEmployee: Bool
        var purposes: [String]
        var state: String
        var pending: Bool
    }

    struct MyRequest: Encodable, Sendable {
        var id: String
        var status: String
        var expiresAt: String
        var needsAcknowledgement: Bool
        var canGive: Bool
        var subjects: [MySubject]
        var ownPending: Bool
    }

    struct MyData: Encodable, Sendable {
        var requests: [MyRequest]
        var empty: Bool
        var demo: Bool
        var demoCardFound: Bool
        var triesLeft: Int
        var lastTry: Bool
        var blocked: Bool
    }

    func myData(_ req: Request) async throws -> MyData {
        let lang = req.pageLanguage
        var out: [MyRequest] = []
        var tries = 0
        var found = false
        let demo = req.application.deskCards != nil
        if let e = try req.user.employeeID {
            let views = try await VaultViews.requests(try await VaultRequestModel.query(on: req.db).filter(\.$employeeID == e).sort(\.$createdAt, .descending).all(), on: req.db)
            for v in views {
                let subjects = v.subjects.map { s in
                    MySubject(id: s.subjectId.uuidString, name: s.name, role: lang == .ja ? s.roleJa : s.roleEn, isEmployee: s.role == "employee",
                              purposes: lang == .ja ? s.purposesJa : s.purposesEn, state: Messages.text("vaultSubjectState_\(s.state)", lang), pending: s.state == "pending")
                }
                out.append(MyRequest(id: v.id.uuidString, status: lang == .ja ? v.statusJa : v.statusEn, expiresAt: PageTime.show(v.expiresAt),
                                     needsAcknowledgement: v.status == "open", canGive: v.status == "notice_acknowledged", subjects: subjects,
                                     ownPending: subjects.contains { $0.isEmployee && $0.pending }))
            }
            if demo, let card = try await VaultDemoDesk.card(for: e, req: req) {
                found = true
                // Reading the tries left spends no try.
                tries = (try? await card.text.triesLeft().value) ?? 0
            }
        }
        return MyData(requests: out, empty: out.isEmpty, demo: demo, demoCardFound: found, triesLeft: tries, lastTry: tries == 1, blocked: found && tries == 0)
    }

    @Sendable func my(_ req: Request) async throws -> Response {
        try await req.renderPage("vault-my", titleKey: "vaultMyTitle", try await myData(req))
    }

    func myAction(_ req: Request, flash: String, _ body: (VaultActor, UUID) async throws -> Void) async throws -> Response {
        let actor = try await req.vaultActor()
        guard let id = req.parameters.get("id", as: UUID.self) else { throw APIError.bad("id must be a UUID", ja: "IDが正しくありません") }
        do {
            try await body(actor, id)
            req.flash(flash)
            return req.seeOther("/vault/my")
        } catch let e as MynaCardError {
            let text = "\(req.text("errorPrefix")): " + (req.pageLanguage == .ja ? e.japaneseMessage : e.englishMessage)
            return try await req.renderPage("vault-my", titleKey: "vaultMyTitle", try await myData(req), status: .unprocessableEntity, error: text, switchPath: "/vault/my")
        } catch {
            let problem = req.pageProblem(error)
            return try await req.renderPage("vault-my", titleKey: "vaultMyTitle", try await myData(req), status: problem.status, error: problem.text, switchPath: "/vault/my")
        }
    }

    @Sendable func acknowledge(_ req: Request) async throws -> Response {
        try await myAction(req, flash: "vaultAcknowledged") { actor, id in
            try await VaultService.acknowledge(requestID: id, actor: actor, on: req.db, append: req.vaultAppend)
        }
    }

    /// The number typed by its owner. `subjectId` is a UUID or absent (the employee's own number): a
    /// value that is neither is refused, not read as "own".
    struct GiveForm: Content {
        var subjectId: UUID?
        var number: String?
    }

    @Sendable func giveTyped(_ req: Request) async throws -> Response {
        try await myAction(req, flash: "vaultGiven") { actor, id in
            let form = try req.pageForm(GiveForm.self)
            let number = try VaultController.parseNumber(form.number ?? "")
            let subject = form.subjectId
            _ = try await VaultService.give(requestID: id, subjectID: subject, number: number, source: .typed, actor: actor,
                                            sealer: try req.application.vaultKeys.sealer(), on: req.db, append: req.vaultAppend)
        }
    }

    struct CardForm: Content {
        var pin: String?
        var confirmLastTry: String?
    }

    @Sendable func giveCard(_ req: Request) async throws -> Response {
        try await myAction(req, flash: "vaultGiven") { actor, id in
            guard req.application.deskCards != nil else { throw APIError(.notFound, code: "not_demo", ja: "デモサーバーではありません", en: "not a demo server") }
            guard let e = actor.employeeID else { throw APIError.noEmployee }
            let form = try req.pageForm(CardForm.self)
            let pin = form.pin ?? ""
            let confirm = form.confirmLastTry == "on"
            let sealer = try req.application.vaultKeys.sealer()
            let read = try await VaultDemoDesk.read(employee: e, pin: pin, confirmLastTry: confirm, req: req)
            let integrity = try await CardIntegrity.accepted(read.integrity, request: id, req: req)
            _ = try await VaultService.give(requestID: id, subjectID: nil, number: read.number,
                                            source: .card(read.items, reader: "受付の仮想カードリーダー（デモ）", integrity: integrity),
                                            actor: actor, sealer: sealer, on: req.db, append: req.vaultAppend)
        }
    }

    struct AccessData: Encodable, Sendable {
        struct Row: Encodable, Sendable {
            var at: String
            var who: String
            var action: String
            var purpose: String
            var person: String
        }
        var rows: [Row]
        var empty: Bool
    }

    @Sendable func myAccess(_ req: Request) async throws -> Response {
        let lang = req.pageLanguage
        var rows: [AccessData.Row] = []
        if let e = try req.user.employeeID {
            rows = try await VaultViews.access(employee: e, on: req.db).map { a in
                AccessData.Row(at: PageTime.show(a.at), who: a.actor, action: lang == .ja ? a.actionJa : a.actionEn,
                               purpose: (lang == .ja ? a.purposeJa : a.purposeEn) ?? "—",
                               person: "\(a.person)（\(lang == .ja ? a.roleJa : VaultService.role(code: a.role).english)）")
            }
        }
        return try await req.renderPage("vault-my-access", titleKey: "vaultMyAccessTitle", AccessData(rows: rows, empty: rows.isEmpty))
    }
}

/// The demo's desk reader for giving a number with the card: the server reads the employee's own
/// virtual card (`<employee number>.vcard` among the application's ``DeskCards``) over APDUs with the
/// text PIN typed in the page. The PIN rules hold: tries left are read first, the format is checked
/// before anything is sent, and with one try left the PIN is sent only when the person confirmed.
enum VaultDemoDesk {
    struct Read: Sendable {
        var number: IndividualNumber
        var items: VaultService.FourItems
        /// What the card's integrity record says about them (``CardIntegrity``).
        var integrity: TextIntegrity
    }

    static func card(for employee: UUID, req: Request) async throws -> MynaCard? {
        guard let cards = req.application.deskCards, let e = try await EmployeeModel.find(employee, on: req.db) else { return nil }
        let name = "\(e.employeeNumber).vcard"
        guard !name.contains("/"), !name.hasPrefix(".") else { return nil }
        return try cards.card(named: name)
    }

    static func read(employee: UUID, pin text: String, confirmLastTry: Bool, req: Request) async throws -> Read {
        guard let card = try await card(for: employee, req: req) else {
            throw APIError(.notFound, code: "no_demo_card", ja: "あなたの仮想カードが見つかりません", en: "no virtual card for you in the demo")
        }
        let pin = try PIN(text, kind: .text)
        let tries = try await card.text.triesLeft().value
        if tries == 0 { throw MynaCardError.pinBlocked(.text) }
        if tries == 1 && !confirmLastTry { throw MynaCardError.lastTryNeedsConfirmation(.text) }
        _ = try await card.text.verify(pin, attempt: confirmLastTry ? .confirmedLastTry : .normal)
        // The server reads the chip itself here, so it checks the integrity record itself.
        let reading = try await card.text.readWithIntegrity(issuers: req.application.cvcIssuers).value
        let four = reading.items
        return Read(number: reading.number, items: VaultService.FourItems(name: four.name, address: four.address, birthDate: four.birthDate, sex: four.sex),
                    integrity: reading.integrity)
    }
}
