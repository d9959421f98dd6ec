import Access
import Audit
import CardApplication
import Fluent
import Foundation
import SQLKit
import Store
import Vapor
import ServerCore

/// The card-application actions, shared by the API and the pages so the rules live in one place.
/// Each refuses with a ``APIError`` and records an event in the hash-chained log.
///
/// A value holding what the actions work with: the database, the event writer that records each change
/// in its transaction, and who is acting. A request gets one as `req.cardOps`; a test makes one with
/// `CardOps(db:events:username:employeeID:)`. Helpers that only read take a database and
/// are static.
struct CardOps: Sendable {
    /// Where the records are read and written.
    let db: any Database
    /// Records each change in the same transaction.
    let events: EventWriter
    /// The acting account's name, and its employee record if it has one.
    let username: String
    let employeeID: UUID?
    /// Who acts, as the event log names them.
    var actor: String { "user:\(username)" }

    init(db: any Database, events: EventWriter, username: String, employeeID: UUID?) {
        self.db = db
        self.events = events
        self.username = username
        self.employeeID = employeeID
    }

    /// Runs `write` and appends its record (`kind`, `subject`, this actor) in one transaction.
    func writeAudited(kind: String, subject: String, details: [String: String] = [:],
                      _ write: @escaping @Sendable (any Database) async throws -> Void) async throws {
        try await events.writeAudited(actor: actor, kind: kind, subject: subject, details: details, write)
    }

    /// The general form: `write` gets the transaction and the actor, and returns its value and records.
    func writeAudited<T: Sendable>(_ write: @escaping @Sendable (_ tx: any Database, _ actor: String) async throws -> (T, [AuditDraft])) async throws -> T {
        let actor = self.actor
        return try await events.writeAudited { tx in try await write(tx, actor) }
    }

    /// The acting person's employee id, or 404 for an account with no employee record.
    func me() throws -> UUID {
        guard let e = employeeID else {
            throw APIError.notFound("this account is not linked to an employee", ja: "このアカウントには従業員が結び付いていません。")
        }
        return e
    }

    // MARK: the employee

    func setStatement(_ statement: String?) async throws {
        let e = try me()
        guard statement.map({ ["hasCard", "declined"].contains($0) }) ?? true else {
            throw APIError(.unprocessableEntity, code: "statement_invalid", ja: "選択肢が正しくありません。", en: "statement must be hasCard, declined or none")
        }
        try await writeAudited(kind: "card_application.statement", subject: "employee:\(e.uuidString)", details: ["statement": statement ?? "none"]) { tx in
            try await CardApplications.setStatement(statement, of: e, on: tx)
        }
    }

    func optIn(route: ApplicationRoute?) async throws -> ApplicationRecord {
        let e = try me()
        let actor = self.actor
        let r = ApplicationRecord(id: ApplicationID(rawValue: UUID().uuidString), employee: CardApplications.employeeID(e), route: route,
                                  optedInAt: Date(), by: actor)
        // The checks, the application, the statement and the event in one transaction holding the write
        // turn: two opt-ins at once cannot both find "no open application" and open two.
        return try await events.writeAudited { tx in
            if try await CredentialModel.query(on: tx).filter(\.$employeeID == e).filter(\.$state == "active").first() != nil {
                throw APIError(.conflict, code: "already_enrolled", ja: "あなたのマイナンバーカードは既に登録されています。", en: "Your My Number card is already enrolled.")
            }
            if let open = try await CardApplications.current(of: e, on: tx), open.record.isOpen {
                throw APIError(.conflict, code: "application_open", ja: "申請は既に受け付けています。", en: "You already have an open application.")
            }
            try await CardApplications.save(r, on: tx)
            // Opting in replaces an earlier "I do not want to apply".
            if try await CardApplications.statement(of: e, on: tx) == "declined" { try await CardApplications.setStatement(nil, of: e, on: tx) }
            return (r, [CardApplications.auditDraft("opted_in", r, actor: actor)])
        }
    }

