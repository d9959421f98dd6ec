import SmartCard

/// Which files' contents a trace hides, decided by the file the card has selected rather than by each
/// caller: a future operation that forgets `secret: true` on a secret file still cannot leak it. The
/// callers' `secret:` flag can only add secrecy (docs/CARD.md, "What is redacted, and where").
enum TraceSecrecy {
    /// Whether a READ BINARY of `length` bytes at `offset` in `fid` of `app` must have its response data
    /// hidden from traces. An unknown current file (`nil`) is hidden: a read nobody can place is treated
    /// as the worst file it could be.
    static func hidesRead(app: MynaApplication?, fid: UInt16?, offset: Int, length: Int) -> Bool {
        guard let app, let fid else { return true }
        switch (app, fid) {
        // Text: the My Number (0001), the 4 items (0002), their signature (0003, which binds them).
        case (.text, 0x0001), (.text, 0x0002), (.text, 0x0003):
            return true
        // Visual: the front side (0002: photo, name, address) and the number side (0005), which the
        // client does not read but which must stay hidden if a future operation does.
        case (.visual, 0x0002), (.visual, 0x0005):
            return true
        // Visual: the age record (0001) holds the birth date.
        case (.visual, 0x0001):
            return true
        // JPKI signing certificate (0001): name, address, birth date and sex in its SAN. Even its
        // header's size depends on them, so all of it.
        case (.jpki, EF.signingCertificate):
            return true
        // JPKI auth certificate (000A): it names nobody, but its serial (and the subject CN, a
        // J-LIS-issued identifier) identify the holder to anyone who has seen them, so everything but
        // the 8-byte tag-and-length header at offset 0 — the size `card trace` records, which the
        // holder shares with every auth certificate of the same length.
        case (.jpki, EF.authCertificate):
            return !(offset == 0 && length <= 8)
        default:
            return false
        }
    }
}
