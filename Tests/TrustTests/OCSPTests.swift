import Foundation
import SwiftASN1
import Testing
import Trust
import X509
import CryptoExtras

/// An OCSP "network" in process: hands the request to a function and returns its answer.
struct InProcessOCSP: OCSPTransport {
    var answer: @Sendable ([UInt8]) throws -> [UInt8]
    func send(request: [UInt8], to url: URL) async throws -> [UInt8] { try answer(request) }
}

struct Unreachable: OCSPTransport {
    struct Down: Error {}
    func send(request: [UInt8], to url: URL) async throws -> [UInt8] { throw Down() }
}

@Suite("OCSP behind the revocation interface")
struct OCSPTests {
    let f = ValidationFixture.self
    let url = URL(string: "http://jpki-test.mynagate.invalid/ocsp/auth")!

    var responder: OCSPResponder {
        OCSPResponder(issuer: f.hierarchy.authCACertificate, signingKey: Certificate.PrivateKey(f.authCAKey),
                      statuses: [f.cardCertificate.serialNumber: .good])
    }

    func checker(_ answer: @escaping @Sendable ([UInt8]) throws -> [UInt8]) -> OCSPRevocationChecker {
        OCSPRevocationChecker(transport: InProcessOCSP(answer: answer), responderURL: url)
    }

    @Test func good() async {
        let r = responder, now = f.now
        let status = await checker { try r.respond(to: $0, at: now) }
            .status(of: f.cardCertificate.serialNumber, issuer: f.hierarchy.authCACertificate, at: now)
        #expect(status == .good)
    }

    @Test func revokedWithReasonAndTime() async {
        var r = responder
        let revokedAt = Date(timeIntervalSince1970: (f.now.timeIntervalSince1970 - 86_400).rounded(.down))
        r.statuses[f.cardCertificate.serialNumber] = .revoked(time: revokedAt, reason: .keyCompromise)
        let now = f.now, responder = r
        let status = await checker { try responder.respond(to: $0, at: now) }
            .status(of: f.cardCertificate.serialNumber, issuer: f.hierarchy.authCACertificate, at: now)
        #expect(status == .revoked(reason: .keyCompromise, date: revokedAt, invalidity: nil))
    }

    @Test func unknownSerial() async {
        let r = responder, now = f.now
        let status = await checker { try r.respond(to: $0, at: now) }
            .status(of: f.otherCardCertificate.serialNumber, issuer: f.hierarchy.authCACertificate, at: now)
        guard case .unknown(let why) = status else { Issue.record("\(status)"); return }
        #expect(why.contains("does not know"))
    }

    @Test func badSignature() async {
        let r = responder, now = f.now
        let status = await checker { request in
            var bytes = try r.respond(to: request, at: now)
            bytes[bytes.count - 1] ^= 0x01      // the signature BIT STRING ends the response
            return bytes
        }.status(of: f.cardCertificate.serialNumber, issuer: f.hierarchy.authCACertificate, at: now)
        guard case .unknown(let why) = status else { Issue.record("\(status)"); return }
        #expect(why.contains("signature"))
    }

    @Test func signedByAnotherCA() async {
        let stranger = OCSPResponder(issuer: f.strangerRoot, signingKey: Certificate.PrivateKey(f.strangerKey),
                                     statuses: [f.cardCertificate.serialNumber: .good])
        let now = f.now
        let status = await checker { try stranger.respond(to: $0, at: now) }
            .status(of: f.cardCertificate.serialNumber, issuer: f.hierarchy.authCACertificate, at: now)
        // Unknown with the reason, not merely "not good": a wrong `.revoked` would suspend a valid card.
        guard case .unknown(let why) = status else { Issue.record("\(status)"); return }
        #expect(why.contains("signed") || why.contains("signature") || why.contains("responder"), "\(why)")
    }

    @Test func nonceMismatch() async {
        let r = responder, now = f.now
        let status = await checker { try r.respond(to: $0, at: now, nonce: .replace([UInt8](repeating: 7, count: 32))) }
            .status(of: f.cardCertificate.serialNumber, issuer: f.hierarchy.authCACertificate, at: now)
        guard case .unknown(let why) = status else { Issue.record("\(status)"); return }
        #expect(why.contains("nonce"))
    }

