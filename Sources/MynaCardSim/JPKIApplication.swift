/// The JPKI application (公的個人認証), as docs/CARD.md lists it.
enum JPKIApplication {
    /// `D3 92 F0 00 26 01 00 00 00 01`.
    static let aid: [UInt8] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01]

    static func make(from state: VirtualCardState) -> CardApplication {
        CardApplication(kind: .jpki, aid: aid, files: [
            // The signing certificate names the holder, so it is readable only after the password.
            0x0001: .binary(state.signCertificate, guard: [.signing]),
            0x0002: .binary(state.signCACertificate, guard: []),
            0x0006: .binary(tokenInfo(state.token), guard: []),
            // Certificate availability: `8F 8F 00` on a card that carries both certificates, which
            // every virtual card does (soltia48/myna-card `src/ap/jpki.rs` `CertificateAvailability`).
            0x0008: .binary(certificateAvailability, guard: []),
            // The user-authentication certificate carries no personal data and is read without a PIN:
            // that is what makes PIN-less door taps (かざし利用) possible.
            0x000A: .binary(state.authCertificate, guard: []),
            0x000B: .binary(state.authCACertificate, guard: []),
            0x0017: .key(.auth, guard: .auth),
            0x0018: .pin(.auth),
            0x001A: .key(.signing, guard: .signing),
            0x001B: .pin(.signing),
        ])
    }

    /// EF `0008`: which certificates the card carries; `8F` = present (soltia48 `CertificateAvailability`).
    static let certificateAvailability: [UInt8] = [0x8F, 0x8F, 0x00]

    /// EF `0006`: a 160-byte PKCS#11 `CK_TOKEN_INFO` whose first 32 bytes are the label (soltia48
    /// `src/ap/jpki.rs` `TOKEN_INFO`, `TokenType`). What the other 128 bytes hold on a real card no
    /// reference gives, so they are zero here. Card files written before the EF had its real size hold
    /// only the 32-byte label; it is extended here rather than in the file.
    static func tokenInfo(_ stored: [UInt8]) -> [UInt8] {
        stored.count >= 160 ? stored : stored + Array(repeating: 0, count: 160 - stored.count)
    }
}
