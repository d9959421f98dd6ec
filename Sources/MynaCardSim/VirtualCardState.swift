import Foundation
import CryptoExtras

/// Everything a virtual My Number card holds: the holder's data, keys, certificates, PINs with their
/// counters and the front-side images. It is the content of a card file (`mynagate vcard new`).
///
/// The file format is this type's JSON encoding, byte fields in Base64. A card file holds private keys,
/// PINs and the holder's individual number, like the chip it stands for: keep it readable by its owner
/// only (``VirtualMynaCard`` writes it with mode 0600).
public struct VirtualCardState: Codable, Sendable {
    /// The version of this layout, so that later versions can migrate old card files.
    public var formatVersion: Int
    /// The person the card was issued to.
    public var holder: CardHolder

    /// The user-authentication private key (JPKI EF `0017`), PKCS#1 DER.
    @Base64Bytes public var authPrivateKey: [UInt8]
    /// The signing private key (JPKI EF `001A`), PKCS#1 DER.
    @Base64Bytes public var signPrivateKey: [UInt8]
    /// 利用者証明用電子証明書 (JPKI EF `000A`), DER.
    @Base64Bytes public var authCertificate: [UInt8]
    /// The user-authentication CA certificate (JPKI EF `000B`), DER.
    @Base64Bytes public var authCACertificate: [UInt8]
    /// 署名用電子証明書 (JPKI EF `0001`), DER.
    @Base64Bytes public var signCertificate: [UInt8]
    /// The signing CA certificate (JPKI EF `0002`), DER.
    @Base64Bytes public var signCACertificate: [UInt8]
    /// The JPKI token EF `0006`: `JPKIAPICCTOKEN2` space-padded to 32 bytes.
    @Base64Bytes public var token: [UInt8]

    /// The user-authentication PIN (JPKI EF `0018`): 4 digits, 3 tries.
    public var authPIN: PINCounter
    /// The signing password (JPKI EF `001B`): 6–16 of `A–Z 0–9`, 5 tries.
    public var signingPassword: PINCounter
    /// The text application's PIN (EF `0011`): 4 digits, 3 tries, its own counter. Holders may choose the
    /// auth PIN's value for it (city guidance: they "can be set to the same value"), and
    /// ``TestJPKIHierarchy/issueCard(holder:authPIN:signingPassword:textPIN:visualPINB:issuedAt:serial:)``
    /// does so unless given another; a client must ask for it separately.
    public var textPIN: PINCounter
    /// 照合番号B (visual EF `0012`): 14 digits, 10 tries.
    public var visualPINB: PINCounter
    /// 照合番号A (visual EF `0013`): the individual number, 10 tries (the count is assumed, as for B).
    public var visualPINA: PINCounter

    /// The key that signs the text application's EF `0003` and the visual front side (DF28), PKCS#1 DER.
    @Base64Bytes public var textSigningKey: [UInt8]
    /// The face photo: a JPEG 2000 file.
    @Base64Bytes public var faceImage: [UInt8]
    /// The name as printed: a PNG file.
    @Base64Bytes public var nameImage: [UInt8]
    /// The address as printed: a PNG file.
    @Base64Bytes public var addressImage: [UInt8]
    /// The security code (セキュリティコード) as printed: a PNG file.
    @Base64Bytes public var securityCodeImage: [UInt8]
    /// The card's expiry date printed on the front, `YYYYMMDD` (visual DF29).
    public var cardExpiry: String
    /// The 4-digit security code printed on the front; the last part of 照合番号B.
    public var securityCode: String

    // Added in format 2 (issue 17). Card files of format 1 lack them: ``completingMissingParts()``
    // generates what can be generated without the hierarchy; the certificates cannot be.

    /// The card-verifiable certificate in EF `0004` of both 券面 applications (`7F21`, 568 bytes): the
    /// TEST card-verifiable CA of ``TestJPKIHierarchy`` certifies ``textSigningKey``'s public key.
    /// `nil` in format-1 files: such a card answers `6A82` for EF `0004`.
    public var cardVerifiableCertificate: Data?
    /// The TEST card-verifiable CA's own certificate, which GET DATA `F8` answers at the MF.
    public var cvcAuthorityCertificate: Data?
    /// The visual application's own RSA key (PKCS#1 DER): its public half is in the age record
    /// (`DF12`), the front side (`DF24`) and the number side (`DF42`).
    public var visualCardKey: Data?
    /// The visual application's 生年月日 key (EF `0011`): era year YY + MM + DD.
    public var visualBirthKey: PINCounter?
    /// The card's 15-digit serial (共通カードAP EF `0001` record 1).
    public var cardSerial: String?
    /// The issuing municipality's 5-digit 全国地方公共団体コード (共通カードAP EF `0001`, visual EF `0003`
    /// DF34, GET DATA `F0`). Test cards use prefecture `99`, which does not exist.
    public var municipalityCode: String?
    /// 照合番号A in the text application (EF `0014`): its own key reference, with the number as value.
    public var textPINA: PINCounter?
    /// 照合番号B in the text application (EF `0015`), with 照合番号B's value.
    public var textPINB: PINCounter?

