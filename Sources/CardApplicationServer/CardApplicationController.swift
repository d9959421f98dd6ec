import Access
import CardApplication
import Fluent
import Foundation
import Store
import Vapor
import ServerCore

/// The card-application API (issue 9). Employees work on their own application under `/api/v1/me/…`
/// (no id in the path: nobody can name another person's application there); HR handlers and
/// administrators review, batch, plan sessions, send reminders and edit the texts. Every refusal is
/// JSON with a code and sentences in Japanese and English.
struct CardApplicationController {
    static let clerks: Set<Role> = [.admin, .hr]
    /// The photo rule allows 7 MB; the route takes a little more so an oversized photo gets the rule's
    /// clear message instead of a bare 413.
    static let photoBodyLimit: ByteCount = "8mb"

    func register(_ routes: any RoutesBuilder) {
        let me = routes.grouped(RoleMiddleware(Set(Role.allCases)))
        me.get("api", "v1", "me", "card-status", use: myStatus)
        me.put("api", "v1", "me", "card-status", use: setMyStatus)
        me.post("api", "v1", "me", "card-application", use: optIn)
        me.get("api", "v1", "me", "card-application", use: myApplication)
        me.put("api", "v1", "me", "card-application", "data", use: enterData)
        me.on(.PUT, "api", "v1", "me", "card-application", "photo", body: .collect(maxSize: Self.photoBodyLimit), use: uploadPhoto)
        me.get("api", "v1", "me", "card-application", "photo", use: myPhoto)
        me.post("api", "v1", "me", "card-application", "events", use: myEvent)
        me.get("api", "v1", "card-campaign", use: campaign)

        let hr = routes.grouped(RoleMiddleware(Self.clerks))
        hr.get("api", "v1", "card-status", use: adoption)
        hr.get("api", "v1", "card-applications", use: list)
        hr.get("api", "v1", "card-applications", ":id", use: get)
        hr.get("api", "v1", "card-applications", ":id", "photo", use: photo)
        hr.post("api", "v1", "card-applications", ":id", "review", use: review)
        hr.post("api", "v1", "card-applications", ":id", "events", use: event)
        hr.get("api", "v1", "card-batches", use: batches)
        hr.post("api", "v1", "card-batches", use: buildBatch)
        hr.get("api", "v1", "card-batches", ":id", "package", use: package)
        hr.post("api", "v1", "card-batches", ":id", "sent", use: sent)
        hr.get("api", "v1", "card-batch-layout", use: layout)
        hr.put("api", "v1", "card-batch-layout", use: setLayout)
        hr.get("api", "v1", "card-sessions", "plan", use: plan)
        hr.get("api", "v1", "card-sessions", use: sessions)
        hr.post("api", "v1", "card-sessions", use: createSession)
        hr.get("api", "v1", "card-sessions", ":id", use: session)
        hr.put("api", "v1", "card-sessions", ":id", "agreement", use: agree)
        hr.post("api", "v1", "card-sessions", ":id", "attendance", use: attendance)
        hr.get("api", "v1", "card-reminders", use: reminders)
        hr.get("api", "v1", "card-templates", use: templates)
        hr.put("api", "v1", "card-templates", ":id", use: saveTemplate)
        hr.delete("api", "v1", "card-templates", ":id", use: resetTemplate)
        hr.put("api", "v1", "card-campaign", use: saveCampaign)
    }

