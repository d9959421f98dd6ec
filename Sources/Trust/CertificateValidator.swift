@_spi(FixedExpiryValidationTime) import X509
import Foundation
import SwiftASN1

/// Validates card certificates against the configured anchors of one purpose, then asks a revocation
/// source.
///
/// Path building and RFC 5280 checks are swift-certificates' `Verifier` with `RFC5280Policy` (at a fixed
/// time) and ``JPKIPolicy``. The verifier only says "could not validate" with free-text reasons, so when
/// it refuses, the validator diagnoses the chain itself to name one precise ``ValidationFailure``:
/// no candidate issuer → unknown issuer; an issuer whose key does not verify the signature → bad
/// signature; a built chain → the first ``JPKIPolicy`` rule it breaks.
public struct CardCertificateValidator: Sendable {
    /// The configured roots of trust.
    public var anchors: TrustAnchors
    /// Which anchors and which JPKI rules apply.
    public var purpose: TrustPurpose
    /// CA certificates that may sit between a card certificate and an anchor (JPKI needs none; a
    /// deployment with a cross-certificate may add it here). They are never trusted on their own.
    public var intermediates: [Certificate]
    /// Which certificate policy the card certificate must or should assert; off unless configured
    /// (``CertificatePolicyRule``).
    public var policyRule: CertificatePolicyRule
    /// Where revocation comes from (CRL index, OCSP, or both); `nil` skips the revocation check.
    public var revocationChecker: (any RevocationChecker)?

    /// A validator for `purpose` against `anchors`.
    public init(
        anchors: TrustAnchors, purpose: TrustPurpose = .auth, intermediates: [Certificate] = [],
        policyRule: CertificatePolicyRule = .off, revocationChecker: (any RevocationChecker)? = nil
    ) {
        self.anchors = anchors
        self.purpose = purpose
        self.intermediates = intermediates
        self.policyRule = policyRule
        self.revocationChecker = revocationChecker
    }

    /// Validates DER (or PEM) bytes: unparseable input is ``ValidationFailure/malformed(_:)``, never a crash.
    public func validate(encoded bytes: [UInt8], at time: Date = Date()) async -> ValidationResult {
        let certificate: Certificate
        do {
            certificate = try Self.parseCertificate(bytes)
        } catch {
            return .invalid(.malformed(String(describing: error)))
        }
        return await validate(certificate, at: time)
    }

    /// Validates `certificate` as of `time`: the path first, then revocation of the card certificate.
    public func validate(_ certificate: Certificate, at time: Date = Date()) async -> ValidationResult {
        switch await validatePath(certificate, at: time) {
        case .failure(let failure):
            return .invalid(failure)
        case .success(let chain):
            if let failure = await revocationFailure(chain: chain, at: time) { return .invalid(failure) }
            return .valid(chain: chain, revocation: revocationChecker == nil ? nil : .good, warnings: warnings(chain: chain, at: time))
        }
    }

