import Crypto
import SmartCard

/// The four files of the text application that its integrity record vouches for, as read from the card.
///
/// They hold the My Number and the 4 items: never log them; the description says nothing.
public struct TextApplicationFiles: Sendable, Hashable, Codable, CustomStringConvertible {
    /// EF `0001` as stored, filler included (17 bytes on real cards): what `DF31` digests.
    public var numberFile: [UInt8]
    /// EF `0002`: the `FF20` object.
    public var fourItemsFile: [UInt8]
    /// EF `0003`: the `FF30` integrity record.
    public var integrityRecord: [UInt8]
    /// EF `0004`: the card-verifiable certificate of the key that signed `0003`; `nil` if the card has none.
    public var certificate: [UInt8]?

    public init(numberFile: [UInt8], fourItemsFile: [UInt8], integrityRecord: [UInt8], certificate: [UInt8]?) {
        self.numberFile = numberFile
        self.fourItemsFile = fourItemsFile
        self.integrityRecord = integrityRecord
        self.certificate = certificate
    }

    public var description: String { "TextApplicationFiles(<redacted>)" }
}

/// Why a text application's integrity record does not vouch for what was read.
public enum TextIntegrityMismatch: String, Sendable, Hashable, Codable {
    /// `DF31` is not the SHA-256 of the number file.
    case numberDigest = "number_digest"
    /// `DF32` is not the SHA-256 of the 4-items value after the offset table.
    case fourItemsDigest = "four_items_digest"
    /// `DF33` does not verify with the key certified in EF `0004`.
    case recordSignature = "record_signature"
    /// EF `0004` names a trusted issuer, and that issuer's key did not sign it.
    case certificateSignature = "certificate_signature"
    /// The record or a file is not shaped as a card's is.
    case malformed
    /// The card has no EF `0004`.
    case noCertificate = "no_certificate"

    public var english: String {
        switch self {
        case .numberDigest: return "the number file does not match its digest in the integrity record"
        case .fourItemsDigest: return "the 4 items do not match their digest in the integrity record"
        case .recordSignature: return "the integrity record's signature does not verify with the card's certificate"
        case .certificateSignature: return "the card's certificate was not signed by the configured card-verifiable CA"
        case .malformed: return "the integrity record or a file is malformed"
        case .noCertificate: return "the card has no card-verifiable certificate"
        }
    }

    public var japanese: String {
        switch self {
        case .numberDigest: return "個人番号が完全性レコードのハッシュと一致しません"
        case .fourItemsDigest: return "基本4情報が完全性レコードのハッシュと一致しません"
        case .recordSignature: return "完全性レコードの署名がカードの証明書で検証できません"
        case .certificateSignature: return "カードの証明書が設定された発行者鍵で署名されていません"
        case .malformed: return "完全性レコードまたはファイルの形式が正しくありません"
        case .noCertificate: return "カードに証明書（EF 0004）がありません"
        }
    }
}

/// What the text application's integrity record (EF `0003`) says about a reading. Never dropped: a
/// caller stores or shows it.
public enum TextIntegrity: Sendable, Hashable {
    /// Both digests match, `DF33` verifies with the key in EF `0004`, and EF `0004` verifies with a
    /// configured card-verifiable CA: the number and 4 items are as the issuer wrote them.
    case verified
    /// Both digests match and `DF33` verifies with the key in EF `0004`, but no configured CA has that
    /// certificate's issuer key id: consistent, but anyone could have made such a set of files.
    case digestsMatchIssuerUnknown
    /// The record contradicts the files (see the reason).
    case mismatch(TextIntegrityMismatch)

    /// A stable code for storage and APIs: `verified`, `issuer_unknown`, or the mismatch's code.
    public var code: String {
        switch self {
        case .verified: return "verified"
        case .digestsMatchIssuerUnknown: return "issuer_unknown"
        case .mismatch(let m): return m.rawValue
        }
    }

    /// Checks `files` as soltia48/myna-card `src/ap/text.rs` `IntegrityRecord` describes EF `0003`:
    /// `DF31` = SHA-256 of the physical number file; `DF32` = SHA-256 of the 4-items `FF20` value after
    /// the `DF21` table (`Attributes::digest_source`; AokiApp/jsapdu `calculateBasicFourHash`); `DF33` =
    /// RSASSA-PKCS1-v1_5/SHA-256 over the `DF31` and `DF32` TLVs as written, by the key EF `0004`
    /// certifies; EF `0004` by the CA its issuer key id names.
    public static func check(_ files: TextApplicationFiles, issuers: CVCIssuers) -> TextIntegrity {
        guard let record = try? IntegrityRecord(files.integrityRecord),
              let source = try? fourItemsDigestSource(files.fourItemsFile) else { return .mismatch(.malformed) }
        guard Array(SHA256.hash(data: files.numberFile)) == record.numberDigest else { return .mismatch(.numberDigest) }
        guard Array(SHA256.hash(data: source)) == record.fourItemsDigest else { return .mismatch(.fourItemsDigest) }
        guard let bytes = files.certificate else { return .mismatch(.noCertificate) }
        guard let certificate = try? CardVerifiableCertificate(bytes: bytes) else { return .mismatch(.malformed) }
        guard certificate.publicKey.verifiesPKCS1SHA256(record.signature, over: record.signedData) else { return .mismatch(.recordSignature) }
        guard let issuer = issuers.key(for: certificate.issuerKeyID) else { return .digestsMatchIssuerUnknown }
        return certificate.isSigned(by: issuer) ? .verified : .mismatch(.certificateSignature)
    }

