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
/// - **certificatePolicies** (RFC 5280 4.2.1.4), which JPKI marks critical. This policy processes it,
///   so it lists the extension in ``verifyingCriticalExtensions`` (otherwise swift-certificates refuses
///   every JPKI certificate for an unhandled critical extension, RFC 5280 4.2). Which policy the leaf
///   asserts is a ``CertificatePolicyRule``, **off by default**: no reference confirms the
///   authentication policy OID on a real certificate (docs/CARD.md, "Certificates"). In every mode a
///   critical certificatePolicies extension that does not parse is refused, since it cannot be processed.
///
/// Policy processing here is deliberately narrower than RFC 5280 6.1's policy tree: a JPKI chain is a
/// root and a card certificate, so the leaf's assertion is what matters. Under a `require` rule an
/// intermediate that carries the extension must include the policy or anyPolicy.
public struct JPKIPolicy: VerifierPolicy, Sendable {
    /// certificatePolicies (2.5.29.32), keyUsage and basicConstraints are processed here. These, with
    /// what `RFC5280Policy` handles, cover every extension the references show critical on a real JPKI
    /// certificate: keyUsage and basicConstraints on the roots, keyUsage and certificatePolicies on the
    /// end entities (docs/CARD.md, "Certificates").
    public let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [
        Self.certificatePoliciesOID, .X509ExtensionID.keyUsage, .X509ExtensionID.basicConstraints,
    ]

    /// The purpose the leaf must serve.
    public var purpose: TrustPurpose
    /// Which certificate policy the leaf must (or should) assert.
    public var policyRule: CertificatePolicyRule
    /// The instant at which validity is judged.
    public var validationTime: Date

    /// certificatePolicies (RFC 5280 4.2.1.4).
    public static let certificatePoliciesOID: ASN1ObjectIdentifier = [2, 5, 29, 32]
    /// anyPolicy (RFC 5280 4.2.1.4).
    public static let anyPolicyOID: ASN1ObjectIdentifier = [2, 5, 29, 32, 0]

    /// A policy for `purpose` at `validationTime`, with `policyRule` (default: off).
    public init(purpose: TrustPurpose, policyRule: CertificatePolicyRule = .off, validationTime: Date) {
        self.purpose = purpose
        self.policyRule = policyRule
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
        let leaf = chain[0]
        // A critical extension this policy claims to process must be processable, whatever the rule.
        if let ext = leaf.extensions[oid: Self.certificatePoliciesOID], ext.critical, Self.policies(of: leaf) == nil {
            return .malformed("the critical certificatePolicies extension does not parse")
        }
        guard policyRule.mode == .require else { return nil }
        let configured = policyRule.policies
        let required = configured.map(\.description)
        guard let leafPolicies = Self.policies(of: leaf) else { return .missingPolicy(required: required) }
        guard leafPolicies.contains(where: configured.contains) else {
            return .unexpectedPolicy(found: leafPolicies.map(\.description), required: required)
        }
        for issuer in chain.dropFirst() {
            if let issuerPolicies = Self.policies(of: issuer),
               !issuerPolicies.contains(Self.anyPolicyOID),
               !issuerPolicies.contains(where: configured.contains) {
                return .issuerNotValid(subject: issuer.subject.description,
                                       detail: "its certificatePolicies do not include \(required.joined(separator: ", "))")
            }
        }
        return nil
    }

    /// What an accepted chain (leaf first) should be accepted with: under a `warn` rule, a warning when
    /// the leaf asserts none of the configured policies. Empty under `off` and `require`.
    public func warnings(_ chain: [Certificate]) -> [ValidationWarning] {
        guard policyRule.mode == .warn, let leaf = chain.first else { return [] }
        let found = Self.policies(of: leaf) ?? []
        guard !found.contains(where: policyRule.policies.contains) else { return [] }
        return [.policyNotAsserted(found: found.map(\.description), configured: policyRule.policies.map(\.description))]
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