        /// Creates a state from all its parts. ``TestJPKIHierarchy/issueCard(holder:authPIN:signingPassword:textPIN:visualPINB:issuedAt:serial:)``
    /// is the usual way to get one.
    public init(
        holder: CardHolder, authPrivateKey: [UInt8], signPrivateKey: [UInt8], authCertificate: [UInt8],
        authCACertificate: [UInt8], signCertificate: [UInt8], signCACertificate: [UInt8], token: [UInt8],
        authPIN: PINCounter, signingPassword: PINCounter, textPIN: PINCounter, visualPINB: PINCounter,
        visualPINA: PINCounter, textSigningKey: [UInt8], faceImage: [UInt8], nameImage: [UInt8],
        addressImage: [UInt8], securityCodeImage: [UInt8], cardExpiry: String, securityCode: String
    ) {
        self.formatVersion = 2
        self.holder = holder
        self.authPrivateKey = authPrivateKey
        self.signPrivateKey = signPrivateKey
        self.authCertificate = authCertificate
        self.authCACertificate = authCACertificate
        self.signCertificate = signCertificate
        self.signCACertificate = signCACertificate
        self.token = token
        self.authPIN = authPIN
        self.signingPassword = signingPassword
        self.textPIN = textPIN
        self.visualPINB = visualPINB
        self.visualPINA = visualPINA
        self.textSigningKey = textSigningKey
        self.faceImage = faceImage
        self.nameImage = nameImage
        self.addressImage = addressImage
        self.securityCodeImage = securityCodeImage
        self.cardExpiry = cardExpiry
        self.securityCode = securityCode
    }

    /// The label of a My Number card's JPKI token, the first 32 bytes of EF `0006` (the EF is 160
    /// bytes; ``JPKIApplication`` extends it).
    public static let jpkiToken: [UInt8] = Array("JPKIAPICCTOKEN2".utf8) + Array(repeating: 0x20, count: 32 - 15)

    /// The JSON bytes of a card file.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Reads a card file's JSON bytes. Format-1 files decode with the format-2 fields `nil`.
    public static func decode(_ data: Data) throws -> VirtualCardState {
        try JSONDecoder().decode(VirtualCardState.self, from: data)
    }

    /// The test municipality code: prefecture `99` does not exist, so no real office has it.
    public static let testMunicipalityCode = "99001"

    /// This state with the format-2 parts a format-1 card file lacks generated: the visual
    /// application's key, the 生年月日 key (from the holder's birth date), the serial and the
    /// municipality code. The card-verifiable certificates need the hierarchy's CA, so they stay
    /// missing: such a card has no EF `0004`, and a reader reports its integrity record unverifiable.
    /// Returns `nil` when nothing was missing.
    ///
    /// - Throws: ``VirtualCardError/unreadable(_:)`` when the visual key cannot be generated, and
    ///   ``VirtualCardError/invalidHolder(_:)`` when the holder's birth date gives no 生年月日 key: a card
    ///   silently without them would answer as no real card does.
    public func completingMissingParts() throws(VirtualCardError) -> VirtualCardState? {
        var s = self
        var changed = false
        if s.visualCardKey == nil {
            do { s.visualCardKey = try _RSA.Signing.PrivateKey(keySize: .bits2048).derRepresentation } catch {
                throw .unreadable("cannot generate the visual application's key: \(error)")
            }
            changed = true
        }
        if s.visualBirthKey == nil {
            guard let yymmdd = JPKIProfile.eraYYMMDD(holder.birthDate) else {
                throw .invalidHolder("the birth date does not give a 生年月日 key (YYMMDD in its era)")
            }
            s.visualBirthKey = PINCounter(value: yymmdd, maxTries: VirtualCardState.birthKeyTries, format: .sixDigits)
            changed = true
        }
        if s.cardSerial == nil {
            s.cardSerial = Self.randomSerialDigits()
            changed = true
        }
        if s.textPINA == nil {
            s.textPINA = PINCounter(value: visualPINA.value, maxTries: Self.codeTries, format: .twelveDigits)
            changed = true
        }
        if s.textPINB == nil {
            s.textPINB = PINCounter(value: visualPINB.value, maxTries: Self.codeTries, format: .fourteenDigits)
            changed = true
        }
        if s.municipalityCode == nil {
            s.municipalityCode = Self.testMunicipalityCode
            changed = true
        }
        guard changed else { return nil }
        s.formatVersion = max(s.formatVersion, 2)
        return s
    }

    /// Tries of the 生年月日 key. No reference gives the count (docs/CARD.md, unknown); 10 as for the
    /// 照合番号 of the same application.
    static let birthKeyTries = 10

    /// Tries of the text application's 照合番号A/B key references (`0014`/`0015`). No reference gives the
    /// count, nor whether they share the visual application's counters (docs/CARD.md, unknown): separate
    /// counters of 10 here.
    static let codeTries = 10

    /// 15 random digits for the card serial.
    static func randomSerialDigits() -> String {
        var rng = SystemRandomNumberGenerator()
        return String((0..<15).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) })
    }
}

extension VirtualCardState: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    // The synthesized forms would print PINs, keys and the individual number.
    public var description: String {
        "VirtualCardState(holder: \(holder), auth PIN \(authPIN.triesLeft)/\(authPIN.maxTries), signing password \(signingPassword.triesLeft)/\(signingPassword.maxTries))"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["holder": holder, "authPIN": authPIN, "signingPassword": signingPassword,
                                "textPIN": textPIN, "visualPINB": visualPINB, "cardExpiry": cardExpiry],
               displayStyle: .struct)
    }
}

/// Bytes that encode as one Base64 string rather than a JSON array of numbers, which keeps card files
/// a third of the size and readable.
@propertyWrapper
public struct Base64Bytes: Codable, Sendable, Hashable {
    public var wrappedValue: [UInt8]

    public init(wrappedValue: [UInt8]) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let data = Data(base64Encoded: text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not Base64")
        }
        wrappedValue = Array(data)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(Data(wrappedValue).base64EncodedString())
    }
}