    /// The 4-items value from the first object after the `DF21` table to the end of the `FF20` object.
    static func fourItemsDigestSource(_ file: [UInt8]) throws -> [UInt8] {
        let outer = try BERTLV.parseHeader(file)
        guard outer.tag == 0xFF20, file.count >= outer.headerLength + outer.valueLength else { throw MynaCardError.malformedData("4-items file") }
        let value = Array(file[outer.headerLength..<(outer.headerLength + outer.valueLength)])
        let table = try BERTLV.parseHeader(value)
        // `check` is public and its input is whatever a client posted: a DF21 length that runs past the
        // end must be an error, not a trap.
        guard table.tag == 0xDF21 else { throw MynaCardError.malformedData("the offset table is not first") }
        guard table.headerLength + table.valueLength <= value.count else { throw MynaCardError.malformedData("the offset table overruns the 4-items object") }
        return Array(value[(table.headerLength + table.valueLength)...])
    }
}

/// EF `0003` parsed strictly: the two digests, the signature, and the exact bytes signed.
///
/// The layout is fixed (soltia48/myna-card `src/ap/text.rs` `IntegrityRecord`): `FF30` holding exactly
/// `DF31 20 <32>`, `DF32 20 <32>`, `DF33 82 01 00 <256>` in that order, nothing else, and only `FF`/`00`
/// filler after the object. Why so strict: the issuer key EF `0004` certifies also signs the visual
/// application's records with the same scheme over the bytes before the signature (EF `0001`: `DF13`
/// over `DF11‖DF12`; EF `0005`: `DF43` over `DF41‖DF42`). A lax parser that took "everything before
/// `DF33`" as the signed data and the first `DF31`/`DF32` anywhere as the digests would accept such a
/// visual signature re-wrapped with made-up digests after it — a "verified" record for any number.
/// Here the signed data is exactly the `DF31` and `DF32` objects.
struct IntegrityRecord {
    let numberDigest: [UInt8]
    let fourItemsDigest: [UInt8]
    let signature: [UInt8]
    let signedData: [UInt8]

    /// The `FF30` value's exact prefix before each part: tag and length bytes as a card writes them.
    static let numberDigestHeader: [UInt8] = [0xDF, 0x31, 0x20]
    static let fourItemsDigestHeader: [UInt8] = [0xDF, 0x32, 0x20]
    static let signatureHeader: [UInt8] = [0xDF, 0x33, 0x82, 0x01, 0x00]
    /// 35 + 35 + 261 bytes.
    static let valueLength = 3 + 32 + 3 + 32 + 5 + 256

    init(_ file: [UInt8]) throws {
        let outer = try BERTLV.parseHeader(file)
        guard outer.tag == 0xFF30, outer.valueLength == Self.valueLength,
              file.count >= outer.headerLength + outer.valueLength else { throw MynaCardError.malformedData("integrity record") }
        let end = outer.headerLength + outer.valueLength
        // Only filler may follow the object (the EF may be read whole).
        guard file[end...].allSatisfy({ $0 == 0xFF || $0 == 0x00 }) else { throw MynaCardError.malformedData("integrity record has data after FF30") }
        let value = Array(file[outer.headerLength..<end])
        let d1 = 0, d2 = 35, sig = 70
        guard value[d1..<(d1 + 3)].elementsEqual(Self.numberDigestHeader),
              value[d2..<(d2 + 3)].elementsEqual(Self.fourItemsDigestHeader),
              value[sig..<(sig + 5)].elementsEqual(Self.signatureHeader) else {
            throw MynaCardError.malformedData("integrity record is not DF31, DF32, DF33 in that order")
        }
        numberDigest = Array(value[(d1 + 3)..<d2])
        fourItemsDigest = Array(value[(d2 + 3)..<sig])
        signature = Array(value[(sig + 5)...])
        // Exactly the DF31 and DF32 objects as written.
        signedData = Array(value[d1..<sig])
    }
}
