import Foundation
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Testing
import Trust
import Vapor

/// Issue 17 item 4: the certificate policy OID is configuration, off by default, because no reference
/// confirms the JPKI authentication policy on a real card (docs/CARD.md, "Certificates"). Enrolment over
/// real HTTP with virtual cards whose certificates assert the emulator's policy, against a server
/// configured for another one: off enrols, warn enrols and audits the warning, require refuses.
@Suite("Certificate policy rule", .serialized)
struct CertificatePolicyRuleTests {
    @Test("configuration: off by default; the environment sets the mode and the OIDs; a bad value stops the start")
    func configuration() throws {
        let plain = try ServerConfig.load(file: nil, environment: [:])
        #expect(plain.certificatePolicy == .off)
        #expect(try plain.certificatePolicyRule(for: .auth) == .known(.off, for: .auth))
        #expect(plain.summary.contains("certificate policy rule: off (any certificatePolicies accepted)"))

        let warn = try ServerConfig.load(file: nil, environment: [
            "MYNAGATE_CERT_POLICY": "warn", "MYNAGATE_AUTH_CERT_POLICIES": "1.2.3.4, 1.2.3.5", "MYNAGATE_SIGN_CERT_POLICIES": "",
        ])
        #expect(try warn.certificatePolicyRule(for: .auth) == CertificatePolicyRule(mode: .warn, policies: [[1, 2, 3, 4], [1, 2, 3, 5]]))
        // No OID named: the known one for the purpose.
        #expect(try warn.certificatePolicyRule(for: .sign) == .known(.warn, for: .sign))
        #expect(warn.summary.contains { $0.hasPrefix("certificate policy rule: auth warn: 1.2.3.4, 1.2.3.5; sign warn: 1.2.392.200149.8.5.1.1.20") })

        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-config-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(#"{"certificatePolicy": "require", "authCertificatePolicies": ["1.2.392.200149.8.5.1.3.30"]}"#.utf8).write(to: url)
        #expect(try ServerConfig.load(file: url.path, environment: [:]).certificatePolicyRule(for: .auth) == .known(.require, for: .auth))

        #expect(throws: ServerConfigError.self) { try ServerConfig.load(file: nil, environment: ["MYNAGATE_CERT_POLICY": "strict"]) }
        #expect(throws: ServerConfigError.self) { try ServerConfig.load(file: nil, environment: ["MYNAGATE_AUTH_CERT_POLICIES": "jpki-cp-auth"]) }
        try Data(#"{"certificatePolicy": "sometimes"}"#.utf8).write(to: url)
        #expect(throws: (any Error).self) { try ServerConfig.load(file: url.path, environment: [:]) }
    }

    /// A server whose rule names a policy the virtual cards do not assert, and one enrolment through it.
    static func enrol(mode: CertificatePolicyRule.Mode) async throws -> (reply: TestServer.Reply, events: String) {
        let s = try await TestServer.start { c, _ in
            c.certificatePolicy = mode
            c.authCertificatePolicies = ["1.2.392.200149.8.5.1.9.99"]
        }
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        try await setUpSite(s, admin: admin)
        let e = try await s.send(.POST, "/api/v1/employees", as: admin, json: ["employeeNumber": "P0001", "name": "社員 P0001", "department": "人事部"])
        let id = try #require(e.object()["id"] as? String)
        let card = try CardHolderFixture.make(name: "社員 P0001")
        try await s.setHRBirthDate(employee: id, card.state.holder.birthDate)
        let reply = try await EnrollmentSecurityTests.enroll(s, as: admin, employee: id, card: card, signingCard: card)
        let events = try await s.send(.GET, "/api/v1/events?limit=500", as: admin).text
        await s.stop()
        return (reply, events)
    }

    @Test("off (the default): a card asserting another policy is enrolled, nothing is warned")
    func offEnrols() async throws {
        let (reply, events) = try await Self.enrol(mode: .off)
        #expect(reply.status == .created, "\(reply.text)")
        #expect(!events.contains("credential.enrollment_warning"))
    }

    @Test("warn: enrolled, and the event log says which policy the certificate lacked")
    func warnEnrolsAndAudits() async throws {
        let (reply, events) = try await Self.enrol(mode: .warn)
        #expect(reply.status == .created, "\(reply.text)")
        #expect(events.contains("credential.enrollment_warning"))
        #expect(events.contains("policy-not-asserted"))
        #expect(events.contains("not the configured 1.2.392.200149.8.5.1.9.99"))
    }

    @Test("require: refused with the reason, and the refusal is in the event log")
    func requireRefuses() async throws {
        let (reply, events) = try await Self.enrol(mode: .require)
        #expect(reply.status == .unprocessableEntity, "\(reply.text)")
        #expect(reply.text.contains("is not the configured 1.2.392.200149.8.5.1.9.99"), "\(reply.text)")
        #expect(events.contains("credential.enrollment_refused"))
    }
}
