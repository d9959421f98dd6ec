import Foundation
@testable import AttendanceServer
@testable import CardApplicationServer
@testable import ServerCore
@testable import VaultServer
import Testing
import Vapor

/// Pages read their posted form one way (`Request.pageForm`, `Request.submitForm`): a body that cannot
/// be read as the form is refused with the page shown again, never replaced by an empty form whose
/// defaults the action would then carry out. Before, some twenty handlers did
/// `(try? req.decodeBody(Form.self)) ?? Form()`; the two attacks below were seen to succeed then.
@Suite("Page forms: an unreadable form is refused, never read as its defaults")
struct PageFormTests {
    /// Seen failing before: the disposal page read `dryRun` with `try?`, so a body that was not a form
    /// (a script posting JSON with the header token) read as "not a dry run" and crypto-erased the number.
    @Test func anUnreadableDisposalFormDisposesNothing() async throws {
        let site = try await VaultSite.start()
        defer { Task { await site.stop() } }
        let s = site.s
        let number = TestNumbers.make()
        let (left, me) = try await site.employee("V0901")
        let record = try await site.collectTyped(left, who: me, number: number, purposes: ["withholding_slip"])
        let profile = try await s.send(.PUT, "/api/v1/vault/employees/\(left)/profile", as: site.handler, json: ["leavingDate": "2010-03-31"])
        #expect(profile.status == .ok, "\(profile.text)")

        let garbled = try await s.send(.POST, "/vault/disposals/run", as: site.handler, raw: Data("[1]".utf8), contentType: "application/json")
        #expect(garbled.status == .badRequest, "\(garbled.status) \(garbled.text.prefix(200))")
        #expect(garbled.text.contains("<html"), "the page is shown again with the problem")
        #expect(try await site.reveal(record, purpose: "withholding_slip").object()["number"] as? String == number, "still held")

        // The page's own dry run (the checkbox ticked) changes nothing either; an unticked box runs it.
        let dry = try await s.form("/vault/disposals/run", as: site.handler, ["dryRun": "on"])
        #expect(dry.status == .ok, "\(dry.status)")
        #expect(try await site.reveal(record, purpose: "withholding_slip").object()["number"] as? String == number)
        let run = try await s.form("/vault/disposals/run", as: site.handler, [:])
        #expect(run.status == .ok, "\(run.status)")
        #expect(try await site.reveal(record, purpose: "withholding_slip").status == .notFound, "disposed by the real run")
    }

    /// Seen failing before: the doors page read the level with `try?` and an empty default, so an
    /// unreadable body returned a `pin` door to its zone's default — `tap` — without a PIN.
    @Test func anUnreadableLevelFormLeavesTheDoorAsItWas() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        do {
            let admin = try await s.user(.admin)
            try await setUpSite(s, admin: admin)
            let set = try await s.form("/doors/entrance/level", as: admin, ["level": "pin"])
            #expect(set.status == .seeOther, "\(set.status)")
            let level = {
                let doors = try JSONSerialization.jsonObject(with: try await s.send(.GET, "/api/v1/doors", as: admin).body) as? [[String: Any]] ?? []
                return doors.first { $0["id"] as? String == "entrance" }?["effectiveSecurityLevel"] as? String
            }
            #expect(try await level() == "pin")

            let garbled = try await s.send(.POST, "/doors/entrance/level", as: admin, raw: Data(#"{"level": 5}"#.utf8), contentType: "application/json")
            #expect(garbled.status == .badRequest, "\(garbled.status) \(garbled.text.prefix(200))")
            #expect(try await level() == "pin", "the door keeps its PIN")
        }
    }

    /// A server-side failure shown on a page is logged as the error middleware would log it.
    @Test func aPageProblemOfAServerFailureIsLogged() async throws {
        _ = LogCapture.installed
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        do {
            let capture = LogCapture.shared.open()
            let req = Request(application: s.app, on: s.app.eventLoopGroup.next())
            struct Broken: Error {}
            let problem = req.pageProblem(Broken())
            #expect(problem.status == .internalServerError)
            let refusal = req.pageProblem(Abort(.unprocessableEntity, reason: "no"))
            #expect(refusal.status == .unprocessableEntity)
            let lines = LogCapture.shared.close(capture).filter { $0.contains("shown on the page") }
            #expect(lines.count == 1, "the failure logged, the refusal (the person's to fix) not: \(lines)")
            #expect(lines.first?.hasPrefix("error") == true && lines.first?.contains("500") == true)
        }
    }

    /// Seen failing before (the form decoder's own words were shown): a cross-site post to the anonymous
    /// lost-card page with a malformed key put the attacker's text on the real page — Vapor's form decoder
    /// repeats the key in its reason. Now a body that cannot be read gets a fixed sentence.
    @Test func anUnreadableFormDoesNotShowTheSendersText() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let reply = try await s.send(.POST, "/lost-card/request?lang=en", raw: Data("a[CALL_SECURITY_NOW=x".utf8),
                                     contentType: "application/x-www-form-urlencoded")
        #expect(reply.status == .badRequest, "\(reply.status)")
        #expect(!reply.text.contains("CALL_SECURITY_NOW"), "\(reply.text.prefix(400))")
        let api = try await s.send(.POST, "/api/v1/session", raw: Data("a[CALL_SECURITY_NOW=x".utf8), contentType: "application/x-www-form-urlencoded")
        #expect((400..<500).contains(api.status.code) && !api.text.contains("CALL_SECURITY_NOW"), "\(api.status) \(api.text)")
    }

    /// Seen failing before (only a refused occasion was cleared): a My Number typed into the issuer field
    /// of the photo-ID page came back in the form.
    @Test func thePhotoIDFormDoesNotShowANumberAgain() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let number = TestNumbers.make()
        let reply = try await s.form("/photo-id", as: hr, ["employeeNumber": "P0001", "issuer": number, "validUntil": "2034-03-31", "occasion": "入館証"])
        #expect(reply.status.code >= 400, "\(reply.status)")
        #expect(!reply.text.contains(number), "the number is not shown again")
    }
}
