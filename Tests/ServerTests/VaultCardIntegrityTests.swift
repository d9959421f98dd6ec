import Fluent
import Foundation
import CryptoExtras
import Crypto
@testable import MynaCard
@testable import MynaCardSim
import SmartCard
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Store
import Testing
import Vapor
import Vault

/// The text application's integrity record at the vault (issue 17 item 8), over real HTTP: the server
/// checks the EFs the client posts itself, refuses a reading its record contradicts, and records for
/// the handler whether a number came from a chip with a verified record.
@Suite("Vault: the card's integrity record", .serialized)
struct VaultCardIntegrityTests {
    /// An employee with an enrolled card, a request acknowledged, and the body `vault give` would post.
    func setUp(_ site: VaultSite, _ staff: String) async throws -> (employee: String, me: TestServer.Identity, request: String, card: VaultCard, number: String) {
        let number = TestNumbers.make()
        let (employeeID, me) = try await site.employee(staff, name: "番号　太郎")
        let card = try VaultCard.make(number: number, name: "番号　太郎")
        try await site.enroll(card, employee: employeeID)
        let request = try await site.request(employeeID, purposes: ["withholding_slip"])["id"] as! String
        #expect(try await site.s.send(.POST, "/api/v1/vault/my/requests/\(request)/acknowledge", as: me).status == .ok)
        return (employeeID, me, request, card, number)
    }

    func refusals(_ site: VaultSite) async throws -> [AuditRecordModel] {
        try await AuditRecordModel.query(on: site.s.app.db).filter(\.$kind == "vault.card.integrity_refused").all()
    }

    func numbers(_ site: VaultSite, _ employee: String) async throws -> [[String: Any]] {
        try await site.s.send(.GET, "/api/v1/vault/employees/\(employee)", as: site.handler).object()["numbers"] as? [[String: Any]] ?? []
    }

    @Test("a reading whose files contradict the integrity record (digest mismatch) is refused, audited, and nothing is stored")
    func tamperedIsRefused() async throws {
        let site = try await VaultSite.start()
        defer { Task { await site.stop() } }
        let s = site.s
        let (employee, me, request, card, number) = try await setUp(site, "V0701")
        let url = "/api/v1/vault/my/requests/\(request)/card"

        // Another valid number, written into the number file and the posted number alike: the files
        // and the body agree, only the integrity record (signed by the issuer) does not.
        let forgedNumber = TestNumbers.make()
        var body = try await site.cardBody(card, request: request, as: me)
        var files = body["textFiles"] as! [String: String]
        files["numberFile"] = Data([0xFF, 0x10, 0x0C] + Array(forgedNumber.utf8) + [0xFF, 0xFF]).base64EncodedString()
        body["textFiles"] = files
        body["number"] = forgedNumber
        let r = try await s.send(.POST, url, as: me, json: body)
        #expect(r.status == .unprocessableEntity && r.text.contains("card_integrity_mismatch"), "\(r.text)")
        #expect(!r.text.contains(forgedNumber) && !r.text.contains(number))

        // A changed address, in the 4-items file and the posted items alike.
        body = try await site.cardBody(card, request: request, as: me)
        files = body["textFiles"] as! [String: String]
        var four = Array(Data(base64Encoded: files["fourItemsFile"]!)!)
        let address = Array("東京都千代田区千代田1丁目1番1号".utf8)
        let at = try #require(four.firstRange(of: address))
        four.replaceSubrange(at, with: Array("東京都千代田区千代田9丁目1番1号".utf8))
        files["fourItemsFile"] = Data(four).base64EncodedString()
        body["textFiles"] = files
        var items = body["fourItems"] as! [String: String]
        items["address"] = "東京都千代田区千代田9丁目1番1号"
        body["fourItems"] = items
        let r2 = try await s.send(.POST, url, as: me, json: body)
        #expect(r2.status == .unprocessableEntity && r2.text.contains("card_integrity_mismatch"), "\(r2.text)")

        // The security officer sees both refusals, with the failed check and never the number.
        let audited = try await refusals(site)
        #expect(audited.map(\.details).contains { $0.contains("number_digest") })
        #expect(audited.map(\.details).contains { $0.contains("four_items_digest") })
        #expect(!audited.contains { $0.details.contains(number) || $0.details.contains(forgedNumber) })
        #expect(try await numbers(site, employee).isEmpty)

        // Intact files with a different number in the body: the body must say what the files say.
        body = try await site.cardBody(card, request: request, as: me)
        body["number"] = forgedNumber
        let r3 = try await s.send(.POST, url, as: me, json: body)
        #expect(r3.status == .unprocessableEntity && r3.text.contains("card_files_disagree"), "\(r3.text)")

        // The intact reading is taken. The server read no chip, so the handler sees the files were the
        // employee's client's claim — verified as J-LIS issued them, not bound to this person's card.
        let ok = try await s.send(.POST, url, as: me, json: try await site.cardBody(card, request: request, as: me))
        #expect(ok.status == .created, "\(ok.text)")
        let held = try await numbers(site, employee)
        #expect(held.count == 1)
        #expect(held.first?["chipIntegrity"] as? String == "client_verified")
        #expect(held.first?["source"] as? String == "own_reader")
        let page = try await s.send(.GET, "/vault/employees?employee=V0701", as: site.handler)
        #expect(page.text.contains("本人の端末が送ったカードのファイル"), "\(page.text.prefix(200))")
        #expect(!page.text.contains("ICチップから読取り"))
        #expect(!page.text.contains(number))
    }