    @Test func missingNonceOnlyWhenRequired() async {
        let r = responder, now = f.now
        var c = checker { try r.respond(to: $0, at: now, nonce: .omit) }
        #expect(await c.status(of: f.cardCertificate.serialNumber, issuer: f.hierarchy.authCACertificate, at: now) == .good)
        c.requireNonce = true
        #expect(await c.status(of: f.cardCertificate.serialNumber, issuer: f.hierarchy.authCACertificate, at: now) != .good)
    }

    @Test func staleResponse() async {
        let r = responder, now = f.now
        // Produced two hours ago, valid for one.
        let status = await checker { try r.respond(to: $0, at: now - 7200) }
            .status(of: f.cardCertificate.serialNumber, issuer: f.hierarchy.authCACertificate, at: now)
        guard case .unknown(let why) = status else { Issue.record("\(status)"); return }
        #expect(why.contains("stale"))
    }

    @Test func futureResponse() async {
        let r = responder, now = f.now
        let status = await checker { try r.respond(to: $0, at: now + 3600) }
            .status(of: f.cardCertificate.serialNumber, issuer: f.hierarchy.authCACertificate, at: now)
        guard case .unknown(let why) = status else { Issue.record("\(status)"); return }
        #expect(why.contains("in the future"), "\(why)")
    }

    @Test func responderDown() async {
        let c = OCSPRevocationChecker(transport: Unreachable(), responderURL: url)
        let status = await c.status(of: f.cardCertificate.serialNumber, issuer: f.hierarchy.authCACertificate, at: f.now)
        guard case .unknown = status else { Issue.record("\(status)"); return }
    }

    @Test func garbageAndErrorStatuses() async throws {
        for answer in [[UInt8](), [0x30, 0x03, 0x0A, 0x01, 0x03], [0x30, 0x80], Array("HTTP/1.1 500".utf8)] {
            let status = await checker { _ in answer }
                .status(of: f.cardCertificate.serialNumber, issuer: f.hierarchy.authCACertificate, at: f.now)
            guard case .unknown = status else { Issue.record("\(answer): \(status)"); continue }
        }
        // A malformed request gets malformedRequest (1), which the checker reports as unknown.
        #expect(try responder.respond(to: [0x01, 0x02], at: f.now) == [0x30, 0x03, 0x0A, 0x01, 0x01])
    }

    @Test func validatorWithOCSPRefusesRevokedCard() async {
        var r = responder
        r.statuses[f.cardCertificate.serialNumber] = .revoked(time: f.now - 60, reason: .affiliationChanged)
        let now = f.now, responder = r
        let v = CardCertificateValidator(anchors: f.anchors, purpose: .auth,
                                         revocationChecker: checker { try responder.respond(to: $0, at: now) })
        let result = await v.validate(f.cardCertificate, at: now)
        #expect(result.failure?.category == "revoked")
        #expect(result.description.contains("affiliation changed"))
    }

    @Test func agreesWithOpenSSLOnTheResponse() throws {
        // `openssl ocsp -respin` parses our response and checks its signature against the CA.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-ocsp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var r = responder
        r.statuses[f.cardCertificate.serialNumber] = .revoked(time: f.now - 60, reason: .keyCompromise)
        let ca = dir.appendingPathComponent("ca.pem"), leaf = dir.appendingPathComponent("leaf.pem")
        let req = dir.appendingPathComponent("req.der"), resp = dir.appendingPathComponent("resp.der")
        try Data((try f.hierarchy.authCACertificate.serializeAsPEM().pemString + "\n").utf8).write(to: ca)
        try Data((try f.cardCertificate.serializeAsPEM().pemString + "\n").utf8).write(to: leaf)
        // OpenSSL makes the request (SHA-1 CertID with its own nonce); our responder answers it.
        _ = try ValidationOpenSSLTests.run(["ocsp", "-issuer", ca.path, "-cert", leaf.path, "-reqout", req.path])
        try Data(try r.respond(to: Array(Data(contentsOf: req)), at: f.now)).write(to: resp)
        let out = try ValidationOpenSSLTests.run(["ocsp", "-issuer", ca.path, "-cert", leaf.path, "-respin", resp.path,
                                                  "-CAfile", ca.path, "-no_nonce"])
        print(out.text)
        #expect(out.text.contains("Response verify OK"), "\(out.text)")
        #expect(out.text.contains("revoked"), "\(out.text)")
        #expect(out.text.contains("keyCompromise"), "\(out.text)")
    }
}
