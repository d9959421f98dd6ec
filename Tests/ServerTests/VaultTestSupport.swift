import Demo
import FaultInjection
import Fluent
import Foundation
import MynaCard
import MynaCardSim
import MyNumber
import Server
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import SmartCard
import Store
import Testing
import Vapor
import Vault

/// Valid individual numbers made for a test: 11 random digits and the check digit computed by module
/// `MyNumber` — the same function the server uses to refuse a bad one.
enum TestNumbers {
    static func make() -> String {
        var first11 = String(Int.random(in: 1...9))
        for _ in 0..<10 { first11 += String(Int.random(in: 0...9)) }
        return first11 + String(try! IndividualNumber.checkDigit(forFirst11: first11))
    }

    /// The same 11 digits with a wrong check digit.
    static func withWrongCheckDigit(_ valid: String) -> String {
        let last = Int(String(valid.last!))!
        return String(valid.dropLast()) + String((last + 1) % 10)
    }
}

/// A vault test site: a server with a key file, an administrator, a designated handler (hr), and
/// helpers to make employees with their own sign-in.
struct VaultSite {
    let s: TestServer
    let admin: TestServer.Identity
    let handler: TestServer.Identity
    let handlerName: String
    let keyFile: URL

    static let keyID = "k2026"

    /// A key file in the text format, mode 0600.
    static func writeKeyFile(_ url: URL, current: String, keys: [(String, String)]) throws {
        var text = "# MynaGate vault keys (test)\ncurrent \(current)\n"
        for (id, b64) in keys { text += "key \(id) \(b64)\n" }
        FileManager.default.createFile(atPath: url.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }

    /// Starts a server whose vault key is `vault.key` in a directory of its own (not the database's),
    /// `cards` (if given) the demo's virtual-card directory.
    /// `cvcIssuers`: configure the test hierarchy's card-verifiable CA (`ca/cvc-ca.cvc`), as a deployment does.
    static func start(firstKey: String = Keyring.generateKeyBase64(), cards: URL? = nil, faults: FaultPlan? = nil,
                      cvcIssuers: Bool = true) async throws -> VaultSite {
        let keyDir = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-vaultkey-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: keyDir, withIntermediateDirectories: true)
        let keyFile = keyDir.appendingPathComponent("vault.key")
        try writeKeyFile(keyFile, current: keyID, keys: [(keyID, firstKey)])
        let s = try await TestServer.start(faults: faults) { c, dir in
            c.vaultKeyFile = keyFile.path
            if cvcIssuers { c.cvcIssuers = dir.appendingPathComponent("ca/\(TestJPKIHierarchy.FileName.cvcCA)").path }
        }
        if let cards { s.app.deskCards = VirtualCardFiles(directory: cards) }
        let admin = try await s.user(.admin)
        let name = "handler-\(UUID().uuidString.prefix(6))"
        try await Accounts.create(username: name, password: "correct horse battery", role: .hr, cost: 4, on: s.app.db)
        let handler = try await s.signIn(name, "correct horse battery")
        let d = try await s.send(.POST, "/api/v1/vault/handlers", as: admin, json: ["username": name, "responsible": true])
        #expect(d.status == .created, "\(d.text)")
        return VaultSite(s: s, admin: admin, handler: handler, handlerName: name, keyFile: keyFile)
    }

    func stop() async {
        await s.stop()
        try? FileManager.default.removeItem(at: keyFile.deletingLastPathComponent())
    }

    /// An employee record and an employee account linked to it.
    func employee(_ number: String, name: String = "番号 太郎") async throws -> (id: String, who: TestServer.Identity) {
        let e = try await s.send(.POST, "/api/v1/employees", as: handler, json: ["employeeNumber": number, "name": name, "department": "総務部", "groups": [String]()])
        #expect(e.status == .created, "\(e.text)")
        let id = e.object()["id"] as! String
        let username = "emp-\(number.lowercased())-\(UUID().uuidString.prefix(4))"
        try await Accounts.create(username: username, password: "correct horse battery", role: .employee, employeeID: UUID(uuidString: id), cost: 4, on: s.app.db)
        return (id, try await s.signIn(username, "correct horse battery"))
    }

    /// A request for the employee's own number (and optionally new dependents), made by the handler.
    func request(_ employeeID: String, purposes: [String], dependents: [(name: String, relation: String, purposes: [String])] = [],
                 days: Int = 14) async throws -> [String: Any] {
        var subjects: [[String: Any]] = [["kind": "employee", "purposes": purposes]]
        for d in dependents { subjects.append(["kind": "dependent", "name": d.name, "relation": d.relation, "purposes": d.purposes]) }
        let r = try await s.send(.POST, "/api/v1/vault/requests", as: handler, json: ["employeeId": employeeID, "subjects": subjects, "expiresInDays": days])
        #expect(r.status == .created, "\(r.text)")
        return r.object()
    }

