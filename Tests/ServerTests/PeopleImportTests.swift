import Access
import Fluent
import Foundation
import ServerCore
import Store
import Testing
import Trust
import Vapor

/// People from the HR master (issue 21 item 1) through real HTTP: preview, apply, re-apply, leavers,
/// the My Number refusal, Shift_JIS, the roles, the hash confirmation.
@Suite("People import")
struct PeopleImportTests {
    static let file = """
        社員番号,氏名,所属,勤務地,退職日
        P001,山田 太郎,総務部,本社,
        P002,佐藤 花子,開発部,大阪,
        P003,鈴木 一郎,営業部,本社,2026-03-31
        """

    static func preview(_ s: TestServer, _ who: TestServer.Identity, _ body: Data, query: String = "") async throws -> TestServer.Reply {
        try await s.send(.POST, "/api/v1/people/import/preview\(query)", as: who, raw: body, contentType: "text/csv")
    }

    /// Previews, then applies with the preview's hash.
    static func previewAndApply(_ s: TestServer, _ who: TestServer.Identity, _ body: Data) async throws -> (TestServer.Reply, TestServer.Reply) {
        let p = try await preview(s, who, body)
        let sha = p.object()["sha256"] as? String ?? ""
        let a = try await s.send(.POST, "/api/v1/people/import?sha256=\(sha)", as: who, raw: body, contentType: "text/csv")
        return (p, a)
    }

    static func auditText(_ s: TestServer) async throws -> String {
        try await s.app.mynagate.events.flush()
        return try await AuditRecordModel.query(on: s.app.db).all().map { "\($0.kind) \($0.subject) \($0.details)" }.joined(separator: "\n")
    }

    @Test("preview writes nothing; apply creates, records and ends a leaver's access at the end of the day; the same file again changes nothing")
    func previewApplyReapply() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        let body = Data(Self.file.utf8)
        let (p, a) = try await Self.previewAndApply(s, admin, body)
        #expect(p.status == .ok, "\(p.text)")
        let po = p.object()
        #expect(po["new"] as? Int == 3 && po["leaving"] as? Int == 1 && po["applied"] as? Bool == false && po["encoding"] as? String == "UTF-8")
        #expect(a.status == .ok, "\(a.text)")
        #expect(a.object()["new"] as? Int == 3 && a.object()["applied"] as? Bool == true)
        let people = try await EmployeeModel.query(on: s.app.db).sort(\.$employeeNumber).all()
        #expect(people.map(\.employeeNumber) == ["P001", "P002", "P003"])
        #expect(people.map(\.department) == ["総務部", "開発部", "営業部"] && people.allSatisfy { $0.groups == "[]" })
        // The leaver: valid until 1 April 00:00 JST (the end of 31 March), and the vault's retention starts from that day.
        let leaver = people[2]
        #expect(leaver.validUntil == JapanTime.instant(CivilDate(year: 2026, month: 4, day: 1)))
        let profile = try await VaultProfileModel.find(try leaver.requireID(), on: s.app.db)
        #expect(profile?.leavingDate == "2026-03-31")
        let log = try await Self.auditText(s)
        #expect(log.components(separatedBy: "config.people.imported").count == 2)
        #expect(log.components(separatedBy: "config.employee.created").count == 4)
        #expect(log.contains("config.employee.leaving employee:\(try leaver.requireID().uuidString)"))

