import Foundation
import MynaCardSim
@testable import AttendanceServer
@testable import CardApplicationServer
@testable import ServerCore
@testable import VaultServer
import Testing
import Vapor

/// The vault compares the chip's 4 items with the HR record. Real cards write names with U+3000 and
/// addresses with full-width digits and U+FF0D (soltia48/myna-card, a real card's EF 0002); HR systems
/// write what their keyboards and code pages give. Issue 17 items 6 and 7 (audit D5, D6).
@Suite("Vault: card-shaped 4 items and the text PIN", .serialized)
struct VaultCardShapeTests {
    @Test("normalised: card forms equal typed forms; every dash between numbers folds; ー only after a digit")
    func normalisation() {
        let n = VaultService.normalised
        // The real card's address against ASCII, and against the other dashes of Japanese code pages.
        let card = "東京都清瀬市観布子南１２－７－２０２"
        for typed in ["東京都清瀬市観布子南12-7-202", "東京都清瀬市観布子南１２−７−２０２", "東京都清瀬市観布子南12‐7‐202",
                      "東京都清瀬市観布子南12―7―202", "東京都清瀬市観布子南12—7—202", "東京都清瀬市観布子南12–7–202",
                      "東京都清瀬市観布子南１２ー７ー２０２", "東京都清瀬市観布子南12ｰ7ｰ202", "東京都清瀬市観布子南 12-7-202"] {
            #expect(n(card) == n(typed), "\(typed)")
        }
        #expect(n("黒桐\u{3000}幹也") == n("黒桐 幹也"))
        #expect(n("黒桐\u{3000}幹也") == n("黒桐幹也"))
        // ー is a letter after katakana: a building name keeps it, so a different name stays different.
        #expect(n("コーポ１０１") != n("コ-ポ１０１"))
        #expect(n("センター") == "センター")
        // Not dashes: the numeral 一 and the wave dash.
        #expect(n("１一２") != n("1-2"))
        #expect(n("１〜２") != n("1-2"))
        // Real differences stay differences.
        #expect(n(card) != n("東京都清瀬市観布子南12-7-203"))
    }

    @Test("the desk reads a card-shaped card with its own text PIN: the auth PIN is a wrong PIN; U+3000, full-width digits and other dashes are no difference, a move is")
    func deskWithCardShapedData() async throws {
        let cards = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-vault-shape-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: cards, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: cards) }
        let site = try await VaultSite.start(cards: cards)
        defer { Task { await site.stop() } }
        let s = site.s
        func form(_ f: String) -> (Data, String) { (Data(f.utf8), "application/x-www-form-urlencoded") }

        // Card: U+3000, full-width digits, U+FF0D, and long enough for the BER long form.
        let cardAddress = "東京都千代田区千代田１－１－１\u{3000}千代田グランドレジデンス１２３４号室"
        for (employeeNumber, hrAddress, expected) in [
            ("V0901", "東京都千代田区千代田1−1−1 千代田グランドレジデンス1234号室", [String]()),   // U+2212, ASCII digits
            ("V0902", "東京都千代田区千代田1-1-2 千代田グランドレジデンス1234号室", ["address"]),   // another address
        ] {
            let (e, me) = try await site.employee(employeeNumber, name: "番号 太郎")
            let p = try await s.send(.PUT, "/api/v1/vault/employees/\(e)/profile", as: site.handler,
                                     json: ["address": hrAddress, "birthDate": "1985-04-02", "sex": "1"])
            #expect(p.status == .ok, "\(p.text)")
            let file = cards.appendingPathComponent("\(employeeNumber).vcard")
            try VirtualMynaCard(state: try VaultCard.make(number: TestNumbers.make(), name: "番号\u{3000}太郎", address: cardAddress).state).save(to: file)
            func tries() throws -> Int { try VirtualMynaCard.load(contentsOf: file).state.textPIN.triesLeft }
            let id = try await site.request(e, purposes: ["employment_insurance"])["id"] as! String
            let (ack, type) = form("")
            #expect(try await s.send(.POST, "/vault/my/requests/\(id)/acknowledge", as: me, raw: ack, contentType: type).status == .seeOther)

            // The auth PIN is not the text PIN on this card: it costs a try and gives nothing.
            let (wb, wt) = form("pin=\(VaultCard.pin)")
            #expect(try await s.send(.POST, "/vault/my/requests/\(id)/card", as: me, raw: wb, contentType: wt).status.code >= 400)
            #expect(try tries() == 2)
            let (b, t) = form("pin=\(VaultCard.textPIN)")
            let ok = try await s.send(.POST, "/vault/my/requests/\(id)/card", as: me, raw: b, contentType: t)
            #expect(ok.status == .seeOther, "\(ok.status) \(ok.text.prefix(300))")
            #expect(try tries() == 3)

            let view = try await s.send(.GET, "/api/v1/vault/requests/\(id)", as: site.handler)
            #expect(view.object()["status"] as? String == "fulfilled", "\(view.text)")
            let verification = (view.object()["subjects"] as? [[String: Any]])?.first?["verification"] as? [String: Any]
            let diffs = try #require(verification?["cardDifferences"] as? [[String: Any]], "\(view.text)")
            #expect(diffs.compactMap { $0["field"] as? String } == expected, "\(employeeNumber): \(view.text)")
        }
        await site.stop()
    }
}
