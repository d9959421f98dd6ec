import Access
import Fluent
import Foundation
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Store
import Testing
import Vapor
import Vault

/// Using numbers: reveal and purpose-bound export by designated handlers only, every use in the audit
/// chain and in the person's own view; retention, legal holds and disposal.
@Suite("Vault: use and disposal", .serialized)
struct VaultUseTests {
    @Test("reveal needs a designated handler and a collected purpose; export is purpose-bound (UTF-8, Shift_JIS); all audited")
    func revealAndExport() async throws {
        let site = try await VaultSite.start()
        defer { Task { await site.stop() } }
        let s = site.s
        let n1 = TestNumbers.make(), n2 = TestNumbers.make()
        let (e1, me) = try await site.employee("V0301", name: "番号 太郎")
        let (e2, me2) = try await site.employee("V0302", name: "記号 花子")
        let r1 = try await site.collectTyped(e1, who: me, number: n1, purposes: ["withholding_slip", "health_pension_insurance"])
        let r2 = try await site.collectTyped(e2, who: me2, number: n2, purposes: ["withholding_slip"])

        // Without a purpose, with one it was not collected for, with an unknown one.
        let none = try await site.reveal(r1, purpose: nil)
        #expect(none.status == .badRequest, "\(none.text)")
        #expect(try await site.reveal(r2, purpose: "health_pension_insurance").status == .unprocessableEntity)
        #expect(try await site.reveal(r1, purpose: "marketing").status == .badRequest)
        // Not a designated handler: an hr account without designation, an administrator, the person.
        let plainHR = try await s.user(.hr)
        for who in [plainHR, site.admin, me] {
            let r = try await site.reveal(r1, purpose: "withholding_slip", as: who)
            #expect(r.status == .forbidden, "\(r.status)")
            #expect(!r.text.contains(n1))
        }
        #expect(try await site.reveal(r1, purpose: "withholding_slip", as: .anonymous).status == .unauthorized)
        let ok = try await site.reveal(r1, purpose: "health_pension_insurance")
        #expect(ok.status == .ok)
        #expect(ok.object()["number"] as? String == n1)
        #expect(ok.object()["purpose"] as? String == "health_pension_insurance")

        // Export for 源泉徴収票: both people; the purpose is in the header.
        let utf8 = try await s.send(.POST, "/api/v1/vault/exports", as: site.handler, json: ["purpose": "withholding_slip", "encoding": "utf-8"])
        #expect(utf8.status == .ok, "\(utf8.text)")
        #expect(utf8.headers.first(name: .contentType)?.contains("utf-8") == true)
        #expect(utf8.headers.first(name: .cacheControl) == "no-store")
        let text = String(decoding: utf8.body.dropFirst(3), as: UTF8.self)
        #expect(utf8.body.prefix(3) == Data([0xEF, 0xBB, 0xBF]))
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.first == "# 利用目的,源泉徴収票・給与支払報告書,withholding_slip")
        #expect(lines.contains("V0301,番号 太郎,本人,\(n1)"), "\(lines)")
        #expect(lines.contains("V0302,記号 花子,本人,\(n2)"), "\(lines)")
        // 健康保険: only the first person was collected for it.
        let sjis = try await s.send(.POST, "/api/v1/vault/exports", as: site.handler, json: ["purpose": "health_pension_insurance", "encoding": "shift_jis"])
        #expect(sjis.status == .ok)
        #expect(sjis.headers.first(name: .contentType)?.lowercased().contains("shift_jis") == true)
        let decoded = try #require(String(data: sjis.body, encoding: .shiftJIS))
        #expect(decoded.hasPrefix("# 利用目的,健康保険・厚生年金保険,health_pension_insurance\r\n"))
        #expect(decoded.contains("V0301,番号 太郎,本人,\(n1)"))
        #expect(!decoded.contains(n2))
        // Export without a purpose, or by someone else.
        #expect(try await s.send(.POST, "/api/v1/vault/exports", as: site.handler, json: ["encoding": "utf-8"]).status == .badRequest)
        let refused = try await s.send(.POST, "/api/v1/vault/exports", as: plainHR, json: ["purpose": "withholding_slip"])
        #expect(refused.status == .forbidden)
        #expect(!refused.text.contains(n1))