        // The same file again: nothing new, nothing changed, and only the import's own summary is recorded.
        let before = try await AuditRecordModel.query(on: s.app.db).count()
        let (p2, a2) = try await Self.previewAndApply(s, admin, body)
        #expect(p2.object()["unchanged"] as? Int == 3 && p2.object()["new"] as? Int == 0 && p2.object()["leaving"] as? Int == 0)
        #expect(a2.status == .ok && a2.object()["unchanged"] as? Int == 3 && (a2.object()["entries"] as? [Any])?.isEmpty == true)
        try await s.app.mynagate.events.flush()
        #expect(try await AuditRecordModel.query(on: s.app.db).count() == before + 1)
        #expect(try await EmployeeModel.query(on: s.app.db).count() == 3)
    }

    @Test("a changed row is shown field by field, then applied with its before and after recorded")
    func changedRow() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        _ = try await Self.previewAndApply(s, admin, Data(Self.file.utf8))
        let changed = Data(Self.file.replacingOccurrences(of: "P002,佐藤 花子,開発部,大阪", with: "P002,佐藤 花子,品質保証部,大阪").utf8)
        let (p, a) = try await Self.previewAndApply(s, admin, changed)
        #expect(p.object()["changed"] as? Int == 1 && p.object()["unchanged"] as? Int == 2)
        let entry = (p.object()["entries"] as? [[String: Any]])?.first
        #expect(entry?["employeeNumber"] as? String == "P002" && entry?["line"] as? Int == 3)
        let change = (entry?["changes"] as? [[String: Any]])?.first
        #expect(change?["field"] as? String == "department" && change?["before"] as? String == "開発部" && change?["after"] as? String == "品質保証部")
        #expect(a.status == .ok)
        #expect(try await EmployeeModel.query(on: s.app.db).filter(\.$employeeNumber == "P002").first()?.department == "品質保証部")
        #expect(try await Self.auditText(s).contains("config.employee.updated"))
    }

    @Test("a column of My Numbers refuses the whole file, naming the column only; nothing is stored or logged")
    func myNumberColumnRefused() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        let file = "社員番号,氏名,所属,個人番号\nP001,山田 太郎,総務部,123456789018\nP002,佐藤 花子,開発部,\n"
        for path in ["/api/v1/people/import/preview", "/api/v1/people/import?sha256=\(PeopleImport.sha256(Data(file.utf8)))"] {
            let r = try await s.send(.POST, path, as: admin, raw: Data(file.utf8), contentType: "text/csv")
            #expect(r.status == .unprocessableEntity, "\(r.text)")
            #expect(r.object()["code"] as? String == "my_number_column")
            #expect(r.text.contains("column 4") && r.text.contains("vault only"))
            #expect(!r.text.contains("123456789018") && !r.text.contains("P001"))
        }
        #expect(try await EmployeeModel.query(on: s.app.db).count() == 0)
        let log = try await Self.auditText(s)
        #expect(!log.contains("123456789018") && !log.contains("people.imported"))
    }

    @Test("a Shift_JIS export is read as Shift_JIS")
    func shiftJIS() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        let body = try #require(ShiftJIS.encode(Self.file, lossy: false))
        #expect(String(data: body, encoding: .utf8) == nil)
        let (p, a) = try await Self.previewAndApply(s, admin, body)
        #expect(p.object()["encoding"] as? String == "Shift_JIS" && p.object()["new"] as? Int == 3)
        #expect(a.status == .ok)
        #expect(try await EmployeeModel.query(on: s.app.db).filter(\.$employeeNumber == "P001").first()?.name == "山田 太郎")
    }

    @Test("HR imports people but not leaving dates or status; security and employees do not import")
    func roles() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let withLeaver = Data(Self.file.utf8)
        let (p, a) = try await Self.previewAndApply(s, hr, withLeaver)
        #expect(p.status == .ok)
        #expect(a.status == .forbidden, "\(a.text)")
        #expect(try await EmployeeModel.query(on: s.app.db).count() == 0)
        let noLeaver = Data("社員番号,氏名,所属,勤務地,退職日\nP001,山田 太郎,総務部,本社,\n".utf8)
        let (_, a2) = try await Self.previewAndApply(s, hr, noLeaver)
        #expect(a2.status == .ok, "\(a2.text)")
        #expect(try await EmployeeModel.query(on: s.app.db).count() == 1)
        for role in [Role.security, .employee] {
            let who = try await s.user(role)
            #expect(try await Self.preview(s, who, withLeaver).status == .forbidden)
            #expect(try await s.send(.POST, "/api/v1/people/import?sha256=x", as: who, raw: withLeaver, contentType: "text/csv").status == .forbidden)
        }
    }

    @Test("a header-only file is 422, an empty body 400, a file changed since its preview 409, an unknown preset 400")
    func refusals() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        let headerOnly = try await Self.preview(s, admin, Data("社員番号,氏名,所属,勤務地,退職日\n".utf8))
        #expect(headerOnly.status == .unprocessableEntity && headerOnly.object()["code"] as? String == "no_usable_line")
        #expect(try await s.send(.POST, "/api/v1/people/import/preview", as: admin, contentType: "text/csv").status == .badRequest)
        let p = try await Self.preview(s, admin, Data(Self.file.utf8))
        let sha = p.object()["sha256"] as? String ?? ""
        let other = Data((Self.file + "\nP004,高橋 次郎,総務部,本社,").utf8)
        let r = try await s.send(.POST, "/api/v1/people/import?sha256=\(sha)", as: admin, raw: other, contentType: "text/csv")
        #expect(r.status == .conflict && r.object()["code"] as? String == "file_changed")
        #expect(try await s.send(.POST, "/api/v1/people/import", as: admin, raw: other, contentType: "text/csv").status == .badRequest)
        #expect(try await EmployeeModel.query(on: s.app.db).count() == 0)
        let unknown = try await Self.preview(s, admin, Data(Self.file.utf8), query: "?preset=zz-unknown")
        #expect(unknown.status == .badRequest && !unknown.text.contains("zz-unknown"))
        let noPreset = try await Self.preview(s, admin, Data("番号,名前\n1,a\n".utf8))
        #expect(noPreset.status == .unprocessableEntity)
    }

    @Test("a mapping saved for a source reads that source's headers")
    func savedMapping() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let mapping: [String: Any] = ["employeeNumber": "ID", "name": "Full name", "department": "Dept"]
        let put = try await s.send(.PUT, "/api/v1/people/import/mappings/acme-hr", as: hr, json: mapping)
        #expect(put.status == .ok, "\(put.text)")
        let file = Data("ID,Full name,Dept\nA1,Ann,Sales\n".utf8)
        let r = try await Self.preview(s, hr, file, query: "?source=acme-hr")
        #expect(r.status == .ok && r.object()["new"] as? Int == 1, "\(r.text)")
        #expect(try await Self.preview(s, hr, file, query: "?source=nobody").status == .notFound)
        #expect(try await s.send(.PUT, "/api/v1/people/import/mappings/acme-hr", as: hr, json: ["employeeNumber": "ID", "name": "ID"]).status == .unprocessableEntity)
        #expect(try await Self.auditText(s).contains("config.people.mapping.saved"))
    }
}

