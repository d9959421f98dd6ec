import Access
import CardApplication
import Fluent
import Foundation
import Store
import Vapor

/// The card application pages (issue 9): `/my/card` and `/card-campaign` for everyone, the clerk's
/// `/card-applications`, `/card-batches`, `/card-sessions` and `/card-templates` for HR handlers and
/// administrators. They call ``CardOps`` (as the API does) and show refusals in the page's language.
struct CardApplicationPages {
    func register(_ routes: any RoutesBuilder) {
        let everyone = routes.grouped(PageRoleMiddleware(Set(Role.allCases)))
        everyone.get("my", "card", use: my)
        everyone.post("my", "card", "statement", use: statement)
        everyone.post("my", "card", "apply", use: apply)
        everyone.post("my", "card", "data", use: data)
        everyone.on(.POST, "my", "card", "photo", body: .collect(maxSize: CardApplicationController.photoBodyLimit), use: photo)
        everyone.get("my", "card", "photo", use: myPhoto)
        everyone.post("my", "card", "event", use: myEvent)
        everyone.get("card-campaign", use: campaign)

        let clerk = routes.grouped(PageRoleMiddleware(CardApplicationController.clerks))
        clerk.get("card-applications", use: overview)
        clerk.get("card-applications", ":id", use: detail)
        clerk.get("card-applications", ":id", "photo", use: applicationPhoto)
        clerk.post("card-applications", ":id", "review", use: review)
        clerk.post("card-applications", ":id", "event", use: clerkEvent)
        clerk.get("card-batches", use: batches)
        clerk.post("card-batches", use: build)
        clerk.post("card-batches", ":id", "sent", use: sent)
        clerk.get("card-batches", ":id", "package", use: package)
        clerk.get("card-sessions", use: sessions)
        clerk.post("card-sessions", use: createSession)
        clerk.get("card-sessions", ":id", use: session)
        clerk.post("card-sessions", ":id", "agreement", use: agree)
        clerk.post("card-sessions", ":id", "attendance", use: attendance)
        clerk.get("card-sessions", ":id", "roster", use: roster)
        clerk.get("card-templates", use: templates)
        clerk.post("card-templates", ":id", use: saveTemplate)
        clerk.post("card-templates", ":id", "reset", use: resetTemplate)
        clerk.post("card-campaign", use: saveCampaign)
    }

    static func lang(_ req: Request) -> MessageLanguage { req.pageLanguage == .ja ? .japanese : .english }
    static func stageLabel(_ s: ApplicationStage, _ req: Request) -> String { req.pageLanguage == .ja ? s.japaneseLabel : s.englishLabel }
    static func statusLabel(_ s: CardStatus, _ req: Request) -> String { req.text("ca_status_\(s.rawValue)") }
    static func routeLabel(_ r: ApplicationRoute?, _ req: Request) -> String { req.text("ca_route_\(r?.rawValue ?? "none")") }

    // MARK: the employee's page

    struct HistoryRow: Encodable, Sendable {
        var at: String
        var event: String
        var stage: String
        var actor: String
        var note: String
    }
    struct MyApplication: Encodable, Sendable {
        var stage: String
        var route: String
        var routeValue: String
        var clerkNote: String?
        var canEdit: Bool
        var hasPhoto: Bool
        var isOpen: Bool
        var events: [EventButton]
        var history: [HistoryRow]
        var awaitingEnrollment: Bool
    }
    struct EventButton: Encodable, Sendable {
        var event: String
        var label: String
        var danger: Bool
    }
    struct Field: Encodable, Sendable {
        var name: String
        var label: String
        var value: String
        var type: String
        var autocomplete: String
        var required: Bool
    }
    struct MyData: Encodable, Sendable {
        var status: String
        var statusValue: String
        var enrolled: Bool
        var statement: String
        var statements: [Option]
        var canOptIn: Bool
        var routes: [Option]
        var application: MyApplication?
        var fields: [Field]
        var problems: [String]
        var photoProblems: [String]
        var photoNotices: [String]
    }
    struct Option: Encodable, Sendable {
        var value: String
        var label: String
        var checked: Bool
    }

