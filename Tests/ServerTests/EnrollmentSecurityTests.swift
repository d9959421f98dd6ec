import Fluent
import Foundation
import MynaCard
import MynaCardSim
import SmartCard
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Store
import Testing
import Vapor

/// Security review C1 (account takeover through enrollment), L4 and L12, performed over real HTTP with
/// virtual cards over APDUs: a desk operator enrolls a card they hold to someone else's record and tries
/// to sign in as them. Each attack must now fail to do harm; the legitimate paths still work.
@Suite("Enrollment cannot make an operator someone else", .serialized)
struct EnrollmentSecurityTests {
    static let password = "correct horse battery"

    /// An enrollment body for `card` at `employee`; the signing certificate and signature come from
    /// `signingCard` (the holder's own card, or another one in an attack), or are left out.
    static func enroll(_ s: TestServer, as desk: TestServer.Identity, employee: String, card: CardHolderFixture,
                       signingCard: CardHolderFixture? = nil) async throws -> TestServer.Reply {
        let ch = try await s.send(.POST, "/api/v1/enrollment/challenges", as: desk, json: ["employeeId": employee])
        guard ch.status == .ok else { return ch }
        let digest = ch.object()["digest"] as! String
        var body: [String: Any] = ["employeeId": employee, "challengeId": ch.object()["challengeId"] as! String,
                                   "certificate": Data(try await card.card.jpki.certificateDER(.auth).value).base64EncodedString(),
                                   "signature": try await card.sign(digestBase64: digest)]
        if let signingCard {
            for (k, v) in try await signingCard.signingFields(digestBase64: digest) { body[k] = v }
        }
        return try await s.send(.POST, "/api/v1/enrollment", as: desk, json: body)
    }

    /// Card sign-in at a desk reader: challenge, the card's signature after its PIN, and optionally the password.
    static func cardSignIn(_ s: TestServer, _ card: CardHolderFixture, password: String? = nil) async throws -> TestServer.Reply {
        let ch = try await s.send(.POST, "/api/v1/session/card/challenge").object()
        var body: [String: Any] = ["challengeId": ch["challengeId"] as! String, "serial": try await card.serialHex,
                                   "signature": try await card.sign(digestBase64: ch["digest"] as! String)]
        if let password { body["password"] = password }
        return try await s.send(.POST, "/api/v1/session/card", json: body)
    }

    /// A person with a card enrolled through the proper path (signing certificate) and, optionally, an account.
    static func person(_ s: TestServer, admin: TestServer.Identity, number: String, account: Role? = nil) async throws -> (id: String, card: CardHolderFixture, login: TestServer.Identity?) {
        let e = try await s.send(.POST, "/api/v1/employees", as: admin, json: ["employeeNumber": number, "name": "社員 \(number)", "department": "人事部"])
        #expect(e.status == .created, "\(e.text)")
        let id = try #require(e.object()["id"] as? String)
        let card = try CardHolderFixture.make(name: "社員 \(number)")
        try await s.setHRBirthDate(employee: id, card.state.holder.birthDate)
        let r = try await enroll(s, as: admin, employee: id, card: card, signingCard: card)
        #expect(r.status == .created, "\(r.text)")
        var login: TestServer.Identity?
        if let account {
            try await Accounts.create(username: number.lowercased(), password: password, role: account, employeeID: UUID(uuidString: id), cost: 4, on: s.app.db)
            login = try await s.signIn(number.lowercased(), password)
        }
        return (id, card, login)
    }

    static func credentials(_ s: TestServer, _ who: TestServer.Identity, employee: String) async throws -> [[String: Any]] {
        try await s.send(.GET, "/api/v1/credentials?employee=\(employee)", as: who).array()
    }

    @Test("C1: security enrolls its own card to the handler's record; the card signs nobody in, the handler's card keeps working")
    func takeoverRefused() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        try await setUpSite(s, admin: admin)
        let (hrID, hrCard, _) = try await Self.person(s, admin: admin, number: "H0001", account: .hr)
        let security = try await s.user(.security)
        let spare = try CardHolderFixture.make()