extension PeopleImportTests {
    static func multipart(csrf: String?, file: Data, fields: [String: String] = [:]) -> (Data, String) {
        let boundary = "----mynagate\(UUID().uuidString)"
        var body = Data()
        if let csrf { body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(csrf)\r\n".utf8) }
        for (k, v) in fields { body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n".utf8) }
        body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"people.csv\"\r\nContent-Type: text/csv\r\n\r\n".utf8)
        body += file
        body += Data("\r\n--\(boundary)--\r\n".utf8)
        return (body, "multipart/form-data; boundary=\(boundary)")
    }

    @Test("the page: a file previewed, then applied by choosing it again with the preview's hash; another file is refused; English with ?lang=en")
    func page() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        let file = Data(Self.file.utf8)
        #expect(try await s.send(.GET, "/employees/import", as: admin).text.contains("人事マスタの取り込み"))
        let (noToken, t0) = Self.multipart(csrf: nil, file: file)
        #expect(try await s.send(.POST, "/employees/import/preview", as: admin, raw: noToken, contentType: t0, csrf: false).status == .forbidden)
        let (body, type) = Self.multipart(csrf: admin.csrf, file: file, fields: ["preset": "ja-hr"])
        let preview = try await s.send(.POST, "/employees/import/preview", as: admin, raw: body, contentType: type, csrf: false)
        #expect(preview.status == .ok && preview.text.contains("id=\"pi-apply-form\"") && preview.text.contains("鈴木 一郎"), "\(preview.status)")
        #expect(try await EmployeeModel.query(on: s.app.db).count() == 0)
        let sha = PeopleImport.sha256(file)
        #expect(preview.text.contains(sha))
        // Another file under the preview's hash is refused; the previewed one is applied.
        let (other, t2) = Self.multipart(csrf: admin.csrf, file: Data((Self.file + "\nP009,x,y,z,").utf8), fields: ["sha256": sha])
        #expect(try await s.send(.POST, "/employees/import", as: admin, raw: other, contentType: t2, csrf: false).status == .conflict)
        let (same, t3) = Self.multipart(csrf: admin.csrf, file: file, fields: ["sha256": sha, "preset": "ja-hr"])
        let applied = try await s.send(.POST, "/employees/import", as: admin, raw: same, contentType: t3, csrf: false)
        #expect(applied.status == .ok && applied.text.contains("取り込みました"), "\(applied.status)")
        #expect(try await EmployeeModel.query(on: s.app.db).count() == 3)
        // A My Number file through the page: refused, the number not shown.
        let (myNumber, t4) = Self.multipart(csrf: admin.csrf, file: Data("社員番号,氏名,番号\nP100,x,123456789018\n".utf8))
        let refused = try await s.send(.POST, "/employees/import/preview", as: admin, raw: myNumber, contentType: t4, csrf: false)
        #expect(refused.status == .unprocessableEntity && refused.text.contains("保管庫") && !refused.text.contains("123456789018"))
        #expect(try await s.send(.GET, "/employees/import?lang=en", as: admin).text.contains("People from the HR master"))
    }
}