    static func events(for r: ApplicationRecord, clerk: Bool, _ req: Request) -> [EventButton] {
        var out: [String] = []
        if r.stage == .sentToContractor || r.stage == .appliedAtSession { out.append("noticeReceived") }
        if r.stage == .noticeReceived, r.route == .contractorBatch { out.append("cardReceived") }
        if r.route == .onSiteSession, r.stage == .appliedAtSession || r.stage == .noticeReceived { out.append("cardMailed") }
        if clerk, r.stage == .noticeReceived { out.append("reminderSent") }
        if r.isOpen, !r.stage.hasApplied { out.append("withdraw") }
        return out.map { EventButton(event: $0, label: req.text("ca_event_\($0)"), danger: $0 == "withdraw") }
    }

    static func history(_ r: ApplicationRecord, _ req: Request) -> [HistoryRow] {
        r.history.reversed().map {
            HistoryRow(at: PageTime.show($0.at), event: $0.event, stage: stageLabel($0.stage, req), actor: $0.actor ?? "", note: $0.note ?? "")
        }
    }

    static func fields(_ d: ApplicationDraft, _ req: Request) -> [Field] {
        [
            Field(name: "applicationFormID", label: req.text("ca_formID"), value: d.applicationFormID, type: "text", autocomplete: "off", required: false),
            Field(name: "familyName", label: req.text("ca_familyName"), value: d.familyName, type: "text", autocomplete: "family-name", required: true),
            Field(name: "givenName", label: req.text("ca_givenName"), value: d.givenName, type: "text", autocomplete: "given-name", required: true),
            Field(name: "familyNameKana", label: req.text("ca_familyNameKana"), value: d.familyNameKana, type: "text", autocomplete: "off", required: true),
            Field(name: "givenNameKana", label: req.text("ca_givenNameKana"), value: d.givenNameKana, type: "text", autocomplete: "off", required: true),
            Field(name: "birthDate", label: req.text("ca_birthDate"), value: d.birthDate, type: "date", autocomplete: "bday", required: true),
            Field(name: "postalCode", label: req.text("ca_postalCode"), value: d.postalCode, type: "text", autocomplete: "postal-code", required: false),
            Field(name: "address", label: req.text("ca_address"), value: d.address, type: "text", autocomplete: "street-address", required: true),
            Field(name: "city", label: req.text("ca_city"), value: d.city, type: "text", autocomplete: "off", required: false),
            Field(name: "phone", label: req.text("ca_phone"), value: d.phone, type: "tel", autocomplete: "tel", required: false),
            Field(name: "email", label: req.text("ca_email"), value: d.email, type: "email", autocomplete: "email", required: false),
        ]
    }

    static func draft(_ d: ApplicationData?) -> ApplicationDraft {
        guard let d else { return ApplicationDraft() }
        return ApplicationDraft(applicationFormID: d.applicationFormID?.digits ?? "", familyName: d.familyName, givenName: d.givenName,
                                familyNameKana: d.familyNameKana, givenNameKana: d.givenNameKana, birthDate: CardDTO.iso(d.birthDate),
                                postalCode: d.postalCode ?? "", address: d.address, city: "", phone: d.phone ?? "", email: d.email ?? "")
    }

    func renderMy(_ req: Request, status: HTTPStatus = .ok, error: String? = nil, draft: ApplicationDraft? = nil, problems: [String] = [],
                  photoProblems: [String] = [], photoNotices: [String] = []) async throws -> Response {
        var data = MyData(status: "", statusValue: "", enrolled: false, statement: "none", statements: [], canOptIn: false, routes: [], application: nil,
                          fields: [], problems: problems, photoProblems: photoProblems, photoNotices: photoNotices)
        if let e = try req.user.employeeID {
            let s = try await CardApplications.status(of: e, on: req.db)
            let statement = try await CardApplications.statement(of: e, on: req.db) ?? "none"
            let current = try await CardApplications.current(of: e, on: req.db)
            data.status = Self.statusLabel(s, req)
            data.statusValue = s.rawValue
            data.enrolled = s == .enrolled
            data.statement = statement
            data.statements = ["hasCard", "declined", "none"].map { Option(value: $0, label: req.text("ca_statement_\($0)"), checked: $0 == statement) }
            data.canOptIn = s != .enrolled && current?.record.isOpen != true
            data.routes = ApplicationRoute.allCases.map { Option(value: $0.rawValue, label: Self.routeLabel($0, req), checked: $0 == .contractorBatch) }
            if let r = current?.record {
                let editable = [ApplicationStage.optedIn, .dataEntered, .reviewed].contains(r.stage)
                data.application = MyApplication(
                    stage: Self.stageLabel(r.stage, req), route: Self.routeLabel(r.route, req), routeValue: r.route?.rawValue ?? "", clerkNote: r.clerkNote,
                    canEdit: editable, hasPhoto: r.photo != nil, isOpen: r.isOpen, events: Self.events(for: r, clerk: false, req),
                    history: Self.history(r, req), awaitingEnrollment: r.stage == .cardReceived || r.stage == .cardMailed)
                if editable {
                    data.fields = Self.fields(draft ?? Self.draft(r.data), req)
                    data.routes = ApplicationRoute.allCases.map { Option(value: $0.rawValue, label: Self.routeLabel($0, req), checked: $0 == (r.route ?? .contractorBatch)) }
                }
            }
        }
        return try await req.renderPage("apply-my", titleKey: "ca_myTitle", data, status: status, error: error, switchPath: "/my/card")
    }

