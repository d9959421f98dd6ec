import Foundation
import SwiftASN1
import X509

/// The JPKI rules a card certificate must meet, as a swift-certificates ``VerifierPolicy``.
///
/// It runs beside `RFC5280Policy` (version, validity, basic constraints, name constraints) and adds what
/// that policy leaves out:
/// - **validity at the configured time** of every certificate in the chain, reported precisely;
/// - **key usage** (RFC 5280 4.2.1.3), which `RFC5280Policy` lists as understood but does not enforce:
///   `digitalSignature` for authentication, `digitalSignature` and `nonRepudiation` for signing (the two
///   bits the JPKI signing certificate carries); issuers that carry keyUsage must have `keyCertSign`;
/// - **the end entity is not a CA** (RFC 5280 4.2.1.9);
/// - **certificatePolicies** (RFC 5280 4.2.1.4), which JPKI marks critical: the leaf must assert one of
///   the configured policy OIDs. Because this policy checks it, it lists the extension in
///   ``verifyingCriticalExtensions``; otherwise swift-certificates refuses every JPKI certificate for an
///   unhandled critical extension (RFC 5280 4.2: "A certificate-using system MUST reject the certificate
///   if it encounters a critical extension it does not recognize").
///
/// Policy processing here is deliberately narrower than RFC 5280 6.1's policy tree: a JPKI chain is a
/// root and a card certificate, so the leaf's assertion is what matters. An intermediate that carries the
/// extension must include the policy or anyPolicy.
public struct JPKIPolicy: VerifierPolicy, Sendable {
    /// certificatePolicies (2.5.29.32), keyUsage and basicConstraints are enforced here.
    public let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [
        Self.certificatePoliciesOID, .X509ExtensionID.keyUsage, .X509ExtensionID.basicConstraints,
    ]

    /// The purpose the leaf must serve.
    public var purpose: TrustPurpose
    /// Policy OIDs of which the leaf must assert at least one.
    public var acceptedPolicies: [ASN1ObjectIdentifier]
    /// The instant at which validity is judged.
    public var validationTime: Date

    /// certificatePolicies (RFC 5280 4.2.1.4).
    public static let certificatePoliciesOID: ASN1ObjectIdentifier = [2, 5, 29, 32]
    /// anyPolicy (RFC 5280 4.2.1.4).
    public static let anyPolicyOID: ASN1ObjectIdentifier = [2, 5, 29, 32, 0]
    /// The JPKI user-authentication policy (`jpki-cp-auth-class30`, the arc `1.2.392.200149.8.5` is
    /// J-LIS's; source cited in MynaCardSim's JPKIProfile).
    public static let authPolicyOID: ASN1ObjectIdentifier = [1, 2, 392, 200149, 8, 5, 1, 3, 30]
    /// The JPKI signing policy (`jpki-cp-sign-class20`).
    public static let signPolicyOID: ASN1ObjectIdentifier = [1, 2, 392, 200149, 8, 5, 1, 1, 20]

    /// The policy configured by default for `purpose`.
    public static func defaultPolicies(for purpose: TrustPurpose) -> [ASN1ObjectIdentifier] {
        switch purpose {
        case .auth: return [authPolicyOID]
        case .sign: return [signPolicyOID]
        }
    }

    /// A policy for `purpose` at `validationTime`.
    public init(purpose: TrustPurpose, acceptedPolicies: [ASN1ObjectIdentifier]? = nil, validationTime: Date) {
        self.purpose = purpose
        self.acceptedPolicies = acceptedPolicies ?? Self.defaultPolicies(for: purpose)
        self.validationTime = validationTime
    }

    public func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult {
        if let failure = evaluate(Array(chain)) {
            return .failsToMeetPolicy(reason: "JPKIPolicy: \(failure)")
        }
        return .meetsPolicy
    }

