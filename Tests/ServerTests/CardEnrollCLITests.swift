import Fluent
import Foundation
import MynaCardSim
import ServerCore
import Store
import Testing
import Trust
import Crypto
import Vapor

/// `mynagate card enroll`, the enrollment desk's reader program, as a process against a running test
/// server with a virtual card file: the tries read and said before each PIN, the challenge signed, the
/// card pending for a person with an account and active when the holder's signing certificate binds it.
@Suite("Card: mynagate card enroll (as a process)", .serialized)
struct CardEnrollCLITests {
    static func cardFile(_ site: VaultSite, _ card: VaultCard, authTries: Int? = nil) throws -> URL {
        var state = card.state
        if let authTries { state.authPIN.triesLeft = authTries }
        let file = site.keyFile.deletingLastPathComponent().appendingPathComponent("desk-\(UUID().uuidString.prefix(6)).vcard")
        try VirtualMynaCard(state: state).save(to: file)
        return file
    }

    func enroll(_ site: VaultSite, _ number: String, _ file: URL, holder: Bool = false, stdin: String) async throws -> VaultCLITests.Run {
        try await VaultCLITests.run(["card", "enroll", "--server", site.s.base, "--username", site.handlerName, "--employee", number,
                                     "--vcard", file.path, "--password-stdin", "--pin-stdin", "--json"] + (holder ? ["--holder"] : []), stdin: stdin)
    }

    @Test("a person with an account: tries said, PIN sent once, the card pending until they accept it; the holder's signing password binds and activates a card of a person without one")
    func desk() async throws {
        let site = try await VaultSite.start()
        defer { Task { await site.stop() } }
        let s = site.s
        // With an account: the card waits for its holder.
        let (withAccount, _) = try await site.employee("D0100")
        let card = try VaultCard.make(number: TestNumbers.make())
        let file = try Self.cardFile(site, card)
        let r = try await enroll(site, "D0100", file, stdin: "correct horse battery\n\(VaultCard.pin)\n")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.json["state"] as? String == "pending" && r.json["waitingFor"] as? [String] == ["holder"], "\(r.stdout)")
        #expect(r.stderr.contains("残り3回"), "tries said before the PIN: \(r.stderr)")
        let serial = try #require(r.json["serial"] as? String)
        let stored = try await CredentialModel.query(on: s.app.db).filter(\.$serial == serial).first()
        #expect(stored?.employeeID.uuidString == withAccount.uppercased() || stored?.employeeID.uuidString.lowercased() == withAccount.lowercased())
        #expect(try VirtualMynaCard.load(contentsOf: file).state.authPIN.triesLeft == 3)

        // Without an account: only the signing certificate's name and birth date (matched with the HR
        // record, here from the HR master's 生年月日 column) bind it. Without --holder it is refused; with it, active.
        let (_, imported) = try await PeopleImportTests.previewAndApply(s, site.handler, Data("社員番号,氏名,所属,勤務地,生年月日\nD0200,番号 太郎,総務部,本社,1985-04-02\n".utf8))
        #expect(imported.status == .ok, "\(imported.text)")
        let second = try Self.cardFile(site, try VaultCard.make(number: TestNumbers.make()))
        let unbound = try await enroll(site, "D0200", second, stdin: "correct horse battery\n\(VaultCard.pin)\n")
        #expect(unbound.status == 1 && unbound.stderr.contains("signing password"), "\(unbound.stderr)")
        let bound = try await enroll(site, "D0200", second, holder: true, stdin: "correct horse battery\n\(VaultCard.pin)\nABC123\n")
        #expect(bound.status == 0, "\(bound.stderr)")
        #expect(bound.json["state"] as? String == "active" && (bound.json["waitingFor"] as? [String])?.isEmpty == true, "\(bound.stdout)")
        #expect(bound.stderr.contains("残り3回") && bound.stderr.contains("残り5回"), "tries said before the PIN (3) and the signing password (5): \(bound.stderr)")
        // The hr desk got the birth-date key, so the card's own key for genuine doors came along.
        let active = try await CredentialModel.query(on: s.app.db).filter(\.$serial == (bound.json["serial"] as? String ?? "")).first()
        #expect(active?.cardKey != nil)
    }

    @Test("one try left: the PIN is not sent without --confirm-last-try; an unknown employee number and a 12-digit one are refused before the card is touched")
    func refusals() async throws {
        let site = try await VaultSite.start()
        defer { Task { await site.stop() } }
        _ = try await site.employee("D0300")
        let file = try Self.cardFile(site, try VaultCard.make(number: TestNumbers.make()), authTries: 1)
        let r = try await enroll(site, "D0300", file, stdin: "correct horse battery\n0000\n")
        #expect(r.status == 1, "\(r.stdout)")
        #expect(r.stderr.contains("残り1回"), "\(r.stderr)")
        #expect(try VirtualMynaCard.load(contentsOf: file).state.authPIN.triesLeft == 1, "no try spent")
        #expect(try await CredentialModel.query(on: site.s.app.db).count() == 0)
        let unknown = try await enroll(site, "D9999", file, stdin: "correct horse battery\n1234\n")
        #expect(unknown.status == 1 && unknown.stderr.contains("no person with employee number D9999"), "\(unknown.stderr)")
        let number = TestNumbers.make()
        let mine = try await VaultCLITests.run(["card", "enroll", "--server", site.s.base, "--username", site.handlerName, "--employee", number, "--vcard", file.path])
        #expect(mine.status == 64 || mine.status == 2, "usage error: \(mine.status)")
        #expect(!mine.stderr.contains(number) && !mine.stdout.contains(number))
    }
}

