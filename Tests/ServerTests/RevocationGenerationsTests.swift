import Access
import Foundation
import MynaCard
import MynaCardSim
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Store
import Testing
import Trust
import Vapor
import X509

/// The revocation sweep against CAs that share one name, as the three J-LIS root generations do
/// (docs/CARD.md "Certificates"): each credential is checked against the CRL of the key that issued it.
@Suite("Revocation: same-named CA generations in the sweep", .serialized)
struct RevocationGenerationsTests {
    /// A second and a third CA with the test CA's very name and their own keys.
    static let second = try! TestJPKIHierarchy.generate()
    static let stranger = try! TestJPKIHierarchy.generate()

    /// Signs a CRL of `hierarchy`'s CA saved under `caDirectory`, numbered `number`, revoking `serials`,
    /// and imports it into the server's index directory.
    static func publish(_ hierarchy: TestJPKIHierarchy, caDirectory: URL, number: UInt64, revoking serials: [Certificate.SerialNumber],
                        serverDirectory dir: URL, name: String) throws {
        let key = try String(contentsOf: caDirectory.appendingPathComponent("auth-ca-key.pem"), encoding: .utf8)
        let now = Date()
        let builder = CRLBuilder(issuer: hierarchy.authCACertificate, signer: try CRLSigner(pemRepresentation: key),
                                 thisUpdate: now.addingTimeInterval(-60), nextUpdate: now.addingTimeInterval(86_400), crlNumber: CRLNumber(number))
        let path = dir.appendingPathComponent("crl-\(name)-\(number).der").path
        _ = try builder.write(entries: serials.map { CRLEntry(certificateSerial: $0, revocationDate: now.addingTimeInterval(-30), reason: .keyCompromise) }, to: path)
        _ = try RevocationIndexStore(directory: TestCRL.indexDirectory(dir)).importCRL(at: path, issuer: hierarchy.authCACertificate)
    }

    /// A credential row for a card `hierarchy` issued with `serial`, active, for a new employee in `staff`.
    static func insertCredential(_ s: TestServer, admin: TestServer.Identity, number: String, issuedBy hierarchy: TestJPKIHierarchy,
                                 serial: [UInt8]) async throws {
        let person: [String: Any] = ["employeeNumber": number, "name": "試験 \(number)", "department": "人事部", "groups": ["staff"]]
        let e = try await s.send(.POST, "/api/v1/employees", as: admin, json: person)
        #expect(e.status == .created, "\(e.text)")
        let patched = try await s.send(.PATCH, "/api/v1/employees/\(e.object()["id"] as! String)", as: admin, json: person)
        #expect(patched.status == .ok, "\(patched.text)")
        let state = try hierarchy.issueCard(holder: CardHolder.random(), authPIN: "1234", signingPassword: "ABC123",
                                            issuedAt: Date().addingTimeInterval(-60), serial: serial)
        let certificate = try Certificate(derEncoded: state.authCertificate)
        let m = CredentialModel()
        m.employeeID = try #require(UUID(uuidString: e.object()["id"] as! String))
        m.kind = CredentialKey.Kind.jpkiAuth.rawValue
        m.issuer = certificate.issuer.description
        m.serial = certificate.serialNumber.bytes.map { String(format: "%02X", $0) }.joined()
        m.certificate = Data(state.authCertificate)
        m.notBefore = certificate.notValidBefore
        m.notAfter = certificate.notValidAfter
        m.state = "active"
        try await m.create(on: s.app.db)
    }

    @Test("a serial revoked by one generation suspends that generation's card and not another generation's card with the same name and serial; a card of no configured key is shown on /health")
    func eachGenerationsCRLSuspendsOnlyItsOwnCards() async throws {
        let s = try await TestServer.start { c, dir in
            // The second generation is a configured anchor beside the first, under the same name.
            let ca2 = dir.appendingPathComponent("ca2")
            try Self.second.save(to: ca2)
            try FileManager.default.copyItem(at: ca2.appendingPathComponent("auth-ca.pem"), to: dir.appendingPathComponent("anchors/auth/ca2.pem"))
            try Self.stranger.save(to: dir.appendingPathComponent("ca3"))
            try TestCRL.publish(number: 1, revoking: [], serverDirectory: dir)
            try Self.publish(Self.second, caDirectory: ca2, number: 1, revoking: [], serverDirectory: dir, name: "gen2")
            c.crlIndex = TestCRL.indexDirectory(dir).path
        }
        defer { Task { await s.stop() } }
        #expect(Self.second.authCACertificate.subject == TestServer.hierarchy.authCACertificate.subject)
        #expect(Self.second.authCACertificate.publicKey != TestServer.hierarchy.authCACertificate.publicKey)
        let admin = try await s.user(.admin)
        try await setUpSite(s, admin: admin)
        // B: the second generation's card; C: a card of a same-named CA that is no configured anchor.
        let serialB: [UInt8] = [0x5A, 0x17, 0x42, 0x01]
        try await Self.insertCredential(s, admin: admin, number: "G0002", issuedBy: Self.second, serial: serialB)
        try await Self.insertCredential(s, admin: admin, number: "G0003", issuedBy: Self.stranger, serial: [0x5A, 0x17, 0x42, 0x03])
        // A: the first generation's card, enrolled at the desk (which also reloads the policy).
        let (a, _, _) = try await enroll(s, desk: admin, number: "G0001", groups: ["staff"])
        let serialA = try await a.card.jpki.readAuthCertificateSerial().value
        let token = try await s.send(.POST, "/api/v1/doors/entrance/token", as: admin).object()["token"] as! String
        let door = TestServer.Identity(bearer: token)
        func decide(_ serialHex: String) async throws -> [String: Any] {
            try await s.send(.POST, "/api/v1/doors/entrance/decisions", as: door, json: ["serial": serialHex]).object()
        }
        let hexA = try await a.serialHex, hexB = serialB.map { String(format: "%02X", $0) }.joined()
        var started = Date()
        while try await decide(hexB)["outcome"] as? String != "grant", Date().timeIntervalSince(started) < 5 { try await Task.sleep(for: .milliseconds(100)) }
        #expect(try await decide(hexA)["outcome"] as? String == "grant")
        #expect(try await decide(hexB)["outcome"] as? String == "grant")

        // The first generation revokes A's card and also lists B's serial (a card it issued to someone
        // else); the second generation revokes nothing. Keyed by name, one CRL answers for both cards:
        // either A stays open or B is suspended, depending on which file sorts first.
        try TestCRL.publish(number: 2, revoking: [serialA, Certificate.SerialNumber(bytes: serialB)], serverDirectory: s.directory)
        try Self.publish(Self.second, caDirectory: s.directory.appendingPathComponent("ca2"), number: 2, revoking: [], serverDirectory: s.directory, name: "gen2")
        let report = try await s.app.mynagate.revocationSweep!.sweepNow()
        #expect(report.indexes == 2)
        #expect(report.checked == 2 && report.revoked == 1 && report.suspended == 1, "\(report)")
        started = Date()
        var reasonA = ""
        while Date().timeIntervalSince(started) < 5 {
            reasonA = try await decide(hexA)["reason"] as? String ?? ""
            if reasonA == "credential_suspended" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(reasonA == "credential_suspended")
        #expect(try await decide(hexB)["outcome"] as? String == "grant")

        // C's issuer key is no configured anchor's: not checked, and said so on /health, not skipped silently.
        #expect(report.unresolvedIssuer == 1)
        #expect(try await s.healthProblems().codes.contains("crl.issuer_unknown"))
        await s.stop()
    }
}