/// The parser and the plan alone.
@Suite("People CSV and plan")
struct PeopleCSVTests {
    @Test("presets are recognised; bad lines are refused by line and reason; BOM is skipped")
    func parse() throws {
        let text = "\u{FEFF}employee_number,name,department,site,leaving_date,status\nE1,Ann,Sales,Tokyo,,active\nE2,,Sales,Tokyo,,\nE3,Bob,Sales,Tokyo,2026-02-30,\nE1,Ann,Sales,Tokyo,,\nE4,Cy,Ops\nE5,Di,Ops,Osaka,20260331,退職\n"
        let p = try PeopleCSV.parse(Data(text.utf8), mapping: nil)
        // The preset's optional birth_date column is absent from this export, so it is not read.
        var expected = PeoplePreset.en.mapping
        expected.birthDate = nil
        #expect(p.mapping == expected)
        #expect(p.rows.map(\.employeeNumber) == ["E1", "E5"])
        #expect(p.rows[1].leavingDate == CivilDate(year: 2026, month: 3, day: 31) && p.rows[1].status == "retired")
        #expect(p.errors.map(\.line) == [3, 4, 5, 6])
        #expect(p.errors.map(\.reason) == [.name, .leavingDate, .duplicate, .fieldCount])
    }

    @Test("a My Number anywhere refuses the file by column position")
    func myNumber() {
        #expect(throws: PeopleCSV.Refusal.myNumberColumn(2)) { try PeopleCSV.parse(Data("社員番号,メモ,氏名\nA,1234 5678 9018,x\n".utf8), mapping: nil) }
        // 12 digits with a wrong check digit are not a My Number (but stay out of free text).
        #expect(throws: Never.self) { try PeopleCSV.parse(Data("社員番号,氏名\nA,x\n123456789010,y\n".utf8), mapping: nil) }
    }

