import Foundation
import SwiftASN1
import X509

/// Revocation status from an OCSP responder (RFC 6960), behind the same ``RevocationChecker`` interface
/// as the CRL index, so a deployment chooses CRL, OCSP or both.
///
/// A response is believed only if (RFC 6960 section 3.2):
/// 1. it is `successful` and of type id-pkix-ocsp-basic;
/// 2. it is signed by the certificate's issuer, or by a responder certificate that the issuer signed and
///    gave id-kp-OCSPSigning (4.2.2.2) and that is valid at the time;
/// 3. it answers for the very CertID requested (hash of the issuer name and key, and the serial);
/// 4. its nonce equals the request's (4.4.1), when it returns one (required with ``requireNonce``);
/// 5. it is fresh: `thisUpdate` not in the future and `nextUpdate` not past, within ``clockSkew``; a
///    response without `nextUpdate` is fresh for ``maximumAge`` after `thisUpdate` (4.2.2.1).
///
/// Anything else is ``RevocationStatus/unknown(why:)``: the caller fails closed.
public struct OCSPRevocationChecker: RevocationChecker {
    /// How requests reach the responder.
    public var transport: any OCSPTransport
    /// The responder. JPKI's responders serve registered verifiers only (domain.md section 3), so the
    /// URL is configuration, not read from the certificate.
    public var responderURL: URL
    /// The CertID hash (SHA-1 by default, the one RFC 5019 responders must support).
    public var hashAlgorithm: OCSPHashAlgorithm
    /// Whether a response without the request's nonce is refused (a pre-produced response could then be
    /// replayed until its nextUpdate).
    public var requireNonce: Bool
    /// Tolerated clock difference with the responder.
    public var clockSkew: TimeInterval
    /// How long a response without nextUpdate is believed.
    public var maximumAge: TimeInterval

    /// A checker asking `responderURL` through `transport`.
    public init(
        transport: any OCSPTransport, responderURL: URL, hashAlgorithm: OCSPHashAlgorithm = .sha1,
        requireNonce: Bool = false, clockSkew: TimeInterval = 300, maximumAge: TimeInterval = 3600
    ) {
        self.transport = transport
        self.responderURL = responderURL
        self.hashAlgorithm = hashAlgorithm
        self.requireNonce = requireNonce
        self.clockSkew = clockSkew
        self.maximumAge = maximumAge
    }

    public func status(of serial: Certificate.SerialNumber, issuer: Certificate, at time: Date) async -> RevocationStatus {
        let id: OCSPCertificateID
        let request: [UInt8]
        var rng = SystemRandomNumberGenerator()
        let nonce = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        do {
            id = try OCSPCertificateID(serial: serial, issuer: issuer, hashAlgorithm: hashAlgorithm)
            request = try OCSPRequestMessage(certificateID: id, nonce: nonce).derEncoded()
        } catch {
            return .unknown(why: "cannot make an OCSP request: \(error)")
        }
        let answer: [UInt8]
        do {
            answer = try await transport.send(request: request, to: responderURL)
        } catch {
            return .unknown(why: "OCSP responder \(responderURL.absoluteString) did not answer: \(error)")
        }
        return judge(answer, id: id, nonce: nonce, issuer: issuer, at: time)
    }

    /// Applies the checks of the type's documentation to a DER response.
    func judge(_ der: [UInt8], id: OCSPCertificateID, nonce: [UInt8], issuer: Certificate, at time: Date) -> RevocationStatus {
        let response: OCSPResponseMessage
        do {
            response = try OCSPResponseMessage(derEncoded: der)
        } catch {
            return .unknown(why: "unreadable OCSP response: \(error)")
        }
        guard response.responseStatus == 0 else {
            let name = OCSPResponseMessage.responseStatusNames[response.responseStatus] ?? "status \(response.responseStatus)"
            return .unknown(why: "OCSP responder answered \(name)")
        }
        if let refusal = signatureRefusal(response, issuer: issuer, at: time) { return .unknown(why: refusal) }
        if let returned = response.nonce {
            guard returned == nonce else { return .unknown(why: "OCSP response nonce does not match the request (replayed response)") }
        } else if requireNonce {
            return .unknown(why: "OCSP response carries no nonce")
        }
        guard let single = response.responses.first(where: { $0.certificateID == id }) else {
            return .unknown(why: "OCSP response is not about this certificate")
        }
        if single.thisUpdate > time.addingTimeInterval(clockSkew) {
            return .unknown(why: "OCSP response thisUpdate \(ValidationFailure.format(single.thisUpdate)) is in the future")
        }
        let freshUntil = single.nextUpdate ?? single.thisUpdate.addingTimeInterval(maximumAge)
        if freshUntil.addingTimeInterval(clockSkew) < time {
            return .unknown(why: "stale OCSP response: fresh until \(ValidationFailure.format(freshUntil))")
        }
        switch single.status {
        case .good: return .good
        case .revoked(let revokedAt, let reason): return .revoked(reason: reason, date: revokedAt, invalidity: nil)
        case .unknown: return .unknown(why: "OCSP responder does not know this certificate")
        }
    }

    /// Why the response's signature is not to be believed, or `nil` (RFC 6960 4.2.2.2).
    func signatureRefusal(_ response: OCSPResponseMessage, issuer: Certificate, at time: Date) -> String? {
        guard let algorithm = OCSPOID.signatureAlgorithm(response.signatureAlgorithm) else {
            return "OCSP response signed with unsupported algorithm \(response.signatureAlgorithm)"
        }
        func isResponder(_ certificate: Certificate) -> Bool {
            if let name = response.responderByName { return name == certificate.subject }
            if let hash = response.responderKeyHash {
                return OCSPHashAlgorithm.sha1.hash(certificate.publicKey.subjectPublicKeyInfoBytes) == hash
            }
            return false
        }
        let signer: Certificate
        if isResponder(issuer) {
            signer = issuer
        } else if let delegate = response.certificates.first(where: isResponder) {
            // A delegated responder: issued by the CA itself, for OCSP signing, valid now.
            guard delegate.issuer == issuer.subject, issuer.publicKey.isValidSignature(delegate.signature, for: delegate) else {
                return "OCSP responder certificate is not issued by the certificate's CA"
            }
            guard let eku = try? delegate.extensions.extendedKeyUsage, eku.contains(ExtendedKeyUsage.Usage(oid: OCSPOID.ocspSigning)) else {
                return "OCSP responder certificate lacks id-kp-OCSPSigning"
            }
            guard delegate.notValidBefore <= time, time <= delegate.notValidAfter else {
                return "OCSP responder certificate is not valid at the time"
            }
            signer = delegate
        } else {
            return "OCSP response is signed by an unknown responder"
        }
        guard signer.publicKey.isValidSignature(response.signature, for: response.tbsResponseData, signatureAlgorithm: algorithm) else {
            return "OCSP response signature does not verify"
        }
        return nil
    }
}
