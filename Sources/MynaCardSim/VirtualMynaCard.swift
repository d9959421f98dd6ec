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
    public init(state: VirtualCardState, atr: [UInt8] = VirtualMynaCard.jpkiATR, persistingTo file: URL? = nil,
                forgetsPINsOnApplicationChange: Bool = false) {
        self.atr = atr
        self.file = file
        self.forgetsPINsOnApplicationChange = forgetsPINsOnApplicationChange
        self.applications = [
            JPKIApplication.make(from: state),
            TextApplication.make(from: state),
            VisualApplication.make(from: state),
        ]
        var signers: [KeySlot: RawRSASigner] = [:]
        // A state whose key does not parse gives a card that answers SIGN with 6F 00; load(contentsOf:)
        // refuses such files up front.
        signers[.auth] = try? RawRSASigner(der: state.authPrivateKey)
        signers[.signing] = try? RawRSASigner(der: state.signPrivateKey)
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
        let cla = bytes[0], ins = bytes[1]
        guard cla == 0x00 || cla == 0x80 else { return sw(0x6E00) }
        guard [0xA4, 0xB0, 0x20, 0x24, 0x2A].contains(ins) else { return sw(0x6D00) }
        // ISO commands use CLA 00; COMPUTE DIGITAL SIGNATURE is proprietary on this card and uses 80.
        guard cla == (ins == 0x2A ? 0x80 : 0x00) else { return sw(0x6E00) }
        let apdu: CommandAPDU
        do { apdu = try CommandAPDU(bytes: bytes) } catch { return sw(0x6700) }
        switch ins {
        case 0xA4: return select(apdu, &s)
        case 0xB0: return readBinary(apdu, &s)
        case 0x20: return verify(apdu, &s)
        case 0x24: return changeReferenceData(apdu, &s)
        default: return sign(apdu, &s)
        }
    }

    private func select(_ apdu: CommandAPDU, _ s: inout Session) -> ResponseAPDU {
        switch (apdu.p1, apdu.p2) {
        case (0x04, 0x0C), (0x04, 0x00):
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
        default:
            // Selecting the MF, by path, or with FCI requested: this card has nothing to answer with. Other
            // drivers' probes land here and must see "not found".
            return sw(0x6A82)
        }
    }

    private func readBinary(_ apdu: CommandAPDU, _ s: inout Session) -> ResponseAPDU {
        // P1 bit 8 would address an EF by short identifier, which this card does not offer.
        guard apdu.p1 & 0x80 == 0 else { return sw(0x6A81) }
        guard apdu.data.isEmpty, let le = apdu.le else { return sw(0x6700) }
        guard let file = currentFile(s) else { return sw(0x6986) }
        switch file {
        case .pin, .key:
            return sw(0x6981)
        case .binary(let content, let guardPIN):
            if let p = guardPIN, !s.verified.contains(p) { return sw(0x6982) }
            let offset = Int(apdu.p1) << 8 | Int(apdu.p2)
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
            // The counter query spends nothing.
            return pin.isBlocked ? sw(0x6983) : tries(pin)
        }
        guard !pin.isBlocked else { return sw(0x6983) }
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
        guard !pin.isBlocked else { return sw(0x6983) }
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
            }
        }
        set {
            switch slot {
            case .auth: authPIN = newValue
            case .signing: signingPassword = newValue
            case .text: textPIN = newValue
            case .visualB: visualPINB = newValue
            case .visualA: visualPINA = newValue
            }
        }
    }
}
