import Access
import CardApplication
import Fluent
import Foundation
import Store
import Vapor
import ServerCore

/// The employee's own card-application page (`/my/card`): statement, opt-in, data, photo, events.
extension CardApplicationPages {
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
        var statements: [PageOption]
        var canOptIn: Bool
        var routes: [PageOption]
        var application: MyApplication?
        var fields: [Field]
        var problems: [String]
        var photoProblems: [String]
        var photoNotices: [String]
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
            data.statements = ["hasCard", "declined", "none"].map { PageOption(value: $0, label: req.text("ca_statement_\($0)"), checked: $0 == statement) }
            data.canOptIn = s != .enrolled && current?.record.isOpen != true
            data.routes = ApplicationRoute.allCases.map { PageOption(value: $0.rawValue, label: Self.routeLabel($0, req), checked: $0 == .contractorBatch) }
            if let r = current?.record {
                let editable = [ApplicationStage.optedIn, .dataEntered, .reviewed].contains(r.stage)
                data.application = MyApplication(
                    stage: Self.stageLabel(r.stage, req), route: Self.routeLabel(r.route, req), routeValue: r.route?.rawValue ?? "", clerkNote: r.clerkNote,
                    canEdit: editable, hasPhoto: r.photo != nil, isOpen: r.isOpen, events: Self.events(for: r, clerk: false, req),
                    history: Self.history(r, req), awaitingEnrollment: r.stage == .cardReceived || r.stage == .cardMailed)
                if editable {
                    data.fields = Self.fields(draft ?? Self.draft(r.data), req)
                    data.routes = ApplicationRoute.allCases.map { PageOption(value: $0.rawValue, label: Self.routeLabel($0, req), checked: $0 == (r.route ?? .contractorBatch)) }
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
            try await req.cardOps.setStatement(statement == "none" ? nil : statement)
            return nil
        } page: { _, problem in
            try await renderMy(req, status: problem.status, error: problem.text)
        }
    }

    struct ApplyForm: Content { var route: String? }

    @Sendable func apply(_ req: Request) async throws -> Response {
        try await req.submitForm(ApplyForm.self, flash: "ca_optedIn", redirect: "/my/card") { form in
            _ = try await req.cardOps.optIn(route: form.route.flatMap(ApplicationRoute.init(rawValue:)))
            return nil
        } page: { _, problem in
            try await renderMy(req, status: problem.status, error: problem.text)
        }
    }

    @Sendable func data(_ req: Request) async throws -> Response {
        try await req.submitForm(CardApplicationController.Draft.self, flash: "ca_dataSaved", redirect: "/my/card") { form in
            _ = try await req.cardOps.enterData(form.draft, route: form.route.flatMap(ApplicationRoute.init(rawValue:)))
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
            (_, report) = try await req.cardOps.uploadPhoto(bytes)
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
        let l = try await req.cardOps.mine()
        return try await CardApplicationController.photoResponse(try l.model.requireID(), on: req)
    }

    struct EventForm: Content {
        var event: String?
        var route: String?
    }

    @Sendable func myEvent(_ req: Request) async throws -> Response {
        try await req.submitForm(EventForm.self, flash: "ca_eventDone", redirect: "/my/card") { form in
            _ = try await req.cardOps.ownEvent(form.event ?? "")
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
        let m = try await req.cardOps.campaignMessage(Self.lang(req))
        return try await req.renderPage("apply-campaign", titleKey: "ca_campaignTitle", CampaignData(subject: m.subject, body: m.body))
    }
}
