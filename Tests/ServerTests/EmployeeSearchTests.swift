import Access
import Fluent
import Foundation
import ServerCore
import Store
import Testing
import Vapor

/// The people search (issue 21, item 3) through real HTTP: the API and the `/employees` page answer
/// the same rows for the same filters, a page at a time; bad paging is refused without echo; who may
/// read, edit, suspend and reinstate.
@Suite("Employee search")
struct EmployeeSearchTests {
    /// One generated person, with what the filters should see.
    struct Person {
        var number: String
        var name: String
        var department: String
        var site: String
        var status: String
        /// "active", "pending", "suspended" (counts as no card) or "" (no card at all).
        var card: String
        var cardState: String { card == "active" ? "active" : card == "pending" ? "pending" : "none" }
    }

    static let departments = ["開発部", "営業部", "総務部"]

    static func people(_ n: Int = 120) -> [Person] {
        (1...n).map { i in
            Person(number: String(format: "P%04d", i), name: "\(i % 2 == 0 ? "山田" : "佐藤") \(i)", department: departments[i % 3],
                   site: i % 2 == 0 ? "東京" : "大阪", status: i % 10 == 0 ? "onLeave" : "active",
                   card: ["active", "pending", "suspended", ""][i % 4])
        }
    }

    /// Stores `people` with their cards straight through the models (the search reads, it does not write).
    static func seed(_ s: TestServer, _ people: [Person]) async throws -> [String: UUID] {
        var ids: [String: UUID] = [:]
        for p in people {
            let e = EmployeeModel(employeeNumber: p.number, name: p.name, department: p.department, site: p.site, status: p.status)
            try await e.create(on: s.app.db)
            let id = try e.requireID()
            ids[p.number] = id
            if !p.card.isEmpty { try await card(s, for: id, state: p.card, reason: p.card == "suspended" ? "securityOfficer" : nil) }
        }
        try await s.app.mynagate.policy.changed()
        return ids
    }

    static func card(_ s: TestServer, for id: UUID, state: String, reason: String? = nil) async throws {
        let c = CredentialModel()
        c.employeeID = id
        c.kind = "jpkiAuth"
        c.issuer = "CN=Test Auth CA, C=JP"
        c.serial = UUID().uuidString.replacingOccurrences(of: "-", with: "")
        c.certificate = Data()
        c.notBefore = Date().addingTimeInterval(-86_400)
        c.notAfter = Date().addingTimeInterval(365 * 86_400)
        c.state = state
        c.suspensionReason = reason
        try await c.create(on: s.app.db)
    }

    static func numbers(_ r: TestServer.Reply) -> [String] {
        r.array().compactMap { $0["employeeNumber"] as? String }
    }

