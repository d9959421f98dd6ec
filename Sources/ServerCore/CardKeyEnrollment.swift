import Foundation
import MynaCard
import Trust

/// What the card gave at enrollment for the `genuine` level, read in the same card session as the
/// PIN-signed challenge: the age record (EF `0001`, after the birth-date key), the visual application's
/// card-verifiable certificate (EF `0004`) and the application's signature over the same challenge
/// (`80 2A 00 00`, no PIN).
public struct CardKeyEvidence: Sendable {
    public var ageRecord: [UInt8]
    public var certificate: [UInt8]
    public var signature: [UInt8]

    public init(ageRecord: [UInt8], certificate: [UInt8], signature: [UInt8]) {
        self.ageRecord = ageRecord
        self.certificate = certificate
        self.signature = signature
    }
}

/// Whether an enrollment stored the card's own key, and if not why (said to the desk and audited).
public struct CardKeyOutcome: Sendable, Hashable {
    /// `stored`, `refused` (the card gave evidence that did not hold) or `absent` (the desk could not
    /// collect it; the reason is the desk's).
    public var status: String
    /// A stable code: `chain_unchecked` with a stored key when no CVC issuer is configured; else why not.
    public var reason: String?
    /// The key, `90 <e> 91 <n>`, when stored.
    public var key: [UInt8]?

    package static func stored(_ key: [UInt8], chainChecked: Bool) -> CardKeyOutcome {
        CardKeyOutcome(status: "stored", reason: chainChecked ? nil : "chain_unchecked", key: key)
    }
    package static func refused(_ reason: String) -> CardKeyOutcome { CardKeyOutcome(status: "refused", reason: reason, key: nil) }
    package static func absent(_ reason: String) -> CardKeyOutcome { CardKeyOutcome(status: "absent", reason: reason, key: nil) }
}

/// The checks on ``CardKeyEvidence`` (issue 18): a key is stored only when the card proved it holds it
/// and the issuer's records vouch for it — else a cloned card could enroll a key of the attacker's choice
/// (soltia48/myna-card `SurfaceAp::sign`: "The record has to be verified too").
public enum CardKeyCheck {
    /// Checks `evidence` against the enrollment challenge, the HR birth date (`YYYY-MM-DD`) and the
    /// configured CVC issuers. A configured issuer list must vouch for the certificate; without one the
    /// key is refused (`no_cvc_issuers`), or under ``CardKeyChainRule/allow`` stored with
    /// `chain_unchecked` (the age record still checked against the certificate).
    package static func check(_ evidence: CardKeyEvidence, challenge: Challenge, birthDate: String?, issuers: CVCIssuers,
                      chain: CardKeyChainRule = .require) -> CardKeyOutcome {
        let record: AgeRecord
        do { record = try AgeRecord(bytes: evidence.ageRecord) } catch { return .refused("age_record_malformed") }
        let certificate: CardVerifiableCertificate
        do { certificate = try CardVerifiableCertificate(bytes: evidence.certificate) } catch { return .refused("certificate_malformed") }
        var chainChecked = false
        if issuers.count == 0, chain == .require { return .refused("no_cvc_issuers") }
        if issuers.count > 0 {
            guard let issuer = issuers.key(for: certificate.issuerKeyID) else { return .refused("certificate_issuer_unknown") }
            guard certificate.isSigned(by: issuer) else { return .refused("certificate_signature") }
            chainChecked = true
        }
        guard record.isSigned(by: certificate) else { return .refused("age_record_signature") }
        guard let birthDate, !birthDate.isEmpty else { return .refused("no_birth_date") }
        guard record.birthDate == birthDate.replacingOccurrences(of: "-", with: "") else { return .refused("birth_date_mismatch") }
        guard record.publicKey.verifiesPKCS1SHA256(evidence.signature, over: challenge.signedMessage) else { return .refused("card_signature") }
        return .stored(record.publicKeyBytes, chainChecked: chainChecked)
    }

    /// A desk's reading for the `genuine` level, in the same card session as the signed challenge: the
    /// birth-date key from the HR record opens the age record, and the visual application signs `digest`
    /// (no PIN). The demo desk and `mynagate card enroll` both read it here.
    public static func read(_ card: MynaCard, birthDateKey: String?, digest: [UInt8]) async -> Enrollment.CardKeyInput {
        guard let birthDateKey else { return .skipped("no_birth_date") }
        let key: PIN
        do { key = try PIN(birthDateKey, kind: .visualBirthDate) } catch { return .skipped("no_birth_date") }
        switch await card.visual.cardKeyReading(birthDateKey: key, sha256Digest: digest) {
        case .read(let ageRecord, let certificate, let signature):
            return .evidence(CardKeyEvidence(ageRecord: ageRecord, certificate: certificate, signature: signature))
        case .skipped(let why): return .skipped(why)
        }
    }

    /// The birth-date key (Japanese-era `YYMMDD`) for an HR birth date `YYYY-MM-DD`, or nil when there is
    /// none or it is not a date of an era the card knows.
    public static func birthDateKey(_ birthDate: String?) -> String? {
        guard let birthDate, !birthDate.isEmpty else { return nil }
        return (try? EraDate(yyyymmdd: birthDate.replacingOccurrences(of: "-", with: "")))?.yymmdd
    }
}