    func uuid(_ req: Request) throws -> UUID {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.badRequest, reason: "id must be a UUID") }
        return id
    }

    func dto(_ r: ApplicationRecord, on db: any Database) async throws -> CardDTO.Application {
        let e = try await UUID(uuidString: r.employee.rawValue).asyncFlatMap { try await EmployeeModel.find($0, on: db) }
        return CardDTO.application(r, employee: e)
    }

    // MARK: employee

    struct MyStatus: Content {
        var status: String
        var statusJa: String
        var statusEn: String
        var statement: String
        var application: CardDTO.Application?
    }

    @Sendable func myStatus(_ req: Request) async throws -> Response {
        let e = try req.cardOps.me()
        let s = try await CardApplications.status(of: e, on: req.db)
        let app = try await CardApplications.current(of: e, on: req.db)
        return try await MyStatus(status: s.rawValue, statusJa: s.japaneseLabel, statusEn: s.englishLabel,
                                  statement: try await CardApplications.statement(of: e, on: req.db) ?? "none",
                                  application: try await app.asyncMap { try await dto($0.record, on: req.db) }).encodeResponse(for: req)
    }

    struct Statement: Content { var statement: String }

    @Sendable func setMyStatus(_ req: Request) async throws -> Response {
        let s = try req.decodeBody(Statement.self)
        try await req.cardOps.setStatement(s.statement == "none" ? nil : s.statement)
        return try await myStatus(req)
    }

    struct OptIn: Content { var route: String? }

    @Sendable func optIn(_ req: Request) async throws -> Response {
        let o = try req.optionalContent(OptIn.self) ?? OptIn(route: nil)
        let route = try o.route.map { r -> ApplicationRoute in
            guard let v = ApplicationRoute(rawValue: r) else {
                throw APIError(.unprocessableEntity, code: "route_invalid", ja: "申請方法が正しくありません。", en: "route must be contractorBatch or onSiteSession")
            }
            return v
        }
        let r = try await req.cardOps.optIn(route: route)
        return try await dto(r, on: req.db).encodeResponse(status: .created, for: req)
    }

    @Sendable func myApplication(_ req: Request) async throws -> Response {
        try await dto(try await req.cardOps.mine().record, on: req.db).encodeResponse(for: req)
    }

    struct Draft: Content {
        var route: String?
        var applicationFormID: String?
        var familyName: String?
        var givenName: String?
        var familyNameKana: String?
        var givenNameKana: String?
        var birthDate: String?
        var postalCode: String?
        var address: String?
        var city: String?
        var phone: String?
        var email: String?

        var draft: ApplicationDraft {
            ApplicationDraft(applicationFormID: applicationFormID ?? "", familyName: familyName ?? "", givenName: givenName ?? "",
                             familyNameKana: familyNameKana ?? "", givenNameKana: givenNameKana ?? "", birthDate: birthDate ?? "",
                             postalCode: postalCode ?? "", address: address ?? "", city: city ?? "", phone: phone ?? "", email: email ?? "")
        }
    }

    @Sendable func enterData(_ req: Request) async throws -> Response {
        let d = try req.decodeBody(Draft.self)
        let route = d.route.flatMap(ApplicationRoute.init(rawValue:))
        let r = try await req.cardOps.enterData(d.draft, route: route)
        return try await dto(r, on: req.db).encodeResponse(for: req)
    }

    struct PhotoResult: Content {
        var application: CardDTO.Application
        var width: Int?
        var height: Int?
        var notices: [APIError.Issue]
    }

    @Sendable func uploadPhoto(_ req: Request) async throws -> Response {
        let bytes = req.body.data.map { Array($0.readableBytesView) } ?? []
        let (r, report) = try await req.cardOps.uploadPhoto(bytes)
        let size = report.info?.displaySize
        return try await PhotoResult(application: try await dto(r, on: req.db), width: size?.width, height: size?.height,
                                     notices: report.issues.map(APIError.Issue.photo)).encodeResponse(for: req)
    }

    @Sendable func myPhoto(_ req: Request) async throws -> Response {
        try await CardApplicationController.photoResponse(try await req.cardOps.mine().model.requireID(), on: req)
    }

    struct EventBody: Content {
        var event: String
        var route: String?
    }

    @Sendable func myEvent(_ req: Request) async throws -> Response {
        let e = try req.decodeBody(EventBody.self)
        return try await dto(try await req.cardOps.ownEvent(e.event), on: req.db).encodeResponse(for: req)
    }

    struct CampaignMessage: Content {
        var subject: String
        var body: String
        var language: String
    }

    /// `lang`: absent → Japanese; `ja` or `en`; anything else is 400, not Japanese by default (a caller
    /// who asked for `lang=EN` or `lang=fr` would otherwise get a letter they cannot send unnoticed).
    static func language(_ req: Request) throws -> MessageLanguage {
        try req.queryChoice("lang", among: ["ja", "en"]) == "en" ? .english : .japanese
    }

    @Sendable func campaign(_ req: Request) async throws -> Response {
        let lang = try Self.language(req)
        let m = try await req.cardOps.campaignMessage(lang)
        return try await CampaignMessage(subject: m.subject, body: m.body, language: lang.rawValue).encodeResponse(for: req)
    }

    // MARK: clerk

    @Sendable func adoption(_ req: Request) async throws -> CardDTO.Adoption {
        let (rows, summary) = try await CardApplications.adoption(on: req.db)
        return CardDTO.Adoption(
            overall: CardDTO.counts(summary.overall),
            byDepartment: summary.byDepartment.map { CardDTO.Group(name: $0.name, counts: CardDTO.counts($0.counts)) },
            bySite: summary.bySite.map { CardDTO.Group(name: $0.name, counts: CardDTO.counts($0.counts)) },
            employees: try rows.map {
                CardDTO.StatusRow(employeeId: (try $0.employee.requireID()).uuidString, employeeNumber: $0.employee.employeeNumber, name: $0.employee.name,
                                  department: $0.employee.department, site: $0.employee.site, status: $0.status.rawValue)
            })
    }

    @Sendable func list(_ req: Request) async throws -> [CardDTO.Application] {
        let stage = try req.queryChoice("stage", among: ApplicationStage.allCases.map(\.rawValue))
        let route = try req.queryChoice("route", among: ApplicationRoute.allCases.map(\.rawValue))
        let all = try await CardApplications.loadAll(on: req.db) { q in
            var q = q
            if let stage { q = q.filter(\.$stage == stage) }
            if let route { q = q.filter(\.$route == route) }
            return q
        }
        let people = try await CardApplications.employees(Set(all.map(\.model.employeeID)), on: req.db)
        return all.map { CardDTO.application($0.record, employee: people[$0.model.employeeID]) }
    }

    @Sendable func get(_ req: Request) async throws -> Response {
        try await dto(try await CardApplications.load(try uuid(req), on: req.db).record, on: req.db).encodeResponse(for: req)
    }

    @Sendable func photo(_ req: Request) async throws -> Response {
        try await CardApplicationController.photoResponse(try uuid(req), on: req)
    }

    struct Review: Content {
        var decision: String
        var note: String?
    }

    @Sendable func review(_ req: Request) async throws -> Response {
        let id = try uuid(req)
        let r = try req.decodeBody(Review.self)
        guard r.decision == "accept" || r.decision == "return" else { throw Abort(.unprocessableEntity, reason: "decision must be accept or return") }
        return try await dto(try await req.cardOps.review(id, accept: r.decision == "accept", note: r.note ?? ""), on: req.db).encodeResponse(for: req)
    }

    @Sendable func event(_ req: Request) async throws -> Response {
        let id = try uuid(req)
        let e = try req.decodeBody(EventBody.self)
        return try await dto(try await req.cardOps.clerkEvent(id, name: e.event, route: e.route), on: req.db).encodeResponse(for: req)
    }

    // MARK: batches

    @Sendable func batches(_ req: Request) async throws -> [CardDTO.Batch] {
        try await CardBatchModel.query(on: req.db).sort(\.$createdAt, .descending).all().map {
            CardDTO.batch(try CardApplications.decode(ContractorBatch.self, $0.record, id: $0.id ?? ""))
        }
    }

    struct BuildBody: Content { var applications: [UUID]? }
    struct Built: Content {
        var batch: CardDTO.Batch
        var fileNames: [String]
    }

    @Sendable func buildBatch(_ req: Request) async throws -> Response {
        // No body means "every reviewed application"; a body that does not decode is refused rather
        // than read as no body, which would batch everyone.
        var b = BuildBody(applications: nil)
        if let n = req.body.data?.readableBytes, n > 0 {
            do { b = try req.decodeBody(BuildBody.self) } catch {
                throw APIError(.badRequest, code: "body_invalid", ja: "申請の一覧が正しくありません。", en: "applications must be a list of application ids (UUIDs)")
            }
        }
        let (batch, files) = try await req.cardOps.buildBatch(b.applications)
        return try await Built(batch: CardDTO.batch(batch), fileNames: files).encodeResponse(status: .created, for: req)
    }

    @Sendable func package(_ req: Request) async throws -> Response {
        try await Self.packageResponse(req.parameters.get("id") ?? "", req: req)
    }

    static func packageResponse(_ id: String, req: Request) async throws -> Response {
        let (m, b) = try await CardOps.batch(id, on: req.db)
        guard !m.package.isEmpty else {
            throw APIError(.gone, code: "package_deleted", ja: "この一括申請の全員の申請が完了したため、送付データ（顔写真を含む）は削除されました。",
                           en: "Every application in this batch is closed, so its package (with the photos) has been deleted.")
        }
        let res = Response(status: .ok, body: .init(data: m.package))
        res.headers.replaceOrAdd(name: .contentType, value: "application/zip")
        res.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(b.packageName)\"")
        res.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        try await req.audit(kind: "card_application.batch_downloaded", subject: "batch:\(id)")
        return res
    }

    @Sendable func sent(_ req: Request) async throws -> Response {
        try await CardDTO.batch(try await req.cardOps.markSent(req.parameters.get("id") ?? "")).encodeResponse(for: req)
    }

    @Sendable func layout(_ req: Request) async throws -> BatchLayout {
        try await CardApplications.layout(on: req.db)
    }

    @Sendable func setLayout(_ req: Request) async throws -> Response {
        let l: BatchLayout
        do { l = try req.decodeBody(BatchLayout.self) } catch {
            throw APIError(.unprocessableEntity, code: "layout_invalid", ja: "列の設定が正しくありません。",
                           en: "The layout must be {name, columns: [{field, header}], encoding: utf8WithBOM|shiftJIS, dateStyle: iso|slashes|compact, includeHeader}")
        }
        try await req.cardOps.saveLayout(l)
        return try await l.encodeResponse(for: req)
    }

    // MARK: sessions

    struct PlanGroup: Content {
        var prefecture: String?
        var city: String
        var applications: [String]
        var count: Int
    }
    struct Plan: Content {
        var minimumPerSession: Int
        var groups: [PlanGroup]
        var proposals: [PlanGroup]
        var needsMoreApplicants: [PlanGroup]
    }

    /// The largest session size `plan` takes. Bounded because the planner divides a city's count by
    /// `maximum` after adding it (`(count + maximum - 1) / maximum`), which traps on overflow: an
    /// unchecked `?maximum=9223372036854775807` brought the whole server down.
    static let planSizeLimit = 10_000

    @Sendable func plan(_ req: Request) async throws -> Plan {
        let minimum = try req.queryInteger("minimum") ?? 5
        let maximum = try req.queryInteger("maximum")
        guard minimum <= Self.planSizeLimit, maximum.map({ (1...Self.planSizeLimit).contains($0) }) ?? true else {
            throw Abort(.badRequest, reason: "minimum is at most \(Self.planSizeLimit) and maximum 1–\(Self.planSizeLimit)")
        }
        let p = try await CardOps.plan(minimum: minimum, maximum: maximum, on: req.db)
        func g(_ m: Municipality, _ a: [ApplicationID]) -> PlanGroup { PlanGroup(prefecture: m.prefecture, city: m.city, applications: a.map(\.rawValue), count: a.count) }
        return Plan(minimumPerSession: max(1, minimum), groups: p.groups.map { g($0.municipality, $0.applications) },
                    proposals: p.proposals.map { g($0.municipality, $0.applications) },
                    needsMoreApplicants: p.needsMoreApplicants.map { g($0.municipality, $0.applications) })
    }

    @Sendable func sessions(_ req: Request) async throws -> [CardDTO.Session] {
        try await CardSessionModel.query(on: req.db).sort(\.$createdAt, .descending).all().map {
            CardDTO.session(try CardApplications.decode(OnSiteSession.self, $0.record, id: $0.id ?? ""))
        }
    }

    struct NewSession: Content {
        var prefecture: String?
        var city: String
        var applications: [UUID]?
    }

    @Sendable func createSession(_ req: Request) async throws -> Response {
        let n = try req.decodeBody(NewSession.self)
        let s = try await req.cardOps.createSession(prefecture: n.prefecture, city: n.city, applications: n.applications)
        return try await CardDTO.session(s, roster: try await CardOps.roster(s, on: req.db)).encodeResponse(status: .created, for: req)
    }

    @Sendable func session(_ req: Request) async throws -> Response {
        let (_, s) = try await CardOps.session(req.parameters.get("id") ?? "", on: req.db)
        return try await CardDTO.session(s, roster: try await CardOps.roster(s, on: req.db)).encodeResponse(for: req)
    }

    @Sendable func agree(_ req: Request) async throws -> Response {
        let a = try req.decodeBody(CardOps.Agreement.self)
        let s = try await req.cardOps.agree(req.parameters.get("id") ?? "", a)
        return try await CardDTO.session(s).encodeResponse(for: req)
    }

    @Sendable func attendance(_ req: Request) async throws -> Response {
        let a = try req.decodeBody(CardOps.Attendance.self)
        let s = try await req.cardOps.attendance(req.parameters.get("id") ?? "", a)
        return try await CardDTO.session(s, roster: try await CardOps.roster(s, on: req.db)).encodeResponse(for: req)
    }

    // MARK: reminders, templates, campaign

    @Sendable func reminders(_ req: Request) async throws -> [CardOps.Reminder] {
        try await CardOps.reminders(afterDays: try req.queryInteger("afterDays"), repeatEvery: try req.queryInteger("repeatEveryDays"),
                                    lang: try Self.language(req), on: req.db)
    }

    @Sendable func templates(_ req: Request) async throws -> [CardDTO.Template] {
        var out: [CardDTO.Template] = []
        for kind in MessageTemplateKind.allCases {
            for lang in MessageLanguage.allCases {
                let (t, isDefault) = try await CardApplications.template(kind, lang, on: req.db)
                out.append(CardDTO.template(t, isDefault: isDefault))
            }
        }
        return out
    }

    struct TemplateBody: Content {
        var subject: String
        var body: String
    }

    @Sendable func saveTemplate(_ req: Request) async throws -> Response {
        let b = try req.decodeBody(TemplateBody.self)
        let t = try await req.cardOps.saveTemplate(req.parameters.get("id") ?? "", subject: b.subject, body: b.body)
        return try await CardDTO.template(t, isDefault: false).encodeResponse(for: req)
    }

    @Sendable func resetTemplate(_ req: Request) async throws -> Response {
        let id = req.parameters.get("id") ?? ""
        guard let (kind, lang) = CardApplications.parseTemplateID(id) else { throw APIError.notFound("no such template", ja: "そのテンプレートはありません。") }
        try await req.cardOps.resetTemplate(id)
        return try await CardDTO.template(DefaultTemplates.template(kind, lang), isDefault: true).encodeResponse(for: req)
    }

    @Sendable func saveCampaign(_ req: Request) async throws -> Response {
        let c = try req.decodeBody(CardApplications.Campaign.self)
        try await req.cardOps.saveCampaign(c)
        return try await c.encodeResponse(for: req)
    }
}

fileprivate extension Optional {
    func asyncMap<T>(_ f: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let v = self else { return nil }
        return try await f(v)
    }
    func asyncFlatMap<T>(_ f: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let v = self else { return nil }
        return try await f(v)
    }
}

extension CardApplicationController {
    /// An application's photo as an HTTP answer (the page and the API both send it this way).
    static func photoResponse(_ application: UUID, on req: Request) async throws -> Response {
        guard let p = try await CardApplications.photo(of: application, on: req.db) else {
            throw APIError.notFound("no photo", ja: "顔写真はありません。")
        }
        let res = Response(status: .ok, body: .init(data: p.bytes))
        res.headers.replaceOrAdd(name: .contentType, value: "image/jpeg")
        // Personal data: never cached, never sniffed as something else.
        res.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        res.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        res.headers.replaceOrAdd(name: "Content-Security-Policy", value: "default-src 'none'")
        return res
    }
}