    @Sendable func my(_ req: Request) async throws -> Response { try await renderMy(req) }

    struct StatementForm: Content { var statement: String? }

    @Sendable func statement(_ req: Request) async throws -> Response {
        try await req.submitForm(StatementForm.self, flash: "ca_statementSaved", redirect: "/my/card") { form in
            let statement = form.statement ?? "none"
            try await CardOps.setStatement(statement == "none" ? nil : statement, req: req)
            return nil
        } page: { _, problem in
            try await renderMy(req, status: problem.status, error: problem.text)
        }
    }

    struct ApplyForm: Content { var route: String? }

    @Sendable func apply(_ req: Request) async throws -> Response {
        try await req.submitForm(ApplyForm.self, flash: "ca_optedIn", redirect: "/my/card") { form in
            _ = try await CardOps.optIn(route: form.route.flatMap(ApplicationRoute.init(rawValue:)), req: req)
            return nil
        } page: { _, problem in
            try await renderMy(req, status: problem.status, error: problem.text)
        }
    }

    @Sendable func data(_ req: Request) async throws -> Response {
        try await req.submitForm(CardApplicationController.Draft.self, flash: "ca_dataSaved", redirect: "/my/card") { form in
            _ = try await CardOps.enterData(form.draft, route: form.route.flatMap(ApplicationRoute.init(rawValue:)), req: req)
            return nil
        } page: { form, problem in
            let refused = problem.status == .unprocessableEntity
            return try await renderMy(req, status: problem.status, error: refused ? req.text("ca_dataProblems") : problem.text,
                                      draft: form?.draft, problems: problem.issues.isEmpty && refused ? [problem.text] : problem.issues)
        }
    }

    struct PhotoForm: Content { var photo: File? }

    @Sendable func photo(_ req: Request) async throws -> Response {
        let report: PhotoReport
        do {
            // No file chosen is an empty photo, which the photo check refuses with its own sentence.
            let bytes = try req.pageForm(PhotoForm.self).photo.map { Array($0.data.readableBytesView) } ?? []
            (_, report) = try await CardOps.uploadPhoto(bytes, req: req)
        } catch {
            let problem = req.pageProblem(error)
            return try await renderMy(req, status: problem.status, error: problem.status == .unprocessableEntity ? req.text("ca_photoRefused") : problem.text,
                                      photoProblems: problem.issues)
        }
        let notices = report.issues.filter { $0.severity == .notice }.map { $0.message(in: Self.lang(req)) }
        if notices.isEmpty {
            req.flash("ca_photoSaved")
            return req.seeOther("/my/card")
        }
        // A notice (no date in the file) is shown now rather than lost in a redirect.
        return try await renderMy(req, photoNotices: [req.text("ca_photoSaved")] + notices)
    }

    @Sendable func myPhoto(_ req: Request) async throws -> Response {
        let l = try await CardOps.mine(req)
        return try await CardApplications.photoResponse(try l.model.requireID(), on: req)
    }

    struct EventForm: Content {
        var event: String?
        var route: String?
    }

