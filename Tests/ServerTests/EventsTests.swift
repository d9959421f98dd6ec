import Foundation
import MynaCardSim
import SQLKit
import Server
import Testing
import Vapor

@Suite("Event log, export and privacy", .serialized)
struct EventsTests {
    @Test("audit verify detects an edited and a deleted row")
    func tampering() async throws {
        let s = try await TestServer.start()
        let admin = try await s.user(.admin)
        for i in 0..<5 { _ = try await s.send(.PUT, "/api/v1/zones/z\(i)", as: admin, json: ["name": "zone \(i)"]) }
        #expect(try await s.send(.GET, "/api/v1/audit/verify", as: admin).object()["intact"] as? Bool == true)
        let sql = s.app.db as! any SQLDatabase
        try await sql.raw("UPDATE audit_records SET details = '{\"edited\":\"yes\"}' WHERE sequence = 3").run()
        let edited = try await s.send(.GET, "/api/v1/audit/verify", as: admin).object()
        #expect(edited["intact"] as? Bool == false)
        #expect(edited["brokenAt"] as? Int == 3)
        #expect((edited["problem"] as? String)?.contains("edited") == true)
        await s.stop()

        let t = try await TestServer.start()
        let admin2 = try await t.user(.admin)
        for i in 0..<5 { _ = try await t.send(.PUT, "/api/v1/zones/z\(i)", as: admin2, json: ["name": "zone \(i)"]) }
        try await (t.app.db as! any SQLDatabase).raw("DELETE FROM audit_records WHERE sequence = 4").run()
        let deleted = try await t.send(.GET, "/api/v1/audit/verify", as: admin2).object()
        #expect(deleted["intact"] as? Bool == false)
        #expect(deleted["brokenAt"] as? Int == 4)
        await t.stop()
    }

    @Test("export: CSV in UTF-8 with BOM and in Shift_JIS for Excel, and JSON")
    func export() async throws {
        let s = try await TestServer.start()
        let admin = try await s.user(.admin)
        _ = try await s.send(.PUT, "/api/v1/zones/lobby", as: admin, json: ["name": "ロビー"])
        let utf8 = try await s.send(.GET, "/api/v1/events/export?format=csv&encoding=utf-8", as: admin)
        #expect(utf8.status == .ok)
        #expect(utf8.body.starts(with: [0xEF, 0xBB, 0xBF]))
        #expect(utf8.text.contains("config.zone.updated"))
        let sjis = try await s.send(.GET, "/api/v1/events/export?format=csv&encoding=shift_jis", as: admin)
        #expect(sjis.headers.first(name: .contentType)?.contains("Shift_JIS") == true)
        let decoded = String(data: sjis.body, encoding: .shiftJIS)
        #expect(decoded?.contains("zone:lobby") == true)
        let json = try await s.send(.GET, "/api/v1/events/export?format=json", as: admin)
        #expect((try? JSONSerialization.jsonObject(with: json.body) as? [[String: Any]])?.isEmpty == false)
        #expect(try await s.send(.GET, "/api/v1/events/export?format=xml", as: admin).status == .badRequest)
        #expect(try await s.send(.GET, "/api/v1/events?from=yesterday", as: admin).status == .badRequest)
        await s.stop()
    }

    @Test("no card holder's My Number reaches the database file, its WAL, or any response")
    func noPlaintextNumbers() async throws {
        guard TestServer.postgresURL == nil else { return }  // the file check is about SQLite's files
        let s = try await TestServer.start()
        let admin = try await s.user(.admin)
        try await setUpSite(s, admin: admin)
        var numbers: [String] = []
        var replies: [String] = []
        for i in 0..<3 {
            let (holder, _, _) = try await enroll(s, desk: admin, number: "P000\(i)", groups: ["staff"])
            numbers.append(holder.state.holder.myNumberDigits)
            let token = try await s.send(.POST, "/api/v1/doors/entrance/token", as: admin).object()["token"] as! String
            replies.append(try await s.send(.POST, "/api/v1/doors/entrance/decisions", as: .init(bearer: token), json: ["serial": try await holder.serialHex]).text)
        }
        replies.append(try await s.send(.GET, "/api/v1/events/export?format=json", as: admin).text)
        replies.append(try await s.send(.GET, "/api/v1/credentials", as: admin).text)
        let files = ["mynagate.sqlite", "mynagate.sqlite-wal"].map { s.directory.appendingPathComponent($0) }
        for n in numbers {
            let head = String(n.prefix(4))
            let middle = String(n.dropFirst(4).prefix(4))
            let tail = String(n.suffix(4))
            let hyphenated: String = head + "-" + middle + "-" + tail
            let spaced: String = n.map { String($0) }.joined(separator: " ")
            let forms: [String] = [n, hyphenated, spaced]
            for f in files {
                guard let bytes = try? Data(contentsOf: f) else { continue }
                for form in forms {
                    #expect(bytes.range(of: Data(form.utf8)) == nil, "a number appears in \(f.lastPathComponent)")
                    #expect(bytes.range(of: form.data(using: String.Encoding.utf16LittleEndian)!) == nil)
                }
            }
            for r in replies { #expect(!r.contains(n)) }
        }
        await s.stop()
    }
}