    @Test("without a configured card-verifiable CA the reading is recorded as issuer unknown; without files, as not from a checked chip")
    func issuerUnknownAndNoFiles() async throws {
        let site = try await VaultSite.start(cvcIssuers: false)
        defer { Task { await site.stop() } }
        let (employee, me, request, card, _) = try await setUp(site, "V0702")
        let given = try await site.s.send(.POST, "/api/v1/vault/my/requests/\(request)/card", as: me,
                                          json: try await site.cardBody(card, request: request, as: me))
        #expect(given.status == .created, "\(given.text)")
        #expect(try await numbers(site, employee).first?["chipIntegrity"] as? String == "client_issuer_unknown")

        let (employee2, me2, request2, card2, _) = try await setUp(site, "V0703")
        var old = try await site.cardBody(card2, request: request2, as: me2)
        old.removeValue(forKey: "textFiles")
        #expect(try await site.s.send(.POST, "/api/v1/vault/my/requests/\(request2)/card", as: me2, json: old).status == .created)
        let n = try await numbers(site, employee2).first
        #expect(n?["chipIntegrity"] == nil || n?["chipIntegrity"] is NSNull)
    }

    @Test("own reader: card files whose 4 items differ from the HR record are taken as a claim, and the audit names the differing field, not its value")
    func ownReaderDifferencesAreAudited() async throws {
        let site = try await VaultSite.start()
        defer { Task { await site.stop() } }
        let (employee, me, request, card, number) = try await setUp(site, "V0705")
        // The HR record says the employee lives elsewhere than the card's files say (the birth date and
        // sex are kept: a changed birth date would send the enrolled card back to its holder).
        let held = try await site.s.send(.GET, "/api/v1/vault/employees/\(employee)", as: site.handler).object()
        let profile = try await site.s.send(.PUT, "/api/v1/vault/employees/\(employee)/profile", as: site.handler,
                                            json: ["address": "大阪府大阪市北区梅田九丁目９番９号",
                                                   "birthDate": held["birthDate"] as? String ?? "", "sex": held["sex"] as? String ?? ""])
        #expect(profile.status == .ok, "\(profile.text)")
        let given = try await site.s.send(.POST, "/api/v1/vault/my/requests/\(request)/card", as: me,
                                          json: try await site.cardBody(card, request: request, as: me))
        #expect(given.status == .created, "\(given.text)")
        #expect(try await numbers(site, employee).first?["chipIntegrity"] as? String == "client_verified")
        let collected = try await AuditRecordModel.query(on: site.s.app.db).filter(\.$kind == "vault.number.collected").all()
        #expect(collected.count == 1)
        #expect(collected.first?.details.contains("cardDifferences") == true && collected.first?.details.contains("address") == true,
                "\(collected.first?.details ?? "")")
        #expect(!(collected.first?.details.contains(number) ?? true))
        #expect(!(collected.first?.details.contains("梅田") ?? true) && !(collected.first?.details.contains("千代田") ?? true))
    }

    @Test("the demo desk reads the chip itself: a card carrying another card's certificate is refused")
    func deskRefusesAForeignCertificate() async throws {
        let cards = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-cards-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: cards, withIntermediateDirectories: true)
        let site = try await VaultSite.start(cards: cards)
        defer { Task { await site.stop(); try? FileManager.default.removeItem(at: cards) } }
        let s = site.s
        let (e, me) = try await site.employee("V0704", name: "仮想 四郎")
        var state = try VaultCard.make(number: TestNumbers.make(), name: "仮想 四郎").state
        state.cardVerifiableCertificate = try VaultCard.make(number: TestNumbers.make()).state.cardVerifiableCertificate
        try VirtualMynaCard(state: state).save(to: cards.appendingPathComponent("V0704.vcard"))
        let id = try await site.request(e, purposes: ["employment_insurance"])["id"] as! String
        let form = { (f: String) in (Data(f.utf8), "application/x-www-form-urlencoded") }
        let (ack, t) = form("")
        #expect(try await s.send(.POST, "/vault/my/requests/\(id)/acknowledge", as: me, raw: ack, contentType: t).status == .seeOther)
        let (b, t2) = form("pin=\(VaultCard.textPIN)")
        let r = try await s.send(.POST, "/vault/my/requests/\(id)/card", as: me, raw: b, contentType: t2)
        #expect(r.status == .unprocessableEntity, "\(r.status)")
        #expect(try await refusals(site).contains { $0.details.contains("record_signature") })
        #expect(try await numbers(site, e).isEmpty)
    }

    /// `FF30 { <the two signed objects of a visual record>, DF33 <their signature>, DF31 <digest of
    /// numberFile>, DF32 <digest of the 4 items> }`: signed by the card's own issuer key, but over visual
    /// data (attacker review finding 1).
    static func forgedRecord(from visual: [UInt8], numberFile: [UInt8], fourItemsFile: [UInt8]) throws -> [UInt8] {
        let outer = try BERTLV.parseHeader(visual)
        var at = outer.headerLength
        var bounds: [(start: Int, valueStart: Int, end: Int)] = []
        for _ in 0..<3 {
            let h = try BERTLV.parseHeader(visual[at...])
            bounds.append((at, at + h.headerLength, at + h.headerLength + h.valueLength))
            at += h.headerLength + h.valueLength
        }
        let signed = Array(visual[bounds[0].start..<bounds[1].end])
        let signature = Array(visual[bounds[2].valueStart..<bounds[2].end])
        let source = try TextIntegrity.fourItemsDigestSource(fourItemsFile)
        return TLV.encode(0xFF30, signed + TLV.encode(0xDF33, signature)
            + TLV.encode(0xDF31, Array(SHA256.hash(data: numberFile)))
            + TLV.encode(0xDF32, Array(SHA256.hash(data: source))))
    }

    @Test("a visual record (age record, number side) re-wrapped as a text integrity record for another number is refused as malformed")
    func visualRecordForgeryIsRefused() async throws {
        let site = try await VaultSite.start()
        defer { Task { await site.stop() } }
        let (employee, me, request, card, number) = try await setUp(site, "V0705")
        let issuer = try _RSA.Signing.PrivateKey(derRepresentation: card.state.textSigningKey)
        let own = try _RSA.Signing.PrivateKey(derRepresentation: try #require(card.state.visualCardKey))
        let ownPublic = CVC.publicKeyTLV(own.publicKey)
        let visuals = [VisualApplication.ageRecord(card.state, publicKey: ownPublic, issuer: issuer),
                       VisualApplication.numberSideEF(card.state, publicKey: ownPublic, issuer: issuer)]
        let forgedNumber = TestNumbers.make()
        let numberFile: [UInt8] = [0xFF, 0x10, 0x0C] + Array(forgedNumber.utf8) + [0xFF, 0xFF]
        for visual in visuals {
            var body = try await site.cardBody(card, request: request, as: me)
            var files = body["textFiles"] as! [String: String]
            let four = Array(Data(base64Encoded: files["fourItemsFile"]!)!)
            files["numberFile"] = Data(numberFile).base64EncodedString()
            files["integrityRecord"] = Data(try Self.forgedRecord(from: visual, numberFile: numberFile, fourItemsFile: four)).base64EncodedString()
            body["textFiles"] = files
            body["number"] = forgedNumber
            let r = try await site.s.send(.POST, "/api/v1/vault/my/requests/\(request)/card", as: me, json: body)
            #expect(r.status == .unprocessableEntity && r.text.contains("card_integrity_mismatch"), "\(r.text)")
            #expect(!r.text.contains(forgedNumber) && !r.text.contains(number))
        }
        let audited = try await refusals(site)
        #expect(audited.filter { $0.details.contains("malformed") }.count == 2)
        #expect(try await numbers(site, employee).isEmpty)
    }
}