    func mine() async throws -> CardApplications.Loaded {
        guard let l = try await CardApplications.current(of: try me(), on: db) else {
            throw APIError.notFound("no application", ja: "申請はまだありません。")
        }
        return l
    }

    func enterData(_ draft: ApplicationDraft, route: ApplicationRoute?) async throws -> ApplicationRecord {
        let l = try await mine()
        let data: ApplicationData
        switch ApplicationDataValidator().validate(draft, today: CardApplications.today) {
        case .failure(let issues): throw APIError.applicationData(issues)
        case .success(let d): data = d
        }
        let id = try l.model.requireID()
        let who = actor
        return try await events.writeAudited { tx in
            let current = try await CardApplications.load(id, on: tx)
            var r = current.record
            do {
                if let route, route != r.route { try r.apply(.chooseRoute(route), at: Date(), by: who) }
                try r.apply(.enterData(data), at: Date(), by: who)
            } catch let refusal as ApplicationTransitionError { throw APIError(.conflict, refusal) }
            try await CardApplications.save(r, model: current.model, on: tx)
            return (r, [CardApplications.auditDraft("data_entered", r, actor: who)])
        }
    }

    func uploadPhoto(_ bytes: [UInt8]) async throws -> (ApplicationRecord, PhotoReport) {
        let id = try await mine().model.requireID()
        let who = actor
        return try await events.writeAudited { tx in
            let (r, report) = try await CardApplications.upload(bytes, to: try await CardApplications.load(id, on: tx), actor: who, on: tx)
            return ((r, report), [CardApplications.auditDraft("photo_attached", r, actor: who, details: ["bytes": String(bytes.count)])])
        }
    }

    /// What the employee may record themselves: the notice arrived, the card was picked up or came by post, or withdraw.
    func ownEvent(_ name: String) async throws -> ApplicationRecord {
        let l = try await mine()
        let event: ApplicationEvent
        switch name {
        case "noticeReceived": event = .noticeReceived
        case "cardReceived": event = .cardReceived
        case "cardMailed": event = .cardMailed
        case "withdraw": event = .withdraw
        default: throw APIError(.unprocessableEntity, code: "event_unknown", ja: "この操作はできません。", en: "event must be noticeReceived, cardReceived, cardMailed or withdraw")
        }
        return try await applyAudited(event, to: try l.model.requireID())
    }

    // MARK: the clerk

    func review(_ id: UUID, accept: Bool, note: String) async throws -> ApplicationRecord {
        let l = try await CardApplications.load(id, on: db)
        let trimmed = note.trimmingCharacters(in: .whitespacesAndNewlines)
        if !accept && trimmed.isEmpty {
            throw APIError(.unprocessableEntity, code: "note_missing", ja: "差し戻す理由を書いてください。", en: "Write a note saying what to fix.")
        }
        guard note.schemaLength <= 500 else {
            throw APIError(.unprocessableEntity, code: "note_too_long", ja: "メモは500文字以内にしてください。", en: "The note must be at most 500 characters.")
        }
        return try await applyAudited(accept ? .review : .returnToEmployee(note: trimmed), to: try l.model.requireID(),
                                                       kind: accept ? "reviewed" : "returned")
    }

    func clerkEvent(_ id: UUID, name: String, route: String?) async throws -> ApplicationRecord {
        let l = try await CardApplications.load(id, on: db)
        let event: ApplicationEvent
        switch name {
        case "noticeReceived": event = .noticeReceived
        case "cardReceived": event = .cardReceived
        case "cardMailed": event = .cardMailed
        case "reminderSent": event = .reminderSent
        case "withdraw": event = .withdraw
        case "chooseRoute":
            guard let r = route.flatMap(ApplicationRoute.init(rawValue:)) else {
                throw APIError(.unprocessableEntity, code: "route_invalid", ja: "申請方法が正しくありません。", en: "route must be contractorBatch or onSiteSession")
            }
            event = .chooseRoute(r)
        default:
            throw APIError(.unprocessableEntity, code: "event_unknown", ja: "この操作はできません。",
                           en: "event must be noticeReceived, cardReceived, cardMailed, reminderSent, withdraw or chooseRoute")
        }
        return try await applyAudited(event, to: try l.model.requireID())
    }