    @Test("search, each filter and their combinations answer exactly the matching people in number order, a page at a time to the last")
    func filtersAndPaging() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        var people = Self.people()
        let ids = try await Self.seed(s, people)
        // P0001 holds a pending card and an active one: "has an active card", not "pending only".
        try await Self.card(s, for: try #require(ids["P0001"]), state: "active")
        people[0].card = "active"
        let security = try await s.user(.security)
        let cases: [(query: String, expected: (Person) -> Bool)] = [
            ("", { _ in true }),
            ("q=P01", { $0.number.hasPrefix("P01") }),
            ("q=%E4%BD%90%E8%97%A4", { $0.name.contains("佐藤") }),                       // 佐藤: part of the name
            ("q=%25", { _ in false }),                                                    // "%" is a letter, not a wildcard
            ("department=%E9%96%8B%E7%99%BA%E9%83%A8", { $0.department == "開発部" }),
            ("site=%E5%A4%A7%E9%98%AA", { $0.site == "大阪" }),
            ("status=onLeave", { $0.status == "onLeave" }),
            ("card=active", { $0.cardState == "active" }),
            ("card=pending", { $0.cardState == "pending" }),
            ("card=none", { $0.cardState == "none" }),
            ("department=%E9%96%8B%E7%99%BA%E9%83%A8&site=%E6%9D%B1%E4%BA%AC&card=none", { $0.department == "開発部" && $0.site == "東京" && $0.cardState == "none" }),
            ("q=%E5%B1%B1%E7%94%B0&status=onLeave&card=pending", { $0.name.contains("山田") && $0.status == "onLeave" && $0.cardState == "pending" }),
            ("department=%E5%AD%98%E5%9C%A8%E3%81%97%E3%81%AA%E3%81%84", { _ in false }),  // 存在しない: no results
        ]
        for c in cases {
            let expected = people.filter(c.expected).map(\.number)
            let r = try await s.send(.GET, "/api/v1/employees?\(c.query)", as: security)
            #expect(r.status == .ok, "\(c.query): \(r.text)")
            #expect(Self.numbers(r) == expected, "\(c.query)")
        }
        // Pages of 50: 50, 50, the last 20, then nothing.
        var seen: [String] = []
        for page in 1...4 {
            let r = try await s.send(.GET, "/api/v1/employees?limit=50&page=\(page)", as: security)
            #expect(r.status == .ok)
            #expect(Self.numbers(r).count == [50, 50, 20, 0][page - 1], "page \(page)")
            seen += Self.numbers(r)
        }
        #expect(seen == people.map(\.number))
        // The page: the same search, a summary, and links to the neighbouring pages with the filters kept.
        let first = try await s.send(.GET, "/employees?card=none&status=&q=", as: security)
        #expect(first.status == .ok)
        let noCard = people.filter { $0.cardState == "none" }
        #expect(first.text.contains("1〜50人目（全\(noCard.count)人）"))
        #expect(first.text.contains("href=\"/employees?card=none&amp;page=2\""))
        #expect(!first.text.contains("id=\"previous-page\""))
        let last = try await s.send(.GET, "/employees?card=none&page=2&lang=en", as: security)
        #expect(last.text.contains("51–\(noCard.count) of \(noCard.count) people"))
        #expect(last.text.contains(noCard[noCard.count - 1].number) && !last.text.contains(">\(noCard[49].number)<"))
        #expect(!last.text.contains("id=\"next-page\"") && last.text.contains("id=\"previous-page\""))
        let none = try await s.send(.GET, "/employees?department=%E5%AD%98%E5%9C%A8%E3%81%97%E3%81%AA%E3%81%84", as: security)
        #expect(none.status == .ok && none.text.contains("id=\"no-employees\""))
        await s.stop()
    }

