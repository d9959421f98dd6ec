import Foundation

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

    /// Creates a state from all its parts. ``TestJPKIHierarchy/issueCard(holder:authPIN:signingPassword:textPIN:visualPINB:issuedAt:serial:)``
    /// is the usual way to get one.
    public init(
        holder: CardHolder, authPrivateKey: [UInt8], signPrivateKey: [UInt8], authCertificate: [UInt8],
        authCACertificate: [UInt8], signCertificate: [UInt8], signCACertificate: [UInt8], token: [UInt8],
        authPIN: PINCounter, signingPassword: PINCounter, textPIN: PINCounter, visualPINB: PINCounter,
        visualPINA: PINCounter, textSigningKey: [UInt8], faceImage: [UInt8], nameImage: [UInt8],
        addressImage: [UInt8], securityCodeImage: [UInt8], cardExpiry: String, securityCode: String
    ) {
        self.formatVersion = 1
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

    /// The JPKI token of a My Number card (domain.md section 4).
    public static let jpkiToken: [UInt8] = Array("JPKIAPICCTOKEN2".utf8) + Array(repeating: 0x20, count: 32 - 15)

    /// The JSON bytes of a card file.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Reads a card file's JSON bytes.
    public static func decode(_ data: Data) throws -> VirtualCardState {
        try JSONDecoder().decode(VirtualCardState.self, from: data)
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