    // MARK: batches (case 1)

    func buildBatch(_ ids: [UUID]?) async throws -> (ContractorBatch, [String]) {
        var loaded: [CardApplications.Loaded]
        if let ids, !ids.isEmpty {
            loaded = []
            for id in ids { loaded.append(try await CardApplications.load(id, on: db)) }
        } else {
            loaded = try await CardApplications.loadAll(on: db) {
                $0.filter(\.$stage == ApplicationStage.reviewed.rawValue).filter(\.$route == ApplicationRoute.contractorBatch.rawValue)
            }
        }
        let people = try await CardApplications.employees(Set(loaded.map(\.model.employeeID)), on: db)
        var entries: [BatchEntry] = []
        for l in loaded {
            let photo = try await CardApplications.photo(of: try l.model.requireID(), on: db)
            let p = people[l.model.employeeID]
            entries.append(BatchEntry(application: l.record, photo: photo?.bytes ?? Data(), employeeNumber: p?.employeeNumber ?? "", department: p?.department ?? ""))
        }
        let layout = try await CardApplications.layout(on: db)
        let id = BatchID(rawValue: CardApplications.newID("B"))
        let package: BatchPackage
        do { package = try ContractorBatchBuilder(layout: layout).build(id: id, entries: entries, createdAt: Date()) } catch {
            throw APIError(error == .empty ? .unprocessableEntity : .conflict, error)
        }
        let actor = self.actor
        var updated: [(CardApplicationModel, ApplicationRecord)] = []
        for l in loaded {
            var r = l.record
            do { try r.apply(.addToBatch(id), at: Date(), by: actor) } catch { throw APIError(.conflict, error) }
            updated.append((l.model, r))
        }
        let toSave = updated
        try await writeAudited(kind: "card_application.batch_built", subject: "batch:\(id.rawValue)",
                                   details: ["count": String(entries.count), "layout": layout.name]) { tx in
            let m = CardBatchModel()
            m.id = id.rawValue
            m.record = try CardApplications.json(package.batch)
            m.package = package.zip
            m.createdAt = package.batch.createdAt
            try await m.create(on: tx)
            for (model, r) in toSave {
                // Claimed with one conditional update, never read-then-write: of two clerks building at
                // the same moment, the second finds the application no longer `reviewed` and its whole
                // batch is rolled back, so no application is sent to the contractor twice.
                guard let sql = tx as? any SQLDatabase else { throw Abort(.internalServerError, reason: "database without SQL") }
                let claimed = try await sql.raw("""
                    UPDATE card_applications SET stage = \(bind: ApplicationStage.batched.rawValue), batch_id = \(bind: id.rawValue) \
                    WHERE id = \(bind: try model.requireID()) AND stage = \(bind: ApplicationStage.reviewed.rawValue) RETURNING id
                    """).all()
                guard claimed.count == 1 else {
                    throw APIError(.conflict, code: "application_taken", ja: "ほかの一括申請に入ったか、状態が変わった申請があります。もう一度お試しください。",
                                   en: "An application was put in another batch or changed meanwhile. Try again.")
                }
                try await CardApplications.save(r, model: model, on: tx)
            }
        }
        return (package.batch, package.fileNames)
    }

    static func batch(_ id: String, on db: any Database) async throws -> (CardBatchModel, ContractorBatch) {
        guard let m = try await CardBatchModel.find(id, on: db) else { throw APIError.notFound("no such batch", ja: "その一括申請はありません。") }
        return (m, try CardApplications.decode(ContractorBatch.self, m.record, id: id))
    }

