import Foundation

/// Carries an OCSP request to a responder and brings back its answer (RFC 6960 Appendix A: HTTP POST of
/// `application/ocsp-request`, answer `application/ocsp-response`).
///
/// MynaGate itself has no network client in this module; a deployment plugs an HTTP client in here, and
/// tests plug in an in-process responder.
public protocol OCSPTransport: Sendable {
    /// Sends `request` (DER OCSPRequest) to `url` and returns the DER OCSPResponse.
    func send(request: [UInt8], to url: URL) async throws -> [UInt8]
}