        // Every reveal and export is in the audit chain, and the chain is intact.
        let events = try await s.send(.GET, "/api/v1/events?limit=500", as: site.admin)
        let kinds = events.text
        #expect(kinds.contains("vault.number.revealed"))
        #expect(kinds.contains("vault.numbers.exported"))
        let export = try await s.send(.GET, "/api/v1/events/export?format=json", as: site.admin)
        let rows = (try? JSONSerialization.jsonObject(with: export.body) as? [[String: Any]]) ?? []
        let reveals = rows.filter { $0["kind"] as? String == "vault.number.revealed" }
        #expect(reveals.count == 1)
        #expect((reveals.first?["details"] as? [String: String])?["purpose"] == "health_pension_insurance")
        #expect((reveals.first?["actor"] as? String) == "user:\(site.handlerName)")
        let exports = rows.filter { $0["kind"] as? String == "vault.numbers.exported" }
        #expect(exports.compactMap { ($0["details"] as? [String: String])?["purpose"] } == ["withholding_slip", "health_pension_insurance"])
        let verify = try await s.send(.GET, "/api/v1/audit/verify", as: site.admin)
        #expect(verify.object()["intact"] as? Bool == true, "\(verify.text)")

        // Each person's own view: collect, reveal and exports — who, when, purpose; never the number.
        let access = try await s.send(.GET, "/api/v1/vault/my/access", as: me)
        #expect(access.status == .ok)
        let entries = access.array()
        #expect(entries.map { $0["action"] as? String ?? "" }.sorted() == ["collect", "export", "export", "reveal"], "\(entries)")
        let reveal = entries.first { $0["action"] as? String == "reveal" }
        #expect(reveal?["purpose"] as? String == "health_pension_insurance")
        #expect(reveal?["actor"] as? String == site.handlerName)
        #expect(!access.text.contains(n1))
        let page = try await s.send(.GET, "/vault/my-access", as: me)
        #expect(page.status == .ok)
        #expect(page.text.contains("健康保険・厚生年金保険"))
        #expect(!page.text.contains(n1))
        // The other person sees only their own: one collection and one export.
        #expect(try await s.send(.GET, "/api/v1/vault/my/access", as: me2).array().count == 2)

