import CryptoExtras
import Foundation
import MynaCard
import MynaCardSim
import SmartCard
import Store
import Testing
import Trust
import Vapor
@testable import AttendanceServer
@testable import CardApplicationServer
@testable import ServerCore
@testable import VaultServer

/// The `genuine` level over HTTP (issue 18): the card key enrolled at the desk, and the attacks a copied
/// certificate, a replay, another card's signature and a stale challenge make at a server-decided door.
@Suite("Genuine doors over HTTP: enrollment of the card key and the attacks", .serialized)
struct GenuineDoorHTTPTests {
    struct Site {
        let s: TestServer
        let admin: TestServer.Identity
        let door: TestServer.Identity
        let holder: CardHolderFixture
        let serial: String
        let employeeID: String
    }

    /// The entrance made `genuine`, one person enrolled (with the card key unless `cardKey` is false).
    static func site(cardKey: Bool = true, _ adjust: @escaping (inout ServerConfig, URL) throws -> Void = { _, _ in }) async throws -> Site {
        let s = try await TestServer.start { c, dir in
            // The TEST CVC CA: a card key is enrolled only when a CVC issuer vouches for the card (the default rule).
            c.cvcIssuers = dir.appendingPathComponent("ca/\(TestJPKIHierarchy.FileName.cvcCA)").path
            try adjust(&c, dir)
        }
        let admin = try await s.user(.admin)
        try await setUpSite(s, admin: admin)
        let level = try await s.send(.PUT, "/api/v1/doors/entrance", as: admin, json: ["name": "正面玄関", "toZone": "lobby", "securityLevel": "genuine"])
        #expect(level.object()["effectiveSecurityLevel"] as? String == "genuine", "\(level.text)")
        let person: [String: Any] = ["employeeNumber": "G001", "name": "試験 G001", "department": "人事部"]
        let e = try await s.send(.POST, "/api/v1/employees", as: admin, json: person)
        let employeeID = try #require(e.object()["id"] as? String)
        _ = try await s.send(.PATCH, "/api/v1/employees/\(employeeID)", as: admin, json: person.merging(["groups": ["staff"]]) { _, b in b })
        let holder = try CardHolderFixture.make(name: "試験 G001")
        // The hr desk: the only one given the birth-date key.
        let done = try await s.enrollCard(holder.card, holder: holder.state.holder, employee: employeeID, as: try await s.user(.hr), cardKey: cardKey)
        #expect(done.status == .created, "\(done.text)")
        let token = try await s.send(.POST, "/api/v1/doors/entrance/token", as: admin).object()["token"] as? String
        return Site(s: s, admin: admin, door: .init(bearer: token), holder: holder, serial: try await holder.serialHex, employeeID: employeeID)
    }

    /// Decides at the entrance: the serial, and when given the card's signature over a fresh challenge.
    static func decide(_ site: Site, signedBy card: MynaCard? = nil, challenge: [String: Any]? = nil) async throws -> [String: Any] {
        var body: [String: Any] = ["serial": site.serial]
        if let card {
            var ch = challenge ?? [:]
            if challenge == nil { ch = try await site.s.send(.POST, "/api/v1/doors/entrance/challenges", as: site.door).object() }
            let digest = Array(Data(base64Encoded: ch["digest"] as? String ?? "") ?? Data())
            body["challengeId"] = ch["challengeId"]
            body["cardSignature"] = Data(try await card.visual.sign(sha256Digest: digest).value).base64EncodedString()
        }
        let r = try await site.s.send(.POST, "/api/v1/doors/entrance/decisions", as: site.door, json: body)
        #expect(r.status == .ok, "\(r.text)")
        return r.object()
    }

    /// The victim's auth certificate on a card whose keys are the attacker's (`visualKey: false`: none).
    static func clone(of state: VirtualCardState, visualKey: Bool) throws -> MynaCard {
        var s = state
        s.authPrivateKey = Array(try _RSA.Signing.PrivateKey(keySize: .bits2048).derRepresentation)
        s.visualCardKey = visualKey ? try _RSA.Signing.PrivateKey(keySize: .bits2048).derRepresentation : nil
        return MynaCard(transport: EmulatedCardTransport(card: VirtualMynaCard(state: s)))
    }