    func markSent(_ id: String) async throws -> ContractorBatch {
        let actor = self.actor
        // The batch is read and marked inside the transaction: of two clerks marking it at once, the
        // second finds it already sent (409) rather than both recording the sending.
        return try await writeAudited { tx, auditActor in
            let (m, b0) = try await Self.batch(id, on: tx)
            let b = try Self.sent(b0)
            m.record = try CardApplications.json(b)
            m.sentAt = b.sentAt
            try await m.save(on: tx)
            for a in b.applications {
                guard let uuid = CardApplications.uuid(a) else { continue }
                let l = try await CardApplications.load(uuid, on: tx)
                // An application withdrawn or closed since the batch was built is left as it is.
                guard l.record.stage == .batched, l.record.batch == b.id else { continue }
                _ = try await CardApplications.apply(.sentToContractor(b.id), to: l, actor: actor, on: tx)
            }
            return (b, [AuditDraft(kind: "card_application.batch_sent", actor: auditActor, subject: "batch:\(id)",
                                   details: ["count": String(b.applications.count)])])
        }
    }

    /// The batch marked sent now, or 409 with the rule's words.
    static func sent(_ batch: ContractorBatch) throws -> ContractorBatch {
        var b = batch
        do { try b.markSent(at: Date()) } catch { throw APIError(.conflict, error) }
        return b
    }

    // MARK: sessions (case 2)

    static func plan(minimum: Int?, maximum: Int?, on db: any Database) async throws -> SessionPlan {
        let open = try await CardApplications.loadAll(on: db) { $0.filter(\.$route == ApplicationRoute.onSiteSession.rawValue) }.map(\.record)
        return SessionPlanner(minimumPerSession: minimum ?? 5, maximumPerSession: maximum).plan(open)
    }

    static func session(_ id: String, on db: any Database) async throws -> (CardSessionModel, OnSiteSession) {
        guard let m = try await CardSessionModel.find(id, on: db) else { throw APIError.notFound("no such session", ja: "その申請受付はありません。") }
        return (m, try CardApplications.decode(OnSiteSession.self, m.record, id: id))
    }

    static func saveSession(_ s: OnSiteSession, model: CardSessionModel?, on db: any Database) async throws {
        let m = model ?? CardSessionModel()
        if model == nil {
            m.id = s.id.rawValue
            m.createdAt = Date()
        }
        m.municipality = s.municipality.key
        m.status = s.status.rawValue
        m.record = try CardApplications.json(s)
        try await m.save(on: db)
    }

    /// Creates a session for one city's applicants (those given, or every applicant of the city not yet in a session).
    func createSession(prefecture: String?, city: String, applications: [UUID]?) async throws -> OnSiteSession {
        let plan = try await Self.plan(minimum: 1, maximum: nil, on: db)
        let wanted = Municipality(prefecture: prefecture?.isEmpty == true ? nil : prefecture, city: city)
        guard let group = plan.groups.first(where: { $0.municipality == wanted || ($0.municipality.city == city && prefecture == nil) }) else {
            throw APIError(.unprocessableEntity, code: "no_applicants", ja: "その市区町村の申請者はいません。", en: "No applicants from that city are waiting for a session.")
        }
        var chosen = group.applications
        if let applications, !applications.isEmpty {
            let given = Set(applications.map { ApplicationID(rawValue: $0.uuidString) })
            chosen = chosen.filter { given.contains($0) }
            guard chosen.count == given.count else {
                throw APIError(.unprocessableEntity, code: "session_wrong_city", ja: "この市区町村の申請者でない申請が含まれています。", en: "Some applications are not waiting applicants of this city.")
            }
        }
        let ids = chosen
        let s = OnSiteSession(id: SessionID(rawValue: CardApplications.newID("S")), municipality: group.municipality, roster: ids)
        let actor = self.actor
        try await writeAudited(kind: "card_application.session_created", subject: "session:\(s.id.rawValue)",
                                   details: ["city": s.municipality.key, "count": String(ids.count)]) { tx in
            try await Self.saveSession(s, model: nil, on: tx)
            for a in ids {
                // Application ids are UUIDs (read from the database): one that is not is a damaged row.
                guard let uuid = CardApplications.uuid(a) else {
                    throw Abort(.internalServerError, reason: "application id \(a.rawValue) is not a UUID")
                }
                let l = try await CardApplications.load(uuid, on: tx)
                _ = try await CardApplications.apply(.assignSession(s.id), to: l, actor: actor, on: tx)
            }
        }
        return s
    }