    /// A typed number given (after acknowledging the notice) and verified by the handler with a 住民票の写し
    /// and a driving licence; returns the record id.
    func collectTyped(_ employeeID: String, who: TestServer.Identity, number: String, purposes: [String]) async throws -> String {
        let rq = try await request(employeeID, purposes: purposes)
        let id = rq["id"] as! String
        #expect(try await s.send(.POST, "/api/v1/vault/my/requests/\(id)/acknowledge", as: who).status == .ok)
        let g = try await s.send(.POST, "/api/v1/vault/my/requests/\(id)/numbers", as: who, json: ["number": number])
        #expect(g.status == .created, "\(g.text)")
        let v = try await s.send(.POST, "/api/v1/vault/requests/\(id)/verifications", as: handler, json: ["documents": [
            ["type": "resident_record_with_number", "issuer": "千代田区長", "validUntil": ""],
            ["type": "drivers_license", "issuer": "東京都公安委員会", "validUntil": "2030-05-01"],
        ]])
        #expect(v.status == .ok, "\(v.text)")
        return g.object()["recordId"] as? String ?? ""
    }

    /// Enrolls `card` for an existing employee through the enrollment API, the handler at the desk.
    func enroll(_ card: VaultCard, employee: String) async throws {
        let done = try await s.enrollCard(card.transport(), holder: card.holder, employee: employee, as: handler)
        #expect(done.status == .created, "\(done.text)")
    }

    /// What `mynagate vault give` posts: the chip's reading and the card's signature over a fresh
    /// challenge for `request`.
    func cardBody(_ card: VaultCard, request: String, as who: TestServer.Identity) async throws -> [String: Any] {
        let m = card.transport()
        var body = try await card.read(on: m)
        let ch = try await s.send(.POST, "/api/v1/vault/my/requests/\(request)/card/challenge", as: who)
        #expect(ch.status == .ok, "\(ch.text)")
        #expect(try await m.jpki.triesLeft(.auth).value == 3)
        _ = try await m.jpki.verify(try PIN(VaultCard.pin, kind: .jpkiAuth))
        let sig = try await m.jpki.sign(sha256Digest: Array(Data(base64Encoded: ch.object()["digest"] as? String ?? "")!), with: .auth).value
        body["challengeId"] = ch.object()["challengeId"] as? String
        body["signature"] = Data(sig).base64EncodedString()
        return body
    }

    func reveal(_ record: String, purpose: String?, as who: TestServer.Identity? = nil) async throws -> TestServer.Reply {
        try await s.send(.POST, "/api/v1/vault/numbers/\(record)/reveal", as: who ?? handler, json: purpose.map { ["purpose": $0] } ?? [String: String]())
    }
}

/// A virtual card for a person whose number and 4 items the test knows, read over APDUs.
struct VaultCard {
    let holder: CardHolder
    let state: VirtualCardState
    /// The auth PIN (JPKI).
    static let pin = "1234"
    /// The text application's PIN: another value than the auth PIN, as a holder may choose, so every
    /// vault flow here shows it asks for and sends the text PIN where the chip's number is read.
    static let textPIN = "5678"

    static func make(number: String, name: String = "番号 太郎", address: String = "東京都千代田区千代田1丁目1番1号") throws -> VaultCard {
        let holder = CardHolder(name: name, address: address, birthDate: "19850402", sex: .male, myNumberDigits: number)
        let state = try TestServer.hierarchy.issueCard(holder: holder, authPIN: pin, signingPassword: "ABC123", textPIN: textPIN,
                                                       issuedAt: Date().addingTimeInterval(-60))
        return VaultCard(holder: holder, state: state)
    }

    /// What `mynagate vault give` does at the employee's own reader: tries left first, the text PIN,
    /// then the number and the 4 items from the chip — as the JSON body of `…/card`.
    func read(on card: MynaCard, pin: String = VaultCard.textPIN) async throws -> [String: Any] {
        let tries = try await card.text.triesLeft().value
        #expect(tries == 3)
        _ = try await card.text.verify(try PIN(pin, kind: .text))
        // As the command does: the files come along for the server to check their integrity record.
        let reading = try await card.text.readWithIntegrity(issuers: .none).value
        let four = reading.items
        let f = reading.files
        var files: [String: String] = ["numberFile": Data(f.numberFile).base64EncodedString(), "fourItemsFile": Data(f.fourItemsFile).base64EncodedString(),
                                       "integrityRecord": Data(f.integrityRecord).base64EncodedString()]
        files["certificate"] = f.certificate.map { Data($0).base64EncodedString() }
        return ["number": reading.number.revealDigits(),
                "fourItems": ["name": four.name, "address": four.address, "birthDate": four.birthDate, "sex": four.sex],
                "textFiles": files]
    }

    func transport() -> MynaCard { MynaCard(transport: EmulatedCardTransport(card: VirtualMynaCard(state: state))) }
}
