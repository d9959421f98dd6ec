import Foundation
import SmartCard
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A virtual My Number card that answers ISO/IEC 7816-4 command APDUs as docs/CARD.md specifies.
///
/// It holds the three applications (JPKI, text, visual) with their EFs, PINs with retry counters and the
/// two JPKI private keys, and keeps the session state a card keeps: the selected application, the current
/// EF and which PINs are verified. Commands are answered one at a time under a lock, so the card can be
/// shared between threads (a vpcd bridge and a test, say).
///
/// With a backing file (``load(contentsOf:forgetsPINsOnApplicationChange:)`` or `persistingTo:`), every change of a PIN counter or PIN
/// value is written back to the file atomically before the answer is given, like a card's EEPROM: a PIN
/// locked in one run stays locked in the next.
public final class VirtualMynaCard: CardEmulator {
    /// The ATR of a My Number card, which makes OpenSC pick its `jpki` driver.
    public static let jpkiATR: [UInt8] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14]

    public let atr: [UInt8]
    private let applications: [CardApplication]
    private let signers: [KeySlot: RawRSASigner]
    private let file: URL?
    private let session: Mutex<Session>
    /// Whether selecting another application forgets verified PINs. **Unknown** on a real card
    /// (docs/CARD.md): soltia48/myna-card's README says a VERIFY "stays in effect until the card leaves
    /// the field", so the default keeps them until reset or power-off; `true` is the stricter variant.
    public let forgetsPINsOnApplicationChange: Bool

    /// What changes while the card is used.
    struct Session {
        var state: VirtualCardState
        var powered = true
        var application: CardApplication.Kind?
        var currentEF: UInt16?
        var verified: Set<PINSlot> = []
    }

    /// Makes a card from `state`, powered on with nothing selected.
    ///
    /// - Parameters:
    ///   - atr: the answer to reset; the default is a real My Number card's.
    ///   - file: where to write the state after every PIN counter or PIN change (`nil`: memory only).
    ///   - forgetsPINsOnApplicationChange: see ``forgetsPINsOnApplicationChange``.
    public init(state given: VirtualCardState, atr: [UInt8] = VirtualMynaCard.jpkiATR, persistingTo file: URL? = nil,
                forgetsPINsOnApplicationChange: Bool = false) {
        // A format-1 state gets its missing parts here, so the card is consistent for its lifetime;
        // load(contentsOf:) writes them back to the file.
        // Emulator code: a state that cannot be completed is a programming error here (load(contentsOf:)
        // reports it as an error first), never a card silently without its visual keys.
        let state: VirtualCardState
        do { state = try given.completingMissingParts() ?? given } catch {
            preconditionFailure("virtual card state cannot be completed to format 2: \(error)")
        }
        self.atr = atr
        self.file = file
        self.forgetsPINsOnApplicationChange = forgetsPINsOnApplicationChange
        self.applications = [
            JPKIApplication.make(from: state),
            TextApplication.make(from: state),
            VisualApplication.make(from: state),
            OtherApplications.common(from: state),
            OtherApplications.juki(),
        ]
        var signers: [KeySlot: RawRSASigner] = [:]
        // A state whose key does not parse gives a card that answers SIGN with 6F 00; load(contentsOf:)
        // refuses such files up front.
        signers[.auth] = try? RawRSASigner(der: state.authPrivateKey)
        signers[.signing] = try? RawRSASigner(der: state.signPrivateKey)
        signers[.visual] = state.visualCardKey.flatMap { try? RawRSASigner(der: Array($0)) }
        self.signers = signers
        self.session = Mutex(Session(state: state))
    }

    /// Opens a card file written by ``save(to:)`` (or `mynagate vcard new`); PIN changes go back to it.
    ///
    /// - Throws: ``VirtualCardError/unreadable(_:)`` when the file cannot be read or is not a card file.
    public static func load(contentsOf url: URL, forgetsPINsOnApplicationChange: Bool = false) throws -> VirtualMynaCard {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw VirtualCardError.unreadable("cannot read card file \(url.path)")
        }
        let state: VirtualCardState
        do { state = try VirtualCardState.decode(data) } catch {
            throw VirtualCardError.unreadable("\(url.path) is not a virtual card file")
        }
        do {
            _ = try RawRSASigner(der: state.authPrivateKey)
            _ = try RawRSASigner(der: state.signPrivateKey)
        } catch {
            throw VirtualCardError.unreadable("\(url.path) holds a private key that does not parse")
        }
        // A format-1 file gains the generated parts on disk too, so the visual key stays the card's own.
        if let completed = try state.completingMissingParts() {
            do { try write(completed, to: url) } catch {
                throw VirtualCardError.unreadable("cannot upgrade \(url.path) to card file format 2: \(error)")
            }
            return VirtualMynaCard(state: completed, persistingTo: url, forgetsPINsOnApplicationChange: forgetsPINsOnApplicationChange)
        }
        return VirtualMynaCard(state: state, persistingTo: url, forgetsPINsOnApplicationChange: forgetsPINsOnApplicationChange)
    }

    /// The card's content now, including PIN counters.
    public var state: VirtualCardState {
        session.withLock { $0.state }
    }

    /// Writes the card's content to `url` atomically, readable by the owner only.
    public func save(to url: URL) throws {
        try Self.write(state, to: url)
    }

    // MARK: - CardEmulator

    public func powerOn() {
        session.withLock { s in
            s.powered = true
            s.clearSession()
        }
    }

    public func powerOff() {
        session.withLock { s in
            s.powered = false
            s.clearSession()
        }
    }

    public func reset() {
        session.withLock { s in
            s.powered = true
            s.clearSession()
        }
    }

    public func process(_ command: [UInt8]) -> [UInt8] {
        session.withLock { s in answer(command, &s).encoded }
    }

    // MARK: - Commands

    private func answer(_ bytes: [UInt8], _ s: inout Session) -> ResponseAPDU {
        // An unpowered card does not answer; the transports never send then, so this is a safety net.
        guard s.powered else { return sw(0x6F00) }
        guard bytes.count >= 4 else { return sw(0x6700) }
        if bytes[1] == 0x84 { return getChallenge(bytes) }
        let cla = bytes[0], ins = bytes[1]
        guard cla == 0x00 || cla == 0x80 else { return sw(0x6E00) }
        guard [0xA4, 0xB0, 0xB2, 0xCA, 0x20, 0x24, 0x2A].contains(ins) else { return sw(0x6D00) }
        // ISO commands use CLA 00; COMPUTE DIGITAL SIGNATURE is proprietary on this card and uses 80.
        guard cla == (ins == 0x2A ? 0x80 : 0x00) else { return sw(0x6E00) }
        let apdu: CommandAPDU
        do { apdu = try CommandAPDU(bytes: bytes) } catch { return sw(0x6700) }
        switch ins {
        case 0xA4: return select(apdu, &s)
        case 0xB0: return readBinary(apdu, &s)
        case 0xB2: return readRecord(apdu, &s)
        case 0xCA: return getData(apdu, s)
        case 0x20: return verify(apdu, &s)
        case 0x24: return changeReferenceData(apdu, &s)
        default: return sign(apdu, &s)
        }
    }

    private func select(_ apdu: CommandAPDU, _ s: inout Session) -> ResponseAPDU {
        switch (apdu.p1, apdu.p2) {
        case (0x04, 0x0C), (0x04, 0x00):
            if apdu.data == Self.issuerSecurityDomainAID {
                // The GlobalPlatform ISD restores the power-on (MF) state (soltia48/myna-card `src/mf.rs`).
                s.clearSession()
                return sw(0x9000)
            }
            guard let app = applications.first(where: { $0.aid == apdu.data }) else { return sw(0x6A82) }
            // Whether leaving an application forgets its verified PINs is unknown (docs/CARD.md); by
            // default they stay until reset or power-off, as soltia48/myna-card's README describes.
            if forgetsPINsOnApplicationChange && s.application != app.kind { s.verified.removeAll() }
            s.application = app.kind
            s.currentEF = nil
            return sw(0x9000)
        case (0x02, 0x0C):
            guard apdu.data.count == 2, let app = currentApplication(s) else { return sw(0x6A82) }
            let fid = UInt16(apdu.data[0]) << 8 | UInt16(apdu.data[1])
            guard app.files[fid] != nil else { return sw(0x6A82) }
            s.currentEF = fid
            return sw(0x9000)
        case (0x00, 0x00) where apdu.data.isEmpty:
            // SELECT MF without a path: `6A86` after a reset; with an application selected `9000`, and
            // the current DF stays where it was (soltia48 `src/card.rs`, `src/mf.rs`).
            return sw(s.application == nil ? 0x6A86 : 0x9000)
        default:
            // 3F00 by identifier or path, or FCI requested: the MF holds no files (soltia48 `src/mf.rs`).
            // Other drivers' probes land here and must see "not found".
            return sw(0x6A82)
        }
    }

    /// `A0 00 00 01 51 00 00`, GlobalPlatform's default Issuer Security Domain.
    static let issuerSecurityDomainAID: [UInt8] = [0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00]

    /// GET DATA `00 CA P1 P2 Le`, P1P2 = the tag. At the MF (nothing selected): `F0` municipality code,
    /// `F2` expiry, `5F51` the contact ATR without TS, `F8` the card-verifiable CA's certificate (the
    /// `7F21` contents); anything else `6A88` (soltia48/myna-card `src/mf.rs` `tag`). With an application
    /// selected only `5F51` answers ("Answers with an application current too").
    private func getData(_ apdu: CommandAPDU, _ s: Session) -> ResponseAPDU {
        guard apdu.data.isEmpty else { return sw(0x6700) }
        let tag = UInt16(apdu.p1) << 8 | UInt16(apdu.p2)
        let value: [UInt8]?
        switch tag {
        case 0x5F51: value = Array(atr.dropFirst())
        case 0x00F0 where s.application == nil: value = s.state.municipalityCode.map { Array($0.utf8) }
        case 0x00F2 where s.application == nil: value = Array(s.state.cardExpiry.utf8)
        case 0x00F8 where s.application == nil: value = s.state.cvcAuthorityCertificate.map { CVC.contents(Array($0)) }
        default: value = nil
        }
        guard let value else { return sw(0x6A88) }
        // A large object refuses a short Le instead of giving the right length (soltia48 `get_data`).
        guard value.count <= (apdu.le ?? 256) else { return sw(0x6700) }
        return ResponseAPDU(data: value, status: .success)
    }

    /// READ RECORD `00 B2 <record> 04 Le` of the current record-structured EF (soltia48 `src/card.rs`
    /// `read_record`); `6A83` past the last record, `6981` on a transparent EF.
    private func readRecord(_ apdu: CommandAPDU, _ s: inout Session) -> ResponseAPDU {
        guard apdu.p2 == 0x04, apdu.p1 > 0 else { return sw(0x6A86) }
        guard let file = currentFile(s) else { return sw(0x6986) }
        guard case .records(let records) = file else { return sw(0x6981) }
        guard Int(apdu.p1) <= records.count else { return sw(0x6A83) }
        return ResponseAPDU(data: records[Int(apdu.p1) - 1], status: .success)
    }

    private func readBinary(_ apdu: CommandAPDU, _ s: inout Session) -> ResponseAPDU {
        guard apdu.data.isEmpty, let le = apdu.le else { return sw(0x6700) }
        var offset = Int(apdu.p1) << 8 | Int(apdu.p2)
        if apdu.p1 & 0x80 != 0 {
            // P1 = 100xxxxx: the EF by short identifier, which becomes the current EF; P2 is an 8-bit
            // offset (soltia48/myna-card `src/card.rs` `read_binary_chunk_sfi`; jsapdu reads `00 B0 81 00`).
            guard apdu.p1 & 0x60 == 0, let app = currentApplication(s) else { return sw(0x6A86) }
            let fid = UInt16(apdu.p1 & 0x1F)
            guard fid != 0, app.files[fid] != nil else { return sw(0x6A82) }
            s.currentEF = fid
            offset = Int(apdu.p2)
        }
        guard let file = currentFile(s) else { return sw(0x6986) }
        switch file {
        case .pin, .key, .records:
            return sw(0x6981)
        case .binary(let content, let guards):
            if !guards.isEmpty, guards.isDisjoint(with: s.verified) { return sw(0x6982) }
            guard offset < content.count else { return sw(0x6B00) }
            let end = min(content.count, offset + le)
            return ResponseAPDU(data: Array(content[offset..<end]), status: .success)
        }
    }

    private func verify(_ apdu: CommandAPDU, _ s: inout Session) -> ResponseAPDU {
        guard apdu.p1 == 0x00, apdu.p2 == 0x80 else { return sw(0x6A86) }
        guard case .pin(let slot)? = currentFile(s) else { return sw(0x6986) }
        var pin = s.state[slot]
        if apdu.data.isEmpty {
            // The counter query spends nothing; on a blocked key it answers 63C0 like the try that blocked
            // it, and VERIFY with data answers 6984 (measured by soltia48/myna-card, README "Retry
            // counters"; OpenSC's jpki driver needs SW1 = 63 here to bind).
            return tries(pin)
        }
        guard !pin.isBlocked else { return sw(0x6984) }
        let before = pin.triesLeft
        let right = pin.attempt(apdu.data)
        if pin.triesLeft != before {
            s.state[slot] = pin
            guard persist(s.state) else { return sw(0x6581) }
        }
        if right {
            s.verified.insert(slot)
            return sw(0x9000)
        }
        // A failed VERIFY withdraws whatever that PIN had granted (ISO/IEC 7816-4 11.5.6).
        s.verified.remove(slot)
        return tries(pin)
    }

    private func changeReferenceData(_ apdu: CommandAPDU, _ s: inout Session) -> ResponseAPDU {
        guard apdu.p1 == 0x01, apdu.p2 == 0x80 else { return sw(0x6A86) }
        guard case .pin(let slot)? = currentFile(s) else { return sw(0x6986) }
        var pin = s.state[slot]
        // What a real card answers here is not measured; 6984 is what its VERIFY says for a blocked key.
        guard !pin.isBlocked else { return sw(0x6984) }
        guard s.verified.contains(slot) else { return sw(0x6982) }
        // 照合番号A and B are printed on the card; they cannot be changed.
        guard slot == .auth || slot == .signing || slot == .text else { return sw(0x6985) }
        guard !apdu.data.isEmpty else { return sw(0x6700) }
        guard let text = String(bytes: apdu.data, encoding: .ascii), pin.format.accepts(text) else { return sw(0x6A80) }
        pin.value = text
        pin.triesLeft = pin.maxTries
        s.state[slot] = pin
        guard persist(s.state) else { return sw(0x6581) }
        return sw(0x9000)
    }

    private func sign(_ apdu: CommandAPDU, _ s: inout Session) -> ResponseAPDU {
        if s.application == .visual, apdu.p1 == 0x00, apdu.p2 == 0x00 { return signWithVisualKey(apdu, s) }
        guard apdu.p1 == 0x00, apdu.p2 == 0x80 else { return sw(0x6A86) }
        guard let file = currentFile(s) else { return sw(0x6986) }
        guard case .key(let keySlot, let guardPIN) = file else { return sw(0x6981) }
        guard s.verified.contains(guardPIN) else { return sw(0x6982) }
        guard let signer = signers[keySlot] else { return sw(0x6F00) }
        guard !apdu.data.isEmpty, apdu.data.count <= signer.maxInputLength else { return sw(0x6700) }
        // The signature is always the modulus size; a smaller Le gets the exact length to ask for.
        if let le = apdu.le, le < signer.modulusBytes { return sw(0x6C00 | UInt16(signer.modulusBytes & 0xFF)) }
        guard let signature = signer.sign(digestInfo: apdu.data) else { return sw(0x6F00) }
        return ResponseAPDU(data: signature, status: .success)
    }

    /// COMPUTE DIGITAL SIGNATURE `80 2A 00 00` in the visual application: its own key signs the DigestInfo
    /// it is given, with no credential and no EF selected (soltia48/myna-card `SurfaceAp::sign`, which
    /// says it needs none). A card made without the key answers `6A 88` (referenced data not found) — an
    /// assumption: no reference shows a card without one.
    private func signWithVisualKey(_ apdu: CommandAPDU, _ s: Session) -> ResponseAPDU {
        guard let signer = signers[.visual] else { return sw(0x6A88) }
        guard !apdu.data.isEmpty, apdu.data.count <= signer.maxInputLength else { return sw(0x6700) }
        if let le = apdu.le, le < signer.modulusBytes { return sw(0x6C00 | UInt16(signer.modulusBytes & 0xFF)) }
        guard let signature = signer.sign(digestInfo: apdu.data) else { return sw(0x6F00) }
        return ResponseAPDU(data: signature, status: .success)
    }

    // MARK: - Helpers

    private func currentApplication(_ s: Session) -> CardApplication? {
        guard let kind = s.application else { return nil }
        return applications.first { $0.kind == kind }
    }

    private func currentFile(_ s: Session) -> CardFile? {
        guard let fid = s.currentEF else { return nil }
        return currentApplication(s)?.files[fid]
    }

    private func sw(_ value: UInt16) -> ResponseAPDU { ResponseAPDU(status: StatusWord(value)) }

    private func tries(_ pin: PINCounter) -> ResponseAPDU {
        sw(0x63C0 | UInt16(min(max(pin.triesLeft, 0), 15)))
    }

    /// Writes the state to the backing file, if any. `false` when the write failed: the card then
    /// answers `65 81` (memory failure), as a card whose EEPROM write failed would.
    private func persist(_ state: VirtualCardState) -> Bool {
        guard let file else { return true }
        do {
            try Self.write(state, to: file)
            return true
        } catch {
            return false
        }
    }

    /// Writes to a temporary file created with mode 0600 beside `url`, then renames it over `url`, so
    /// that a reader (or a crash) never sees half a card and the secrets are never world-readable.
    static func write(_ state: VirtualCardState, to url: URL) throws {
        let data = try state.encoded()
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: data,
                                             attributes: [.posixPermissions: 0o600]) else {
            throw VirtualCardError.unreadable("cannot write \(temporary.path)")
        }
        guard rename(temporary.path, url.path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw VirtualCardError.unreadable("cannot replace \(url.path)")
        }
    }
}