    struct Agreement: Content {
        var date: String
        var startTime: String?
        var place: String
        var contact: CardDTO.Contact
    }

    func agree(_ id: String, _ a: Agreement) async throws -> OnSiteSession {
        guard let date = StrictDate.day(a.date) else {
            throw APIError(.unprocessableEntity, code: "date_invalid", ja: "日付は 2026-12-01 のように、1900〜2100年の実在する日付で入力してください。", en: "Enter the date as 2026-12-01 (\(StrictDate.dayRule)).")
        }
        var minute: Int?
        if let t = a.startTime?.trimmingCharacters(in: .whitespaces), !t.isEmpty {
            let p = t.split(separator: ":")
            guard p.count == 2, let h = Int(p[0]), let mi = Int(p[1]), (0..<24).contains(h), (0..<60).contains(mi) else {
                throw APIError(.unprocessableEntity, code: "time_invalid", ja: "時刻は 10:00 のように入力してください。", en: "Enter the time as 10:00.")
            }
            minute = h * 60 + mi
        }
        guard !a.contact.name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw APIError(.unprocessableEntity, code: "contact_missing", ja: "市区町村の担当者名を入力してください。", en: "Enter the city's contact person.")
        }
        // Every text is bounded (the OpenAPI document says the same): the contact's section, phone and
        // e-mail used to be stored at any length.
        guard a.place.schemaLength <= 200, a.contact.name.schemaLength <= 100, (a.contact.section ?? "").schemaLength <= 100,
              (a.contact.phone ?? "").schemaLength <= 30, (a.contact.email ?? "").schemaLength <= 254 else {
            throw APIError(.unprocessableEntity, code: "too_long", ja: "入力が長すぎます。", en: "The text is too long.")
        }
        let startMinute = minute
        let contact = CityContact(name: a.contact.name, section: a.contact.section ?? "", phone: a.contact.phone ?? "", email: a.contact.email ?? "")
        // Read, agreed and saved in one transaction: an identity check recorded at the session meanwhile
        // (`attendance`) is in the record that is saved, not overwritten by a copy read before it.
        return try await writeAudited { tx, actor in
            let (m, s0) = try await Self.session(id, on: tx)
            let s = try Self.agreed(s0, date: date, startMinute: startMinute, place: a.place, contact: contact)
            try await Self.saveSession(s, model: m, on: tx)
            return (s, [AuditDraft(kind: "card_application.session_agreed", actor: actor, subject: "session:\(id)", details: ["date": a.date])])
        }
    }

    /// The session with the city's agreement, or 422 with the rule's words.
    static func agreed(_ session: OnSiteSession, date: CivilDate, startMinute: Int?, place: String, contact: CityContact) throws -> OnSiteSession {
        var s = session
        do { try s.agree(date: date, startMinute: startMinute, place: place, contact: contact) } catch { throw APIError(.unprocessableEntity, error) }
        return s
    }

    struct Attendance: Content {
        var application: UUID
        var documents: [String]?
        var applied: Bool?
    }

    /// On the day: the documents the city's staff checked, and whether the application was accepted.
    func attendance(_ id: String, _ a: Attendance) async throws -> OnSiteSession {
        let appID = ApplicationID(rawValue: a.application.uuidString)
        let now = Date()
        var kinds: [IdentityDocumentKind]?
        if let docs = a.documents, !docs.isEmpty {
            let catalogue = IdentityDocumentKind.standardCatalogue
            let found = docs.compactMap { d in catalogue.first { $0.id == d } }
            guard found.count == docs.count else {
                throw APIError(.unprocessableEntity, code: "document_unknown", ja: "本人確認書類の種類が正しくありません。", en: "Unknown identity document.")
            }
            kinds = found
        }
        let checked = kinds
        let actor = self.actor
        // The session and the application are read, changed and written inside the transaction, a fresh
        // model each attempt: two clerks recording at the same session at once both land.
        return try await events.writeAudited { tx in
            let (m, stored) = try await Self.session(id, on: tx)
            var s = stored
            if let checked {
                do { try s.recordIdentityCheck(appID, documents: checked, at: now) } catch let e as SessionError { throw APIError(.unprocessableEntity, e) }
            }
            guard a.applied == true else {
                try await Self.saveSession(s, model: m, on: tx)
                return (s, [AuditDraft(kind: "card_application.identity_checked", actor: actor, subject: "session:\(id)", details: ["application": appID.rawValue])])
            }
            do { try s.recordApplied(appID, at: now) } catch let e as SessionError { throw APIError(.conflict, e) }
            let l = try await CardApplications.load(a.application, on: tx)
            var r = l.record
            do { try r.apply(.appliedAtSession(s.id), at: now, by: actor) } catch let e as ApplicationTransitionError { throw APIError(.conflict, e) }
            try await CardApplications.save(r, model: l.model, on: tx)
            try await Self.saveSession(s, model: m, on: tx)
            return (s, [CardApplications.auditDraft("applied_at_session", r, actor: actor, details: ["session": id])])
        }
    }

    static func roster(_ s: OnSiteSession, on db: any Database) async throws -> SessionRoster {
        var apps: [ApplicationRecord] = []
        for a in s.roster {
            // Every person on the roster is listed: an application that cannot be found or read is an error,
            // not a person silently missing from the list the city staff check identities against.
            guard let u = CardApplications.uuid(a), let m = try await CardApplicationModel.find(u, on: db) else {
                // The session exists; what it lists does not: damage (a logged 500), not "no such application".
                throw StoredConfigurationError(what: "card application session", id: s.id.rawValue, field: "roster")
            }
            apps.append(try CardApplications.decode(ApplicationRecord.self, m.record, id: u.uuidString))
        }
        let people = try await CardApplications.employees(Set(apps.compactMap { UUID(uuidString: $0.employee.rawValue) }), on: db)
        var persons: [EmployeeID: SessionRoster.Person] = [:]
        for (id, e) in people { persons[CardApplications.employeeID(id)] = .init(employeeNumber: e.employeeNumber, department: e.department) }
        return SessionRoster(session: s, applications: apps, people: persons)
    }

    // MARK: reminders

    struct Reminder: Content {
        var application: String
        var employeeId: String
        var employeeNumber: String
        var name: String
        var noticeDate: String
        var daysWaiting: Int
        var remindersSent: Int
        var subject: String
        var body: String
    }

    static func reminders(afterDays: Int?, repeatEvery: Int?, lang: MessageLanguage, on db: any Database) async throws -> [Reminder] {
        let waiting = try await CardApplications.loadAll(on: db) { $0.filter(\.$stage == ApplicationStage.noticeReceived.rawValue) }
        let policy = PickupReminderPolicy(afterDays: afterDays ?? 14, repeatEveryDays: repeatEvery ?? 14)
        let due = PickupReminders.due(waiting.map(\.record), today: CardApplications.today, policy: policy)
        let byID = Dictionary(waiting.map { ($0.record.id, $0.record) }, uniquingKeysWith: { a, _ in a })
        let people = try await CardApplications.employees(Set(due.compactMap { UUID(uuidString: $0.employee.rawValue) }), on: db)
        let (template, _) = try await CardApplications.template(.pickupReminder, lang, on: db)
        let campaign = try await CardApplications.campaign(on: db)
        return due.map { d in
            let e = UUID(uuidString: d.employee.rawValue).flatMap { people[$0] }
            let city = byID[d.application]?.data?.municipality.city ?? ""
            let office = lang == .japanese ? (city.isEmpty ? "お住まいの市区町村の窓口" : "\(city)の窓口") : (city.isEmpty ? "your city office" : "the \(city) office")
            let m = template.render(["name": e?.name ?? "", "noticeDate": CardDTO.iso(d.noticeDate), "days": String(d.daysWaiting),
                                     "cityOffice": office, "contact": campaign.contact, "company": campaign.company])
            return Reminder(application: d.application.rawValue, employeeId: d.employee.rawValue, employeeNumber: e?.employeeNumber ?? "",
                            name: e?.name ?? "", noticeDate: CardDTO.iso(d.noticeDate), daysWaiting: d.daysWaiting, remindersSent: d.remindersSent,
                            subject: m.subject, body: m.body)
        }
    }

    // MARK: templates and campaign

    func saveTemplate(_ id: String, subject: String, body: String) async throws -> MessageTemplate {
        guard let (kind, lang) = CardApplications.parseTemplateID(id) else {
            throw APIError.notFound("no such template (use kind.language, e.g. campaign.ja)", ja: "そのテンプレートはありません。")
        }
        let t = MessageTemplate(kind: kind, language: lang, subject: subject.trimmingCharacters(in: .whitespacesAndNewlines), body: body.replacingOccurrences(of: "\r\n", with: "\n"))
        guard !t.subject.isEmpty, !t.body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, subject.schemaLength <= 200, body.schemaLength <= 20_000 else {
            // The bounds apply to the text as sent (the OpenAPI maxLength), not after trimming: a
            // 201-character subject with a leading newline was stored where the document promises a 422.
            throw APIError(.unprocessableEntity, code: "template_empty", ja: "件名と本文を入力してください（件名200文字・本文20,000文字まで）。",
                           en: "Enter a subject and a body (at most 200 and 20,000 characters).")
        }
        let unknown = t.unknownPlaceholders(known: DefaultTemplates.knownPlaceholders)
        guard unknown.isEmpty else {
            let list = unknown.map { "{\($0)}" }.joined(separator: ", ")
            throw APIError(.unprocessableEntity, code: "template_unknown_placeholder", ja: "使えない差し込み項目があります: \(list)", en: "Unknown placeholders: \(list)")
        }
        try await writeAudited(kind: "card_application.template_saved", subject: "template:\(id)") { tx in
            try await CardApplications.putSetting(CardApplications.templateKey(id), t, on: tx)
        }
        return t
    }

    func saveCampaign(_ c: CardApplications.Campaign) async throws {
        guard c.company.schemaLength <= 100, c.contact.schemaLength <= 200, c.deadline.schemaLength <= 100 else {
            throw APIError(.unprocessableEntity, code: "too_long", ja: "入力が長すぎます。", en: "The text is too long.")
        }
        try await writeAudited(kind: "card_application.campaign_saved", subject: "campaign") { tx in
            try await CardApplications.putSetting(CardApplications.campaignKey, c, on: tx)
        }
    }

    /// Puts a template back to the default (the page and the API both come here).
    func resetTemplate(_ id: String) async throws {
        try await writeAudited(kind: "card_application.template_reset", subject: "template:\(id)") { tx in
            try await CardApplications.resetTemplate(id, on: tx)
        }
    }

    /// Saves the contractor's column layout after checking it.
    func saveLayout(_ l: BatchLayout) async throws {
        try CardApplications.validate(l)
        try await writeAudited(kind: "card_application.layout_saved", subject: "layout:\(l.name)") { tx in
            try await CardApplications.putSetting(CardApplications.layoutKey, l, on: tx)
        }
    }

    /// The campaign message for the signed-in person.
    func campaignMessage(_ lang: MessageLanguage) async throws -> RenderedMessage {
        let (t, _) = try await CardApplications.template(.campaign, lang, on: db)
        let c = try await CardApplications.campaign(on: db)
        var name = username
        if let e = employeeID, let m = try await EmployeeModel.find(e, on: db) { name = m.name }
        let fallback = lang == .japanese ? "（未設定）" : "(not set)"
        return t.render(["name": name, "company": c.company.isEmpty ? (lang == .japanese ? "当社" : "The company") : c.company,
                         "contact": c.contact.isEmpty ? fallback : c.contact, "deadline": c.deadline.isEmpty ? fallback : c.deadline])
    }
}

extension Request {
    /// The card-application actions for the signed-in account (``CardOps``).
    var cardOps: CardOps {
        get throws {
            let user = try self.user
            return CardOps(db: db, events: state.events, username: user.username, employeeID: user.employeeID)
        }
    }
}