    /// Path validation only: the chain from `certificate` to an anchor, or why there is none.
    public func validatePath(_ certificate: Certificate, at time: Date) async -> Result<[Certificate], ValidationFailure> {
        let roots = anchors.certificates(for: purpose)
        let jpki = JPKIPolicy(purpose: purpose, policyRule: policyRule, validationTime: time)
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
            RFC5280Policy(fixedExpiryValidationTime: time)
            jpki
        }
        let result = await verifier.validate(leaf: certificate, intermediates: CertificateStore(intermediates))
        switch result {
        case .validCertificate(let chain):
            return .success(Array(chain))
        case .couldNotValidate(let failures):
            return .failure(diagnose(certificate, failures: failures, policy: jpki, roots: roots))
        }
    }

    /// The warnings an accepted chain (leaf first) carries (``JPKIPolicy/warnings(_:)``).
    public func warnings(chain: [Certificate], at time: Date) -> [ValidationWarning] {
        JPKIPolicy(purpose: purpose, policyRule: policyRule, validationTime: time).warnings(chain)
    }

    /// The revocation verdict for the card certificate of a validated chain, or `nil` when it is good or
    /// no source is configured.
    ///
    /// Only the card certificate is checked: a JPKI chain is a root and a card certificate, and a root's
    /// revocation is the operator's act of removing it from the anchors.
    public func revocationFailure(chain: [Certificate], at time: Date) async -> ValidationFailure? {
        guard let checker = revocationChecker, chain.count >= 2 else { return nil }
        switch await checker.status(of: chain[0].serialNumber, issuer: chain[1], at: time) {
        case .good: return nil
        case .revoked(let reason, let date, let invalidity): return .revoked(reason: reason, date: date, invalidity: invalidity)
        case .unknown(let why): return .revocationUnknown(why)
        }
    }

    /// Names why the verifier built no acceptable chain.
    func diagnose(
        _ leaf: Certificate, failures: [CertificateValidationResult.PolicyFailure], policy: JPKIPolicy, roots: [Certificate]
    ) -> ValidationFailure {
        // A chain was built (an issuer's key verified every signature) and a policy refused it: ask the
        // JPKI rules which one; anything else is an RFC 5280 rule swift-certificates enforces.
        if let first = failures.first {
            for failure in failures {
                if let reason = policy.evaluate(Array(failure.chain)) { return reason }
            }
            return .chainRejected(first.policyFailureReason.description)
        }
        // No chain at all. The verifier refuses a leaf with an unhandled critical extension before it
        // looks for issuers (RFC 5280 4.2).
        let handled = RFC5280Policy().verifyingCriticalExtensions + policy.verifyingCriticalExtensions
        if let ext = leaf.extensions.first(where: { $0.critical && !handled.contains($0.oid) }) {
            return .unhandledCriticalExtension(oid: ext.oid.description)
        }
        let candidates = Self.candidateIssuers(of: leaf, among: roots + intermediates)
        guard !candidates.isEmpty else { return .unknownIssuer(issuer: leaf.issuer.description) }
        guard let signer = Self.issuer(of: leaf, among: candidates) else { return .badSignature(issuer: leaf.issuer.description) }
        // Signed by an intermediate that itself leads to no anchor.
        return .unknownIssuer(issuer: signer.issuer.description)
    }

    /// The certificates that may have issued `certificate`: those named as its issuer, less those whose
    /// subject key identifier differs from its authority key identifier.
    ///
    /// A name does not identify a JPKI CA: the three generations of each J-LIS root share one
    /// distinguished name (docs/CARD.md, "Certificates"). The authority key identifier names the issuing
    /// key (RFC 5280 4.2.1.1); a CA with the right name and another key identifier is another CA
    /// (another generation, or another hierarchy reusing the name), not a forgery of this one: OpenSSL
    /// draws the same line (X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY). Without an authority key
    /// identifier (the J-LIS roots have none) every same-named CA stays a candidate and the signature
    /// decides (``issuer(of:among:)``).
    public static func candidateIssuers(of certificate: Certificate, among cas: [Certificate]) -> [Certificate] {
        var candidates = cas.filter { $0.subject == certificate.issuer }
        if let aki = try? certificate.extensions.authorityKeyIdentifier?.keyIdentifier {
            candidates.removeAll { candidate in
                guard let ski = try? candidate.extensions.subjectKeyIdentifier?.keyIdentifier else { return false }
                return ski != aki
            }
        }
        return candidates
    }

    /// The CA among `cas` whose key made `certificate`'s signature, chosen by name and key identifier
    /// (``candidateIssuers(of:among:)``) and decided by the signature; `nil` when none did.
    public static func issuer(of certificate: Certificate, among cas: [Certificate]) -> Certificate? {
        candidateIssuers(of: certificate, among: cas).first { $0.publicKey.isValidSignature(certificate.signature, for: certificate) }
    }

    /// DER, or PEM with a `CERTIFICATE` block.
    public static func parseCertificate(_ bytes: [UInt8]) throws -> Certificate {
        if bytes.first == 0x30 { return try Certificate(derEncoded: bytes) }
        guard let text = String(bytes: bytes, encoding: .utf8) else { throw ValidationFailure.malformed("neither DER nor PEM") }
        return try Certificate(pemEncoded: text)
    }
}