    @Test("the plan: new, changed, leaving, unchanged; an absent column and an empty leaving date leave what is stored")
    func plan() throws {
        let id = UUID()
        let current = ["E1": PeopleImportPlan.Current(id: id, employeeNumber: "E1", name: "Ann", department: "Sales", site: "Tokyo", status: "active", validUntil: nil, leavingDate: nil)]
        let same = PeopleRow(line: 2, employeeNumber: "E1", name: "Ann", department: nil, site: nil, leavingDate: nil, status: nil)
        #expect(PeopleImportPlan.make(rows: [same], current: current).unchanged == 1)
        var leaving = same
        leaving.leavingDate = CivilDate(year: 2026, month: 3, day: 31)
        let p = PeopleImportPlan.make(rows: [leaving], current: current)
        #expect(p.leavingCount == 1 && p.changedCount == 0 && p.needsAdmin)
        var done = current
        done["E1"]?.validUntil = EmployeeLeaving.endOfDay(CivilDate(year: 2026, month: 3, day: 31))
        done["E1"]?.leavingDate = "2026-03-31"
        #expect(PeopleImportPlan.make(rows: [leaving], current: done).unchanged == 1)
        var moved = same
        moved.department = "Ops"
        let m = PeopleImportPlan.make(rows: [moved, PeopleRow(line: 3, employeeNumber: "E2", name: "Bo", department: "Ops", site: nil, leavingDate: nil, status: nil)], current: current)
        #expect(m.changedCount == 1 && m.newCount == 1 && !m.needsAdmin)
        #expect(m.entries[0].changes == [PeopleImportPlan.FieldChange(field: "department", before: "Sales", after: "Ops")])
    }
}

/// After the attacker review: disguised My Numbers, and a leaving that would give access back.
@Suite("People import: disguised numbers and later leavings")
struct PeopleImportReviewTests {
    @Test("a My Number behind an apostrophe, inside =\"…\", after a label, or in Arabic-Indic digits refuses the file; in the employee number it is a line error")
    func disguisedNumbers() throws {
        for cell in ["'123456789018", "=\"123456789018\"", "No.123456789018", "番号:1234-5678-9018", "١٢٣٤٥٦٧٨٩٠١٨"] {
            let csv = "社員番号,メモ,氏名\nA1,\(cell),x\n"
            #expect(throws: PeopleCSV.Refusal.myNumberColumn(2), "\(cell)") { try PeopleCSV.parse(Data(csv.utf8), mapping: nil) }
        }
        // 12 digits without a valid check digit are not a My Number: the file is read, but an employee
        // number holding such a run is still a line error (never stored, never recorded).
        let parsed = try PeopleCSV.parse(Data("社員番号,氏名\nNo.123456789012,x\nA2,y\n".utf8), mapping: nil)
        #expect(parsed.rows.map(\.employeeNumber) == ["A2"])
        #expect(parsed.errors.map(\.line) == [2])
        // A 13-digit corporate number in a memo is not refused as a My Number.
        #expect(!PeopleCSV.looksLikeMyNumber("法人番号 1234567890123"))
    }

    @Test("the API refuses an employee number holding a 12-digit run, even without a valid check digit")
    func employeeNumberRun() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let r = try await s.send(.POST, "/api/v1/employees", as: hr, json: ["employeeNumber": "No.123456789012", "name": "x", "department": "y"])
        #expect(r.status == .unprocessableEntity && !r.text.contains("123456789012"), "\(r.status) \(r.text)")
        await s.stop()
    }

    @Test("a leaving date later than the end an administrator already set never gives access back; the same file is then unchanged")
    func leavingOnlyShortens() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        let made = try await s.send(.POST, "/api/v1/employees", as: admin, json: ["employeeNumber": "R0001", "name": "早期 終了", "department": "総務部",
                                                                                  "validUntil": "2026-01-10T00:00:00Z"])
        #expect(made.status == .created, "\(made.text)")
        let id = try #require(UUID(uuidString: made.object()["id"] as? String ?? ""))
        let before = try #require(try await EmployeeModel.find(id, on: s.app.db)?.validUntil)
        let file = "社員番号,氏名,所属,勤務地,退職日\nR0001,早期 終了,総務部,,2026-03-31\n"
        let preview = try await s.send(.POST, "/api/v1/people/import/preview", as: admin, raw: Data(file.utf8), contentType: "text/csv")
        let sha = try #require(preview.object()["sha256"] as? String)
        let applied = try await s.send(.POST, "/api/v1/people/import?sha256=\(sha)", as: admin, raw: Data(file.utf8), contentType: "text/csv")
        #expect(applied.status == .ok, "\(applied.text)")
        #expect(try await EmployeeModel.find(id, on: s.app.db)?.validUntil == before, "the earlier end stays")
        #expect(try await VaultProfileModel.find(id, on: s.app.db)?.leavingDate == "2026-03-31", "the vault still learns the leaving day")
        let again = try await s.send(.POST, "/api/v1/people/import/preview", as: admin, raw: Data(file.utf8), contentType: "text/csv")
        #expect(again.object()["leaving"] as? Int == 0, "\(again.text)")
        await s.stop()
    }
}

