import Access
import Audit
import CardApplication
import Fluent
import Foundation
import Store
import Vapor
import ServerCore

extension BatchLayout: Content {}

/// The storage and the rules around `CardApplication`'s values: loading and saving records, the
/// settings (CSV layout, templates, campaign facts), card status, and closing on enrollment.
package enum CardApplications {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()
    static let decoder = JSONDecoder()

    package static func json<T: Encodable>(_ v: T) throws -> String { String(decoding: try encoder.encode(v), as: UTF8.self) }
    /// Reads a stored record (an application, a batch, a session, a setting). Stored text that does not
    /// decode is damage, not the client's mistake: a ``StoredConfigurationError`` (a logged 500 that
    /// names the record's type, never its text), never a 400 "body does not decode" and never a default.
    static func decode<T: Decodable>(_ t: T.Type, _ s: String, id: String = "") throws -> T {
        do { return try decoder.decode(t, from: Data(s.utf8)) } catch {
            throw StoredConfigurationError(what: "card application \(T.self)", id: id, field: "record")
        }
    }

    /// The day in Japan.
    package static var today: CivilDate { JapanTime(Date()).date }

    static func employeeID(_ uuid: UUID) -> EmployeeID { EmployeeID(rawValue: uuid.uuidString) }
    static func uuid(_ id: ApplicationID) -> UUID? { UUID(uuidString: id.rawValue) }

    // MARK: applications

    struct Loaded: Sendable {
        var model: CardApplicationModel
        var record: ApplicationRecord
    }

    static func load(_ id: UUID, on db: any Database) async throws -> Loaded {
        guard let m = try await CardApplicationModel.find(id, on: db) else {
            throw APIError.notFound("no such application", ja: "その申請はありません。")
        }
        return Loaded(model: m, record: try decode(ApplicationRecord.self, m.record, id: id.uuidString))
    }

    static func loadAll(on db: any Database, filter: ((QueryBuilder<CardApplicationModel>) -> QueryBuilder<CardApplicationModel>)? = nil) async throws -> [Loaded] {
        var q = CardApplicationModel.query(on: db)
        if let filter { q = filter(q) }
        return try await q.sort(\.$updatedAt).all().map { Loaded(model: $0, record: try decode(ApplicationRecord.self, $0.record, id: $0.id?.uuidString ?? "")) }
    }

    /// The employee's application to show: the open one, else the latest closed one.
    static func current(of employee: UUID, on db: any Database) async throws -> Loaded? {
        let mine = try await loadAll(on: db) { $0.filter(\.$employeeID == employee) }
        return mine.last { $0.record.isOpen } ?? mine.last
    }

    @discardableResult
    package static func save(_ record: ApplicationRecord, model: CardApplicationModel? = nil, on db: any Database) async throws -> CardApplicationModel {
        let m = model ?? CardApplicationModel()
        if model == nil {
            m.id = uuid(record.id)
            m.employeeID = UUID(uuidString: record.employee.rawValue) ?? UUID()
        }
        m.stage = record.stage.rawValue
        m.route = record.route?.rawValue
        m.batchID = record.batch?.rawValue
        m.sessionID = record.session?.rawValue
        m.record = try json(record)
        m.updatedAt = Date()
        try await m.save(on: db)
        return m
    }

    /// Applies `event` and saves, or throws the domain's refusal as a ``APIError`` (409).
    static func apply(_ event: ApplicationEvent, to loaded: Loaded, actor: String, on db: any Database) async throws -> ApplicationRecord {
        var r = loaded.record
        do { try r.apply(event, at: Date(), by: actor) } catch { throw APIError(.conflict, error) }
        try await save(r, model: loaded.model, on: db)
        if !r.isOpen { try await forgetPhotos(of: r, on: db) }
        return r
    }

    /// A closed application (card enrolled, or withdrawn) needs its face photo no more: the photo is
    /// deleted, and so is a batch's package once every application in it is closed (the batch's record
    /// — ids, dates, layout — stays, so the history still says what was sent and when).
    static func forgetPhotos(of record: ApplicationRecord, on db: any Database) async throws {
        guard !record.isOpen, let id = uuid(record.id) else { return }
        try await CardApplicationPhotoModel.query(on: db).filter(\.$applicationID == id).delete()
        guard let b = record.batch, let m = try await CardBatchModel.find(b.rawValue, on: db), !m.package.isEmpty else { return }
        let batch = try decode(ContractorBatch.self, m.record)
        let ids = batch.applications.compactMap(uuid)
        let stillOpen = try await CardApplicationModel.query(on: db).filter(\.$id ~~ ids)
            .filter(\.$stage != ApplicationStage.enrolled.rawValue).filter(\.$stage != ApplicationStage.withdrawn.rawValue).count()
        if stillOpen == 0 {
            m.package = Data()
            try await m.save(on: db)
        }
    }

    /// "When a card is enrolled the application closes itself": called by enrollment. Returns the ids closed.
    @discardableResult
    static func closeOnEnrollment(employee: UUID, actor: String, on db: any Database) async throws -> [ApplicationID] {
        let open = try await loadAll(on: db) { $0.filter(\.$employeeID == employee).filter(\.$stage != ApplicationStage.enrolled.rawValue).filter(\.$stage != ApplicationStage.withdrawn.rawValue) }
        guard !open.isEmpty else { return [] }
        var records = open.map(\.record)
        let closed = records.closeOnEnrollment(of: employeeID(employee), at: Date(), by: actor)
        for (i, l) in open.enumerated() where closed.contains(l.record.id) {
            try await save(records[i], model: l.model, on: db)
            try await forgetPhotos(of: records[i], on: db)
        }
        return closed
    }

    // MARK: photos

    static func photo(of application: UUID, on db: any Database) async throws -> CardApplicationPhotoModel? {
        try await CardApplicationPhotoModel.query(on: db).filter(\.$applicationID == application).first()
    }

    /// Checks the photo and keeps it when it passes; a refused photo is not stored.
    static func upload(_ bytes: [UInt8], to loaded: Loaded, actor: String, on db: any Database) async throws -> (ApplicationRecord, PhotoReport) {
        let report = PhotoValidator(rules: .jlis).validate(bytes, today: today)
        guard report.isAcceptable else { throw APIError.photo(report) }
        let appID = try loaded.model.requireID()
        let key = "db:\(appID.uuidString)"
        var updated = loaded.record
        do { try updated.apply(.attachPhoto(PhotoAttachment(storageKey: key, report: report)), at: Date(), by: actor) } catch { throw APIError(.conflict, error) }
        let r = updated
        try await db.transaction { tx in
            let p = try await photo(of: appID, on: tx) ?? CardApplicationPhotoModel()
            p.applicationID = appID
            p.employeeID = loaded.model.employeeID
            p.bytes = Data(bytes)
            p.uploadedAt = Date()
            try await p.save(on: tx)
            try await save(r, model: loaded.model, on: tx)
        }
        return (r, report)
    }

    // MARK: card status

    static func statement(of employee: UUID, on db: any Database) async throws -> String? {
        try await CardStatementModel.find(employee, on: db)?.statement
    }

    package static func setStatement(_ statement: String?, of employee: UUID, on db: any Database) async throws {
        if let existing = try await CardStatementModel.find(employee, on: db) {
            if let statement {
                existing.statement = statement
                existing.updatedAt = Date()
                try await existing.save(on: db)
            } else {
                try await existing.delete(on: db)
            }
        } else if let statement {
            let m = CardStatementModel()
            m.id = employee
            m.statement = statement
            m.updatedAt = Date()
            try await m.create(on: db)
        }
    }

    /// One person's status: an active credential wins; other credentials (suspended, retired) mean
    /// the person holds or held a card.
    static func status(of employee: UUID, on db: any Database) async throws -> CardStatus {
        let creds = try await CredentialModel.query(on: db).filter(\.$employeeID == employee).all()
        let statement = try await statement(of: employee, on: db)
        let apps = try await loadAll(on: db) { $0.filter(\.$employeeID == employee) }.map(\.record)
        return CardStatus.of(hasEnrolledCard: creds.contains { $0.state == "active" },
                             saysHasCard: statement == "hasCard" || !creds.isEmpty, declined: statement == "declined", applications: apps)
    }

    struct StatusRow: Sendable {
        var employee: EmployeeModel
        var status: CardStatus
    }

    /// Everyone not retired, with their status, and the summary by department and site.
    static func adoption(on db: any Database) async throws -> (rows: [StatusRow], summary: AdoptionSummary) {
        let people = try await EmployeeModel.query(on: db).filter(\.$status != "retired").sort(\.$employeeNumber).all()
        var active = Set<UUID>(), any = Set<UUID>()
        for c in try await CredentialModel.query(on: db).all() {
            any.insert(c.employeeID)
            if c.state == "active" { active.insert(c.employeeID) }
        }
        var statements: [UUID: String] = [:]
        for s in try await CardStatementModel.query(on: db).all() { if let id = s.id { statements[id] = s.statement } }
        var apps: [UUID: [ApplicationRecord]] = [:]
        for l in try await loadAll(on: db) { apps[l.model.employeeID, default: []].append(l.record) }
        var rows: [StatusRow] = []
        for p in people {
            guard let id = p.id else { continue }
            let s = CardStatus.of(hasEnrolledCard: active.contains(id), saysHasCard: statements[id] == "hasCard" || any.contains(id),
                                  declined: statements[id] == "declined", applications: apps[id] ?? [])
            rows.append(StatusRow(employee: p, status: s))
        }
        let summary = AdoptionSummary(try rows.map {
            EmployeeCardStatus(employee: employeeID(try $0.employee.requireID()), department: $0.employee.department, site: $0.employee.site, status: $0.status)
        })
        return (rows, summary)
    }

    // MARK: settings

    static let layoutKey = "card_application.batch_layout"
    static let campaignKey = "card_application.campaign"
    static func templateKey(_ id: String) -> String { "card_application.template.\(id)" }

    static func setting<T: Decodable>(_ key: String, _ t: T.Type, on db: any Database) async throws -> T? {
        guard let s = try await SettingModel.find(key, on: db) else { return nil }
        // A stored setting that cannot be read is an error: read as absent, a garbled layout would send
        // the contractor the standard columns, a garbled template the default text.
        return try decode(t, s.value, id: key)
    }

    static func putSetting<T: Encodable>(_ key: String, _ value: T, on db: any Database) async throws {
        try await SettingModel.put(key, try json(value), on: db)
    }

    static func layout(on db: any Database) async throws -> BatchLayout {
        try await setting(layoutKey, BatchLayout.self, on: db) ?? .standard
    }

    /// Checks a layout before it is saved.
    static func validate(_ l: BatchLayout) throws {
        guard !l.columns.isEmpty, l.columns.count <= 40 else {
            throw APIError(.unprocessableEntity, code: "layout_columns", ja: "列は1〜40個にしてください。", en: "A layout has 1 to 40 columns.")
        }
        guard (1...64).contains(l.name.schemaLength), l.columns.allSatisfy({ (1...64).contains($0.header.schemaLength) }) else {
            throw APIError(.unprocessableEntity, code: "layout_header", ja: "名前と列見出しは1〜64文字にしてください。", en: "The name and every header must be 1 to 64 characters.")
        }
    }

    /// The facts the campaign and the reminders fill in.
    struct Campaign: Content, Equatable {
        var company: String
        var contact: String
        var deadline: String
        static let empty = Campaign(company: "", contact: "", deadline: "")
    }

    static func campaign(on db: any Database) async throws -> Campaign {
        try await setting(campaignKey, Campaign.self, on: db) ?? .empty
    }

    /// A template id: `kind.language`, e.g. `campaign.ja`.
    static func templateID(_ kind: MessageTemplateKind, _ lang: MessageLanguage) -> String { "\(kind.rawValue).\(lang.rawValue)" }

    static func parseTemplateID(_ id: String) -> (MessageTemplateKind, MessageLanguage)? {
        let parts = id.split(separator: ".")
        guard parts.count == 2, let k = MessageTemplateKind(rawValue: String(parts[0])), let l = MessageLanguage(rawValue: String(parts[1])) else { return nil }
        return (k, l)
    }

    /// The saved template, or the default.
    static func template(_ kind: MessageTemplateKind, _ lang: MessageLanguage, on db: any Database) async throws -> (MessageTemplate, isDefault: Bool) {
        if let t = try await setting(templateKey(templateID(kind, lang)), MessageTemplate.self, on: db) { return (t, false) }
        return (DefaultTemplates.template(kind, lang), true)
    }

    static func resetTemplate(_ id: String, on db: any Database) async throws {
        try await SettingModel.find(templateKey(id), on: db)?.delete(on: db)
    }

    // MARK: names

    static func employees(_ ids: Set<UUID>, on db: any Database) async throws -> [UUID: EmployeeModel] {
        guard !ids.isEmpty else { return [:] }
        var out: [UUID: EmployeeModel] = [:]
        for e in try await EmployeeModel.query(on: db).filter(\.$id ~~ Array(ids)).all() { if let id = e.id { out[id] = e } }
        return out
    }

    /// Appends an event about an application (no personal data in the details: stage and ids only).

    /// A new identifier for a batch or a session: a prefix, the day and time in Japan, and 4 random hex digits.
    static func newID(_ prefix: String) -> String {
        let t = JapanTime(Date())
        let d = t.date
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let rnd = String(format: "%04x", Int.random(in: 0...0xFFFF))
        return "\(prefix)\(d.year)\(two(d.month))\(two(d.day))-\(two(t.minuteOfDay / 60))\(two(t.minuteOfDay % 60))-\(rnd)"
    }
}
