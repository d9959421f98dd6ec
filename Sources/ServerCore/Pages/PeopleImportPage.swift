import Foundation
import Vapor

/// `/employees/import` (admin, hr): an HR master export chosen as a file, previewed (counts and the
/// first people it changes), then applied by choosing the same file again — the apply form carries the
/// preview's SHA-256, so what is applied is what was previewed (``PeopleImportController``'s rules).
struct PeopleImportPage {
    /// A file up to the import's own limit; the CSRF token is read from the multipart body (``FileRoutes``).
    static let routes = ["POST /employees/import/preview", "POST /employees/import"]

    func register(_ routes: any RoutesBuilder) {
        routes.get("employees", "import", use: page)
        routes.on(.POST, "employees", "import", "preview", body: .collect(maxSize: PeopleImportController.maxBody), use: preview)
        routes.on(.POST, "employees", "import", body: .collect(maxSize: PeopleImportController.maxBody), use: apply)
    }

    struct Row: Encodable, Sendable {
        var line: Int
        var employeeNumber: String
        var name: String
        var kind: String
        var changes: String
    }

    struct PageData: Encodable, Sendable {
        var presets: [PageOption]
        var hasPreview = false
        var sha256 = ""
        var preset = ""
        var counts: [PageOption] = []
        var rows: [Row] = []
        var errors: [String] = []
        var canApply = false
    }

    struct UploadForm: Content {
        var preset: String?
        var sha256: String?
        var file: File?
    }

    static func data(_ req: Request, preset: String = "", summary: PeopleImport.Summary? = nil) -> PageData {
        let presets = [PageOption(value: "", label: req.text("pi_presetAuto"), checked: preset.isEmpty)]
            + PeoplePreset.allCases.map { PageOption(value: $0.rawValue, label: req.text("pi_preset_\($0.rawValue)"), checked: preset == $0.rawValue) }
        var d = PageData(presets: presets, preset: preset)
        guard let s = summary else { return d }
        d.hasPreview = true
        d.sha256 = s.sha256
        d.counts = [("pi_new", s.new), ("pi_changed", s.changed), ("pi_leaving", s.leaving), ("pi_rebind", s.rebind), ("pi_birthDatesNotRead", s.birthDatesNotRead), ("pi_unchanged", s.unchanged), ("pi_refused", s.refused)]
            .map { PageOption(value: String($0.1), label: req.text($0.0)) }
        d.rows = s.entries.prefix(50).map { e in
            let kind = e.new ? req.text("pi_new") : e.changes.isEmpty ? req.text("pi_leaving") : req.text("pi_changed")
            var changes = e.changes.map { c in
                // A birth date is never shown: only that it is set or changed.
                if c.field == "birthDate" { return "\(req.text("pi_field_birthDate")): \(req.text(c.before.isEmpty ? "pi_birthDateSet" : "pi_birthDateChanged"))" }
                return c.before.isEmpty ? "\(req.text("pi_field_\(c.field)")): \(c.after)" : "\(req.text("pi_field_\(c.field)")): \(c.before) → \(c.after)"
            }
            if let l = e.leavingDate { changes.append("\(req.text("pi_leavingDate")): \(l)") }
            if e.voidsCardBinding { changes.append(req.text("pi_rebindNote")) }
            return Row(line: e.line, employeeNumber: e.employeeNumber, name: e.name, kind: kind, changes: changes.joined(separator: "; "))
        }
        let lang = req.pageLanguage
        d.errors = s.errors.prefix(100).map { lang == .en ? $0.en : $0.ja }
        d.canApply = !s.applied && s.new + s.changed + s.leaving > 0
        return d
    }

    @Sendable func page(_ req: Request) async throws -> Response {
        try await req.renderPage("people-import", titleKey: "pi_title", Self.data(req))
    }

    /// Reads the form: the file's bytes and the mapping of the preset chosen (none: the header decides).
    static func read(_ req: Request) throws -> (form: UploadForm, data: Data, mapping: PeopleColumnMapping?) {
        let f = try req.pageForm(UploadForm.self)
        guard let file = f.file, file.data.readableBytes > 0 else {
            throw APIError(.badRequest, code: "empty_body", ja: "CSVファイルを選んでください", en: "choose a CSV file")
        }
        let preset = f.preset ?? ""
        return (f, Data(buffer: file.data), preset.isEmpty ? nil : try PeopleImportController.preset(preset))
    }

    static func refused(_ req: Request, _ error: any Error, preset: String?) async throws -> Response {
        let problem = req.pageProblem(error)
        // A known preset is kept; anything else a client sent is not shown back.
        let kept = preset.flatMap { PeoplePreset(rawValue: $0)?.rawValue } ?? ""
        return try await req.renderPage("people-import", titleKey: "pi_title", data(req, preset: kept), status: problem.status, error: problem.text,
                                        switchPath: "/employees/import")
    }

    @Sendable func preview(_ req: Request) async throws -> Response {
        var preset: String?
        do {
            let (form, data, mapping) = try Self.read(req)
            preset = form.preset
            let parsed = try PeopleImportController.keepsBirthDates(PeopleImport.parse(data, mapping: mapping), on: req)
            let summary = try await PeopleImport.preview(parsed, sha256: PeopleImport.sha256(data), isAdmin: try req.user.role == .admin, on: req.db)
            return try await req.renderPage("people-import", titleKey: "pi_title", Self.data(req, preset: form.preset ?? "", summary: summary),
                                            switchPath: "/employees/import")
        } catch {
            return try await Self.refused(req, error, preset: preset)
        }
    }

    @Sendable func apply(_ req: Request) async throws -> Response {
        var preset: String?
        do {
            let (form, data, mapping) = try Self.read(req)
            preset = form.preset
            let summary = try await PeopleImportController.apply(data, confirmed: form.sha256, mapping: mapping, on: req)
            let message = "\(req.text("pi_applied")): \(req.text("pi_new")) \(summary.new), \(req.text("pi_changed")) \(summary.changed), "
                + "\(req.text("pi_leaving")) \(summary.leaving), \(req.text("pi_unchanged")) \(summary.unchanged)"
            return try await req.renderPage("people-import", titleKey: "pi_title", Self.data(req, preset: form.preset ?? "", summary: summary),
                                            message: message, switchPath: "/employees/import")
        } catch {
            return try await Self.refused(req, error, preset: preset)
        }
    }
}