        // An hr account that is not designated gets the refusal page, not the handler's pages.
        for path in ["/vault/requests", "/vault/export", "/vault/disposals", "/vault/requests/\(UUID().uuidString)"] {
            #expect(try await s.send(.GET, path, as: plainHR).status == .forbidden, "\(path)")
        }
        // Designation withdrawn: the same account is refused at once; designated again, it may reveal again.
        let handlers = try await s.send(.GET, "/api/v1/vault/handlers", as: site.admin).array()
        let handlerID = try #require(handlers.first { $0["username"] as? String == site.handlerName }?["userId"] as? String)
        #expect(try await s.send(.DELETE, "/api/v1/vault/handlers/\(handlerID)", as: site.admin).status == .noContent)
        #expect(try await site.reveal(r1, purpose: "withholding_slip").status == .forbidden)
        #expect(try await s.send(.GET, "/vault/requests", as: site.handler).status == .forbidden)
        #expect(try await s.send(.POST, "/api/v1/vault/handlers", as: site.admin, json: ["username": site.handlerName]).status == .created)
        #expect(try await site.reveal(r1, purpose: "withholding_slip").object()["number"] as? String == n1)
        // Only hr accounts can be designated.
        let adminName = try #require(try await s.send(.GET, "/api/v1/me", as: site.admin).object()["username"] as? String)
        #expect(try await s.send(.POST, "/api/v1/vault/handlers", as: site.admin, json: ["username": adminName]).status == .unprocessableEntity)
        let audit = try await s.send(.GET, "/api/v1/events/export?format=json", as: site.admin).text
        #expect(audit.contains("vault.handler.undesignated") && audit.contains("vault.handler.designated"))
        await site.stop()
    }

    @Test("disposal: retention ended after leaving; a legal hold pauses it; crypto-erased with a register entry and no number")
    func disposal() async throws {
        let site = try await VaultSite.start()
        defer { Task { await site.stop() } }
        let s = site.s
        let keep = TestNumbers.make(), gone = TestNumbers.make()
        let (stay, meStay) = try await site.employee("V0401")
        let (left, meLeft) = try await site.employee("V0402")
        let keepRecord = try await site.collectTyped(stay, who: meStay, number: keep, purposes: ["withholding_slip"])
        let goneRecord = try await site.collectTyped(left, who: meLeft, number: gone, purposes: ["withholding_slip", "dependent_deduction_declaration"])
        // Left in 2010: 源泉徴収票 (7 years) and 扶養控除等申告書 (7 years from 11 January after the deadline) have ended.
        let p = try await s.send(.PUT, "/api/v1/vault/employees/\(left)/profile", as: site.handler, json: ["leavingDate": "2010-03-31"])
        #expect(p.status == .ok, "\(p.text)")
        let dry = try await s.send(.POST, "/api/v1/vault/disposals/run", as: site.handler, json: ["dryRun": true])
        #expect(dry.object()["disposed"] as? Int == 0)
        let items = dry.object()["items"] as? [[String: Any]] ?? []
        #expect(items.first { $0["recordId"] as? String == goneRecord }.flatMap { $0["status"] as? String } == "overdue", "\(items)")
        #expect(items.first { $0["recordId"] as? String == keepRecord }.flatMap { $0["status"] as? String } == "in_use")

        // A legal hold pauses disposal.
        let hold = try await s.send(.POST, "/api/v1/vault/employees/\(left)/holds", as: site.handler, json: ["reason": "労働審判 2026(労)第12号"])
        #expect(hold.status == .created, "\(hold.text)")
        let holdID = hold.object()["id"] as! String
        let held = try await s.send(.POST, "/api/v1/vault/disposals/run", as: site.handler, json: ["dryRun": false])
        #expect(held.object()["disposed"] as? Int == 0)
        #expect(held.object()["onHold"] as? Int == 1)
        #expect(try await site.reveal(goneRecord, purpose: "withholding_slip").object()["number"] as? String == gone)
        // A reason carrying a number is refused.
        #expect(try await s.send(.POST, "/api/v1/vault/employees/\(left)/holds", as: site.handler, json: ["reason": "番号 \(gone)"]).status == .unprocessableEntity)

        #expect(try await s.send(.POST, "/api/v1/vault/holds/\(holdID)/release", as: site.handler).status == .noContent)
        let run = try await s.send(.POST, "/api/v1/vault/disposals/run", as: site.handler, json: ["dryRun": false])
        #expect(run.status == .ok, "\(run.text)")
        #expect(run.object()["disposed"] as? Int == 1)
        #expect(run.object()["inUse"] as? Int == 1)
        // Gone: no record, no ciphertext, no key; the other number is untouched.
        #expect(try await site.reveal(goneRecord, purpose: "withholding_slip").status == .notFound)
        #expect(try await VaultNumberModel.find(UUID(uuidString: goneRecord)!, on: s.app.db) == nil)
        #expect(try await site.reveal(keepRecord, purpose: "withholding_slip").object()["number"] as? String == keep)

        // The disposal register: file, responsible person, date, method — no number.
        let reg = try await s.send(.GET, "/api/v1/vault/disposals", as: site.handler)
        #expect(reg.status == .ok)
        let records = reg.object()["records"] as? [[String: Any]] ?? []
        #expect(records.count == 1)
        let r = records.first
        #expect(r?["file"] as? String == "従業員個人番号ファイル")
        #expect(r?["employeeNumber"] as? String == "V0402")
        #expect(r?["responsiblePerson"] as? String == site.handlerName)
        #expect(r?["method"] as? String != nil)
        #expect(r?["disposedOn"] as? String == JapanTime(Date()).date.description)
        #expect(!reg.text.contains(gone) && !reg.text.contains(keep))
        let page = try await s.send(.GET, "/vault/disposals", as: site.handler)
        #expect(page.status == .ok)
        #expect(page.text.contains("従業員個人番号ファイル"))
        #expect(!page.text.contains(gone))
        // The person sees the disposal in their own view.
        #expect(try await s.send(.GET, "/api/v1/vault/my/access", as: meLeft).array().contains { $0["action"] as? String == "dispose" })
        let events = try await s.send(.GET, "/api/v1/events/export?format=json", as: site.admin)
        #expect(events.text.contains("vault.number.disposed"))
        #expect(events.text.contains("vault.hold.placed"))
        #expect(try await s.send(.GET, "/api/v1/audit/verify", as: site.admin).object()["intact"] as? Bool == true)

        // The register of number-holding files: files, handlers, purposes, retention — never a number.
        let register = try await s.send(.GET, "/api/v1/vault/register", as: site.admin)
        #expect(register.status == .ok, "\(register.text)")
        #expect(register.text.contains("従業員個人番号ファイル"))
        #expect(register.text.contains(site.handlerName))
        #expect(!register.text.contains(keep))
        #expect(try await s.send(.GET, "/vault/register", as: site.admin).status == .ok)
        await site.stop()
    }
}
