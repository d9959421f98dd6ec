import Foundation
import MynaCardSim
import SQLKit
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
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

    @Test("no card holder's My Number reaches the database (SQLite: file and WAL; PostgreSQL: every text and bytea column), or any response")
    func noPlaintextNumbers() async throws {
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
        let stored = try await DatabaseContents.read(s)
        // A scan that read nothing would pass: the employee numbers written above must be in what was read.
        #expect(stored.bytes.range(of: Data("P0002".utf8)) != nil, "the scan read the stored rows (\(stored.sources))")
        if let found = NumberForms.find(numbers, in: stored.bytes) { Issue.record("plaintext number in \(stored.sources): \(found)") }
        for n in numbers {
            for r in replies { #expect(!r.contains(n)) }
        }
        await s.stop()
    }
}

/// Everything the server's database holds, as bytes to scan for plaintext numbers.
enum DatabaseContents {
    /// SQLite: the main file, its WAL and shared memory while the server runs, at least two of them (a
    /// renamed file must not leave nothing to scan). PostgreSQL: every text-like and bytea column of every
    /// table in the public schema, bytea as raw bytes (so UTF-16 forms are found too).
    static func read(_ s: TestServer) async throws -> (bytes: Data, sources: [String]) {
        var bytes = Data(), sources: [String] = []
        if TestServer.postgresURL == nil {
            let path = s.directory.appendingPathComponent("mynagate.sqlite").path
            for f in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: f) {
                bytes.append(try Data(contentsOf: URL(fileURLWithPath: f)))
                sources.append((f as NSString).lastPathComponent)
            }
            try #require(sources.count >= 2, "the database and its WAL were scanned: \(sources)")
            return (bytes, sources)
        }
        let sql = try #require(s.app.db as? any SQLDatabase)
        let columns = try await sql.raw("""
            SELECT table_name, column_name, data_type FROM information_schema.columns
            WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea')
            ORDER BY table_name, column_name
            """).all()
        for row in columns {
            let table = try row.decode(column: "table_name", as: String.self)
            let column = try row.decode(column: "column_name", as: String.self)
            let type = try row.decode(column: "data_type", as: String.self)
            let value = type == "bytea" ? "encode(\"\(column)\", 'hex')" : "\"\(column)\"::text"
            for r in try await sql.raw("SELECT \(unsafeRaw: value) AS v FROM \(ident: table)").all() {
                guard let text = try r.decode(column: "v", as: String?.self) else { continue }
                bytes.append(type == "bytea" ? try hexDecoded(text) : Data(text.utf8))
                bytes.append(0x0A)
            }
            sources.append("\(table).\(column)")
        }
        try #require(sources.count >= 10, "the database's columns were scanned: \(sources)")
        return (bytes, sources)
    }

    private static func hexDecoded(_ hex: String) throws -> Data {
        var out = Data(capacity: hex.utf8.count / 2)
        var high: UInt8?
        for c in hex.utf8 {
            let v = try #require(UInt8(String(UnicodeScalar(c)), radix: 16), "hex from encode()")
            if let h = high { out.append(h << 4 | v); high = nil } else { high = v }
        }
        return out
    }
}