    @Sendable func myEvent(_ req: Request) async throws -> Response {
        try await req.submitForm(EventForm.self, flash: "ca_eventDone", redirect: "/my/card") { form in
            _ = try await CardOps.ownEvent(form.event ?? "", req: req)
            return nil
        } page: { _, problem in
            try await renderMy(req, status: problem.status, error: problem.text)
        }
    }

    struct CampaignData: Encodable, Sendable {
        var subject: String
        var body: String
    }

    @Sendable func campaign(_ req: Request) async throws -> Response {
        let m = try await CardOps.campaignMessage(Self.lang(req), req: req)
        return try await req.renderPage("apply-campaign", titleKey: "ca_campaignTitle", CampaignData(subject: m.subject, body: m.body))
    }

    // MARK: the clerk's overview

    struct CountsRow: Encodable, Sendable {
        var name: String
        var total: Int
        var enrolled: Int
        var cardNotEnrolled: Int
        var applying: Int
        var none: Int
        var declined: Int
        var enrolledPercent: String
        var reachPercent: String
    }
    struct AppRow: Encodable, Sendable {
        var id: String
        var employeeNumber: String
        var name: String
        var department: String
        var route: String
        var stage: String
        var stageValue: String
        var updated: String
    }
    struct OverviewData: Encodable, Sendable {
        var overall: CountsRow
        var departments: [CountsRow]
        var sites: [CountsRow]
        var applications: [AppRow]
        var reminders: [CardOps.Reminder]
    }

    static func counts(_ name: String, _ c: AdoptionCounts) -> CountsRow {
        func pct(_ r: Double) -> String { String(format: "%.0f%%", r * 100) }
        return CountsRow(name: name, total: c.total, enrolled: c.count(.enrolled), cardNotEnrolled: c.count(.cardNotEnrolled), applying: c.count(.applying),
                         none: c.count(.none), declined: c.count(.declined), enrolledPercent: pct(c.enrolledRatio), reachPercent: pct(c.reachRatio))
    }

    @Sendable func overview(_ req: Request) async throws -> Response {
        let (_, summary) = try await CardApplications.adoption(on: req.db)
        let all = try await CardApplications.loadAll(on: req.db)
        let people = try await CardApplications.employees(Set(all.map(\.model.employeeID)), on: req.db)
        let rows = all.reversed().map { l -> AppRow in
            let e = people[l.model.employeeID]
            return AppRow(id: l.model.id?.uuidString ?? "", employeeNumber: e?.employeeNumber ?? "", name: e?.name ?? "", department: e?.department ?? "",
                          route: Self.routeLabel(l.record.route, req), stage: Self.stageLabel(l.record.stage, req), stageValue: l.record.stage.rawValue,
                          updated: PageTime.show(l.model.updatedAt))
        }
        let reminders = try await CardOps.reminders(afterDays: nil, repeatEvery: nil, lang: Self.lang(req), on: req.db)
        let data = OverviewData(overall: Self.counts("", summary.overall), departments: summary.byDepartment.map { Self.counts($0.name, $0.counts) },
                                sites: summary.bySite.map { Self.counts($0.name, $0.counts) }, applications: rows, reminders: reminders)
        return try await req.renderPage("apply-admin", titleKey: "ca_adminTitle", data)
    }

    // MARK: one application

    struct DetailData: Encodable, Sendable {
        var id: String
        var employeeNumber: String
        var name: String
        var department: String
        var site: String
        var route: String
        var stage: String
        var canReview: Bool
        var clerkNote: String?
        var data: [Pair]
        var hasPhoto: Bool
        var photoBytes: String
        var events: [EventButton]
        var history: [HistoryRow]
    }
    struct Pair: Encodable, Sendable {
        var label: String
        var value: String
    }