extension VirtualMynaCard.Session {
    mutating func clearSession() {
        application = nil
        currentEF = nil
        verified.removeAll()
    }
}

extension VirtualCardState {
    /// The PIN in a slot.
    subscript(slot: PINSlot) -> PINCounter {
        get {
            switch slot {
            case .auth: return authPIN
            case .signing: return signingPassword
            case .text: return textPIN
            case .visualB: return visualPINB
            case .visualA: return visualPINA
            // Only ever asked for on a card whose visual application has EF 0011, which needs the key.
            case .visualBirth: return visualBirthKey ?? PINCounter(value: "", maxTries: 0, format: .sixDigits)
            // Likewise only on a card whose text application has EF 0014/0015.
            case .textA: return textPINA ?? PINCounter(value: "", maxTries: 0, format: .twelveDigits)
            case .textB: return textPINB ?? PINCounter(value: "", maxTries: 0, format: .fourteenDigits)
            }
        }
        set {
            switch slot {
            case .auth: authPIN = newValue
            case .signing: signingPassword = newValue
            case .text: textPIN = newValue
            case .visualB: visualPINB = newValue
            case .visualA: visualPINA = newValue
            case .visualBirth: visualBirthKey = newValue
            case .textA: textPINA = newValue
            case .textB: textPINB = newValue
            }
        }
    }
}
