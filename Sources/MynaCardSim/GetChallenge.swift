import SmartCard

extension VirtualMynaCard {
    /// GET CHALLENGE (`00 84 00 00 Le`): `Le` random bytes, as the real card gives them.
    ///
    /// soltia48/myna-card `src/card.rs` (`get_challenge`), measured on issued cards: every length from 1
    /// to 256 is honoured exactly, the extended form is refused with `6985`, P1 and P2 are zero, and the
    /// card answers with the MF current as well as inside an application — so no application or PIN is
    /// needed here. OpenSC's `jpki` driver inherits ISO GET CHALLENGE, so `C_GenerateRandom` (and
    /// `pkcs11-tool --test`) reaches this. What the card answers to non-zero P1/P2 or a missing Le is
    /// not established; `6A86` and `6700` are ISO 7816-4's status words for them (docs/CARD.md: unknown).
    func getChallenge(_ bytes: [UInt8]) -> ResponseAPDU {
        func sw(_ v: UInt16) -> ResponseAPDU { ResponseAPDU(status: StatusWord(v)) }
        guard bytes[0] == 0x00 else { return sw(0x6E00) }
        let apdu: CommandAPDU
        do { apdu = try CommandAPDU(bytes: bytes) } catch { return sw(0x6700) }
        guard apdu.p1 == 0, apdu.p2 == 0 else { return sw(0x6A86) }
        guard apdu.data.isEmpty, let le = apdu.le else { return sw(0x6700) }
        guard !apdu.isExtended else { return sw(0x6985) }
        var rng = SystemRandomNumberGenerator()
        return ResponseAPDU(data: (0..<le).map { _ in UInt8.random(in: 0...255, using: &rng) }, status: .success)
    }
}
