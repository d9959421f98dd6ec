import ArgumentParser
import Foundation
import ServerCore
import Store

/// `mynagate import …`: files from other systems into the server's database, without a server.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import files from other systems (the HR master's people).",
        subcommands: [ImportPeopleCommand.self]
    )
}

struct ImportPeopleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "people",
        abstract: "Preview (default) or apply an HR master export (CSV, UTF-8 or Shift_JIS).",
        discussion: """
            Reads FILE with the preset its header row matches (ja-hr: 社員番号,氏名,所属,勤務地,退職日; \
            ja-payroll: 従業員番号,氏名,部署,事業所,退職年月日,在籍区分; en: employee_number,name,department,\
            site,leaving_date,status), or --preset, or the mapping saved for --source. Prints what would \
            change: new people, changed fields, leaving dates, unchanged, refused lines. --apply applies it \
            in one transaction with its records in the event log (`config.people.imported` and one record \
            per person changed) as an administrator would; applying the same file again changes nothing. \
            A file with a My Number in any cell is refused as a whole and nothing of it is kept. \
            Exit status: 0, 1 when the file is refused, 2 usage error.
            """
    )

    @Argument(help: "The CSV file.") var file: String
    @ArgumentParser.Option(help: "ja-hr, ja-payroll or en (default: the one the header row matches).") var preset: String?
    @ArgumentParser.Option(help: "Use the column mapping saved for this source (PUT /api/v1/people/import/mappings/{source}).") var source: String?
    @ArgumentParser.Flag(help: "Apply the changes (default: preview only).") var apply = false
    @ArgumentParser.Flag(help: "Print JSON.") var json = false
    @OptionGroup var database: AttendanceDatabaseOptions

    func validate() throws {
        if preset != nil && source != nil { throw ValidationError("--preset and --source exclude each other") }
        if let preset, PeoplePreset(rawValue: preset) == nil { throw ValidationError("--preset is ja-hr, ja-payroll or en") }
    }

    func run() async throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch { throw CLIFailure("cannot read \(file)") }
        let (apply, preset, source) = (self.apply, self.preset.flatMap(PeoplePreset.init(rawValue:)), self.source)
        let started = Date()
        FileHandleOutput.standardError.write("reading \(data.count) bytes…\n")
        let summary: PeopleImport.Summary
        do {
            summary = try await database.withDatabase { db in
                let mapping = if let source { try await PeopleImport.savedMapping(source, on: db) } else { preset?.mapping }
                let parsed = try PeopleImport.parse(data, mapping: mapping)
                FileHandleOutput.standardError.write("\(parsed.rows.count) rows read, \(parsed.errors.count) refused; \(apply ? "applying" : "comparing")…\n")
                let sha = PeopleImport.sha256(data)
                guard apply else { return try await PeopleImport.preview(parsed, sha256: sha, isAdmin: true, on: db) }
                let actor = "cli:\(ProcessInfo.processInfo.userName)"
                return try await PeopleImport.applyAudited(parsed, sha256: sha, actor: actor, on: db)
            }
        } catch let e as APIError {
            // The refusal's own sentence (fixed words, never a cell of the file).
            throw CLIFailure(e.english)
        }
        FileHandleOutput.standardError.write(String(format: "done in %.1f s\n", Date().timeIntervalSince(started)))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            return
        }
        print("\(summary.applied ? "applied" : "preview"): \(summary.new) new, \(summary.changed) changed, \(summary.leaving) leaving, "
              + "\(summary.unchanged) unchanged, \(summary.refused) lines refused (\(summary.encoding), sha256 \(summary.sha256))")
        for e in summary.entries {
            let changes = e.changes.map { $0.before.isEmpty ? "\($0.field)=\($0.after)" : "\($0.field): \($0.before) → \($0.after)" }
            print("\(e.new ? "+" : "~") \(e.employeeNumber) " + changes.joined(separator: "; ") + (e.leavingDate.map { " leaving \($0)" } ?? ""))
        }
        if summary.entries.count == PeopleImport.shownEntries { print("(the first \(PeopleImport.shownEntries) people shown)") }
        for e in summary.errors { print(e.en) }
        if !summary.applied, summary.new + summary.changed + summary.leaving > 0 { print("nothing written; run again with --apply to apply") }
    }
}
