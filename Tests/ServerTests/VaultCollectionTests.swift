import Fluent
import Foundation
import MynaCard
import MynaCardSim
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Store
import Testing
import Vapor
import Vault

/// Collecting numbers over real HTTP: by the card's chip, typed with documents, for dependents; the
/// notice before anything is given, and requests that expire.
@Suite("Vault: collection", .serialized)
struct VaultCollectionTests {
    @Test("by card from the own reader: notice first, text PIN, the enrolled card's signature; the number awaits the handler's documents")
    func byCard() async throws {
        let site = try await VaultSite.start()
        defer { Task { await site.stop() } }
        let s = site.s
        let number = TestNumbers.make()
        let (employeeID, me) = try await site.employee("V0001", name: "番号 太郎")
        // The HR record has an old address: the card's new one must show as a difference.
        let p = try await s.send(.PUT, "/api/v1/vault/employees/\(employeeID)/profile", as: site.handler,
                                 json: ["address": "東京都港区芝公園4丁目2番8号", "birthDate": "1985-04-02", "sex": "1"])
        #expect(p.status == .ok, "\(p.text)")
        let rq = try await site.request(employeeID, purposes: ["withholding_slip", "health_pension_insurance"])
        let requestID = rq["id"] as! String

        // The employee sees the purposes before giving anything.
        let mine = try await s.send(.GET, "/api/v1/vault/my/requests", as: me).array()
        #expect(mine.count == 1)
        let subject = (mine.first?["subjects"] as? [[String: Any]])?.first
        #expect(Set(subject?["purposes"] as? [String] ?? []) == ["withholding_slip", "health_pension_insurance"])
        #expect((subject?["purposesJa"] as? [String])?.contains("源泉徴収票・給与支払報告書") == true)

        let card = try VaultCard.make(number: number, name: "番号　太郎", address: "東京都千代田区千代田1丁目1番1号")
        try await site.enroll(card, employee: employeeID)
        let first = try await site.cardBody(card, request: requestID, as: me)
        #expect(first["number"] as? String == number)
        // Giving before the notice is acknowledged is refused.
        let early = try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/card", as: me, json: first)
        #expect(early.status == .conflict, "\(early.text)")
        #expect(!early.text.contains(number))
        #expect(try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/acknowledge", as: me).status == .ok)
        // The used challenge cannot be replayed.
        let replay = try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/card", as: me, json: first)
        #expect(replay.status == .unprocessableEntity && replay.text.contains("card_not_proven"), "\(replay.text)")
        // A reading without the card's signature, or signed by another (unenrolled) card, is refused.
        var unsigned = first
        unsigned.removeValue(forKey: "signature")
        #expect(try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/card", as: me, json: unsigned).status == .badRequest)
        let stranger = try VaultCard.make(number: TestNumbers.make())
        var forged = try await site.cardBody(stranger, request: requestID, as: me)
        forged["number"] = number
        #expect(try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/card", as: me, json: forged).status == .unprocessableEntity)
        // Someone else can neither get a challenge nor give for this request.
        let (_, other) = try await site.employee("V0002", name: "別人 花子")
        #expect(try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/card/challenge", as: other).status == .notFound)
        let body = try await site.cardBody(card, request: requestID, as: me)
        #expect(try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/card", as: other, json: body).status == .notFound)

        let given = try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/card", as: me, json: body)
        #expect(given.status == .created, "\(given.text)")
        #expect(!given.text.contains(number))
        let recordID = given.object()["recordId"] as! String
        // Once is enough.
        #expect(try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/card", as: me,
                                 json: try await site.cardBody(card, request: requestID, as: me)).status == .conflict)

        // The card's signature covers the challenge, not the digits (issue 14, M2): the number given from
        // the employee's own reader waits, unusable, for the handler's document check like a typed one.
        let view = try await s.send(.GET, "/api/v1/vault/requests/\(requestID)", as: site.handler)
        #expect(view.status == .ok)
        #expect(view.object()["status"] as? String == "notice_acknowledged", "\(view.text)")
        let sv = (view.object()["subjects"] as? [[String: Any]])?.first
        #expect(sv?["verification"] == nil || sv?["verification"] is NSNull, "\(view.text)")
        #expect(!view.text.contains("chip_with_pin"))
        #expect(!view.text.contains(number))
        #expect(try await site.reveal(recordID, purpose: "withholding_slip").status.code >= 400)
        // The handler sees the card at the desk and records it; then the number is verified.
        let checked = try await s.send(.POST, "/api/v1/vault/requests/\(requestID)/verifications", as: site.handler, json: ["documents": [
            ["type": "my_number_card", "issuer": "千代田区長", "validUntil": "2034-04-02"],
        ]])
        #expect(checked.status == .ok, "\(checked.text)")
        #expect(checked.object()["status"] as? String == "fulfilled", "\(checked.text)")

        // The designated handler reveals it for a collected purpose.
        let r = try await site.reveal(recordID, purpose: "withholding_slip")
        #expect(r.status == .ok, "\(r.text)")
        #expect(r.object()["number"] as? String == number)
        #expect(r.headers.first(name: .cacheControl) == "no-store")
        await site.stop()
    }

    @Test("typed: a bad check digit is refused without echoing it; documents per 施行規則; dependents with relation")
    func typed() async throws {
        let site = try await VaultSite.start()
        defer { Task { await site.stop() } }
        let s = site.s
        let own = TestNumbers.make(), spouse = TestNumbers.make(), child = TestNumbers.make()
        let (employeeID, me) = try await site.employee("V0101")
        let rq = try await site.request(employeeID, purposes: ["withholding_slip", "dependent_deduction_declaration"],
                                        dependents: [("番号 花子", "spouse", ["dependent_deduction_declaration", "national_pension_category3"]),
                                                     ("番号 一郎", "child", ["dependent_deduction_declaration"])])
        let requestID = rq["id"] as! String
        let subjects = rq["subjects"] as! [[String: Any]]
        #expect(subjects.map { $0["role"] as? String } == ["employee", "spouse", "child"])
        let spouseID = subjects[1]["subjectId"] as! String, childID = subjects[2]["subjectId"] as! String
        #expect(try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/acknowledge", as: me).status == .ok)
        #expect(try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/acknowledge", as: me).status == .conflict)

        // A bad check digit, hyphenated: refused with what is wrong, never with the input.
        let wrong = TestNumbers.withWrongCheckDigit(own)
        let bad = try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/numbers", as: me,
                                   json: ["number": "\(wrong.prefix(4))-\(wrong.dropFirst(4).prefix(4))-\(wrong.suffix(4))"])
        #expect(bad.status.code >= 400 && bad.status.code < 500, "\(bad.status)")
        #expect(bad.text.contains("check"), "\(bad.text)")
        #expect(!bad.text.contains(wrong) && !bad.text.contains(String(wrong.suffix(4))))

        let g = try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/numbers", as: me, json: ["number": own])
        #expect(g.status == .created, "\(g.text)")
        let ownRecord = g.object()["recordId"] as! String
        // Typed and not yet verified: not revealed.
        #expect(try await site.reveal(ownRecord, purpose: "withholding_slip").status == .conflict)

        // Dependents, given by the employee with the relation recorded.
        let gs = try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/numbers", as: me, json: ["subjectId": spouseID, "number": spouse])
        #expect(gs.status == .created, "\(gs.text)")
        let gc = try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/numbers", as: me, json: ["subjectId": childID, "number": child])
        #expect(gc.status == .created, "\(gc.text)")
        let childRecord = gc.object()["recordId"] as! String
        // A card gives only its holder's number.
        let card = try VaultCard.make(number: TestNumbers.make())
        let cardBody = try await card.read(on: card.transport())
        var forSpouse = cardBody
        forSpouse["subjectId"] = spouseID
        #expect(try await s.send(.POST, "/api/v1/vault/my/requests/\(requestID)/card", as: me, json: forSpouse).status.code >= 400)

        // Documents: a photo ID alone is not number confirmation; the 通知書 is not acceptable.
        let onlyPhoto = try await s.send(.POST, "/api/v1/vault/requests/\(requestID)/verifications", as: site.handler,
                                         json: ["documents": [["type": "drivers_license", "issuer": "東京都公安委員会", "validUntil": "2030-05-01"]]])
        #expect(onlyPhoto.status == .unprocessableEntity, "\(onlyPhoto.text)")
        let notice = try await s.send(.POST, "/api/v1/vault/requests/\(requestID)/verifications", as: site.handler, json: ["documents": [
            ["type": "individual_number_notice", "issuer": "地方公共団体情報システム機構"], ["type": "passport", "issuer": "外務大臣", "validUntil": "2031-01-01"],
        ]])
        #expect(notice.status == .unprocessableEntity, "\(notice.text)")
        // 住民票の写し (with the number) + two non-photo IDs.
        let ok = try await s.send(.POST, "/api/v1/vault/requests/\(requestID)/verifications", as: site.handler, json: ["documents": [
            ["type": "resident_record_with_number", "issuer": "千代田区長"],
            ["type": "health_insurance_card", "issuer": "全国健康保険協会"], ["type": "pension_book", "issuer": "日本年金機構"],
        ]])
        #expect(ok.status == .ok, "\(ok.text)")
        // The spouse (第3号) needs the company's own verification too, with documents.
        let spouseDocs = try await s.send(.POST, "/api/v1/vault/requests/\(requestID)/verifications", as: site.handler, json: ["subjectId": spouseID, "documents": [
            ["type": "notification_card", "issuer": "千代田区長", "detailsUnchanged": true], ["type": "passport", "issuer": "外務大臣", "validUntil": "2031-01-01"],
        ]])
        #expect(spouseDocs.status == .ok, "\(spouseDocs.text)")
        let view = try await s.send(.GET, "/api/v1/vault/requests/\(requestID)", as: site.handler)
        #expect(view.object()["status"] as? String == "fulfilled", "\(view.text)")
        let vs = view.object()["subjects"] as? [[String: Any]] ?? []
        let methods = vs.map { ($0["verification"] as? [String: Any])?["method"] as? String }
        #expect(methods == ["documents", "documents", "dependent_by_employee"], "\(methods)")
        let ownDocs = ((vs.first?["verification"] as? [String: Any])?["documents"] as? [[String: Any]]) ?? []
        #expect(ownDocs.map { $0["issuer"] as? String } == ["千代田区長", "全国健康保険協会", "日本年金機構"])
        for n in [own, spouse, child] { #expect(!view.text.contains(n)) }

        // The employee's summary names relations, never numbers.
        let summary = try await s.send(.GET, "/api/v1/vault/employees/\(employeeID)", as: site.handler)
        #expect(summary.status == .ok)
        let deps = summary.object()["dependents"] as? [[String: Any]] ?? []
        #expect(Set(deps.map { $0["relation"] as? String ?? "" }) == ["spouse", "child"])
        #expect((summary.object()["numbers"] as? [[String: Any]])?.count == 3)
        for n in [own, spouse, child] { #expect(!summary.text.contains(n)) }

        let rc = try await site.reveal(childRecord, purpose: "dependent_deduction_declaration")
        #expect(rc.object()["number"] as? String == child, "\(rc.text)")
        #expect(rc.object()["personName"] as? String == "番号 一郎")
        await site.stop()
    }

    @Test("a request expires: no acknowledgement or number after its end")
    func expiry() async throws {
        let site = try await VaultSite.start()
        defer { Task { await site.stop() } }
        let s = site.s
        let (employeeID, me) = try await site.employee("V0201")
        #expect(try await s.send(.POST, "/api/v1/vault/requests", as: site.handler,
                                 json: ["employeeId": employeeID, "subjects": [["kind": "employee", "purposes": ["withholding_slip"]]], "expiresInDays": 0]).status == .unprocessableEntity)
        let rq = try await site.request(employeeID, purposes: ["withholding_slip"], days: 1)
        let id = rq["id"] as! String
        #expect(try await s.send(.POST, "/api/v1/vault/my/requests/\(id)/acknowledge", as: me).status == .ok)
        // A day later, as the database sees it: the request's end moved into the past.
        try await Self.age(request: id, on: s.app.db)
        let late = try await s.send(.POST, "/api/v1/vault/my/requests/\(id)/numbers", as: me, json: ["number": TestNumbers.make()])
        #expect(late.status == .conflict, "\(late.text)")
        #expect(late.object()["code"] as? String == "expired" || late.text.contains("expired"), "\(late.text)")
        let view = try await s.send(.GET, "/api/v1/vault/requests/\(id)", as: site.handler)
        #expect(view.object()["status"] as? String == "expired", "\(view.text)")
        let summary = try await s.send(.GET, "/api/v1/vault/employees/\(employeeID)", as: site.handler).object()
        #expect((summary["numbers"] as? [Any])?.isEmpty == true)
        // A request that was never acknowledged cannot be acknowledged once expired.
        let rq2 = try await site.request(employeeID, purposes: ["employment_insurance"], days: 1)
        try await Self.age(request: rq2["id"] as! String, on: s.app.db)
        #expect(try await s.send(.POST, "/api/v1/vault/my/requests/\(rq2["id"] as! String)/acknowledge", as: me).status == .conflict)
        // A cancelled request takes nothing either.
        let rq3 = try await site.request(employeeID, purposes: ["employment_insurance"])
        let id3 = rq3["id"] as! String
        #expect(try await s.send(.POST, "/api/v1/vault/my/requests/\(id3)/acknowledge", as: me).status == .ok)
        #expect(try await s.send(.POST, "/api/v1/vault/requests/\(id3)/cancel", as: site.handler).object()["status"] as? String == "cancelled")
        #expect(try await s.send(.POST, "/api/v1/vault/my/requests/\(id3)/numbers", as: me, json: ["number": TestNumbers.make()]).status == .conflict)
        #expect(try await s.send(.POST, "/api/v1/vault/requests/\(id3)/cancel", as: site.handler).status == .conflict)
        await site.stop()
    }

    @Test("the demo desk reads the employee's virtual card: tries left read first and shown, the last try only when confirmed")
    func demoDeskPINRules() async throws {
        let cards = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-vault-desk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: cards, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: cards) }
        let site = try await VaultSite.start(cards: cards)
        defer { Task { await site.stop() } }
        let s = site.s
        let number = TestNumbers.make()
        let (e, me) = try await site.employee("V0601", name: "仮想 三郎")
        let file = cards.appendingPathComponent("V0601.vcard")
        try VirtualMynaCard(state: try VaultCard.make(number: number, name: "仮想 三郎").state).save(to: file)
        func tries() throws -> Int { try VirtualMynaCard.load(contentsOf: file).state.textPIN.triesLeft }
        func form(_ f: String) -> (Data, String) { (Data(f.utf8), "application/x-www-form-urlencoded") }
        let id = try await site.request(e, purposes: ["employment_insurance"])["id"] as! String
        let (ack, type) = form("")
        #expect(try await s.send(.POST, "/vault/my/requests/\(id)/acknowledge", as: me, raw: ack, contentType: type).status == .seeOther)
        let page = try await s.send(.GET, "/vault/my", as: me)
        #expect(page.text.contains("<strong class=\"tries-left\">3</strong>"), "\(page.text)")
        for left in [2, 1] {
            let (b, t) = form("pin=9999")
            let r = try await s.send(.POST, "/vault/my/requests/\(id)/card", as: me, raw: b, contentType: t)
            #expect(r.status.code >= 400)
            #expect(try tries() == left)
            #expect(r.text.contains("<strong class=\"tries-left\">\(left)</strong>"), "tries left shown after a wrong PIN")
        }
        // One try left: not sent without confirmation, even with the right PIN; nothing spent.
        #expect(try await s.send(.GET, "/vault/my", as: me).text.contains("confirmLastTry"))
        let (b1, t1) = form("pin=\(VaultCard.textPIN)")
        let unconfirmed = try await s.send(.POST, "/vault/my/requests/\(id)/card", as: me, raw: b1, contentType: t1)
        #expect(unconfirmed.status.code >= 400)
        #expect(try tries() == 1)
        // A malformed PIN is refused before anything reaches the card.
        let (b2, t2) = form("pin=12&confirmLastTry=on")
        #expect(try await s.send(.POST, "/vault/my/requests/\(id)/card", as: me, raw: b2, contentType: t2).status.code >= 400)
        #expect(try tries() == 1)
        let (b3, t3) = form("pin=\(VaultCard.textPIN)&confirmLastTry=on")
        let ok = try await s.send(.POST, "/vault/my/requests/\(id)/card", as: me, raw: b3, contentType: t3)
        #expect(ok.status == .seeOther, "\(ok.status) \(ok.text.prefix(300))")
        #expect(try tries() == 3)
        let view = try await s.send(.GET, "/api/v1/vault/requests/\(id)", as: site.handler)
        #expect(view.object()["status"] as? String == "fulfilled")
        // The server read the chip and checked its integrity record against the configured CA.
        let held = try await s.send(.GET, "/api/v1/vault/employees/\(e)", as: site.handler).object()["numbers"] as? [[String: Any]]
        #expect(held?.first?["chipIntegrity"] as? String == "verified")
        let record = try #require(((view.object()["subjects"] as? [[String: Any]])?.first?["recordId"]) as? String)
        #expect(try await site.reveal(record, purpose: "employment_insurance").object()["number"] as? String == number)
        await site.stop()
    }

    /// Moves a request's end (in the row and in its stored state) two days back.
    static func age(request id: String, on db: any Database) async throws {
        let m = try #require(try await VaultRequestModel.find(UUID(uuidString: id)!, on: db))
        var state = try #require(try JSONSerialization.jsonObject(with: Data(m.state.utf8)) as? [String: Any])
        let past = Date().addingTimeInterval(-2 * 86_400)
        var created = past.addingTimeInterval(-86_400).timeIntervalSinceReferenceDate
        if let c = state["createdAt"] as? Double { created = min(c, created) }
        state["createdAt"] = created
        state["expiresAt"] = past.timeIntervalSinceReferenceDate
        m.state = String(decoding: try JSONSerialization.data(withJSONObject: state), as: UTF8.self)
        m.expiresAt = past
        try await m.save(on: db)
    }
}
