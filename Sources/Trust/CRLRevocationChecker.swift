import Foundation
import SwiftASN1
import X509

/// Answers revocation questions from loaded ``RevocationIndex``es, one per CRL issuer key, under a
/// deployment's ``StaleCRLPolicy``.
///
/// The J-LIS roots of three generations share one name (docs/CARD.md, "Certificates"), so a name does
/// not pick a CRL: an index answers only for certificates issued by the key that verified its CRL
/// (``RevocationIndex/Header/issuerKeyDigest``). An index of a version-1 file, which did not record the
/// key, is matched as before (by name, and by authority key identifier when its CRL has one) until its
/// CRL is imported again, and only when no index recorded with the key exists.
///
/// Between two indexes of the same key, the newer CRL answers (``RevocationIndex/Header/isNewer(than:)``),
/// whatever order they were loaded in.
///
/// The answer is ``RevocationStatus/unknown(why:)`` — never `good` — when there is no index for the
/// issuer's key, the index's CRL is not usable at the time asked (stale under the policy, or not yet
/// valid), or its signature was not verified (unless the deployment allows that).
public struct CRLRevocationChecker: RevocationChecker {
    public let policy: StaleCRLPolicy
    /// When false, indexes built without a signature check are refused (`unknown`).
    public let acceptUnverified: Bool
    let byIssuer: [[UInt8]: [RevocationIndex]]

    public init(indexes: [RevocationIndex], policy: StaleCRLPolicy, acceptUnverified: Bool = false) {
        var map: [[UInt8]: [RevocationIndex]] = [:]
        for index in indexes {
            var same = map[index.header.issuerDER, default: []]
            // One index per key (per authority key identifier for an index that did not record its key):
            // the newer CRL stays, not the later file.
            if let i = same.firstIndex(where: { Self.sameKey($0.header, index.header) }) {
                if index.header.isNewer(than: same[i].header) { same[i] = index }
            } else {
                same.append(index)
            }
            map[index.header.issuerDER] = same
        }
        byIssuer = map
        self.policy = policy
        self.acceptUnverified = acceptUnverified
    }

    static func sameKey(_ a: RevocationIndex.Header, _ b: RevocationIndex.Header) -> Bool {
        switch (a.issuerKeyDigest, b.issuerKeyDigest) {
        case (let x?, let y?): return x == y
        case (nil, nil): return a.authorityKeyIdentifier == b.authorityKeyIdentifier
        default: return false
        }
    }

    /// Loads every index in `store` (rebuilding corrupt ones from their CRLs).
    public init(store: RevocationIndexStore, policy: StaleCRLPolicy, acceptUnverified: Bool = false) {
        self.init(indexes: store.loadAll().indexes, policy: policy, acceptUnverified: acceptUnverified)
    }

    public func status(of serial: Certificate.SerialNumber, issuer: Certificate, at time: Date) async -> RevocationStatus {
        switch index(for: issuer) {
        case .failure(let why): return .unknown(why: why.text)
        case .success(let index): return verdict(serial: CRLEntry.derSerial(serial), index: index, at: time)
        }
    }

    /// Why no index answers for an issuer.
    public struct NoIndex: Error, Sendable, Hashable { public var text: String }

    /// The index that answers for certificates issued by `issuer` (its name and its key), or why none does.
    public func index(for issuer: Certificate) -> Result<RevocationIndex, NoIndex> {
        var s = DER.Serializer()
        guard (try? s.serialize(issuer.subject)) != nil else { return .failure(NoIndex(text: "cannot encode the issuer name")) }
        let keyID = (try? issuer.extensions.subjectKeyIdentifier).flatMap { $0.map { Array($0.keyIdentifier) } }
        guard let digest = try? CRLIssuerKey.keyDigest(of: issuer) else { return .failure(NoIndex(text: "cannot encode the issuer's key")) }
        return index(issuerDER: s.serializedBytes, issuerKeyIdentifier: keyID, issuerKeyDigest: digest)
    }

    /// The index for an issuer given as its Name DER, subject key identifier and key digest
    /// (``CRLIssuerKey/keyDigest(of:)``). Without a digest (a caller that knows only the name), an index
    /// is chosen by authority key identifier as version-1 indexes are.
    public func index(issuerDER: [UInt8], issuerKeyIdentifier: [UInt8]?, issuerKeyDigest: [UInt8]?) -> Result<RevocationIndex, NoIndex> {
        guard let candidates = byIssuer[issuerDER], !candidates.isEmpty else { return .failure(NoIndex(text: "no CRL loaded for this issuer")) }
        if let digest = issuerKeyDigest {
            if let keyed = candidates.first(where: { $0.header.issuerKeyDigest == digest }) { return .success(keyed) }
            // Only indexes that never recorded a key may answer by name: a recorded key that differs is
            // another generation's CRL, whatever its authority key identifier says.
            let legacy = candidates.filter { $0.header.issuerKeyDigest == nil }
            if let ski = issuerKeyIdentifier, let match = legacy.first(where: { $0.header.authorityKeyIdentifier == ski }) { return .success(match) }
            if let unnamed = legacy.first(where: { $0.header.authorityKeyIdentifier == nil }) { return .success(unnamed) }
            return .failure(NoIndex(text: "the CRL was signed by another key of this issuer"))
        }
        if let ski = issuerKeyIdentifier, let match = candidates.first(where: { $0.header.authorityKeyIdentifier == ski }) { return .success(match) }
        if let unnamed = candidates.first(where: { $0.header.authorityKeyIdentifier == nil }) { return .success(unnamed) }
        if issuerKeyIdentifier == nil, candidates.count == 1 { return .success(candidates[0]) }
        return .failure(NoIndex(text: "the CRL was signed by another key of this issuer"))
    }

    /// The synchronous core: `serial` as DER INTEGER content bytes (see ``CRLEntry/derSerial(_:)``), the
    /// issuer as its Name DER, subject key identifier and, when known, key digest.
    public func status(serial: [UInt8], issuerDER: [UInt8], issuerKeyIdentifier: [UInt8]?, issuerKeyDigest: [UInt8]? = nil,
                       at time: Date) -> RevocationStatus {
        switch index(issuerDER: issuerDER, issuerKeyIdentifier: issuerKeyIdentifier, issuerKeyDigest: issuerKeyDigest) {
        case .failure(let why): return .unknown(why: why.text)
        case .success(let index): return verdict(serial: serial, index: index, at: time)
        }
    }

    func verdict(serial: [UInt8], index: RevocationIndex, at time: Date) -> RevocationStatus {
        if !index.header.signatureVerified && !acceptUnverified {
            return .unknown(why: "the CRL's signature was not verified at import")
        }
        if let why = policy.refusal(for: index.header.freshness(at: time), at: time) { return .unknown(why: why) }
        return index.lookup(serial: serial)?.status ?? .good
    }
}