extension PeopleImportTests {
    /// A person with an active card bound by the name on their signing certificate, as enrollment binds it.
    static func boundPerson(_ s: TestServer, number: String, name: String) async throws -> UUID {
        let e = EmployeeModel(employeeNumber: number, name: name, department: "総務部", site: "本社", status: "active")
        try await e.create(on: s.app.db)
        let id = try e.requireID()
        let c = CredentialModel()
        c.employeeID = id
        c.kind = "jpkiAuth"
        c.issuer = "CN=Test Auth CA, C=JP"
        c.serial = "B0" + number
        c.certificate = Data()
        c.notBefore = Date().addingTimeInterval(-86_400)
        c.notAfter = Date().addingTimeInterval(365 * 86_400)
        c.state = "active"
        c.binding = CredentialBinding.Evidence.signingCertificate.rawValue
        c.bindingIdentity = SigningCertificateIdentity.fingerprint(name: name, birthDate: "")
        try await c.create(on: s.app.db)
        try await s.app.mynagate.policy.changed()
        return id
    }

    @Test("a rename of someone whose card is bound by their name is shown in the preview and is the administrator's to apply; HR's plain renames go through")
    func renameOfBoundCard() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let id = try await Self.boundPerson(s, number: "P010", name: "髙橋 一郎")
        let other = EmployeeModel(employeeNumber: "P011", name: "田中 花子", department: "総務部", site: "本社", status: "active")
        try await other.create(on: s.app.db)
        // A Shift_JIS-minded export writes 高 for 髙: a rename that would void the card's binding.
        let file = Data("社員番号,氏名,所属,勤務地,退職日\nP010,高橋 一郎,総務部,本社,\nP011,田中 はな子,総務部,本社,\n".utf8)
        let hr = try await s.user(.hr)
        let (p, a) = try await Self.previewAndApply(s, hr, file)
        #expect(p.object()["rebind"] as? Int == 1, "\(p.text)")
        let entries = p.object()["entries"] as? [[String: Any]] ?? []
        #expect(entries.first { $0["employeeNumber"] as? String == "P010" }?["voidsCardBinding"] as? Bool == true)
        #expect(entries.first { $0["employeeNumber"] as? String == "P011" }?["voidsCardBinding"] as? Bool == false)
        #expect(a.status == .forbidden, "\(a.text)")
        #expect(try await CredentialModel.query(on: s.app.db).filter(\.$employeeID == id).first()?.state == "active")
        #expect(try await EmployeeModel.find(id, on: s.app.db)?.name == "髙橋 一郎")
        // Without the bound person's row HR's rename of someone else is applied.
        let (_, a2) = try await Self.previewAndApply(s, hr, Data("社員番号,氏名,所属,勤務地,退職日\nP011,田中 はな子,総務部,本社,\n".utf8))
        #expect(a2.status == .ok, "\(a2.text)")
        // An administrator applies the rename; the card goes back to pending, recorded.
        let admin = try await s.user(.admin)
        let (_, a3) = try await Self.previewAndApply(s, admin, file)
        #expect(a3.status == .ok && a3.object()["rebind"] as? Int == 1, "\(a3.text)")
        #expect(try await CredentialModel.query(on: s.app.db).filter(\.$employeeID == id).first()?.state == "pending")
        #expect(try await Self.auditText(s).contains("credential.binding_void employee:\(id.uuidString)"))
    }

    @Test("HR neither saves a mapping that reads leaving dates or statuses nor overwrites one an administrator saved")
    func accessMappingsAreAdmins() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr), admin = try await s.user(.admin)
        let reading: [String: Any] = ["employeeNumber": "ID", "name": "Name", "leavingDate": "Left"]
        #expect(try await s.send(.PUT, "/api/v1/people/import/mappings/acme", as: hr, json: reading).status == .forbidden)
        #expect(try await s.send(.PUT, "/api/v1/people/import/mappings/acme", as: hr, json: ["employeeNumber": "ID", "name": "Name", "status": "S"]).status == .forbidden)
        #expect(try await SettingModel.find("people.import.mapping.acme", on: s.app.db) == nil)
        #expect(try await s.send(.PUT, "/api/v1/people/import/mappings/acme", as: admin, json: reading).status == .ok)
        // HR replacing the administrator's mapping with one that drops (or moves) its columns: refused, unchanged.
        let r = try await s.send(.PUT, "/api/v1/people/import/mappings/acme", as: hr, json: ["employeeNumber": "ID", "name": "Left"])
        #expect(r.status == .forbidden, "\(r.text)")
        #expect(try await SettingModel.find("people.import.mapping.acme", on: s.app.db)?.value.contains("Left") == true)
        #expect(try await SettingModel.find("people.import.mapping.acme", on: s.app.db)?.value.contains("leavingDate") == true)
        // A mapping of names and departments is HR's to save.
        #expect(try await s.send(.PUT, "/api/v1/people/import/mappings/hr-only", as: hr, json: ["employeeNumber": "ID", "name": "Name"]).status == .ok)
    }
}

