import Foundation
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Testing
import Trust
import Vapor
import X509

/// CRLs signed with the test hierarchy's CA key, imported into the index directory a server watches.
enum TestCRL {
    /// Writes a signed CRL numbered `number` that revokes `serials` (key compromise), and imports it.
    static func publish(number: UInt64, revoking serials: [Certificate.SerialNumber], serverDirectory dir: URL) throws {
        let key = try String(contentsOf: dir.appendingPathComponent("ca/auth-ca-key.pem"), encoding: .utf8)
        let now = Date()
        let builder = CRLBuilder(issuer: TestServer.hierarchy.authCACertificate, signer: try CRLSigner(pemRepresentation: key),
                                 thisUpdate: now.addingTimeInterval(-60), nextUpdate: now.addingTimeInterval(86_400), crlNumber: CRLNumber(number))
        let path = dir.appendingPathComponent("crl-\(number).der").path
        let entries = serials.map { CRLEntry(certificateSerial: $0, revocationDate: now.addingTimeInterval(-30), reason: .keyCompromise) }
        _ = try builder.write(entries: entries, to: path)
        _ = try RevocationIndexStore(directory: indexDirectory(dir)).importCRL(at: path, issuer: TestServer.hierarchy.authCACertificate)
    }

    static func indexDirectory(_ dir: URL) -> URL { dir.appendingPathComponent("crl-index") }
}

@Suite("Revocation: CRLs at enrollment and the automatic suspension sweep", .serialized)
struct RevocationTests {
    /// A server whose CRL index holds a current, empty CRL of the test CA (so enrollment can check
    /// revocation and pass).
    static func server() async throws -> TestServer {
        try await TestServer.start { c, dir in
            try TestCRL.publish(number: 1, revoking: [], serverDirectory: dir)
            c.crlIndex = TestCRL.indexDirectory(dir).path
        }
    }

    @Test("a card revoked in a CRL is suspended by the sweep, refused at the door, and the log says why")
    func sweepSuspends() async throws {
        let s = try await Self.server()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        try await setUpSite(s, admin: admin)
        let (lost, _, lostCredential) = try await enroll(s, desk: admin, number: "R0001", groups: ["staff"])
        let (kept, _, _) = try await enroll(s, desk: admin, number: "R0002", groups: ["staff"])
        let token = try await s.send(.POST, "/api/v1/doors/entrance/token", as: admin).object()["token"] as! String
        let door = TestServer.Identity(bearer: token)
        func decide(_ holder: CardHolderFixture) async throws -> [String: Any] {
            try await s.send(.POST, "/api/v1/doors/entrance/decisions", as: door, json: ["serial": try await holder.serialHex]).object()
        }
        #expect(try await decide(lost)["outcome"] as? String == "grant")

        // The CA revokes the lost card; the new CRL is imported into the directory the server watches.
        let lostSerial = try await lost.card.jpki.readAuthCertificateSerial().value
        try TestCRL.publish(number: 2, revoking: [lostSerial], serverDirectory: s.directory)

        // The watcher notices the changed index within a second or two and the sweep suspends the card.
        let started = Date()
        var reason = ""
        while Date().timeIntervalSince(started) < 8 {
            reason = try await decide(lost)["reason"] as? String ?? ""
            if reason == "credential_suspended" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(reason == "credential_suspended")
        #expect(try await decide(kept)["outcome"] as? String == "grant")

        // The event log says who suspended it and why.
        let security = try await s.user(.security)
        let suspensions = try await s.send(.GET, "/api/v1/events?kind=credential.suspended", as: security).array()
        #expect(suspensions.count == 1)
        let details = suspensions.first?["details"] as? [String: String] ?? [:]
        #expect(suspensions.first?["actor"] as? String == "system:revocation-sweep")
        #expect(details["reason"] == "certificateRevoked")
        #expect(details["crlReason"] == "keyCompromise")
        let cards = try await s.send(.GET, "/api/v1/credentials?state=suspended", as: security).array()
        #expect(cards.map { $0["id"] as? String } == [lostCredential])
        #expect(cards.first?["suspensionReason"] as? String == "certificateRevoked")

        // A sweep run by hand finds nothing more to do: suspension happens once.
        let report = try await s.app.mynagate.revocationSweep!.sweepNow()
        #expect(report.revoked == 1 && report.suspended == 0 && report.indexes == 1)

        // Reinstated by mistake, the card is still refused at the door: the CRL says revoked.
        let reinstated = try await s.send(.POST, "/api/v1/credentials/\(lostCredential)/reinstate", as: security)
        #expect(reinstated.status == .ok, "\(reinstated.text)")
        #expect(try await decide(lost)["reason"] as? String == "certificate_revoked")
        #expect(try await s.send(.GET, "/api/v1/audit/verify", as: security).object()["intact"] as? Bool == true)
        await s.stop()
    }

    @Test("enrollment refuses a certificate the CRL revokes")
    func enrollmentChecksRevocation() async throws {
        let s = try await Self.server()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        try await setUpSite(s, admin: admin)
        let holder = try CardHolderFixture.make()
        let serial = try await holder.card.jpki.readAuthCertificateSerial().value
        try TestCRL.publish(number: 2, revoking: [serial], serverDirectory: s.directory)
        try await s.app.mynagate.revocationSweep!.sweepNow()

        let e = try await s.send(.POST, "/api/v1/employees", as: admin, json: ["employeeNumber": "R0100", "name": "失効 太郎", "department": "総務部", "groups": ["staff"]])
        let employeeID = e.object()["id"] as! String
        let ch = try await s.send(.POST, "/api/v1/enrollment/challenges", as: admin, json: ["employeeId": employeeID])
        let cert = try await holder.card.jpki.certificateDER(.auth).value
        let sig = try await holder.sign(digestBase64: ch.object()["digest"] as! String)
        let refused = try await s.send(.POST, "/api/v1/enrollment", as: admin, json: [
            "employeeId": employeeID, "challengeId": ch.object()["challengeId"] as! String,
            "certificate": Data(cert).base64EncodedString(), "signature": sig,
        ])
        #expect(refused.status == .unprocessableEntity)
        #expect(refused.text.contains("revoked"), "\(refused.text)")
        let cards = try await s.send(.GET, "/api/v1/credentials", as: admin).array()
        #expect(cards.isEmpty)
        await s.stop()
    }
}
