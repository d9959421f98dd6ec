import Foundation
import SwiftASN1
import X509

/// Answers revocation questions from loaded ``RevocationIndex``es, one per CRL issuer key, under a
/// deployment's ``StaleCRLPolicy``.
///
/// The J-LIS roots of three generations share one name (docs/CARD.md, "Certificates"), so a name does
/// not pick a CRL: among the indexes of the issuer's name, the one whose authority key identifier is the
/// issuer's subject key identifier answers (one without an authority key identifier answers when none
/// names a key).
///
/// The answer is ``RevocationStatus/unknown(why:)`` — never `good` — when there is no index for the
/// issuer, the index's CRL is not usable at the time asked (stale under the policy, or not yet valid),
/// its signature was not verified (unless the deployment allows that), or its authority key identifier
/// names another key than the issuer's.
public struct CRLRevocationChecker: RevocationChecker {
    public let policy: StaleCRLPolicy
    /// When false, indexes built without a signature check are refused (`unknown`).
    public let acceptUnverified: Bool
    let byIssuer: [[UInt8]: [RevocationIndex]]

    public init(indexes: [RevocationIndex], policy: StaleCRLPolicy, acceptUnverified: Bool = false) {
        var map: [[UInt8]: [RevocationIndex]] = [:]
        for index in indexes {
            // A later index for the same name and key replaces the earlier one, as a newer CRL does.
            map[index.header.issuerDER, default: []].removeAll { $0.header.authorityKeyIdentifier == index.header.authorityKeyIdentifier }
            map[index.header.issuerDER, default: []].append(index)
        }
        byIssuer = map
        self.policy = policy
        self.acceptUnverified = acceptUnverified
    }

    /// Loads every index in `store` (rebuilding corrupt ones from their CRLs).
    public init(store: RevocationIndexStore, policy: StaleCRLPolicy, acceptUnverified: Bool = false) {
        self.init(indexes: store.loadAll().indexes, policy: policy, acceptUnverified: acceptUnverified)
    }

    public func status(of serial: Certificate.SerialNumber, issuer: Certificate, at time: Date) async -> RevocationStatus {
        var s = DER.Serializer()
        guard (try? s.serialize(issuer.subject)) != nil else { return .unknown(why: "cannot encode the issuer name") }
        let keyID = (try? issuer.extensions.subjectKeyIdentifier).flatMap { $0.map { Array($0.keyIdentifier) } }
        return status(serial: CRLEntry.derSerial(serial), issuerDER: s.serializedBytes, issuerKeyIdentifier: keyID, at: time)
    }

    /// The synchronous core: `serial` as DER INTEGER content bytes (see ``CRLEntry/derSerial(_:)``), the
    /// issuer as its Name DER.
    public func status(serial: [UInt8], issuerDER: [UInt8], issuerKeyIdentifier: [UInt8]?, at time: Date) -> RevocationStatus {
        guard let candidates = byIssuer[issuerDER], !candidates.isEmpty else { return .unknown(why: "no CRL loaded for this issuer") }
        let index: RevocationIndex
        if let ski = issuerKeyIdentifier, let match = candidates.first(where: { $0.header.authorityKeyIdentifier == ski }) {
            index = match
        } else if let unnamed = candidates.first(where: { $0.header.authorityKeyIdentifier == nil }) {
            index = unnamed
        } else if issuerKeyIdentifier == nil, candidates.count == 1 {
            index = candidates[0]
        } else {
            return .unknown(why: "the CRL was signed by another key of this issuer")
        }
        if !index.header.signatureVerified && !acceptUnverified {
            return .unknown(why: "the CRL's signature was not verified at import")
        }
        if let why = policy.refusal(for: index.header.freshness(at: time), at: time) { return .unknown(why: why) }
        return index.lookup(serial: serial)?.status ?? .good
    }
}
