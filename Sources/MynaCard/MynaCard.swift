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
///
/// Other programs may share the card (PC/SC shared mode): each operation runs inside one transport
/// transaction (``CardTransport/beginTransaction()``), so nobody else's SELECT lands between our SELECT
/// and our READ or SIGN; on a shared transport each operation selects its application afresh, and a
/// reset reported by the transport (``CardTransport/resetCount``) makes the card forget the selected
/// application in any case.
///
/// Long files are read with extended-length READ BINARY when the transport allows it; when the reader
/// refuses one (`6700`, a wrong-length answer, `6A86` or a reader error), the read is retried in
/// 256-byte chunks and the transport is told, so it stays short-only (docs/CARD.md).
public actor MynaCard {
    /// The APDU channel, with its counters.
    public let channel: CardChannel
    private var selectedApplication: MynaApplication?
    /// The transport's ``CardTransport/resetCount`` when ``selectedApplication`` was last trusted.
    private var seenResets = 0
    /// An extended read failed on this card's transport; kept here too for transports that remember
    /// nothing themselves.
    private var extendedRefused = false
    /// The EF last selected in `selectedApplication` (for ``TraceSecrecy``); `nil` when unknown.
    private var selectedEF: UInt16?
    private var busy = false
    /// This operation met a reset (``CardTransportError/cardReset`` or a changed ``CardTransport/resetCount``).
    private var interruptedByReset = false
    /// This operation sent a command that may spend a PIN try or use a verified PIN: VERIFY with a
    /// PIN, CHANGE REFERENCE DATA, or PERFORM SECURITY OPERATION. Such an operation is never run again.
    private var sentPINCommand = false
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
        // One transaction per operation: another program sharing the card cannot select another
        // application between our SELECT and our READ, VERIFY or SIGN.
        do { try await channel.transport.beginTransaction() } catch { throw MynaCardError(error) }
        let resets = await channel.transport.resetCount
        if resets != seenResets {
            // The card was reset since our last operation: it is back at the MF.
            seenResets = resets
            selectedApplication = nil
        }
        if await channel.transport.isShared {
            // Between two of our transactions another program may have selected another application,
            // where EF 0001 and 0002 also exist (text): select ours again rather than read theirs.
            selectedApplication = nil
        }
        var outcome = await attempt(body)
        if case .failure = outcome, interruptedByReset, !sentPINCommand {
            // Another program reset the card in the middle of an operation that only selected, read or
            // asked for the tries left: running it once more from the application's SELECT is safe.
            // Once only: a card that keeps being reset is reported.
            selectedApplication = nil
            outcome = await attempt(body)
        }
        await channel.transport.endTransaction()
        let value = try outcome.get()
        return Measured(value, usage: await channel.usage - before)
    }

    /// Runs `body` once with fresh per-operation flags.
    private func attempt<T: Sendable>(_ body: @Sendable (isolated MynaCard) async throws -> T) async -> Result<T, MynaCardError> {
        interruptedByReset = false
        sentPINCommand = false
        do {
            return .success(try await body(self))
        } catch let error as MynaCardError {
            return .failure(error)
        } catch {
            return .failure(.transportFailure("\(error)"))
        }
    }

    /// Whether `command` may spend a PIN try or use a verified PIN: VERIFY carrying a PIN (the tries
    /// query `00 20 00 80` without data does not), CHANGE REFERENCE DATA, PERFORM SECURITY OPERATION.
    static func spendsPIN(_ command: CommandAPDU) -> Bool {
        switch command.ins {
        case 0x20: return !command.data.isEmpty
        case 0x24, 0x2A: return true
        default: return false
        }
    }

    func transmit(_ command: CommandAPDU) async throws(MynaCardError) -> ResponseAPDU {
        // Any SELECT moves the current file; `selectEF` records the new one once the card agreed.
        if command.ins == 0xA4 { selectedEF = nil }
        if Self.spendsPIN(command) { sentPINCommand = true }
        let resets = await channel.transport.resetCount
        let response: ResponseAPDU
        do {
            response = try await channel.send(command)
        } catch {
            if error == .cardRemoved { selectedApplication = nil }
            if error == .cardReset { throw resetError(answering: command) }
            throw MynaCardError(error)
        }
        try await checkNoReset(since: resets, answering: command)
        return response
    }

    /// Throws when the reset count moved while `command` was on its way without the transport saying
    /// so (a transport that resends after a reset): the card is back at the MF, so an answer to
    /// anything but a SELECT by name came from the wrong place — a READ from no file, a SELECT EF
    /// under the MF.
    private func checkNoReset(since before: Int, answering command: CommandAPDU) async throws(MynaCardError) {
        let now = await channel.transport.resetCount
        guard now != before else { return }
        if command.ins == 0xA4 && command.p1 == 0x04 {
            seenResets = now
            selectedApplication = nil
            return
        }
        throw resetError(answering: command)
    }

    /// What a reset in the middle of an operation is reported as. The command that met it was not
    /// sent again (``CardTransportError/cardReset``); a PIN the person gave is never sent a second time
    /// for the same act, so the caller is told whether one was on its way.
    private func resetError(answering command: CommandAPDU) -> MynaCardError {
        interruptedByReset = true
        selectedApplication = nil
        if sentPINCommand {
            return .transportFailure("the card was reset by another program while the PIN was being used; the PIN was not sent again and nothing after the reset was used — check the tries left, then try again")
        }
        return .transportFailure("the card was reset by another program during the operation; nothing after the reset was used, try again")
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
        let cached = selectedApplication == app
        try await select(app)
        let command = CommandAPDU(ins: 0xA4, p1: 0x02, p2: 0x0C, data: [UInt8(fid >> 8), UInt8(fid & 0xFF)])
        var r = try await transmit(command)
        if r.status == .fileNotFound && cached {
            // The application was not selected again because we thought it still was; a reset the
            // transport could not report leaves the card at the MF, which holds no EFs (soltia48/myna-card
            // src/mf.rs). Select the application once more before calling the file missing.
            selectedApplication = nil
            try await select(app)
            r = try await transmit(command)
        }
        if r.status.isSuccess { selectedEF = fid }
        guard r.status.isSuccess else {
            if r.status == .fileNotFound { throw .malformedData("file \(hex([UInt8(fid >> 8), UInt8(fid & 0xFF)])) missing in \(app.rawValue)") }
            throw .unexpectedStatus("SELECT EF", r.status)
        }
    }

    /// Selects EF `fid` in `app` and says whether it exists (`6A82`: no), leaving it current if it does.
    func hasEF(_ fid: UInt16, in app: MynaApplication) async throws(MynaCardError) -> Bool {
        try await select(app)
        let r = try await transmit(CommandAPDU(ins: 0xA4, p1: 0x02, p2: 0x0C, data: [UInt8(fid >> 8), UInt8(fid & 0xFF)]))
        switch r.status {
        case .success: return true
        case .fileNotFound: return false
        default: throw .unexpectedStatus("SELECT EF", r.status)
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
        try await readRest(into: &data, total: total, file: fid, in: app, secret: secret, protectedBy: pin)
        return Array(data.prefix(total))
    }

    /// Reads the current EF to its physical end, filler included, in 256-byte reads: until a short read,
    /// `6B00`/`6282` or nothing. The text application's `DF31` digests the number file this way
    /// (soltia48/myna-card `src/card.rs` `read_binary_physical`).
    func readWholeFile(secret: Bool, protectedBy pin: PINKind?) async throws(MynaCardError) -> [UInt8] {
        var data: [UInt8] = []
        while data.count <= 0x7FFF {
            let chunk = try await readBinary(offset: data.count, length: 256, secret: secret, protectedBy: pin)
            data += chunk
            if chunk.count < 256 { break }
        }
        return data
    }

    /// Reads from `data.count` until `total` bytes are held: one extended READ BINARY when the
    /// transport allows it, else 256-byte short reads (what OpenSC card-jpki.c, jpki/myna src/reader.rs
    /// and soltia48/myna-card src/card.rs `read_binary` always use).
    ///
    /// An extended read the reader refuses is not an error: the same read is retried short, and the
    /// transport is told so that every later read on it is short from the start.
    func readRest(into data: inout [UInt8], total: Int, file fid: UInt16, in app: MynaApplication,
                  secret: Bool, protectedBy pin: PINKind?) async throws(MynaCardError) {
        var extended = await extendedAllowed()
        while data.count < total {
            let want = min(total - data.count, extended ? 65_535 : 256)
            let chunk: [UInt8]
            if want > 256 {
                switch try await readBinaryExtended(offset: data.count, length: want, secret: secret, protectedBy: pin) {
                case .data(let bytes):
                    chunk = bytes
                case .refused(let linkFailed):
                    extended = false
                    extendedRefused = true
                    await channel.transport.extendedLengthFailed()
                    if linkFailed {
                        // After a reader error the card's current file is not known; select it again.
                        selectedApplication = nil
                        try await selectEF(fid, in: app)
                    }
                    continue
                }
            } else {
                chunk = try await readBinary(offset: data.count, length: want, secret: secret, protectedBy: pin)
            }
            // A card that returns nothing before the declared end would loop forever; stop instead.
            guard !chunk.isEmpty else { throw .malformedData("file ended at \(data.count) of \(total) bytes") }
            data += chunk
        }
    }

    /// Whether extended-length reads may be tried: the transport allows them and none failed here.
    private func extendedAllowed() async -> Bool {
        if extendedRefused { return false }
        return await channel.supportsExtendedLength
    }

    enum ExtendedRead {
        case data([UInt8])
        /// The reader did not carry the extended command; `linkFailed` when it failed below the APDU level.
        case refused(linkFailed: Bool)
    }

    /// One extended-length READ BINARY. `6700`, `6Cxx` (wrong length; not followed, since the short
    /// form is what it asks for) and `6A86` mean the reader or the card refused the extended form; a
    /// transport failure other than a removed card or a lost reader means the reader could not carry it.
    func readBinaryExtended(offset: Int, length: Int, secret: Bool, protectedBy pin: PINKind?) async throws(MynaCardError) -> ExtendedRead {
        guard offset <= 0x7FFF else { throw .malformedData("offset \(offset) beyond READ BINARY's 15-bit range") }
        let cmd = CommandAPDU(
            ins: 0xB0, p1: UInt8(offset >> 8), p2: UInt8(offset & 0xFF), le: length,
            // The file decides what a trace hides, as in readBinary; `secret` can only add to it.
            redaction: secret || TraceSecrecy.hidesRead(app: selectedApplication, fid: selectedEF, offset: offset, length: length) ? [.responseData] : [])
        let resets = await channel.transport.resetCount
        let r: ResponseAPDU
        do {
            r = try await channel.send(cmd, followWrongLength: false)
        } catch {
            switch error {
            case .cardRemoved:
                selectedApplication = nil
                throw .cardRemoved
            case .readerUnavailable:
                throw MynaCardError(error)
            case .cardReset:
                throw resetError(answering: cmd)
            case .failure, .timeout, .malformedResponse:
                return .refused(linkFailed: true)
            }
        }
        try await checkNoReset(since: resets, answering: cmd)
        if r.status == .wrongLength || r.status.correctLe != nil || r.status == .incorrectP1P2 {
            return .refused(linkFailed: false)
        }
        switch r.status {
        case .success, .endOfFileBeforeLe: return .data(r.data)
        case .securityStatusNotSatisfied: throw pin.map { .verificationRequired($0) } ?? .unexpectedStatus("READ BINARY", r.status)
        case .wrongParameters: return .data([])
        default: throw .unexpectedStatus("READ BINARY", r.status)
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
        case .visualBirthDate: return (.visual, EF.visualBirthDate)
        }
    }
}
