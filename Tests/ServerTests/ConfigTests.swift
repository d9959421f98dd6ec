import Crypto
import Foundation
import NIOSSL
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import SwiftASN1
import Testing
import Vapor
import X509

@Suite("Configuration and TLS")
struct ConfigTests {
    static func temporaryFile(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-config-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test("a file sets what it names, the environment wins over the file, the rest keep their defaults")
    func precedence() throws {
        let file = try Self.temporaryFile("""
            {"dataDirectory": "/srv/mynagate", "port": 9000, "host": "0.0.0.0", "staleCRLHours": 12, "revocationSweepSeconds": 30}
            """)
        defer { try? FileManager.default.removeItem(at: file) }
        let fromFile = try ServerConfig.load(file: file.path, environment: [:])
        #expect(fromFile.dataDirectory == "/srv/mynagate")
        #expect(fromFile.port == 9000)
        #expect(fromFile.host == "0.0.0.0")
        #expect(fromFile.staleCRLHours == 12)
        #expect(fromFile.revocationSweepSeconds == 30)
        #expect(fromFile.databaseURL == nil)
        #expect(fromFile.challengeSeconds == ServerConfig().challengeSeconds)

        let both = try ServerConfig.load(file: file.path, environment: [
            "MYNAGATE_PORT": "9100", "DATABASE_URL": "postgres://mg:pw@db.example:5432/mynagate", "MYNAGATE_STALE_CRL": "fail-closed",
            "MYNAGATE_CRL_INDEX": "/srv/crl", "MYNAGATE_REVOCATION_SWEEP_SECONDS": "5",
        ])
        #expect(both.port == 9100)
        #expect(both.dataDirectory == "/srv/mynagate")
        #expect(both.databaseURL == "postgres://mg:pw@db.example:5432/mynagate")
        #expect(both.staleCRLHours == nil)
        #expect(both.crlIndex == "/srv/crl")
        #expect(both.revocationSweepSeconds == 5)

        // No file: defaults, then the environment. An empty DATABASE_URL means SQLite.
        let envOnly = try ServerConfig.load(file: nil, environment: ["MYNAGATE_DATA_DIR": "/tmp/x", "DATABASE_URL": ""])
        #expect(envOnly.dataDirectory == "/tmp/x")
        #expect(envOnly.databaseURL == nil)
        #expect(envOnly.port == 8080)
    }

    @Test("a malformed configuration file is an error, not a silent default")
    func malformedFile() throws {
        let file = try Self.temporaryFile(#"{"port": "eighty"}"#)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(throws: (any Error).self) { try ServerConfig.load(file: file.path, environment: [:]) }
        #expect(throws: (any Error).self) { try ServerConfig.load(file: "/nonexistent/mynagate.json", environment: [:]) }
    }

    @Test("a malformed environment value stops the start, naming the variable, instead of leaving the default in force",
          arguments: [
              ("MYNAGATE_PORT", "eighty"), ("MYNAGATE_PORT", "70000"), ("MYNAGATE_STALE_CRL", "abc"), ("MYNAGATE_STALE_CRL", "-1"),
              ("MYNAGATE_REVOCATION_SWEEP_SECONDS", "0"), ("MYNAGATE_REVOCATION_SWEEP_SECONDS", "5s"),
              ("MYNAGATE_SIGNIN_CLIENT_PER_MINUTE", "ten"), ("MYNAGATE_SIGNIN_GLOBAL_PER_MINUTE", "-3"),
              ("MYNAGATE_SESSION_IDLE_SECONDS", ""), ("MYNAGATE_SESSION_LIFETIME_SECONDS", "1e3"),
              ("MYNAGATE_PURGE_SECONDS", "x"), ("MYNAGATE_MAX_POLICY_AGE", "0"), ("MYNAGATE_MAX_QUEUED_DECISIONS", "many"),
              ("MYNAGATE_COOKIE_SECURE", "on"),
          ])
    func malformedEnvironment(name: String, value: String) throws {
        do {
            _ = try ServerConfig.load(file: nil, environment: [name: value])
            Issue.record("\(name)=\(value) was accepted")
        } catch let error as ServerConfigError {
            #expect(error.description.contains(name), "\(error)")
        }
    }

    @Test("well-formed environment values are read")
    func wellFormedEnvironment() throws {
        let c = try ServerConfig.load(file: nil, environment: [
            "MYNAGATE_STALE_CRL": "6", "MYNAGATE_COOKIE_SECURE": "no", "MYNAGATE_MAX_QUEUED_DECISIONS": "7",
        ])
        #expect(c.staleCRLHours == 6)
        #expect(c.cookieSecure == false)
        #expect(c.maxQueuedDecisions == 7)
    }

    @Test("the printed summary hides the PostgreSQL password and says what runs")
    func summaryMasksPassword() throws {
        var c = ServerConfig()
        c.databaseURL = "postgres://mynagate:s3cr3t-Pa55@db.internal:5432/mynagate?sslmode=require"
        c.tlsCertificate = "/etc/mynagate/cert.pem"
        c.tlsKey = "/etc/mynagate/key.pem"
        let text = c.summary.joined(separator: "\n")
        #expect(!text.contains("s3cr3t-Pa55"))
        #expect(text.contains("postgres://mynagate:****@db.internal:5432/mynagate"))
        #expect(text.contains("https://"))

        var sqlite = ServerConfig()
        sqlite.dataDirectory = "/srv/mg"
        #expect(sqlite.summary.contains("database: SQLite /srv/mg/mynagate.sqlite (WAL)"))
        #expect(ServerConfig.maskPassword("postgres://nopassword@db/x") == "postgres://nopassword@db/x")
    }

    /// A self-signed P-256 certificate for 127.0.0.1 and localhost, as PEM (certificate, key).
    static func selfSignedCertificate() throws -> (String, String) {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("mynagate test server") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(3600),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                SubjectAlternativeNames([.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: ArraySlice<UInt8>([127, 0, 0, 1])))])
            },
            issuerPrivateKey: .init(key))
        return (try certificate.serializeAsPEM().pemString, key.pemRepresentation)
    }

    @Test("with a certificate and key the server answers over https, and not over plain http")
    func tls() async throws {
        let (certPEM, keyPEM) = try Self.selfSignedCertificate()
        let s = try await TestServer.start { c, dir in
            let cert = dir.appendingPathComponent("tls-cert.pem"), key = dir.appendingPathComponent("tls-key.pem")
            try Data(certPEM.utf8).write(to: cert)
            try Data(keyPEM.utf8).write(to: key)
            c.tlsCertificate = cert.path
            c.tlsKey = key.path
        }
        defer { Task { await s.stop() } }
        // The client trusts exactly this certificate (no verification switched off).
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(certPEM.utf8), format: .pem)])
        s.app.http.client.configuration.tlsConfiguration = tls
        let res = try await s.app.client.get(URI(string: "https://127.0.0.1:\(s.port)/health"))
        #expect(res.status == .ok)
        let body = res.body.map { String(buffer: $0) } ?? ""
        #expect(body.contains("\"status\":\"ok\""), "\(body)")
        #expect(body.contains(TestServer.postgresURL == nil ? "sqlite" : "postgresql"))
        // Plain HTTP to the TLS port gets no answer.
        let plain = await Result<Void, any Error>(catching: { _ = try await s.app.client.get(URI(string: "http://127.0.0.1:\(s.port)/health")) })
        if case .success = plain { Issue.record("the TLS port answered plain HTTP") }
        await s.stop()
    }
}