extension CardEnrollCLITests {
    /// A server that answers the desk's program as MynaGate would, except that its challenge's digest is
    /// the hash of a document of its choosing (or its context names someone else).
    static func hostileServer(digest: [UInt8]?, context: String?) async throws -> (Application, String) {
        let app = try await Application.make(.testing)
        let person = UUID()
        app.post("api", "v1", "session") { _ -> Response in
            let r = Response(status: .ok, body: .init(string: #"{"csrfToken":"t"}"#))
            r.headers.contentType = .json
            r.headers.add(name: .setCookie, value: "mynagate_session=x; Path=/")
            return r
        }
        app.delete("api", "v1", "session") { _ in HTTPStatus.noContent }
        app.get("api", "v1", "employees") { _ -> Response in
            let r = Response(status: .ok, body: .init(string: #"[{"id":"\#(person.uuidString)","employeeNumber":"D0400","name":"番号 太郎"}]"#))
            r.headers.contentType = .json
            return r
        }
        app.post("api", "v1", "enrollment", "challenges") { _ -> Response in
            let nonce = [UInt8](repeating: 7, count: 32)
            let ctx = context ?? "enroll:\(person.uuidString)"
            let real = Challenge(id: UUID(), nonce: nonce, context: ctx, issuedAt: Date(), expiresAt: Date()).digest
            let body = #"{"challengeId":"\#(UUID().uuidString)","nonce":"\#(Data(nonce).base64EncodedString())","context":"\#(ctx)","digest":"\#(Data(digest ?? real).base64EncodedString())","expiresAt":"2030-01-01T00:00:00Z"}"#
            let r = Response(status: .ok, body: .init(string: body))
            r.headers.contentType = .json
            return r
        }
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        let port = try #require(app.http.server.shared.localAddress?.port)
        return (app, "http://127.0.0.1:\(port)")
    }

    @Test("a server whose challenge is a document's hash, or names another person, gets nothing signed: no PIN asked, no try spent")
    func hostileChallenge() async throws {
        let site = try await VaultSite.start()
        defer { Task { await site.stop() } }
        let file = try Self.cardFile(site, try VaultCard.make(number: TestNumbers.make()))
        let document = Array(SHA256.hash(data: Data("私は全財産を譲渡します".utf8)))
        for (digest, context) in [(Optional(document), String?.none), (nil, "enroll:\(UUID().uuidString)")] {
            let (app, base) = try await Self.hostileServer(digest: digest, context: context)
            let r = try await VaultCLITests.run(["card", "enroll", "--server", base, "--username", "desk", "--employee", "D0400", "--holder",
                                                 "--vcard", file.path, "--password-stdin", "--pin-stdin"], stdin: "pw\n\(VaultCard.pin)\nABC123\n")
            await app.server.shutdown()
            try await app.asyncShutdown()
            #expect(r.status == 1 && r.stderr.contains("nothing was signed"), "\(r.status) \(r.stderr)")
            #expect(!r.stderr.contains("残り"), "no PIN was asked for")
            let state = try VirtualMynaCard.load(contentsOf: file).state
            #expect(state.authPIN.triesLeft == 3 && state.signingPassword.triesLeft == 5)
        }
    }
}
