/// The JPKI application (公的個人認証), as docs/CARD.md lists it.
enum JPKIApplication {
    /// `D3 92 F0 00 26 01 00 00 00 01`.
    static let aid: [UInt8] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01]

    static func make(from state: VirtualCardState) -> CardApplication {
        CardApplication(kind: .jpki, aid: aid, files: [
            // The signing certificate names the holder, so it is readable only after the password.
            0x0001: .binary(state.signCertificate, guard: .signing),
            0x0002: .binary(state.signCACertificate, guard: nil),
            0x0006: .binary(state.token, guard: nil),
            // The user-authentication certificate carries no personal data and is read without a PIN:
            // that is what makes PIN-less door taps (かざし利用) possible.
            0x000A: .binary(state.authCertificate, guard: nil),
            0x000B: .binary(state.authCACertificate, guard: nil),
            0x0017: .key(.auth, guard: .auth),
            0x0018: .pin(.auth),
            0x001A: .key(.signing, guard: .signing),
            0x001B: .pin(.signing),
        ])
    }
}