    func renderDetail(_ req: Request, id: UUID, status: HTTPStatus = .ok, error: String? = nil) async throws -> Response {
        let l = try await CardApplications.load(id, on: req.db)
        let r = l.record
        let e = try await EmployeeModel.find(l.model.employeeID, on: req.db)
        var pairs: [Pair] = []
        if let d = r.data {
            pairs = [
                Pair(label: req.text("ca_formID"), value: d.applicationFormID?.digits ?? "—"),
                Pair(label: req.text("name"), value: d.fullName), Pair(label: req.text("ca_kana"), value: d.fullNameKana),
                Pair(label: req.text("ca_birthDate"), value: CardDTO.iso(d.birthDate)), Pair(label: req.text("ca_postalCode"), value: d.postalCode ?? "—"),
                Pair(label: req.text("ca_address"), value: d.address), Pair(label: req.text("ca_municipality"), value: d.municipality.key),
                Pair(label: req.text("ca_phone"), value: d.phone ?? "—"), Pair(label: req.text("ca_email"), value: d.email ?? "—"),
            ]
        }
        let data = DetailData(
            id: id.uuidString, employeeNumber: e?.employeeNumber ?? "", name: e?.name ?? "", department: e?.department ?? "", site: e?.site ?? "",
            route: Self.routeLabel(r.route, req), stage: Self.stageLabel(r.stage, req), canReview: r.stage == .dataEntered || r.stage == .reviewed,
            clerkNote: r.clerkNote, data: pairs, hasPhoto: r.photo != nil, photoBytes: r.photo.map { "\($0.byteCount / 1024) KB" } ?? "",
            events: Self.events(for: r, clerk: true, req), history: Self.history(r, req))
        return try await req.renderPage("apply-detail", titleKey: "ca_detailTitle", data, status: status, error: error, switchPath: "/card-applications/\(id.uuidString)")
    }