    /// The first rule `chain` (leaf first, anchor last) breaks, or `nil`. The order is the order in which
    /// a person would want to hear it: time, then what the certificate is, then what it is for.
    public func evaluate(_ chain: [Certificate]) -> ValidationFailure? {
        guard let leaf = chain.first else { return .malformed("empty chain") }
        if let failure = Self.timeFailure(leaf, at: validationTime) { return failure }
        for issuer in chain.dropFirst() {
            if let failure = Self.timeFailure(issuer, at: validationTime) {
                return .issuerNotValid(subject: issuer.subject.description, detail: failure.description)
            }
        }
        if case .some(.isCertificateAuthority) = try? leaf.extensions.basicConstraints { return .notEndEntity }
        if let failure = keyUsageFailure(leaf) { return failure }
        for issuer in chain.dropFirst() {
            if let usage = try? issuer.extensions.keyUsage, !usage.keyCertSign {
                return .issuerNotValid(subject: issuer.subject.description, detail: "keyUsage lacks keyCertSign")
            }
        }
        return policyFailure(chain)
    }

    static func timeFailure(_ certificate: Certificate, at time: Date) -> ValidationFailure? {
        if time < certificate.notValidBefore { return .notYetValid(notBefore: certificate.notValidBefore) }
        if time > certificate.notValidAfter { return .expired(notAfter: certificate.notValidAfter) }
        return nil
    }

    func keyUsageFailure(_ leaf: Certificate) -> ValidationFailure? {
        let required = purpose == .auth ? "digitalSignature" : "digitalSignature and nonRepudiation"
        let usage: KeyUsage?
        do {
            usage = try leaf.extensions.keyUsage
        } catch {
            return .wrongKeyUsage(required: required, found: "an unreadable keyUsage")
        }
        // RFC 5280 4.2.1.3 lets a certificate omit keyUsage (any use). JPKI certificates always carry it,
        // so its absence means the certificate is not one of them.
        guard let usage else { return .wrongKeyUsage(required: required, found: "no keyUsage extension") }
        let ok = usage.digitalSignature && (purpose == .auth || usage.nonRepudiation)
        return ok ? nil : .wrongKeyUsage(required: required, found: usage.description)
    }

    func policyFailure(_ chain: [Certificate]) -> ValidationFailure? {
        let required = acceptedPolicies.map(\.description)
        guard let leafPolicies = Self.policies(of: chain[0]) else { return .missingPolicy(required: required) }
        guard leafPolicies.contains(where: acceptedPolicies.contains) else {
            return .unexpectedPolicy(found: leafPolicies.map(\.description), required: required)
        }
        for issuer in chain.dropFirst() {
            if let issuerPolicies = Self.policies(of: issuer),
               !issuerPolicies.contains(Self.anyPolicyOID),
               !issuerPolicies.contains(where: acceptedPolicies.contains) {
                return .issuerNotValid(subject: issuer.subject.description,
                                       detail: "its certificatePolicies do not include \(required.joined(separator: ", "))")
            }
        }
        return nil
    }

    /// The policy identifiers of a certificate's certificatePolicies extension; `nil` when absent or
    /// unreadable (an unreadable critical extension must not count as present).
    ///
    /// `certificatePolicies ::= SEQUENCE SIZE (1..MAX) OF PolicyInformation`,
    /// `PolicyInformation ::= SEQUENCE { policyIdentifier CertPolicyId, policyQualifiers SEQUENCE OF … OPTIONAL }`
    /// (RFC 5280 4.2.1.4). Qualifiers (CPS pointers, user notices) are informational and skipped.
    public static func policies(of certificate: Certificate) -> [ASN1ObjectIdentifier]? {
        guard let ext = certificate.extensions[oid: certificatePoliciesOID] else { return nil }
        do {
            let root = try DER.parse(ext.value)
            let oids = try DER.sequence(of: PolicyIdentifier.self, identifier: .sequence, rootNode: root).map(\.oid)
            return oids.isEmpty ? nil : oids
        } catch {
            return nil
        }
    }

    /// The identifier of one PolicyInformation.
    struct PolicyIdentifier: DERParseable {
        var oid: ASN1ObjectIdentifier
        init(derEncoded node: ASN1Node) throws {
            oid = try DER.sequence(node, identifier: .sequence) { nodes in
                let oid = try ASN1ObjectIdentifier(derEncoded: &nodes)
                // Skip the qualifiers: DER.sequence requires every child to be consumed.
                while nodes.next() != nil {}
                return oid
            }
        }
    }
}
