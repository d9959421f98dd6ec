import Fluent
import Foundation
import Store
import Vapor

/// People from the HR master over HTTP (``PeopleImport``): `POST /api/v1/people/import/preview`
/// answers what a file would change and writes nothing; `POST /api/v1/people/import?sha256=…` applies
/// it in one audited transaction — only the file previewed (its SHA-256 must match); `PUT
/// /api/v1/people/import/mappings/{source}` saves a source's column mapping. Administrators and HR
/// import; only an administrator imports leaving dates and status changes (they end or change access,
/// ``EmployeesController/adminOnly``).
struct PeopleImportController {
    /// Room for ``PeopleCSV/maxBytes`` and a little: a larger body is refused by Vapor with 413.
    static let maxBody: ByteCount = "17mb"

    func register(_ app: Application) {
        let staff = app.grouped(RoleMiddleware([.admin, .hr])).grouped("api", "v1", "people", "import")
        staff.on(.POST, "preview", body: .collect(maxSize: Self.maxBody), use: preview)
        staff.on(.POST, body: .collect(maxSize: Self.maxBody), use: apply)
        staff.put("mappings", ":source", use: saveMapping)
    }

    /// The body's bytes; 400 when there are none.
    static func body(_ req: Request) throws -> Data {
        guard let body = req.body.data, body.readableBytes > 0 else {
            throw APIError(.badRequest, code: "empty_body", ja: "CSVをリクエスト本文で送ってください", en: "send the CSV as the request body")
        }
        return Data(buffer: body)
    }

    /// The mapping the request names: `source` (a saved mapping), `preset`, or neither (the preset the
    /// header row matches).
    static func mapping(_ req: Request) async throws -> PeopleColumnMapping? {
        let source = req.query[String.self, at: "source"], preset = req.query[String.self, at: "preset"]
        if source != nil, preset != nil {
            // Both are schema-valid alone; together they are a combination the document cannot forbid: 422.
            throw APIError(.unprocessableEntity, code: "source_and_preset", ja: "source と preset はどちらか一方です", en: "give source or preset, not both")
        }
        if let source { return try await PeopleImport.savedMapping(source, on: req.db) }
        return try preset.map(Self.preset)
    }

    /// The mapping of preset `name`; 400 for a name that is not one.
    static func preset(_ name: String) throws -> PeopleColumnMapping {
        guard let p = PeoplePreset(rawValue: name) else {
            throw APIError(.badRequest, code: "bad_query", ja: "preset は ja-hr・ja-payroll・en のいずれかです", en: "preset is ja-hr, ja-payroll or en")
        }
        return p.mapping
    }

    @Sendable func preview(_ req: Request) async throws -> PeopleImport.Summary {
        let data = try Self.body(req)
        let parsed = try Self.keepsBirthDates(PeopleImport.parse(data, mapping: try await Self.mapping(req)), on: req)
        return try await PeopleImport.preview(parsed, sha256: PeopleImport.sha256(data), isAdmin: try req.user.role == .admin, on: req.db)
    }

    @Sendable func apply(_ req: Request) async throws -> PeopleImport.Summary {
        let fromSource = req.query[String.self, at: "source"] != nil
        let mappingConfirmed = req.query[String.self, at: "mappingSha256"]
        // A saved mapping can be saved again between the preview and the apply (by HR, say, pointing the
        // name at another column): with a source, the apply must name the mapping it previewed.
        if fromSource, mappingConfirmed?.isEmpty ?? true {
            // Each is schema-valid alone; the combination is one the document cannot require: 422.
            throw APIError(.unprocessableEntity, code: "mapping_sha256_required", ja: "source を使うときはプレビューで示された mappingSha256 を付けてください",
                           en: "with source, mappingSha256 (from the preview) is required")
        }
        return try await Self.apply(try Self.body(req), confirmed: req.query[String.self, at: "sha256"], mapping: try await Self.mapping(req),
                                    mappingConfirmed: mappingConfirmed, on: req)
    }

    /// Applies `data` if it is the file previewed (`confirmed`, its SHA-256) read with the mapping previewed
    /// (`mappingConfirmed`, its SHA-256, when given): the API and the page.
    static func apply(_ data: Data, confirmed: String?, mapping: PeopleColumnMapping?, mappingConfirmed: String? = nil,
                      on req: Request) async throws -> PeopleImport.Summary {
        let sha = PeopleImport.sha256(data)
        // The confirmation names the previewed file: a file changed since (or never previewed) is refused.
        guard let confirmed, !confirmed.isEmpty else {
            throw APIError(.badRequest, code: "bad_query", ja: "プレビューで示された sha256 を付けてください", en: "sha256 (from the preview) is required")
        }
        guard confirmed.lowercased() == sha else {
            throw APIError(.conflict, code: "file_changed", ja: "ファイルがプレビューしたものと違います。もう一度プレビューしてください",
                           en: "the file is not the one previewed (its SHA-256 differs); preview it again")
        }
        let parsed = try Self.keepsBirthDates(PeopleImport.parse(data, mapping: mapping), on: req)
        if let mappingConfirmed, mappingConfirmed.lowercased() != (try PeopleImport.mappingSha256(parsed.mapping)) {
            throw APIError(.conflict, code: "mapping_changed", ja: "列の対応がプレビューのときと変わっています。もう一度プレビューしてください",
                           en: "the column mapping is not the one previewed (it was saved again since); preview it again")
        }
        let isAdmin = try req.user.role == .admin
        return try await req.writeAudited(changesPolicy: true) { tx, actor in
            try await PeopleImport.apply(parsed, sha256: sha, actor: actor, isAdmin: isAdmin, on: tx)
        }
    }

    /// A file whose birth dates would be read, on a server that keeps none (no vault feature): 422, as the
    /// employees page refuses a birth date there.
    static func keepsBirthDates(_ parsed: PeopleCSV.Parsed, on req: Request) throws -> PeopleCSV.Parsed {
        guard parsed.mapping.birthDate == nil || req.application.birthDateStore != nil else {
            throw APIError(.unprocessableEntity, code: "no_birth_dates", ja: "このサーバーは生年月日を保管しません。生年月日の列を外してください",
                           en: "this server keeps no birth dates; leave the birth date column out")
        }
        return parsed
    }

    @Sendable func saveMapping(_ req: Request) async throws -> PeopleColumnMapping {
        guard let source = req.parameters.get("source"), PeopleImport.validSource(source) else { throw PeopleImport.badSource }
        let m = try req.decodeBody(PeopleColumnMapping.self)
        try PeopleImport.check(m)
        let isAdmin = try req.user.role == .admin
        let json = String(decoding: try JSONEncoder().encode(m), as: UTF8.self)
        try await req.writeAudited(kind: "config.people.mapping.saved", subject: "people.import:\(source)", details: ["mapping": json]) { tx in
            // A mapping that reads leaving dates or statuses is an administrator's: the columns it names
            // end or change access for everyone an administrator imports with it. HR neither saves one
            // nor overwrites one (checked inside the write, against what is stored then).
            if !isAdmin {
                let stored = try await SettingModel.find(PeopleImport.settingKey(source), on: tx)
                    .map { try PeopleImport.decodeStored($0.value) }
                if m.changesAccess || stored?.changesAccess == true { throw PeopleImport.mappingAdminOnly }
            }
            try await SettingModel.put(PeopleImport.settingKey(source), json, on: tx)
        }
        return m
    }
}

extension PeopleColumnMapping: Content {}
extension PeopleColumnMapping: NullableRequestFields { package static var nullableFields: Set<String> { ["department", "site", "leavingDate", "status", "birthDate"] } }