    @Test("bad paging and filter parameters are refused (400), a My Number as the search is 422, and none of them is echoed")
    func badParameters() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        _ = try await Self.seed(s, Self.people(5))
        let hr = try await s.user(.hr)
        let bad = ["page=0", "page=-3", "page=abc7x", "page=1&page=2", "page=999999999", "limit=zz9", "status=bogus7x", "card=lost7x",
                   "department=", "q=", "q=\(String(repeating: "x", count: 101))"]
        for query in bad {
            let api = try await s.send(.GET, "/api/v1/employees?\(query)", as: hr)
            #expect(api.status == .badRequest, "\(query): \(api.status)")
            for echo in ["abc7x", "zz9", "bogus7x", "lost7x", "xxxxxxxxxx"] where query.contains(echo) {
                #expect(!api.text.contains(echo), "\(query) echoed")
            }
        }
        let page = try await s.send(.GET, "/employees?page=abc7x", as: hr)
        #expect(page.status == .badRequest && !page.text.contains("abc7x") && page.text.contains("id=\"error\""))
        // 123456789018 has a valid check digit: never a search key, never shown back.
        for q in ["123456789018", "1234-5678-9018"] {
            let api = try await s.send(.GET, "/api/v1/employees?q=\(q)", as: hr)
            #expect(api.status == .unprocessableEntity, "\(api.status)")
            #expect(!api.text.contains("9018"))
            let html = try await s.send(.GET, "/employees?q=\(q)", as: hr)
            #expect(html.status == .unprocessableEntity && !html.text.contains("9018"))
        }
        await s.stop()
    }

    @Test("an employee cannot list people; security reads a person but cannot edit; HR edits the name but not the status; the admin changes the status")
    func roles() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let ids = try await Self.seed(s, Self.people(3))
        let id = try #require(ids["P0001"]).uuidString
        let employee = try await s.user(.employee)
        #expect(try await s.send(.GET, "/employees", as: employee).status == .forbidden)
        #expect(try await s.send(.GET, "/employees/\(id)", as: employee).status == .forbidden)
        #expect(try await s.send(.GET, "/api/v1/employees?q=P", as: employee).status == .forbidden)

        let security = try await s.user(.security)
        let shown = try await s.send(.GET, "/employees/\(id)", as: security)
        #expect(shown.status == .ok && shown.text.contains("佐藤 1") && !shown.text.contains("id=\"employee-edit\""))
        let fields = ["employeeNumber": "P0001", "name": "改名 一郎", "department": "開発部", "site": "大阪"]
        #expect(try await s.form("/employees/\(id)", as: security, fields).status == .forbidden)

        let hr = try await s.user(.hr)
        let form = try await s.send(.GET, "/employees/\(id)", as: hr)
        #expect(form.text.contains("id=\"employee-edit\"") && !form.text.contains("id=\"status\""))
        #expect(try await s.form("/employees/\(id)", as: hr, fields).status == .seeOther)
        #expect(try await EmployeeModel.find(UUID(uuidString: id), on: s.app.db)?.name == "改名 一郎")
        var retire = fields
        retire["status"] = "retired"
        #expect(try await s.form("/employees/\(id)", as: hr, retire).status == .forbidden)
        #expect(try await EmployeeModel.find(UUID(uuidString: id), on: s.app.db)?.status == "active")
        var myNumber = fields
        myNumber["employeeNumber"] = "123456789018"
        let refused = try await s.form("/employees/\(id)", as: hr, myNumber)
        #expect(refused.status == .unprocessableEntity && !refused.text.contains("123456789018"))

        let admin = try await s.user(.admin)
        #expect(try await s.form("/employees/\(id)", as: admin, retire).status == .seeOther)
        #expect(try await EmployeeModel.find(UUID(uuidString: id), on: s.app.db)?.status == "retired")
        try await s.app.mynagate.events.flush()
        let updates = try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "config.employee.updated").all()
        #expect(updates.count == 2)
        await s.stop()
    }

    /// Posts the person's form with the group boxes as a browser sends them (`groups[]` once per ticked box).
    static func postGroups(_ s: TestServer, _ id: String, as who: TestServer.Identity, _ groups: [String]) async throws -> TestServer.Reply {
        var pairs = ["csrf=\(who.csrf ?? "")", "employeeNumber=P0001", "name=%E4%BD%90%E8%97%A4%201", "department=", "site=", "groupsShown=1"]
        pairs += groups.map { "groups%5B%5D=\($0)" }
        return try await s.send(.POST, "/employees/\(id)", as: who, raw: Data(pairs.joined(separator: "&").utf8),
                                contentType: "application/x-www-form-urlencoded", csrf: false)
    }

    @Test("the administrator puts a person into access groups on their page (and takes them out); HR sees no boxes and is refused; an unknown group is refused")
    func groups() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        for g in ["staff", "it"] {
            let r = try await s.send(.PUT, "/api/v1/groups/\(g)", as: admin, json: ["name": g.uppercased(), "grants": [[String: String]]()])
            #expect(r.status == .created || r.status == .ok, "\(r.text)")
        }
        let ids = try await Self.seed(s, Self.people(1))
        let id = try #require(ids["P0001"]).uuidString
        let page = try await s.send(.GET, "/employees/\(id)", as: admin)
        #expect(page.text.contains("id=\"group-staff\"") && page.text.contains("id=\"group-it\""))
        #expect(try await Self.postGroups(s, id, as: admin, ["staff", "it"]).status == .seeOther)
        #expect(JSONList.decode(try #require(try await EmployeeModel.find(UUID(uuidString: id), on: s.app.db)).groups).sorted() == ["it", "staff"])
        #expect(try await s.send(.GET, "/employees/\(id)", as: admin).text.contains("id=\"group-staff\" checked"))
        #expect(try await Self.postGroups(s, id, as: admin, []).status == .seeOther)
        #expect(JSONList.decode(try #require(try await EmployeeModel.find(UUID(uuidString: id), on: s.app.db)).groups) == [])
        #expect(try await Self.postGroups(s, id, as: admin, ["nosuch"]).status == .unprocessableEntity)
        let hr = try await s.user(.hr)
        #expect(!(try await s.send(.GET, "/employees/\(id)", as: hr)).text.contains("id=\"employee-groups\""))
        #expect(try await Self.postGroups(s, id, as: hr, ["staff"]).status == .forbidden)
        #expect(JSONList.decode(try #require(try await EmployeeModel.find(UUID(uuidString: id), on: s.app.db)).groups) == [])
    }

    @Test("suspending a person from the page suspends every active card through the suspension path with the note, audited; reinstating brings back only those")
    func suspendAndReinstate() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let ids = try await Self.seed(s, [Person(number: "S0001", name: "停止 太郎", department: "開発部", site: "東京", status: "active", card: "active")])
        let id = try #require(ids["S0001"])
        try await Self.card(s, for: id, state: "active")
        try await Self.card(s, for: id, state: "suspended", reason: "reportedLost")
        let path = "/employees/\(id.uuidString)"

        let hr = try await s.user(.hr)
        #expect(!(try await s.send(.GET, path, as: hr).text.contains("/suspend\"")))
        #expect(try await s.form("\(path)/suspend", as: hr, ["note": "退職手続き中"]).status == .forbidden)
        let security = try await s.user(.security)
        #expect(try await s.send(.GET, path, as: security).text.contains("action=\"\(path)/suspend\""))
        #expect(try await s.form("\(path)/suspend", as: security, [:]).status == .unprocessableEntity)
        let numberNote = try await s.form("\(path)/suspend", as: security, ["note": "番号 123456789018"])
        #expect(numberNote.status == .unprocessableEntity && !numberNote.text.contains("123456789018"))
        #expect(try await s.form("\(path)/suspend", as: security, ["note": "退職手続き中"]).status == .seeOther)

        let cards = try await CredentialModel.query(on: s.app.db).filter(\.$employeeID == id).all()
        #expect(cards.filter { $0.state == "suspended" && $0.suspensionReason == "securityOfficer" }.count == 2)
        #expect(cards.filter { $0.suspensionReason == "reportedLost" }.count == 1)
        try await s.app.mynagate.events.flush()
        let suspended = try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "credential.suspended").all()
        #expect(suspended.count == 2 && suspended.allSatisfy { $0.details.contains("退職手続き中") && $0.subject == "employee:\(id.uuidString)" })
        // The policy the doors get no longer holds an active card for the person.
        let policy = await s.app.mynagate.policy.current
        #expect(!policy.credentials.values.contains { c in
            if case .active = c.state { return c.employee.rawValue == id.uuidString }
            return false
        })
        // Nothing left to suspend: refused, not a silent success.
        #expect(try await s.form("\(path)/suspend", as: security, ["note": "もう一度"]).status == .conflict)

        #expect(try await s.form("\(path)/reinstate", as: hr, [:]).status == .forbidden)
        #expect(try await s.form("\(path)/reinstate", as: security, [:]).status == .seeOther)
        let after = try await CredentialModel.query(on: s.app.db).filter(\.$employeeID == id).all()
        #expect(after.filter { $0.state == "active" }.count == 2)
        #expect(after.filter { $0.state == "suspended" && $0.suspensionReason == "reportedLost" }.count == 1, "a card reported lost stays suspended")
        try await s.app.mynagate.events.flush()
        #expect(try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "credential.reinstated").count() == 2)
        await s.stop()
    }

    @Test("recording a leaving on a person's page (admin only) ends their access after the day and starts the vault's retention, audited; a bad date stores nothing")
    func leavingFromThePage() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let ids = try await Self.seed(s, [Person(number: "L0001", name: "退職 花子", department: "総務部", site: "東京", status: "active", card: "active")])
        let id = try #require(ids["L0001"])
        let path = "/employees/\(id.uuidString)"
        let hr = try await s.user(.hr), security = try await s.user(.security), admin = try await s.user(.admin)
        #expect(!(try await s.send(.GET, path, as: hr).text.contains("/leaving\"")))
        for who in [hr, security] {
            #expect(try await s.form("\(path)/leaving", as: who, ["leavingDate": "2027-03-31"]).status == .forbidden)
        }
        #expect(try await s.send(.GET, path, as: admin).text.contains("action=\"\(path)/leaving\""))
        #expect(try await s.form("\(path)/leaving", as: admin, ["leavingDate": "2027-02-30"]).status == .badRequest)
        #expect(try await EmployeeModel.find(id, on: s.app.db)?.validUntil == nil, "a bad date stores nothing")

        #expect(try await s.form("\(path)/leaving", as: admin, ["leavingDate": "2027-03-31"]).status == .seeOther)
        let e = try #require(try await EmployeeModel.find(id, on: s.app.db))
        #expect(e.validUntil == EmployeeLeaving.endOfDay(try #require(StrictDate.day("2027-03-31"))))
        #expect(try await VaultProfileModel.find(id, on: s.app.db)?.leavingDate == "2027-03-31")
        try await s.app.mynagate.events.flush()
        let records = try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "config.employee.leaving").all()
        #expect(records.count == 1 && records.first?.subject == "employee:\(id.uuidString)" && records.first?.actor.hasPrefix("user:") == true)
        #expect(try await s.send(.GET, path, as: admin).text.contains("value=\"2027-03-31\""), "the page shows the recorded day")
        await s.stop()
    }
}
