import Fluent
import Foundation
import MynaCardSim
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Store
import Testing
import Vapor
import Vault

/// The `mynagate vault` commands as processes against a running test server: the real executable,
/// the real database, the real key file the server re-reads.
@Suite("Vault: mynagate vault (as a process)", .serialized)
struct VaultCLITests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any]) ?? [:] }
    }

    static var executable: URL {
        if let path = ProcessInfo.processInfo.environment["MYNAGATE_BIN"] { return URL(fileURLWithPath: path) }
        var dir = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("mynagate")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir.deleteLastPathComponent()
        }
        return Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("mynagate")
    }

    /// Runs the command on another thread (the server under test keeps serving on this process's loops).
    static func run(_ arguments: [String], stdin: String = "") async throws -> Run {
        try await withCheckedThrowingContinuation { (k: CheckedContinuation<Run, any Error>) in
            Thread {
                do {
                    let p = Process()
                    p.executableURL = executable
                    p.arguments = arguments
                    var env = ProcessInfo.processInfo.environment
                    env["DATABASE_URL"] = TestServer.postgresURL
                    env.removeValue(forKey: "MYNAGATE_VAULT_KEY")
                    p.environment = env
                    let out = Pipe(), err = Pipe(), inp = Pipe()
                    p.standardOutput = out
                    p.standardError = err
                    p.standardInput = inp
                    try p.run()
                    inp.fileHandleForWriting.write(Data(stdin.utf8))
                    try? inp.fileHandleForWriting.close()
                    let o = out.fileHandleForReading.readDataToEndOfFile()
                    let e = err.fileHandleForReading.readDataToEndOfFile()
                    p.waitUntilExit()
                    k.resume(returning: Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self)))
                } catch {
                    k.resume(throwing: error)
                }
            }.start()
        }
    }

    @Test("new-key writes a 0600 key file and never overwrites one; rotate-key re-wraps every number while the server runs")
    func keys() async throws {
        let site = try await VaultSite.start()
        defer { Task { await site.stop() } }
        let s = site.s
        let dir = site.keyFile.deletingLastPathComponent()
        let fresh = dir.appendingPathComponent("new.key")
        let made = try await Self.run(["vault", "new-key", "--out", fresh.path, "--id", "fresh-1", "--json"])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.json["keyId"] as? String == "fresh-1")
        let mode = (try FileManager.default.attributesOfItem(atPath: fresh.path)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600)
        #expect(try Keyring.load(contentsOf: fresh).currentKeyID.rawValue == "fresh-1")
        let again = try await Self.run(["vault", "new-key", "--out", fresh.path])
        #expect(again.status == 1)
        #expect(try Keyring.load(contentsOf: fresh).currentKeyID.rawValue == "fresh-1")

        var records: [(String, String)] = []
        for i in 0..<3 {
            let n = TestNumbers.make()
            let (e, who) = try await site.employee("C060\(i)")
            records.append((try await site.collectTyped(e, who: who, number: n, purposes: ["withholding_slip"]), n))
        }
        // A mistyped data directory changes nothing (SQLite only: with DATABASE_URL the directory holds no database).
        if TestServer.postgresURL == nil {
            let wrongDir = try await Self.run(["vault", "rotate-key", "--key-file", site.keyFile.path, "--data", dir.appendingPathComponent("nowhere").path])
            #expect(wrongDir.status == 1)
            #expect(try Keyring.load(contentsOf: site.keyFile).keyIDs.map(\.rawValue) == [VaultSite.keyID])
        }

        let rotated = try await Self.run(["vault", "rotate-key", "--key-file", site.keyFile.path, "--data", s.directory.path, "--new-id", "k2030", "--json"])
        #expect(rotated.status == 0, "\(rotated.stderr)")
        #expect(rotated.json["rewrapped"] as? Int == 3, "\(rotated.stdout)")
        #expect(rotated.json["numbersByKey"] as? [String: Int] == ["k2030": 3])
        #expect(try Keyring.load(contentsOf: site.keyFile).keyIDs.map(\.rawValue) == [VaultSite.keyID, "k2030"])
        #expect(try await VaultService.countsByKey(on: s.app.db) == ["k2030": 3])
        // The running server follows the file: every number still opens.
        for (r, n) in records { #expect(try await site.reveal(r, purpose: "withholding_slip").object()["number"] as? String == n) }

        // Retire the old key once nothing uses it.
        let retired = try await Self.run(["vault", "rotate-key", "--key-file", site.keyFile.path, "--data", s.directory.path, "--rewrap-only", "--retire-old", "--json"])
        #expect(retired.status == 0, "\(retired.stderr)")
        #expect(retired.json["alreadyCurrent"] as? Int == 3)
        #expect(retired.json["retiredKeys"] as? [String] == [VaultSite.keyID])
        #expect(try Keyring.load(contentsOf: site.keyFile).keyIDs.map(\.rawValue) == ["k2030"])
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(5)], ofItemAtPath: site.keyFile.path)
        for (r, n) in records { #expect(try await site.reveal(r, purpose: "withholding_slip").object()["number"] as? String == n) }
        #expect(!rotated.stdout.contains(records[0].1) && !rotated.stderr.contains(records[0].1))
        await site.stop()
    }

    @Test("give: the employee's own card (a virtual card file): tries read first, text PIN, chip reading signed by the enrolled card, posted; the number never printed")
    func give() async throws {
        let site = try await VaultSite.start()
        defer { Task { await site.stop() } }
        let s = site.s
        let number = TestNumbers.make()
        let (e, _) = try await site.employee("C0700", name: "番号 太郎")
        let username = try #require(try await UserModel.query(on: s.app.db).filter(\.$employeeID == UUID(uuidString: e)!).first()).username
        let rq = try await site.request(e, purposes: ["withholding_slip"])
        let card = try VaultCard.make(number: number)
        try await site.enroll(card, employee: e)
        let file = site.keyFile.deletingLastPathComponent().appendingPathComponent("me.vcard")
        try VirtualMynaCard(state: card.state).save(to: file)

        // Without acknowledging the purposes (and no terminal): nothing is read or sent.
        let refused = try await Self.run(["vault", "give", "--server", s.base, "--username", username, "--vcard", file.path, "--password-stdin", "--pin-stdin"],
                                         stdin: "correct horse battery\n\(VaultCard.textPIN)\n")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("源泉徴収票"), "the purposes are shown: \(refused.stderr)")
        #expect(try VirtualMynaCard.load(contentsOf: file).state.holder.myNumberDigits == number)

        let r = try await Self.run(["vault", "give", "--server", s.base, "--username", username, "--vcard", file.path, "--password-stdin", "--pin-stdin",
                                    "--acknowledge", "--json"], stdin: "correct horse battery\n\(VaultCard.textPIN)\n\(VaultCard.pin)\n")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.components(separatedBy: "残り3回").count == 3, "tries left said before each PIN (text, auth): \(r.stderr)")
        // Nothing signed covers the digits from the own reader (issue 14, M2): it awaits the handler's documents.
        #expect(r.json["requestStatus"] as? String == "notice_acknowledged", "\(r.stdout)")
        #expect(!r.stdout.contains(number) && !r.stderr.contains(number))
        let record = try #require(r.json["record"] as? String)
        #expect(try await site.reveal(record, purpose: "withholding_slip").status.code >= 400)
        let requestID = try #require(r.json["request"] as? String)
        #expect(try await s.send(.POST, "/api/v1/vault/requests/\(requestID)/verifications", as: site.handler, json: ["documents": [
            ["type": "my_number_card", "issuer": "千代田区長", "validUntil": "2034-04-02"]]]).status == .ok)
        #expect(try await site.reveal(record, purpose: "withholding_slip").object()["number"] as? String == number)
        _ = rq
        await site.stop()
    }
}