    func id(_ req: Request) throws -> UUID {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.badRequest, reason: "id must be a UUID") }
        return id
    }

    @Sendable func detail(_ req: Request) async throws -> Response { try await renderDetail(req, id: try id(req)) }

    @Sendable func applicationPhoto(_ req: Request) async throws -> Response { try await CardApplications.photoResponse(try id(req), on: req) }

    struct ReviewForm: Content {
        var decision: String?
        var note: String?
    }

    @Sendable func review(_ req: Request) async throws -> Response {
        let id = try id(req)
        let form: ReviewForm
        do {
            form = try req.pageForm(ReviewForm.self)
            // Only the two buttons' values: a missing or unknown decision is refused, never read as "return".
            guard let decision = form.decision, ["accept", "return"].contains(decision) else {
                throw Abort(.unprocessableEntity, reason: "decision must be accept or return")  // as the API answers
            }
            _ = try await CardOps.review(id, accept: decision == "accept", note: form.note ?? "", req: req)
        } catch {
            let problem = req.pageProblem(error)
            if problem.status == .notFound { throw error }
            return try await renderDetail(req, id: id, status: problem.status, error: problem.text)
        }
        req.flash(form.decision == "accept" ? "ca_reviewed" : "ca_returned")
        return req.seeOther("/card-applications/\(id.uuidString)")
    }

    @Sendable func clerkEvent(_ req: Request) async throws -> Response {
        let id = try id(req)
        return try await req.submitForm(EventForm.self, flash: "ca_eventDone", redirect: "/card-applications/\(id.uuidString)") { form in
            _ = try await CardOps.clerkEvent(id, name: form.event ?? "", route: form.route, req: req)
            // "Mark reminded" is pressed on the overview's reminder list: go back there.
            return form.event == "reminderSent" && req.query[String.self, at: "back"] == "overview" ? "/card-applications" : nil
        } page: { _, problem in
            if problem.status == .notFound { throw problem.error }
            return try await renderDetail(req, id: id, status: problem.status, error: problem.text)
        }
    }

    // MARK: batches

    struct BatchRow: Encodable, Sendable {
        var id: String
        var createdAt: String
        var count: Int
        var sentAt: String?
        var packageName: String
    }
    struct ColumnRow: Encodable, Sendable {
        var number: Int
        var field: String
        var header: String
    }
    struct BatchesData: Encodable, Sendable {
        var ready: [AppRow]
        var batches: [BatchRow]
        var layoutName: String
        var encoding: String
        var columns: [ColumnRow]
    }

    func renderBatches(_ req: Request, status: HTTPStatus = .ok, error: String? = nil) async throws -> Response {
        let ready = try await CardApplications.loadAll(on: req.db) {
            $0.filter(\.$stage == ApplicationStage.reviewed.rawValue).filter(\.$route == ApplicationRoute.contractorBatch.rawValue)
        }
        let people = try await CardApplications.employees(Set(ready.map(\.model.employeeID)), on: req.db)
        let rows = ready.map { l -> AppRow in
            let e = people[l.model.employeeID]
            return AppRow(id: l.model.id?.uuidString ?? "", employeeNumber: e?.employeeNumber ?? "", name: e?.name ?? "", department: e?.department ?? "",
                          route: Self.routeLabel(l.record.route, req), stage: Self.stageLabel(l.record.stage, req), stageValue: l.record.stage.rawValue,
                          updated: PageTime.show(l.model.updatedAt))
        }
        let batches = try await CardBatchModel.query(on: req.db).sort(\.$createdAt, .descending).all().map { m -> BatchRow in
            let b = try CardApplications.decode(ContractorBatch.self, m.record)
            return BatchRow(id: b.id.rawValue, createdAt: PageTime.show(b.createdAt), count: b.applications.count, sentAt: b.sentAt.map(PageTime.show),
                            packageName: b.packageName)
        }
        let layout = try await CardApplications.layout(on: req.db)
        let data = BatchesData(ready: rows, batches: batches, layoutName: layout.name, encoding: layout.encoding.rawValue,
                               columns: layout.columns.enumerated().map { ColumnRow(number: $0.offset + 1, field: $0.element.field.rawValue, header: $0.element.header) })
        return try await req.renderPage("apply-batches", titleKey: "ca_batchesTitle", data, status: status, error: error, switchPath: "/card-batches")
    }

    @Sendable func batches(_ req: Request) async throws -> Response { try await renderBatches(req) }

    @Sendable func build(_ req: Request) async throws -> Response {
        do { _ = try await CardOps.buildBatch(nil, req: req) } catch {
            let problem = req.pageProblem(error)
            return try await renderBatches(req, status: problem.status, error: problem.text)
        }
        req.flash("ca_built")
        return req.seeOther("/card-batches")
    }

    @Sendable func sent(_ req: Request) async throws -> Response {
        do { _ = try await CardOps.markSent(req.parameters.get("id") ?? "", req: req) } catch {
            let problem = req.pageProblem(error)
            return try await renderBatches(req, status: problem.status, error: problem.text)
        }
        req.flash("ca_marked")
        return req.seeOther("/card-batches")
    }

    @Sendable func package(_ req: Request) async throws -> Response {
        try await CardApplicationController.packageResponse(req.parameters.get("id") ?? "", req: req)
    }

    // MARK: sessions

    struct GroupRow: Encodable, Sendable {
        var prefecture: String
        var city: String
        var name: String
        var count: Int
        var enough: Bool
    }
    struct SessionRow: Encodable, Sendable {
        var id: String
        var city: String
        var status: String
        var date: String
        var place: String
        var count: Int
    }
    struct SessionsData: Encodable, Sendable {
        var groups: [GroupRow]
        var sessions: [SessionRow]
        var minimum: Int
    }

    func renderSessions(_ req: Request, status: HTTPStatus = .ok, error: String? = nil) async throws -> Response {
        let plan = try await CardOps.plan(minimum: 5, maximum: nil, on: req.db)
        let proposed = Set(plan.proposals.map(\.municipality))
        let groups = plan.groups.map {
            GroupRow(prefecture: $0.municipality.prefecture ?? "", city: $0.municipality.city, name: $0.municipality.key, count: $0.applications.count,
                     enough: proposed.contains($0.municipality))
        }
        let sessions = try await CardSessionModel.query(on: req.db).sort(\.$createdAt, .descending).all().map { m -> SessionRow in
            let s = try CardApplications.decode(OnSiteSession.self, m.record)
            return SessionRow(id: s.id.rawValue, city: s.municipality.key, status: req.text("ca_sessionStatus_\(s.status.rawValue)"),
                              date: s.date.map(CardDTO.iso) ?? "—", place: s.place ?? "—", count: s.roster.count)
        }
        return try await req.renderPage("apply-sessions", titleKey: "ca_sessionsTitle", SessionsData(groups: groups, sessions: sessions, minimum: 5),
                                        status: status, error: error, switchPath: "/card-sessions")
    }

    @Sendable func sessions(_ req: Request) async throws -> Response { try await renderSessions(req) }

    struct NewSessionForm: Content {
        var prefecture: String?
        var city: String?
    }

    @Sendable func createSession(_ req: Request) async throws -> Response {
        try await req.submitForm(NewSessionForm.self, flash: "ca_sessionCreated", redirect: "/card-sessions") { form in
            let session = try await CardOps.createSession(prefecture: form.prefecture, city: form.city ?? "", applications: nil, req: req)
            return "/card-sessions/\(session.id.rawValue)"
        } page: { _, problem in
            try await renderSessions(req, status: problem.status, error: problem.text)
        }
    }

    struct DocOption: Encodable, Sendable {
        var id: String
        var label: String
        var hasPhoto: Bool
    }
    struct SessionPageRow: Encodable, Sendable {
        var number: Int
        var application: String
        var employeeNumber: String
        var department: String
        var name: String
        var nameKana: String
        var birthDate: String
        var address: String
        var identityChecked: Bool
        var applied: Bool
        var checklist: [String]
    }
    struct SessionData: Encodable, Sendable {
        var id: String
        var city: String
        var status: String
        var date: String
        var startTime: String
        var place: String
        var contactName: String
        var contactSection: String
        var contactPhone: String
        var contactEmail: String
        var delivery: String
        var rows: [SessionPageRow]
        var documents: [DocOption]
        var canRecord: Bool
        var rosterNote: String
    }

    func sessionData(_ id: String, _ req: Request) async throws -> SessionData {
        let (_, s) = try await CardOps.session(id, on: req.db)
        let roster = try await CardOps.roster(s, on: req.db)
        let lang = Self.lang(req)
        return SessionData(
            id: s.id.rawValue, city: s.municipality.key, status: req.text("ca_sessionStatus_\(s.status.rawValue)"), date: s.date.map(CardDTO.iso) ?? "",
            startTime: CardDTO.time(s.startMinute) ?? "", place: s.place ?? "", contactName: s.cityContact?.name ?? "",
            contactSection: s.cityContact?.section ?? "", contactPhone: s.cityContact?.phone ?? "", contactEmail: s.cityContact?.email ?? "",
            delivery: lang == .japanese ? s.cardDelivery.japaneseLabel : s.cardDelivery.englishLabel,
            rows: roster.rows.map { r in
                SessionPageRow(number: r.number, application: r.application.rawValue, employeeNumber: r.employeeNumber, department: r.department, name: r.name,
                               nameKana: r.nameKana, birthDate: r.birthDate.map(CardDTO.iso) ?? "", address: r.address, identityChecked: r.identityChecked,
                               applied: r.applied, checklist: roster.checklists[r.application]?.lines(in: lang) ?? [])
            },
            documents: IdentityDocumentKind.standardCatalogue.map { DocOption(id: $0.id, label: lang == .japanese ? $0.japaneseName : $0.englishName, hasPhoto: $0.hasPhoto) },
            canRecord: s.status == .agreed || s.status == .held, rosterNote: req.text("ca_rosterNote"))
    }

    func renderSession(_ req: Request, id: String, status: HTTPStatus = .ok, error: String? = nil) async throws -> Response {
        try await req.renderPage("apply-session", titleKey: "ca_sessionTitle", try await sessionData(id, req), status: status, error: error,
                                 switchPath: "/card-sessions/\(id)")
    }

    @Sendable func session(_ req: Request) async throws -> Response { try await renderSession(req, id: req.parameters.get("id") ?? "") }

    struct AgreementForm: Content {
        var date: String?
        var startTime: String?
        var place: String?
        var contactName: String?
        var contactSection: String?
        var contactPhone: String?
        var contactEmail: String?
    }

    @Sendable func agree(_ req: Request) async throws -> Response {
        let id = req.parameters.get("id") ?? ""
        return try await req.submitForm(AgreementForm.self, flash: "ca_agreed", redirect: "/card-sessions/\(id)") { form in
            let agreement = CardOps.Agreement(date: form.date ?? "", startTime: form.startTime, place: form.place ?? "",
                                              contact: CardDTO.Contact(name: form.contactName ?? "", section: form.contactSection,
                                                                       phone: form.contactPhone, email: form.contactEmail))
            _ = try await CardOps.agree(id, agreement, req: req)
            return nil
        } page: { _, problem in
            if problem.status == .notFound { throw problem.error }
            return try await renderSession(req, id: id, status: problem.status, error: problem.text)
        }
    }

    struct AttendanceForm: Content {
        var application: UUID?
        var documents: [String]?
        var applied: String?
    }

    @Sendable func attendance(_ req: Request) async throws -> Response {
        let id = req.parameters.get("id") ?? ""
        return try await req.submitForm(AttendanceForm.self, flash: "ca_recorded", redirect: "/card-sessions/\(id)") { form in
            guard let app = form.application else { throw APIError.notFound("no such application", ja: "その申請はありません。") }
            _ = try await CardOps.attendance(id, CardOps.Attendance(application: app, documents: form.documents, applied: form.applied == "yes"), req: req)
            return nil
        } page: { _, problem in
            // An unknown session is the page's 404; an unknown application within it is shown on the session's page.
            if problem.status == .notFound, try await CardSessionModel.find(id, on: req.db) == nil { throw problem.error }
            return try await renderSession(req, id: id, status: problem.status, error: problem.text)
        }
    }

    @Sendable func roster(_ req: Request) async throws -> Response {
        try await req.renderPage("apply-roster", titleKey: "ca_rosterTitle", try await sessionData(req.parameters.get("id") ?? "", req))
    }

    // MARK: templates

    struct TemplateRow: Encodable, Sendable {
        var id: String
        var heading: String
        var subject: String
        var body: String
        var isDefault: Bool
        var placeholders: String
    }
    struct TemplatesData: Encodable, Sendable {
        var company: String
        var contact: String
        var deadline: String
        var templates: [TemplateRow]
    }

    func renderTemplates(_ req: Request, status: HTTPStatus = .ok, error: String? = nil) async throws -> Response {
        let c = try await CardApplications.campaign(on: req.db)
        var rows: [TemplateRow] = []
        for kind in MessageTemplateKind.allCases {
            for lang in MessageLanguage.allCases {
                let (t, isDefault) = try await CardApplications.template(kind, lang, on: req.db)
                rows.append(TemplateRow(id: CardApplications.templateID(kind, lang),
                                        heading: "\(req.text("ca_templateKind_\(kind.rawValue)")) — \(req.text("ca_language_\(lang.rawValue)"))",
                                        subject: t.subject, body: t.body, isDefault: isDefault, placeholders: t.placeholders.map { "{\($0)}" }.joined(separator: " ")))
            }
        }
        return try await req.renderPage("apply-templates", titleKey: "ca_templatesTitle",
                                        TemplatesData(company: c.company, contact: c.contact, deadline: c.deadline, templates: rows),
                                        status: status, error: error, switchPath: "/card-templates")
    }

    @Sendable func templates(_ req: Request) async throws -> Response { try await renderTemplates(req) }

    struct TemplateForm: Content {
        var subject: String?
        var body: String?
    }

    @Sendable func saveTemplate(_ req: Request) async throws -> Response {
        try await req.submitForm(TemplateForm.self, flash: "ca_templateSaved", redirect: "/card-templates") { form in
            _ = try await CardOps.saveTemplate(req.parameters.get("id") ?? "", subject: form.subject ?? "", body: form.body ?? "", req: req)
            return nil
        } page: { _, problem in
            try await renderTemplates(req, status: problem.status, error: problem.text)
        }
    }

    @Sendable func resetTemplate(_ req: Request) async throws -> Response {
        let id = req.parameters.get("id") ?? ""
        guard CardApplications.parseTemplateID(id) != nil else {
            return try await renderTemplates(req, status: .notFound, error: req.pageLanguage == .ja ? "そのテンプレートはありません。" : "No such template.")
        }
        try await CardApplications.resetTemplate(id, on: req.db)
        try await req.audit(kind: "card_application.template_reset", subject: "template:\(id)")
        req.flash("ca_templateReset")
        return req.seeOther("/card-templates")
    }

    struct CampaignForm: Content {
        var company: String?
        var contact: String?
        var deadline: String?
    }

    @Sendable func saveCampaign(_ req: Request) async throws -> Response {
        try await req.submitForm(CampaignForm.self, flash: "ca_campaignSaved", redirect: "/card-templates") { form in
            try await CardOps.saveCampaign(CardApplications.Campaign(company: form.company ?? "", contact: form.contact ?? "", deadline: form.deadline ?? ""), req: req)
            return nil
        } page: { _, problem in
            try await renderTemplates(req, status: problem.status, error: problem.text)
        }
    }
}
