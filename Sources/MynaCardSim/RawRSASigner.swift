import Crypto
import CryptoExtras

/// The card's RSA engine: PKCS#1 v1.5 type-1 padding applied by the card to whatever DigestInfo it is
/// given, then the raw private-key operation (RFC 8017 8.2.1 with EMSA-PKCS1-v1_5 steps 3–5).
///
/// The card does not hash and does not look inside the DigestInfo, so a client may sign any hash; that is
/// how real JPKI cards behave (OpenSC registers the card as `RSA_HASH_NONE | RSA_PAD_PKCS1`).
/// swift-crypto exposes a raw private-key operation only through blind signing:
/// `_RSA.BlindSigning.PrivateKey.blindSignature(for:)` is BoringSSL's `RSA_sign_raw` with `RSA_NO_PADDING`.
/// Its hash and padding parameters play no part in that call, so the default SHA-384 variant serves.
struct RawRSASigner: Sendable {
    private let key: _RSA.BlindSigning.PrivateKey<SHA384>
    /// The modulus size in bytes: the signature length (256 for RSA-2048).
    let modulusBytes: Int

    /// - Throws: when `der` is not an RSA private key of at least 2048 bits (PKCS#1 or PKCS#8 DER).
    init(der: [UInt8]) throws {
        key = try _RSA.BlindSigning.PrivateKey<SHA384>(derRepresentation: der)
        modulusBytes = key.keySizeInBits / 8
    }

    /// The longest DigestInfo that fits with the 11 bytes of mandatory padding.
    var maxInputLength: Int { modulusBytes - 11 }

    /// Pads `digestInfo` as `00 01 FF…FF 00 || digestInfo` and applies the private key.
    ///
    /// - Returns: the signature, or `nil` when the input is empty or too long for the modulus.
    func sign(digestInfo: [UInt8]) -> [UInt8]? {
        guard !digestInfo.isEmpty, digestInfo.count <= maxInputLength else { return nil }
        var block: [UInt8] = [0x00, 0x01]
        block += Array(repeating: 0xFF, count: modulusBytes - 3 - digestInfo.count)
        block.append(0x00)
        block += digestInfo
        guard let signature = try? key.blindSignature(for: block) else { return nil }
        return Array(signature.rawRepresentation)
    }
}