extension PeopleImportTests {
    @Test("a birth date column goes to the vault profile, recorded as set or changed, never the date, and never shown in a preview; HR sets new people's only (stored ones are not read, so no guess can be checked); an administrator's change of a bound person's birth date voids the binding; a date in the future or before 1900 is a line error")
    func birthDates() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr), admin = try await s.user(.admin)
        let file = Data("社員番号,氏名,所属,勤務地,退職日,生年月日\nP020,山田 太郎,総務部,本社,,1990-01-31\nP021,佐藤 花子,開発部,大阪,,2999-01-01\nP022,鈴木 一郎,営業部,本社,,1899-12-31\nP023,田中 次郎,営業部,本社,,\n".utf8)
        let (p, a) = try await Self.previewAndApply(s, hr, file)
        #expect(p.object()["new"] as? Int == 2, "\(p.text)")
        let reasons = (p.object()["errors"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
        #expect(reasons == ["birth_date", "birth_date"], "\(reasons)")
        #expect(a.status == .ok, "\(a.text)")
        let yamada = try #require(try await EmployeeModel.query(on: s.app.db).filter(\.$employeeNumber == "P020").first())
        #expect(try await VaultProfileModel.find(try yamada.requireID(), on: s.app.db)?.birthDate == "1990-01-31")
        let tanaka = try #require(try await EmployeeModel.query(on: s.app.db).filter(\.$employeeNumber == "P023").first())
        #expect(try await VaultProfileModel.find(try tanaka.requireID(), on: s.app.db) == nil, "no birth date, no profile")
        let log = try await Self.auditText(s)
        #expect(log.contains("\"birthDate\":\"set\"") && !log.contains("1990-01-31"), "the record says set, never the date")
        // HR again, with a guess for a stored person: not read, not compared — the preview cannot tell a right guess.
        let guess = Data("社員番号,氏名,生年月日\nP020,山田 太郎,1990-01-31\n".utf8), wrong = Data("社員番号,氏名,生年月日\nP020,山田 太郎,1977-07-07\n".utf8)
        let right = try await Self.preview(s, hr, guess), other = try await Self.preview(s, hr, wrong)
        #expect(right.object()["birthDatesNotRead"] as? Int == 1 && right.object()["unchanged"] as? Int == 1, "\(right.text)")
        #expect(other.object()["birthDatesNotRead"] as? Int == 1 && other.object()["unchanged"] as? Int == 1 && other.object()["changed"] as? Int == 0, "\(other.text)")
        let (_, hrApply) = try await Self.previewAndApply(s, hr, wrong)
        #expect(hrApply.status == .ok)
        #expect(try await VaultProfileModel.find(try yamada.requireID(), on: s.app.db)?.birthDate == "1990-01-31", "HR's import never changes a stored birth date")
        // An administrator's preview says changed, never either date.
        let adminPreview = try await Self.preview(s, admin, wrong)
        #expect(adminPreview.object()["changed"] as? Int == 1 && !adminPreview.text.contains("1990-01-31") && !adminPreview.text.contains("1977-07-07"), "\(adminPreview.text)")
        // A bound person: an administrator's change of the birth date counts in rebind and voids the binding.
        _ = try await Self.boundPerson(s, number: "P030", name: "髙橋 一郎")
        let bound = try #require(try await EmployeeModel.query(on: s.app.db).filter(\.$employeeNumber == "P030").first())
        let changed = Data("社員番号,氏名,生年月日\nP030,髙橋 一郎,1980-05-05\n".utf8)
        let (p2, _) = try await Self.previewAndApply(s, hr, changed)
        #expect(p2.object()["rebind"] as? Int == 0 && p2.object()["birthDatesNotRead"] as? Int == 1, "\(p2.text)")
        #expect(try await VaultProfileModel.find(try bound.requireID(), on: s.app.db) == nil)
        let (p3, a3) = try await Self.previewAndApply(s, admin, changed)
        #expect(p3.object()["rebind"] as? Int == 1 && a3.status == .ok, "\(a3.text)")
        #expect(try await CredentialModel.query(on: s.app.db).filter(\.$employeeID == (try bound.requireID())).first()?.state == "pending")
        #expect(try await VaultProfileModel.find(try bound.requireID(), on: s.app.db)?.birthDate == "1980-05-05")
        #expect(!(try await Self.auditText(s)).contains("1980-05-05"))
    }
}

