import SmartCard

/// A My Number card in a reader: the entry point to its applications.
///
/// ```swift
/// let card = MynaCard(transport: transport)
/// let serial = try await card.jpki.readAuthCertificateSerial()   // 3 APDUs, no PIN
/// print(serial.value, serial.usage)
/// ```
///
/// Operations on one card run one at a time even when called from several tasks, because the card has
/// one current application and one current file: interleaving two operations' APDUs would read the
/// wrong file or sign with the wrong key. The card remembers which application is selected so a
/// sequence of operations does not re-select it needlessly.
public actor MynaCard {
    /// The APDU channel, with its counters.
    public let channel: CardChannel
    private var selectedApplication: MynaApplication?
    /// The EF last selected in `selectedApplication` (for ``TraceSecrecy``); `nil` when unknown.
    private var selectedEF: UInt16?
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Opens a card over `transport`. `tracer` receives each exchange, with PINs and the My Number
    /// already redacted.
    public init(transport: any CardTransport, tracer: (@Sendable (APDUTraceEntry) -> Void)? = nil) {
        self.channel = CardChannel(transport: transport, tracer: tracer)
    }

    /// The JPKI application (certificates and signatures).
    public nonisolated var jpki: JPKISession { JPKISession(card: self) }
    /// The text application (the My Number and the basic 4 items).
    public nonisolated var text: TextSession { TextSession(card: self) }
    /// The visual application (front-side images).
    public nonisolated var visual: VisualSession { VisualSession(card: self) }

    /// Which of the three applications the card has. Spends no PIN try.
    ///
    /// - Throws: ``MynaCardError/notMyNumberCard`` when it has none of them.
    public func applications() async throws(MynaCardError) -> Measured<[MynaApplication]> {
        try await exclusive { card in
            var found: [MynaApplication] = []
            for app in MynaApplication.allCases {
                let r = try await card.transmit(Self.selectApplication(app))
                if r.status.isSuccess {
                    found.append(app)
                    card.selectedApplication = app
                } else if r.status != .fileNotFound {
                    throw MynaCardError.unexpectedStatus("SELECT \(app.rawValue)", r.status)
                }
            }
            guard !found.isEmpty else { throw MynaCardError.notMyNumberCard }
            return found
        }
    }

    /// Warm-resets the card: every verified PIN is forgotten by the card.
    public func reset() async throws(MynaCardError) {
        do { try await channel.reset() } catch { throw MynaCardError(error) }
        selectedApplication = nil
    }

    // MARK: - Building blocks for the sessions

    /// Runs `body` alone on the card and measures what it sent.
    ///
    /// `body` runs isolated to the card, so the building blocks it calls need no further hops.
    func exclusive<T: Sendable>(_ body: @Sendable (isolated MynaCard) async throws -> T) async throws(MynaCardError) -> Measured<T> {
        while busy {
            await withCheckedContinuation { waiters.append($0) }
        }
        busy = true
        defer {
            busy = false
            if !waiters.isEmpty { waiters.removeFirst().resume() }
        }
        let before = await channel.usage
        do {
            let value = try await body(self)
            return Measured(value, usage: await channel.usage - before)
        } catch let error as MynaCardError {
            throw error
        } catch {
            throw .transportFailure("\(error)")
        }
    }

    func transmit(_ command: CommandAPDU) async throws(MynaCardError) -> ResponseAPDU {
        // Any SELECT moves the current file; `selectEF` records the new one once the card agreed.
        if command.ins == 0xA4 { selectedEF = nil }
        do {
            return try await channel.send(command)
        } catch {
            if error == .cardRemoved { selectedApplication = nil }
            throw MynaCardError(error)
        }
    }

    static func selectApplication(_ app: MynaApplication) -> CommandAPDU {
        CommandAPDU(ins: 0xA4, p1: 0x04, p2: 0x0C, data: app.aid)
    }

    /// Selects `app` unless it is already the current application.
    func select(_ app: MynaApplication) async throws(MynaCardError) {
        if selectedApplication == app { return }
        let r = try await transmit(Self.selectApplication(app))
        switch r.status {
        case .success: selectedApplication = app
        case .fileNotFound: throw .applicationMissing(app)
        default: throw .unexpectedStatus("SELECT \(app.rawValue)", r.status)
        }
    }

    func selectEF(_ fid: UInt16, in app: MynaApplication) async throws(MynaCardError) {
        try await select(app)
        let r = try await transmit(CommandAPDU(ins: 0xA4, p1: 0x02, p2: 0x0C, data: [UInt8(fid >> 8), UInt8(fid & 0xFF)]))
        if r.status.isSuccess { selectedEF = fid }
        guard r.status.isSuccess else {
            if r.status == .fileNotFound { throw .malformedData("file \(hex([UInt8(fid >> 8), UInt8(fid & 0xFF)])) missing in \(app.rawValue)") }
            throw .unexpectedStatus("SELECT EF", r.status)
        }
    }

    /// READ BINARY of the current EF at `offset`, up to `length` bytes (one APDU: ≤ 256 short, ≤ 65 535 extended).
    func readBinary(offset: Int, length: Int, secret: Bool, protectedBy pin: PINKind?) async throws(MynaCardError) -> [UInt8] {
        guard offset <= 0x7FFF else { throw .malformedData("offset \(offset) beyond READ BINARY's 15-bit range") }
        let cmd = CommandAPDU(
            ins: 0xB0, p1: UInt8(offset >> 8), p2: UInt8(offset & 0xFF), le: length,
            // The file decides what a trace hides; `secret` can only add to it.
            redaction: secret || TraceSecrecy.hidesRead(app: selectedApplication, fid: selectedEF, offset: offset, length: length) ? [.responseData] : [])
        let r = try await transmit(cmd)
        switch r.status {
        case .success, .endOfFileBeforeLe: return r.data
        case .securityStatusNotSatisfied: throw pin.map { .verificationRequired($0) } ?? .unexpectedStatus("READ BINARY", r.status)
        case .wrongParameters: return []  // offset at or past the end
        default: throw .unexpectedStatus("READ BINARY", r.status)
        }
    }

    /// Reads a whole EF whose content is one BER-TLV object (certificates, the text and visual EFs):
    /// a short read of the header tells the length, then the rest comes in as few APDUs as the
    /// reader allows.
    func readTLVFile(_ fid: UInt16, in app: MynaApplication, secret: Bool = false, protectedBy pin: PINKind? = nil) async throws(MynaCardError) -> [UInt8] {
        try await selectEF(fid, in: app)
        // 8 bytes hold any tag (≤ 3 bytes here) and length (≤ 4 bytes) the card uses.
        var data = try await readBinary(offset: 0, length: 8, secret: secret, protectedBy: pin)
        let total: Int
        do {
            let h = try BERTLV.parseHeader(data)
            total = h.headerLength + h.valueLength
        } catch {
            throw .malformedData("file header: \(error)")
        }
        try await readRest(into: &data, total: total, secret: secret, protectedBy: pin)
        return Array(data.prefix(total))
    }

    /// Reads from `data.count` until `total` bytes are held.
    func readRest(into data: inout [UInt8], total: Int, secret: Bool, protectedBy pin: PINKind?) async throws(MynaCardError) {
        let extended = await channel.supportsExtendedLength
        while data.count < total {
            let want = min(total - data.count, extended ? 65_535 : 256)
            let chunk = try await readBinary(offset: data.count, length: want, secret: secret, protectedBy: pin)
            // A card that returns nothing before the declared end would loop forever; stop instead.
            guard !chunk.isEmpty else { throw .malformedData("file ended at \(data.count) of \(total) bytes") }
            data += chunk
        }
    }

    /// Selects the PIN's EF and asks for the tries left without sending a PIN (`00 20 00 80`, no data).
    func triesLeft(_ kind: PINKind) async throws(MynaCardError) -> Int {
        let (app, fid) = Self.location(of: kind)
        try await selectEF(fid, in: app)
        let r = try await transmit(CommandAPDU(ins: 0x20, p1: 0x00, p2: 0x80))
        if let n = r.status.retryCounter { return n }
        switch r.status {
        // A successful verification resets the counter to its maximum, and a card that reports
        // "already verified" here has just had one.
        case .success: return kind.maximumTries
        case .authenticationMethodBlocked, .referenceDataNotUsable: return 0
        default: throw .unexpectedStatus("VERIFY (tries left)", r.status)
        }
    }

    /// Verifies `pin` under the PIN rules: tries read first, refused when blocked, refused with one
    /// try left unless the holder confirmed.
    func verify(_ pin: PIN, attempt: PINAttempt) async throws(MynaCardError) {
        let tries = try await triesLeft(pin.kind)
        if tries == 0 { throw .pinBlocked(pin.kind) }
        if tries == 1 && attempt != .confirmedLastTry { throw .lastTryNeedsConfirmation(pin.kind) }
        let r = try await transmit(CommandAPDU(ins: 0x20, p1: 0x00, p2: 0x80, data: pin.ascii, redaction: [.commandData]))
        if let n = r.status.retryCounter {
            throw n == 0 ? .pinBlocked(pin.kind) : .wrongPIN(pin.kind, triesLeft: n)
        }
        switch r.status {
        case .success: return
        case .authenticationMethodBlocked, .referenceDataNotUsable: throw .pinBlocked(pin.kind)
        default: throw .unexpectedStatus("VERIFY", r.status)
        }
    }

    /// Where each PIN lives.
    static func location(of kind: PINKind) -> (MynaApplication, UInt16) {
        switch kind {
        case .jpkiAuth: return (.jpki, EF.authPIN)
        case .jpkiSigning: return (.jpki, EF.signingPassword)
        case .text: return (.text, EF.textPIN)
        case .visualB: return (.visual, EF.visualPINB)
        }
    }
}