        // The attack as the review ran it: no evidence of the holder at all.
        let plain = try await Self.enroll(s, as: security, employee: hrID, card: spare)
        #expect(plain.status == .accepted, "\(plain.text)")
        #expect((plain.object()["waitingFor"] as? [String]) == ["approval", "holder"])
        #expect((plain.object()["credential"] as? [String: Any])?["state"] as? String == "pending")
        #expect(plain.object()["emergencyCode"] == nil)
        // With the operator's own signing certificate: the name and birth date are not the handler's.
        let spare2 = try CardHolderFixture.make()
        let forged = try await Self.enroll(s, as: security, employee: hrID, card: spare2, signingCard: spare2)
        #expect(forged.status == .unprocessableEntity, "\(forged.text)")
        #expect(forged.text.contains("does not match the HR record"))

        // The pending card opens no account, alone or with a guessed password.
        #expect(try await Self.cardSignIn(s, spare).status == .unauthorized)
        #expect(try await Self.cardSignIn(s, spare, password: "guess guess guess").status == .unauthorized)
        // The handler's own card was not retired: still active.
        let cards = try await Self.credentials(s, admin, employee: hrID)
        let hrSerial = try await hrCard.serialHex
        #expect(cards.filter { $0["state"] as? String == "active" }.count == 1)
        #expect(cards.contains { $0["serial"] as? String == hrSerial && $0["state"] as? String == "active" })
        // The operator cannot approve it (admin only), and an administrator's approval alone is not enough.
        let pendingID = (plain.object()["credential"] as? [String: Any])?["id"] as! String
        #expect(try await s.send(.POST, "/api/v1/credentials/\(pendingID)/approve", as: security).status == .forbidden)
        let approved = try await s.send(.POST, "/api/v1/credentials/\(pendingID)/approve", as: admin)
        #expect(approved.status == .ok && approved.object()["state"] as? String == "pending", "\(approved.text)")
        #expect(try await Self.cardSignIn(s, spare).status == .unauthorized)
        // The door does not know the pending card either.
        let door = try await s.send(.POST, "/api/v1/doors/entrance/decisions", as: admin, json: ["serial": try await spare.serialHex])
        #expect(door.object()["outcome"] as? String == "deny", "\(door.text)")
        // Every step is in the event log with the operator as actor.
        let events = try await s.send(.GET, "/api/v1/events?limit=500", as: admin).text
        #expect(events.contains("credential.enrollment_pending") && events.contains("credential.enrollment_refused"))
        await s.stop()
    }

    @Test("C1: an operator cannot enroll for their own record, nor for someone whose account outranks theirs")
    func operatorLimits() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        let (hrID, _, hrLogin) = try await Self.person(s, admin: admin, number: "H0002", account: .hr)
        let (adminPersonID, _, _) = try await Self.person(s, admin: admin, number: "A0002", account: .admin)
        let card = try CardHolderFixture.make()
        let own = try await Self.enroll(s, as: try #require(hrLogin), employee: hrID, card: card)
        #expect(own.status == .forbidden && own.text.contains("own record"), "\(own.text)")
        let security = try await s.user(.security)
        let higher = try await Self.enroll(s, as: security, employee: adminPersonID, card: card)
        #expect(higher.status == .forbidden && higher.text.contains("higher role"), "\(higher.text)")
        #expect(try await Self.credentials(s, admin, employee: adminPersonID).count == 1)
        await s.stop()
    }

    @Test("C1: a renewal for a privileged person needs a second administrator and the owner's password; the owner sees what it retired")
    func privilegedRenewal() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        try await setUpSite(s, admin: admin)
        let (hrID, oldCard, hrLogin) = try await Self.person(s, admin: admin, number: "H0003", account: .hr)
        let hr = try #require(hrLogin)
        // Same name and birth date as the HR record: the new card is the same person's.
        let renewedState = try TestServer.hierarchy.issueCard(holder: oldCard.state.holder, authPIN: CardHolderFixture.pin,
                                                              signingPassword: CardHolderFixture.signingPassword, issuedAt: Date().addingTimeInterval(-60))
        let renewed = CardHolderFixture(card: MynaCard(transport: EmulatedCardTransport(card: VirtualMynaCard(state: renewedState))), state: renewedState)
        let r = try await Self.enroll(s, as: admin, employee: hrID, card: renewed, signingCard: renewed)
        #expect(r.status == .accepted, "\(r.text)")
        #expect((r.object()["waitingFor"] as? [String]) == ["approval", "holder"], "\(r.text)")
        let id = (r.object()["credential"] as? [String: Any])?["id"] as! String
        // The administrator who enrolled it cannot approve it.
        let selfApprove = try await s.send(.POST, "/api/v1/credentials/\(id)/approve", as: admin)
        #expect(selfApprove.status == .forbidden, "\(selfApprove.text)")
        let admin2 = try await s.user(.admin)
        #expect(try await s.send(.POST, "/api/v1/credentials/\(id)/approve", as: admin2).status == .ok)
        // The owner sees it waiting, and confirms with the password (a wrong one changes nothing).
        let mine = try await s.send(.GET, "/api/v1/me/credentials", as: hr).array()
        #expect(mine.contains { $0["id"] as? String == id && $0["state"] as? String == "pending" })
        #expect(try await s.send(.POST, "/api/v1/me/credentials/\(id)/confirm", as: hr, json: ["password": "not my password"]).status == .unprocessableEntity)
        let ok = try await s.send(.POST, "/api/v1/me/credentials/\(id)/confirm", as: hr, json: ["password": Self.password])
        #expect(ok.status == .ok && ok.object()["state"] as? String == "active", "\(ok.text)")
        // The old card is retired, and the owner sees who enrolled its replacement.
        let after = try await s.send(.GET, "/api/v1/me/credentials", as: hr).array()
        let oldSerial = try await oldCard.serialHex
        let old = after.first { $0["serial"] as? String == oldSerial }
        #expect(old?["state"] as? String == "retired")
        #expect((old?["retiredBy"] as? String)?.hasPrefix("user:admin") == true, "\(String(describing: old))")

        // Card sign-in for the hr account: the card alone is refused, card + password works, and after
        // the owner opts in with their password the card alone works.
        let alone = try await Self.cardSignIn(s, renewed)
        #expect(alone.status == .unauthorized && alone.text.contains("password as well as the card"), "\(alone.text)")
        #expect(try await Self.cardSignIn(s, renewed, password: Self.password).status == .ok)
        #expect(try await s.send(.PUT, "/api/v1/me/card-sign-in", as: hr, json: ["password": "wrong", "enabled": true]).status == .unprocessableEntity)
        #expect(try await s.send(.PUT, "/api/v1/me/card-sign-in", as: hr, json: ["password": Self.password, "enabled": true]).status == .ok)
        let optedIn = try await Self.cardSignIn(s, renewed)
        #expect(optedIn.status == .ok && optedIn.object()["role"] as? String == "hr", "\(optedIn.text)")
        await s.stop()
    }

    @Test("C1: a card is bound to the person — signing certificate that matches, or the holder's own acceptance; else refused")
    func bindingEvidence() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        try await setUpSite(s, admin: admin)
        let hr = try await s.user(.hr)
        // No account and no signing certificate: nothing binds the card to the person.
        let e = try await s.send(.POST, "/api/v1/employees", as: admin, json: ["employeeNumber": "N0001", "name": "新人 一郎", "department": "総務部"])
        let newID = e.object()["id"] as! String
        let card = try CardHolderFixture.make(name: "新人 一郎")
        let none = try await Self.enroll(s, as: hr, employee: newID, card: card)
        #expect(none.status == .unprocessableEntity && none.text.contains("signing password"), "\(none.text)")
        // A signing certificate but no birth date in the HR record to match it with.
        let noBirth = try await Self.enroll(s, as: hr, employee: newID, card: card, signingCard: card)
        #expect(noBirth.status == .unprocessableEntity && noBirth.text.contains("no birth date"), "\(noBirth.text)")
        // Someone else's signing certificate (the operator's own card, say).
        try await s.setHRBirthDate(employee: newID, card.state.holder.birthDate)
        let other = try CardHolderFixture.make()
        let mismatch = try await Self.enroll(s, as: hr, employee: newID, card: card, signingCard: other)
        #expect(mismatch.status == .unprocessableEntity, "\(mismatch.text)")
        // The auth card of one holder with the signing key of another: the signing signature is checked too.
        #expect(try await Self.credentials(s, admin, employee: newID).isEmpty)
        // The holder's own signing certificate: active at once.
        let good = try await Self.enroll(s, as: hr, employee: newID, card: card, signingCard: card)
        #expect(good.status == .created && (good.object()["credential"] as? [String: Any])?["state"] as? String == "active", "\(good.text)")

        // A person with an employee account and no signing certificate at the desk: they accept it themselves.
        let (empID, _, empLogin) = try await Self.person(s, admin: admin, number: "N0002", account: .employee)
        let emp = try #require(empLogin)
        let second = try CardHolderFixture.make()
        let pending = try await Self.enroll(s, as: hr, employee: empID, card: second)
        #expect(pending.status == .accepted && (pending.object()["waitingFor"] as? [String]) == ["holder"], "\(pending.text)")
        let pendingID = (pending.object()["credential"] as? [String: Any])?["id"] as! String
        // Another employee cannot accept it for them.
        let (_, _, otherLogin) = try await Self.person(s, admin: admin, number: "N0003", account: .employee)
        #expect(try await s.send(.POST, "/api/v1/me/credentials/\(pendingID)/confirm", as: try #require(otherLogin), json: ["password": Self.password]).status == .notFound)
        // The holder refuses it: it is gone, and the refusal is in the log for security.
        #expect(try await s.send(.POST, "/api/v1/me/credentials/\(pendingID)/reject", as: emp).status == .noContent)
        #expect(try await Self.credentials(s, admin, employee: empID).count == 1)
        let events = try await s.send(.GET, "/api/v1/events?limit=500", as: admin).text
        #expect(events.contains("credential.holder_refused"))
        // Enrolled again, the holder accepts it with their password: active, the first card retired.
        let again = try await Self.enroll(s, as: hr, employee: empID, card: second)
        let againID = (again.object()["credential"] as? [String: Any])?["id"] as! String
        let accepted = try await s.send(.POST, "/api/v1/me/credentials/\(againID)/confirm", as: emp, json: ["password": Self.password])
        #expect(accepted.status == .ok && accepted.object()["state"] as? String == "active", "\(accepted.text)")
        #expect(try await Self.cardSignIn(s, second).status == .ok)
        await s.stop()
    }

    @Test("pages: the holder accepts a pending card and issues their own emergency code; an administrator approves on the cards page")
    func pages() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        let (empID, _, empLogin) = try await Self.person(s, admin: admin, number: "P0001", account: .employee)
        let emp = try #require(empLogin)
        let security = try await s.user(.security)
        let card = try CardHolderFixture.make()
        let r = try await Self.enroll(s, as: security, employee: empID, card: card)
        let id = (r.object()["credential"] as? [String: Any])?["id"] as! String
        let page = try await s.send(.GET, "/my/cards", as: emp)
        #expect(page.text.contains("/my/cards/\(id)/accept") && page.text.contains("承認待ち"), "\(page.text)")
        let wrong = try await s.form("/my/cards/\(id)/accept", as: emp, ["password": "wrong password"])
        #expect(wrong.status == .unprocessableEntity && wrong.text.contains("パスワードが違います"))
        let ok = try await s.form("/my/cards/\(id)/accept", as: emp, ["password": Self.password])
        #expect(ok.status == .seeOther, "\(ok.text)")
        let after = try await s.send(.GET, "/my/cards", as: emp)
        #expect(after.text.contains("カードを受け入れました") && after.text.contains("新しいカードを登録した担当者"), "\(after.text)")
        // The emergency code, issued by the owner; the desk never saw one.
        let code = try await s.form("/my/emergency-code", as: emp, ["password": Self.password])
        #expect(code.status == .ok && code.text.contains("id=\"emergency-code\""), "\(code.text)")
        #expect(code.headers.first(name: .cacheControl) == "no-store")

        // A privileged person's pending card: the approve button is the admin's, and it works once.
        let (hrID, _, _) = try await Self.person(s, admin: admin, number: "P0002", account: .hr)
        let pending = try await Self.enroll(s, as: security, employee: hrID, card: try CardHolderFixture.make())
        let pid = (pending.object()["credential"] as? [String: Any])?["id"] as! String
        let cards = try await s.send(.GET, "/cards", as: admin)
        #expect(cards.text.contains("/cards/\(pid)/approve"))
        #expect(!(try await s.send(.GET, "/cards", as: security)).text.contains("/cards/\(pid)/approve"))
        #expect(try await s.form("/cards/\(pid)/approve", as: admin, [:]).status == .seeOther)
        let listed = try await Self.credentials(s, admin, employee: hrID).first { $0["id"] as? String == pid }
        #expect(listed?["waitingFor"] as? [String] == ["holder"], "\(String(describing: listed))")
        await s.stop()
    }

    @Test("C1 (review of the fix): renaming a record to match a card the operator holds binds nothing lasting; a person with an account must accept")
    func recordEditedToMatch() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        try await setUpSite(s, admin: admin)
        let hr = try await s.user(.hr)
        let operatorCard = try CardHolderFixture.make(name: "攻撃 太郎")
        func makeMatch(_ id: String) async throws {
            // The operator edits the HR record to the card's holder: the name through the API, the birth
            // date as a handler could through the vault profile.
            let record = try await s.send(.GET, "/api/v1/employees/\(id)", as: hr).object()
            let renamed = try await s.send(.PATCH, "/api/v1/employees/\(id)", as: hr, json: [
                "employeeNumber": record["employeeNumber"] as! String, "name": "攻撃 太郎", "department": record["department"] as! String])
            #expect(renamed.status == .ok, "\(renamed.text)")
            let p = try #require(try await VaultProfileModel.find(UUID(uuidString: id), on: s.app.db))
            p.birthDate = "\(operatorCard.state.holder.birthDate.prefix(4))-\(operatorCard.state.holder.birthDate.dropFirst(4).prefix(2))-\(operatorCard.state.holder.birthDate.suffix(2))"
            try await p.save(on: s.app.db)
        }

        // A victim with an account: even a matching signing certificate waits for the victim's acceptance.
        let (victimID, victimCard, _) = try await Self.person(s, admin: admin, number: "V0001", account: .employee)
        try await makeMatch(victimID)
        // The rename already voided the victim's own binding: their card waits for them again.
        let victimSerial = try await victimCard.serialHex
        let voided = try await Self.credentials(s, admin, employee: victimID).first { $0["serial"] as? String == victimSerial }
        #expect(voided?["state"] as? String == "pending" && voided?["waitingFor"] as? [String] == ["holder"], "\(String(describing: voided))")
        let attack = try await Self.enroll(s, as: hr, employee: victimID, card: operatorCard, signingCard: operatorCard)
        #expect(attack.status == .accepted && (attack.object()["waitingFor"] as? [String]) == ["holder"], "\(attack.text)")
        #expect(try await Self.cardSignIn(s, operatorCard).status == .unauthorized)

        // A person without an account: the card binds while the record is edited, and renaming the record
        // back leaves it unusable — the door refuses it.
        let (otherID, _, _) = try await Self.person(s, admin: admin, number: "V0002")
        let original = try await s.send(.GET, "/api/v1/employees/\(otherID)", as: hr).object()
        try await makeMatch(otherID)
        // Another card of the same holder (the first one is already enrolled, waiting for the victim).
        let secondState = try TestServer.hierarchy.issueCard(holder: operatorCard.state.holder, authPIN: CardHolderFixture.pin,
                                                             signingPassword: CardHolderFixture.signingPassword, issuedAt: Date().addingTimeInterval(-60))
        let sameHolder = CardHolderFixture(card: MynaCard(transport: EmulatedCardTransport(card: VirtualMynaCard(state: secondState))), state: secondState)
        let bound = try await Self.enroll(s, as: hr, employee: otherID, card: sameHolder, signingCard: sameHolder)
        #expect(bound.status == .created, "\(bound.text)")
        let back = try await s.send(.PATCH, "/api/v1/employees/\(otherID)", as: hr, json: [
            "employeeNumber": original["employeeNumber"] as! String, "name": original["name"] as! String, "department": original["department"] as! String])
        #expect(back.status == .ok)
        let serial = try await sameHolder.serialHex
        let after = try await Self.credentials(s, admin, employee: otherID).first { $0["serial"] as? String == serial }
        #expect(after?["state"] as? String == "pending", "\(String(describing: after))")
        let door = try await s.send(.POST, "/api/v1/doors/entrance/decisions", as: admin, json: ["serial": serial])
        #expect(door.object()["outcome"] as? String == "deny", "\(door.text)")
        let events = try await s.send(.GET, "/api/v1/events?limit=500", as: admin).text
        #expect(events.contains("credential.binding_void"))
        await s.stop()
    }
}