extension PeopleImportTests {
    @Test("an apply with a saved mapping must name the mapping previewed: one saved again since (HR pointing the name at another column) is 409, none named is 422")
    func mappingChangedSincePreview() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr), admin = try await s.user(.admin)
        #expect(try await s.send(.PUT, "/api/v1/people/import/mappings/acme", as: hr, json: ["employeeNumber": "ID", "name": "Name", "department": "Dept"]).status == .ok)
        let file = Data("ID,Name,Dept\nA1,Ann,Sales\n".utf8)
        let p = try await Self.preview(s, admin, file, query: "?source=acme")
        let sha = try #require(p.object()["sha256"] as? String), mappingSha = try #require(p.object()["mappingSha256"] as? String)
        // Between the administrator's preview and apply, HR saves the mapping again: the name now from Dept.
        #expect(try await s.send(.PUT, "/api/v1/people/import/mappings/acme", as: hr, json: ["employeeNumber": "ID", "name": "Dept"]).status == .ok)
        let stale = try await s.send(.POST, "/api/v1/people/import?sha256=\(sha)&source=acme&mappingSha256=\(mappingSha)", as: admin, raw: file, contentType: "text/csv")
        #expect(stale.status == .conflict && stale.object()["code"] as? String == "mapping_changed", "\(stale.text)")
        let unnamed = try await s.send(.POST, "/api/v1/people/import?sha256=\(sha)&source=acme", as: admin, raw: file, contentType: "text/csv")
        #expect(unnamed.status == .unprocessableEntity && unnamed.object()["code"] as? String == "mapping_sha256_required", "\(unnamed.text)")
        #expect(try await EmployeeModel.query(on: s.app.db).count() == 0)
        // Previewed again, the mapping as it now is applies.
        let again = try await Self.preview(s, admin, file, query: "?source=acme")
        let fresh = try #require(again.object()["mappingSha256"] as? String)
        #expect(fresh != mappingSha)
        let ok = try await s.send(.POST, "/api/v1/people/import?sha256=\(sha)&source=acme&mappingSha256=\(fresh)", as: admin, raw: file, contentType: "text/csv")
        #expect(ok.status == .ok, "\(ok.text)")
        #expect(try await EmployeeModel.query(on: s.app.db).first()?.name == "Sales")
    }
}
