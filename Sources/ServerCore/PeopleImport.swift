import Access
import Audit
import Crypto
import Fluent
import NIOConcurrencyHelpers
import SQLKit
import Foundation
import Store
import Vapor

/// People from the HR master: an export parsed (``PeopleCSV``), compared with the people stored
/// (``PeopleImportPlan``), shown as a preview, then applied in one transaction. Used by the API, the
/// page and `mynagate import people`, which differ only in how they seal the transaction.
///
/// Records: one `config.people.imported` summary (counts, encoding, the file's SHA-256), and one
/// record per person created, changed or leaving (`config.employee.created`, `config.employee.updated`,
/// `config.employee.leaving`) — the same records the employees API writes, so a person's history reads
/// the same whichever way they changed. A first import of 50,000 people writes 50,001 records; a
/// re-import writes one per person who changed.
package enum PeopleImport {
    /// What a preview shows and an apply answers.
    package struct Summary: Content, Sendable {
        /// SHA-256 (hex) of the file: the apply must name it, so what is applied is what was previewed.
        package var sha256: String
        package var encoding: String
        package var mapping: PeopleColumnMapping
        /// SHA-256 (hex) of ``mapping``: an apply with a saved mapping (`source`) must name it.
        package var mappingSha256: String
        package var new: Int
        package var changed: Int
        package var leaving: Int
        /// People renamed whose card is bound by their old name: those cards go back to pending.
        package var rebind: Int
        /// Birth dates of people already stored that a non-administrator's import does not read.
        package var birthDatesNotRead: Int
        package var unchanged: Int
        /// Lines not read; ``errors`` holds the first 1,000.
        package var refused: Int
        package var applied: Bool
        /// The first 200 people created or changed, in file order.
        package var entries: [PeopleImportPlan.Entry]
        package var errors: [LineErrorDTO]
    }

    package static let shownEntries = 200

    package static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).lowercaseHex
    }

    /// SHA-256 of a mapping's JSON with sorted keys: the same mapping always hashes the same.
    package static func mappingSha256(_ m: PeopleColumnMapping) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return sha256(try encoder.encode(m))
    }

    /// Parses, answering a refusal of the whole file as a 4xx that carries no cell.
    package static func parse(_ data: Data, mapping: PeopleColumnMapping?) throws -> PeopleCSV.Parsed {
        let parsed: PeopleCSV.Parsed
        do { parsed = try PeopleCSV.parse(data, mapping: mapping) } catch {
            let status: HTTPResponseStatus = error == .tooLarge ? .payloadTooLarge : .unprocessableEntity
            let code = if case .myNumberColumn = error { "my_number_column" } else { "bad_people_file" }
            throw APIError(status, code: code, ja: error.ja, en: error.en)
        }
        guard !parsed.rows.isEmpty else {
            throw NoUsableLine.refusal(parsed.errors.map { .init(line: $0.line, reason: $0.reason.rawValue, ja: $0.ja, en: $0.en) })
        }
        return parsed
    }

    /// The columns of a stored person the plan compares, read as plain rows: a re-import of 50,000
    /// people reads them all twice (preview, apply), and Fluent's per-model reflection made each read
    /// take seconds.
    struct StoredPerson: Decodable {
        var id: UUID
        var employeeNumber: String
        var name: String
        var department: String
        var site: String
        var status: String
        var validUntil: Date?
        enum CodingKeys: String, CodingKey {
            case id, name, department, site, status
            case employeeNumber = "employee_number", validUntil = "valid_until"
        }
    }

    struct StoredProfile: Decodable {
        var id: UUID
        var birthDate: String
        var leavingDate: String?
        enum CodingKeys: String, CodingKey { case id = "employee_id", birthDate = "birth_date", leavingDate = "leaving_date" }
    }

    /// The people stored, with their vault leaving and birth dates, keyed by employee number.
    static func current(on db: any Database) async throws -> [String: PeopleImportPlan.Current] {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError, reason: "the people import needs an SQL database") }
        var leaving: [UUID: String] = [:], births: [UUID: String] = [:]
        for p in try await sql.select().columns("employee_id", "birth_date", "leaving_date").from(VaultProfileModel.schema).all(decoding: StoredProfile.self) {
            if let l = p.leavingDate { leaving[p.id] = l }
            if !p.birthDate.isEmpty { births[p.id] = p.birthDate }
        }
        // Whose card is bound by the signing certificate's name and birth date (the cards a change of
        // either voids; Enrollment).
        let bound = Set(try await CredentialModel.query(on: db).filter(\.$binding == CredentialBinding.Evidence.signingCertificate.rawValue).all()
            .filter { $0.state == "active" || $0.state == "pending" }.map(\.employeeID))
        var current: [String: PeopleImportPlan.Current] = [:]
        let people = try await sql.select().columns("id", "employee_number", "name", "department", "site", "status", "valid_until")
            .from(EmployeeModel.schema).all(decoding: StoredPerson.self)
        current.reserveCapacity(people.count)
        for m in people {
            current[m.employeeNumber] = .init(id: m.id, employeeNumber: m.employeeNumber, name: m.name, department: m.department, site: m.site,
                                              status: m.status, validUntil: m.validUntil, leavingDate: leaving[m.id],
                                              signingBound: bound.contains(m.id), birthDate: births[m.id])
        }
        return current
    }

    /// The stored records of the people the plan changes or ends, by employee number, 500 ids a query.
    static func models(for plan: PeopleImportPlan, on db: any Database) async throws -> [String: EmployeeModel] {
        let ids = plan.entries.compactMap(\.id)
        var models: [String: EmployeeModel] = [:]
        for start in stride(from: 0, to: ids.count, by: 500) {
            for m in try await EmployeeModel.query(on: db).filter(\.$id ~~ Array(ids[start..<min(start + 500, ids.count)])).all() {
                models[m.employeeNumber] = m
            }
        }
        return models
    }

    static func summary(_ parsed: PeopleCSV.Parsed, _ plan: PeopleImportPlan, sha256: String, applied: Bool) throws -> Summary {
        Summary(sha256: sha256, encoding: parsed.encoding, mapping: parsed.mapping, mappingSha256: try mappingSha256(parsed.mapping), new: plan.newCount, changed: plan.changedCount, leaving: plan.leavingCount,
                rebind: plan.rebindCount, birthDatesNotRead: plan.birthDatesNotRead, unchanged: plan.unchanged, refused: parsed.errors.count, applied: applied, entries: Array(plan.entries.prefix(shownEntries)),
                errors: parsed.errors.prefix(1_000).map(LineErrorDTO.init))
    }

    /// What applying `parsed` would change now; writes nothing.
    package static func preview(_ parsed: PeopleCSV.Parsed, sha256: String, isAdmin: Bool, on db: any Database) async throws -> Summary {
        let plan = PeopleImportPlan.make(rows: parsed.rows, current: try await current(on: db), readsStoredBirthDates: isAdmin)
        return try summary(parsed, plan, sha256: sha256, applied: false)
    }

    /// The refusal of a change only an administrator makes (``PeopleImportPlan/needsAdmin``).
    static let adminOnly = APIError(.forbidden, code: "forbidden",
                                    ja: "退職日・在籍区分の変更と、カードが氏名・生年月日で結び付いている人の氏名・生年月日の変更は管理者だけが取り込めます。該当する列や行を外すか、管理者が取り込んでください",
                                    en: "only an administrator imports leaving dates, status changes and changes to the name or birth date of people whose card is bound by them (they end or change access); leave those out or ask an administrator")

    /// Applies `parsed` on `tx` (a transaction the caller seals the returned records in, and bumps the
    /// policy version in): the plan is worked out again from what is stored now, so a change made since
    /// the preview is seen, and a second apply of the same file changes nothing.
    package static func apply(_ parsed: PeopleCSV.Parsed, sha256: String, actor: String, isAdmin: Bool, on tx: any Database) async throws -> (Summary, [AuditDraft]) {
        let plan = PeopleImportPlan.make(rows: parsed.rows, current: try await current(on: tx), readsStoredBirthDates: isAdmin)
        if !isAdmin, plan.needsAdmin { throw adminOnly }
        let models = try await models(for: plan, on: tx)
        var drafts: [AuditDraft] = []
        var created: [EmployeeModel] = []
        var leavers: [(EmployeeModel, CivilDate)] = []
        var births: [String: CivilDate] = [:]
        for e in plan.entries {
            guard let row = e.row else { continue }
            if e.new {
                if let b = row.birthDate { births[row.employeeNumber] = b }
                let m = EmployeeModel(employeeNumber: row.employeeNumber, name: row.name, department: row.department ?? "", site: row.site ?? "",
                                      status: row.status ?? "active", groups: [])
                m.id = UUID()
                created.append(m)
                if let d = row.leavingDate { leavers.append((m, d)) }
                continue
            }
            // Read in the same transaction the plan was made in: a stored person the plan names is there.
            guard let m = models[row.employeeNumber] else { throw Abort(.internalServerError, reason: "a person the import changes could not be read") }
            let id = try m.requireID()
            if !e.changes.isEmpty {
                let before = EmployeesController.auditValues(m)
                m.name = row.name
                if let d = row.department { m.department = d }
                if let s = row.site { m.site = s }
                if let s = row.status { m.status = s }
                try await m.save(on: tx)
                var details = ["import": sha256]
                for (k, v) in EmployeesController.auditValues(m) where before[k] != v {
                    details["\(k).before"] = before[k] ?? ""
                    details["\(k).after"] = v
                }
                // A birth date is the vault profile's: recorded as changed, its value not repeated in the log.
                let birthChanged = isAdmin && e.changes.contains { $0.field == "birthDate" }
                if birthChanged, let b = row.birthDate {
                    details["birthDate"] = try await setBirthDate(b, of: id, on: tx)
                }
                drafts.append(AuditDraft(kind: "config.employee.updated", actor: actor, subject: "employee:\(id.uuidString)", details: details))
                // A changed name or birth date voids the cards bound by the old ones, as the employees API does.
                if before["name"] != m.name || birthChanged { drafts += try await Enrollment.recheckBindings(employeeID: id, actor: actor, on: tx) }
            }
            if let d = row.leavingDate, e.leavingDate != nil { leavers.append((m, d)) }
        }
        // New people in batches: one INSERT per 500 rows instead of one per person; then the vault
        // profiles of those with a birth date (before the leavers, whose leaving date goes on them).
        for start in stride(from: 0, to: created.count, by: 500) {
            try await Array(created[start..<min(start + 500, created.count)]).create(on: tx)
        }
        let profiles: [[any Encodable & Sendable]] = try created.compactMap { m in
            guard let b = births[m.employeeNumber] else { return nil }
            return [try m.requireID(), "", b.description, "", String?.none]
        }
        guard let sql = tx as? any SQLDatabase else { throw Abort(.internalServerError, reason: "the people import needs an SQL database") }
        // As VaultProfileModel's columns (CreateVaultTables).
        try await BulkInsert.run(into: VaultProfileModel.schema, columns: ["employee_id", "address", "birth_date", "sex", "leaving_date"], rows: profiles, on: sql)
        for m in created {
            var details = ["employeeNumber": m.employeeNumber, "import": sha256]
            if births[m.employeeNumber] != nil { details["birthDate"] = "set" }
            for (k, v) in EmployeesController.auditValues(m) where !v.isEmpty { details["\(k).after"] = v }
            drafts.append(AuditDraft(kind: "config.employee.created", actor: actor, subject: "employee:\(try m.requireID().uuidString)", details: details))
        }
        for (m, d) in leavers { drafts += try await EmployeeLeaving.record(m, leavingDate: d, actor: actor, on: tx) }
        let result = try summary(parsed, plan, sha256: sha256, applied: true)
        let summaryRecord = AuditDraft(kind: "config.people.imported", actor: actor, subject: "people", details: [
            "sha256": sha256, "encoding": parsed.encoding, "new": String(result.new), "changed": String(result.changed),
            "leaving": String(result.leaving), "rebind": String(result.rebind), "unchanged": String(result.unchanged), "refused": String(result.refused),
        ])
        return (result, [summaryRecord] + drafts)
    }

    /// Sets a stored person's birth date on their vault profile (made when they have none yet); returns
    /// what the record says of it (`set` or `changed`), never the date.
    static func setBirthDate(_ date: CivilDate, of id: UUID, on tx: any Database) async throws -> String {
        if let p = try await VaultProfileModel.find(id, on: tx) {
            let was = p.birthDate
            p.birthDate = date.description
            try await p.save(on: tx)
            return was.isEmpty ? "set" : "changed"
        }
        let p = VaultProfileModel.empty(for: id)
        p.birthDate = date.description
        try await p.create(on: tx)
        return "set"
    }

    /// ``apply(_:sha256:actor:isAdmin:on:)`` as an administrator, sealed by a plain ``AuditStore`` with
    /// the policy version bumped in the same transaction: for `mynagate import people --apply`, which
    /// runs without a server (a running server sees the new version at its next poll).
    package static func applyAudited(_ parsed: PeopleCSV.Parsed, sha256: String, actor: String, on db: any Database) async throws -> Summary {
        let result = NIOLockedValueBox<Summary?>(nil)
        _ = try await AuditStore(db: db).append(building: { tx in
            let (summary, drafts) = try await apply(parsed, sha256: sha256, actor: actor, isAdmin: true, on: tx)
            _ = try await PolicyLoader.bumpVersion(on: tx)
            result.withLockedValue { $0 = summary }
            return drafts
        })
        guard let summary = result.withLockedValue({ $0 }) else {
            throw APIError(.internalServerError, code: "internal_error", ja: "サーバー内部でエラーが起きました。", en: "the import was written but its result was lost")
        }
        return summary
    }

    // MARK: - Saved mappings

    /// The setting key a source's mapping is saved under.
    static func settingKey(_ source: String) -> String { "people.import.mapping.\(source)" }

    /// A source name: 1–64 of letters, digits, `.`, `_`, `-` (it becomes part of a setting key).
    static func validSource(_ s: String) -> Bool {
        (1...64).contains(s.utf8.count) && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }
    }

    static let badSource = APIError(.badRequest, code: "bad_source", ja: "取込元の名前は英数字と . _ - の1〜64文字です", en: "source is 1–64 letters, digits, '.', '_' or '-'")

    /// The mapping saved for `source`; 404 when none is.
    package static func savedMapping(_ source: String, on db: any Database) async throws -> PeopleColumnMapping {
        guard validSource(source) else { throw badSource }
        guard let s = try await SettingModel.find(settingKey(source), on: db) else {
            throw APIError(.notFound, code: "not_found", ja: "この取込元の列の対応は保存されていません", en: "no mapping is saved for this source")
        }
        return try decodeStored(s.value)
    }

    /// A stored mapping's JSON; one that does not decode is a fault of the store, not of the request:
    /// said (500), not defaulted.
    static func decodeStored(_ json: String) throws -> PeopleColumnMapping {
        do { return try JSONDecoder().decode(PeopleColumnMapping.self, from: Data(json.utf8)) } catch {
            throw APIError(.internalServerError, code: "internal_error", ja: "保存された列の対応を読めません", en: "the saved mapping could not be read")
        }
    }

    /// HR saving, or overwriting, a mapping that reads leaving dates or statuses.
    static let mappingAdminOnly = APIError(.forbidden, code: "forbidden", ja: "退職日・在籍区分の列を読む対応は管理者だけが保存・変更できます",
                                           en: "only an administrator saves or changes a mapping that reads leaving dates or statuses")

    /// Checks a mapping a client sends: each header 1–64 characters, each once, no 12-digit run.
    package static func check(_ m: PeopleColumnMapping) throws {
        guard m.isWellFormed, !m.headers.contains(where: FreeText.containsNumberRun) else {
            throw APIError(.unprocessableEntity, code: "bad_mapping", ja: PeopleCSV.Refusal.badMapping.ja, en: PeopleCSV.Refusal.badMapping.en)
        }
    }
}