    @Test("enrolled with the card key: a tap is the cue, the card's signature opens, no PIN or birth-date try spent at the door")
    func genuineGrant() async throws {
        let site = try await Self.site()
        defer { Task { await site.s.stop() } }
        let stored = try #require(try await CredentialModel.query(on: site.s.app.db).all().first { $0.serial == site.serial })
        #expect(stored.cardKey.map(Array.init) == site.holder.state.visualCardPublicKey, "the age record's key is stored with the credential")
        let authBefore = try await site.holder.card.jpki.triesLeft(.auth).value
        let birthBefore = try await site.holder.card.visual.birthDateTriesLeft().value

        let cue = try await Self.decide(site)
        #expect(cue["reason"] as? String == "genuine_required" && cue["outcome"] as? String == "deny")
        #expect(cue["securityLevel"] as? String == "genuine")
        let granted = try await Self.decide(site, signedBy: site.holder.card)
        #expect(granted["outcome"] as? String == "grant", "\(granted)")
        #expect(try await site.holder.card.jpki.triesLeft(.auth).value == authBefore)
        #expect(try await site.holder.card.visual.birthDateTriesLeft().value == birthBefore)
    }

    @Test("attacks: a cloned certificate, a replayed signature, another card's signature and a stale challenge are refused")
    func attacks() async throws {
        let site = try await Self.site { c, _ in c.challengeSeconds = 2 }
        defer { Task { await site.s.stop() } }
        func refusedAsNotGenuine(_ d: [String: Any], _ what: String) {
            #expect(d["outcome"] as? String == "deny" && d["reason"] as? String == "card_not_genuine", "\(what): \(d)")
        }
        // A clone with its own visual key signs, but not with the enrolled key.
        refusedAsNotGenuine(try await Self.decide(site, signedBy: try Self.clone(of: site.holder.state, visualKey: true)), "clone")
        // A blank card made without a visual key gets one of its own (the emulator completes it, as any
        // blank card has its own): it signs, with the wrong key.
        refusedAsNotGenuine(try await Self.decide(site, signedBy: try Self.clone(of: site.holder.state, visualKey: false)), "blank clone")
        // A replay: the same challenge and signature a second time (recorded off the door's network).
        let ch = try await site.s.send(.POST, "/api/v1/doors/entrance/challenges", as: site.door).object()
        let first = try await Self.decide(site, signedBy: site.holder.card, challenge: ch)
        #expect(first["outcome"] as? String == "grant", "\(first)")
        refusedAsNotGenuine(try await Self.decide(site, signedBy: site.holder.card, challenge: ch), "replay")
        // Another person's genuine card signing for the victim's serial.
        let other = try CardHolderFixture.make(name: "別人")
        refusedAsNotGenuine(try await Self.decide(site, signedBy: other.card), "another card")
        // A challenge that expired before the card answered.
        let stale = try await site.s.send(.POST, "/api/v1/doors/entrance/challenges", as: site.door).object()
        try await Task.sleep(for: .milliseconds(2_500))
        refusedAsNotGenuine(try await Self.decide(site, signedBy: site.holder.card, challenge: stale), "stale")

        // The same clone at the other levels: admitted at a tap door (what tap means), refused at a pin door.
        _ = try await site.s.send(.PUT, "/api/v1/doors/entrance", as: site.admin, json: ["name": "正面玄関", "toZone": "lobby", "securityLevel": "tap"])
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await Self.decide(site)["outcome"] as? String == "grant")
        _ = try await site.s.send(.PUT, "/api/v1/doors/entrance", as: site.admin, json: ["name": "正面玄関", "toZone": "lobby", "securityLevel": "pin"])
        try await Task.sleep(for: .milliseconds(300))
        let clone = try Self.clone(of: site.holder.state, visualKey: true)
        let ch2 = try await site.s.send(.POST, "/api/v1/doors/entrance/challenges", as: site.door).object()
        _ = try await clone.jpki.verify(try PIN(CardHolderFixture.pin, kind: .jpkiAuth))
        let sig = try await clone.jpki.sign(sha256Digest: Array(Data(base64Encoded: ch2["digest"] as? String ?? "") ?? Data()), with: .auth).value
        let pinDoor = try await site.s.send(.POST, "/api/v1/doors/entrance/decisions", as: site.door,
                                            json: ["serial": site.serial, "challengeId": ch2["challengeId"] ?? "", "signature": Data(sig).base64EncodedString()]).object()
        #expect(pinDoor["reason"] as? String == "signature_invalid", "\(pinDoor)")
    }

    @Test("enrolled without the card key: refused with a reason for the desk, or admitted with a warning until the door's date")
    func keyless() async throws {
        let site = try await Self.site(cardKey: false)
        defer { Task { await site.s.stop() } }
        let refused = try await Self.decide(site)
        #expect(refused["reason"] as? String == "card_key_missing", "\(refused)")
        #expect((refused["messageJa"] as? String)?.contains("受付") == true)
        let until = ISO8601DateFormatter().string(from: Date().addingTimeInterval(86_400))
        let put = try await site.s.send(.PUT, "/api/v1/doors/entrance", as: site.admin,
                                         json: ["name": "正面玄関", "toZone": "lobby", "securityLevel": "genuine", "keylessAdmitUntil": until])
        #expect(put.status == .ok && put.object()["keylessAdmitUntil"] != nil, "\(put.text)")
        try await Task.sleep(for: .milliseconds(300))
        let admitted = try await Self.decide(site)
        #expect(admitted["outcome"] as? String == "grant" && (admitted["warnings"] as? [String]) == ["cardKeyMissing"], "\(admitted)")

        // The desk the refusal sends the holder to: the same card enrolled again gets its key attached.
        let again = try await site.s.enrollCard(site.holder.card, holder: site.holder.state.holder, employee: site.employeeID, as: try await site.s.user(.hr))
        #expect(again.object()["cardKey"] as? String == "stored", "\(again.text)")
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await Self.decide(site)["reason"] as? String == "genuine_required")
        #expect(try await Self.decide(site, signedBy: site.holder.card)["outcome"] as? String == "grant")
    }

    @Test("the birth-date key goes to the hr desk only, audited without its value; a genuine exit door gets everyone's card key")
    func birthDateKeyAndExitDoor() async throws {
        let site = try await Self.site()
        defer { Task { await site.s.stop() } }
        let security = try await site.s.user(.security)
        let bySecurity = try await site.s.send(.POST, "/api/v1/enrollment/challenges", as: security, json: ["employeeId": site.employeeID]).object()
        #expect(bySecurity["challengeId"] != nil && bySecurity["birthDateKey"] == nil, "\(bySecurity)")
        let byAdmin = try await site.s.send(.POST, "/api/v1/enrollment/challenges", as: site.admin, json: ["employeeId": site.employeeID]).object()
        #expect(byAdmin["challengeId"] != nil && byAdmin["birthDateKey"] == nil, "admin does not read the vault's birth dates")
        let byHR = try await site.s.send(.POST, "/api/v1/enrollment/challenges", as: try await site.s.user(.hr), json: ["employeeId": site.employeeID]).object()
        #expect((byHR["birthDateKey"] as? String)?.count == 6)
        try await site.s.app.mynagate.events.flush()
        let issued = try await AuditRecordModel.query(on: site.s.app.db).all().filter { $0.kind == "credential.birth_date_key_issued" }
        #expect(!issued.isEmpty && issued.allSatisfy { !$0.details.contains(byHR["birthDateKey"] as? String ?? "-") }, "recorded, without the value")

        // An exit door lets everyone out: at the genuine level its snapshot carries every card key.
        _ = try await site.s.send(.PUT, "/api/v1/doors/exit", as: site.admin, json: ["name": "退館ゲート", "fromZone": "lobby", "securityLevel": "genuine"])
        let token = try await site.s.send(.POST, "/api/v1/doors/exit/token", as: site.admin).object()["token"] as? String
        let snapshot = try await site.s.send(.GET, "/api/v1/doors/exit/snapshot", as: .init(bearer: token))
        let credentials = try #require(((try snapshot.json() as? [String: Any])?["policy"] as? [String: Any])?["credentials"] as? [[String: Any]])
        #expect(credentials.contains { (($0["credential"] as? [String: Any])?["cardKey"]) != nil }, "\(snapshot.text.prefix(400))")
    }

    @Test("the card key is refused when the records do not vouch for it, and never sent with fewer than 3 birth-date tries")
    func enrollmentChecks() async throws {
        // With the TEST CVC issuer configured, a genuine card's key is stored with its chain checked.
        let s = try await TestServer.start { c, dir in c.cvcIssuers = dir.appendingPathComponent("ca/\(TestJPKIHierarchy.FileName.cvcCA)").path }
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        let e = try await s.send(.POST, "/api/v1/employees", as: admin, json: ["employeeNumber": "G002", "name": "試験 G002", "department": "総務部"])
        let employeeID = try #require(e.object()["id"] as? String)
        let holder = try CardHolderFixture.make(name: "試験 G002")
        try await s.setHRBirthDate(employee: employeeID, holder.state.holder.birthDate)
        let ch = try await s.send(.POST, "/api/v1/enrollment/challenges", as: try await s.user(.hr), json: ["employeeId": employeeID]).object()
        let digest = Array(Data(base64Encoded: ch["digest"] as? String ?? "") ?? Data())
        let key = try #require(ch["birthDateKey"] as? String)
        #expect(key.count == 6 && key != String(holder.state.holder.birthDate.dropFirst(2)), "the era year, not the Gregorian one")
        guard case .read(let ageRecord, let certificate, let signature) = await holder.card.visual.cardKeyReading(
            birthDateKey: try PIN(key, kind: .visualBirthDate), sha256Digest: digest) else {
            Issue.record("the card gave no reading")
            return
        }
        let challenge = Challenge(id: UUID(), nonce: Array(Data(base64Encoded: ch["nonce"] as? String ?? "") ?? Data()), context: ch["context"] as? String ?? "",
                                  issuedAt: Date(), expiresAt: Date().addingTimeInterval(60))
        let birth = "\(holder.state.holder.birthDate.prefix(4))-\(holder.state.holder.birthDate.dropFirst(4).prefix(2))-\(holder.state.holder.birthDate.suffix(2))"
        let issuers = s.app.cvcIssuers
        #expect(issuers.count == 1)
        let good = CardKeyEvidence(ageRecord: ageRecord, certificate: certificate, signature: signature)
        let expectedKey = try AgeRecord(bytes: ageRecord).publicKeyBytes
        #expect(expectedKey == holder.state.visualCardPublicKey)
        #expect(CardKeyCheck.check(good, challenge: challenge, birthDate: birth, issuers: issuers) == .stored(expectedKey, chainChecked: true))
        #expect(CardKeyCheck.check(good, challenge: challenge, birthDate: birth, issuers: .none).reason == "no_cvc_issuers")
        #expect(CardKeyCheck.check(good, challenge: challenge, birthDate: birth, issuers: .none, chain: .allow).reason == "chain_unchecked")
        // A forged age record: the attacker's key in DF12, the issuer's signature no longer covers it.
        var forged = ageRecord
        forged[forged.count - 300] ^= 0x01
        #expect(CardKeyCheck.check(CardKeyEvidence(ageRecord: forged, certificate: certificate, signature: signature), challenge: challenge,
                                   birthDate: birth, issuers: issuers).reason == "age_record_signature")
        // Another card's signature over the challenge; the wrong person's birth date; an unknown CVC issuer.
        let other = try CardHolderFixture.make(name: "別人")
        let otherSignature = try await other.card.visual.sign(sha256Digest: digest).value
        #expect(CardKeyCheck.check(CardKeyEvidence(ageRecord: ageRecord, certificate: certificate, signature: otherSignature), challenge: challenge,
                                   birthDate: birth, issuers: issuers).reason == "card_signature")
        #expect(CardKeyCheck.check(good, challenge: challenge, birthDate: "1901-01-01", issuers: issuers).reason == "birth_date_mismatch")
        let foreign = try TestJPKIHierarchy.generate()
        let foreignCard = try foreign.issueCard(holder: holder.state.holder, authPIN: "1234", signingPassword: "ABC123")
        let foreignCertificate = Array(try #require(foreignCard.cardVerifiableCertificate))
        // Another CA under the same key id: its certificate does not verify with the configured key.
        #expect(CardKeyCheck.check(CardKeyEvidence(ageRecord: ageRecord, certificate: foreignCertificate, signature: signature), challenge: challenge,
                                   birthDate: birth, issuers: issuers).reason == "certificate_signature")
        // A certificate naming an issuer key nobody configured (7F21 82 xxxx 5F4E 82 xxxx, then the 16-byte issuer key id).
        var unknownIssuer = certificate
        unknownIssuer[8 + 3] ^= 0x01
        #expect(CardKeyCheck.check(CardKeyEvidence(ageRecord: ageRecord, certificate: unknownIssuer, signature: signature), challenge: challenge,
                                   birthDate: birth, issuers: issuers).reason == "certificate_issuer_unknown")

        // Two tries left on the birth-date key: the desk sends nothing and says why; the counter is untouched.
        var low = holder.state
        low.visualBirthKey?.triesLeft = 2
        let lowCard = VirtualMynaCard(state: low)
        let reading = await MynaCard(transport: EmulatedCardTransport(card: lowCard)).visual.cardKeyReading(
            birthDateKey: try PIN(key, kind: .visualBirthDate), sha256Digest: digest)
        guard case .skipped("birth_date_tries_low") = reading else {
            Issue.record("the key was sent with 2 tries left: \(reading)")
            return
        }
        #expect(lowCard.state.visualBirthKey?.triesLeft == 2)
    }
}

extension GenuineDoorHTTPTests {
    @Test("the dashboard counts the active cards without a card key, and the doors page offers the genuine level")
    func dashboardAndDoorsPage() async throws {
        let site = try await Self.site(cardKey: false)
        defer { Task { await site.s.stop() } }
        let page = try await site.s.send(.GET, "/dashboard?lang=en", as: site.admin)
        #expect(page.text.contains("Cards without a card key"), "\(page.text.prefix(300))")
        #expect(page.text.contains(#"id="keyless-count">1<"#), "one keyless card")
        let doors = try await site.s.send(.GET, "/doors?lang=en", as: site.admin)
        #expect(doors.text.contains(#"<option value="genuine" selected>genuine card (no PIN)</option>"#), "the entrance shows its level")
    }
}
