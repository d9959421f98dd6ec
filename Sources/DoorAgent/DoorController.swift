import Access
import DoorProtocol
import Foundation
import MynaCard
import X509

/// Decides at the door from the local snapshot, writes the event durably, and only then acts.
///
/// One tap at a time (an actor): a door has one reader, and the presence state for anti-passback must
/// see passages in order.
public actor DoorController {
    /// The event reason code for a tap refused because the snapshot is stale and the door fails secure.
    public static let staleSecureCode = "stale_fail_secure"
    /// The event reason code for a tap let through because the snapshot is stale and the door fails safe.
    public static let staleSafeCode = "stale_fail_safe"
    /// The event reason code for a card that could not be read.
    public static let unreadableCode = "card_unreadable"

    let configuration: DoorConfiguration
    let sync: SnapshotSync
    let store: LocalStore
    let actuator: any Actuator
    let display: any Display
    let clock: @Sendable () -> Date
    let afterAppend: @Sendable () -> Void
    var presence = PresenceState()
    /// Taps decided since start.
    public private(set) var taps = 0

    /// A controller.
    ///
    /// - Parameters:
    ///   - afterAppend: called after each event is committed (the agent wakes its uploader with it).
    public init(configuration: DoorConfiguration, sync: SnapshotSync, store: LocalStore, actuator: any Actuator,
                display: any Display, clock: @escaping @Sendable () -> Date = { Date() },
                afterAppend: @escaping @Sendable () -> Void = {}) {
        self.configuration = configuration
        self.sync = sync
        self.store = store
        self.actuator = actuator
        self.display = display
        self.clock = clock
        self.afterAppend = afterAppend
    }

    /// Handles one card in the reader: reads its auth certificate serial (3 APDUs), decides, and at a
    /// `pin` door takes the PIN from `pinPad`, has the card sign a local challenge and checks it against
    /// the enrolled certificate. The event is in the outbox, on disk, before the actuator is called; if
    /// it cannot be written the door does not open.
    public func handleTap(card: MynaCard, pinPad: any PINPad) async -> Decision {
        taps += 1
        let now = clock()
        let door = DoorID(rawValue: configuration.door)
        let state = await sync.current
        let offline = await !sync.isOnline

        let serialHex: String
        do {
            serialHex = Self.hex(try await card.jpki.readAuthCertificateSerial().value)
        } catch {
            await display.show(.notice(japanese: "カードを読み取れませんでした。もう一度かざしてください。",
                                       english: "The card could not be read. Please tap again."))
            let decision = Decision(.deny, .unknownCredential)
            _ = await record(decision, code: Self.unreadableCode, serial: "", issuer: nil, time: now, offline: offline,
                             version: state?.snapshot.version ?? 0)
            return decision
        }

        // Stale (or never synced): the door cannot know about recent suspensions, so it behaves as configured.
        guard let state, now.timeIntervalSince(state.syncedAt) <= configuration.stalenessLimit else {
            return await stale(serial: serialHex, time: now, offline: offline, version: state?.snapshot.version ?? 0)
        }
        let policy = state.policy
        let key = CredentialKey(issuer: "", serial: serialHex)
        var decision = AccessDecider.decide(AccessRequest(door: door, credential: key, time: now, proof: .tap),
                                            policy: policy, presence: presence)
        // Only a card that would otherwise pass is asked for its PIN: an unknown or suspended card costs no try.
        if decision.reason == .pinRequired, let credential = policy.resolve(key) {
            let proof = await pinProof(card: card, pinPad: pinPad, certificate: await sync.certificate(for: credential.key), door: door)
            decision = AccessDecider.decide(AccessRequest(door: door, credential: key, time: clock(), proof: proof),
                                            policy: policy, presence: presence)
        }
        // A `genuine` door: the card's own key signs a local challenge (2 APDUs, no PIN, no try), checked
        // against the card key the snapshot carries for this person.
        if decision.reason == .genuineRequired, let credential = policy.resolve(key), let cardKey = credential.cardKey {
            let proof = await genuineProof(card: card, cardKey: cardKey, door: door)
            decision = AccessDecider.decide(AccessRequest(door: door, credential: key, time: clock(), proof: proof),
                                            policy: policy, presence: presence)
        }
        let resolved = policy.resolve(key)
        guard await record(decision, code: decision.reason.code, serial: serialHex, issuer: resolved?.key.issuer, time: now,
                           offline: offline, version: policy.version) else { return decision }
        if decision.isGranted, let employee = decision.employee, let d = policy.doors[door] {
            presence.recordPassage(of: employee, through: d)
        }
        await display.show(.decision(decision))
        if decision.isGranted { await actuator.open(seconds: configuration.openSeconds) }
        return decision
    }

    /// Records an alarm from the door contact as an event.
    public func recordAlarm(_ alarm: DoorAlarm) async {
        let state = await sync.current
        _ = await record(Decision(.deny, .unknownCredential), code: alarm.rawValue, serial: "", issuer: nil, time: clock(),
                         offline: await !sync.isOnline, version: state?.snapshot.version ?? 0)
    }

    func stale(serial: String, time: Date, offline: Bool, version: Int) async -> Decision {
        switch configuration.failMode {
        case .secure:
            let decision = Decision(.deny, .revocationUnknown)
            guard await record(decision, code: Self.staleSecureCode, serial: serial, issuer: nil, time: time, offline: offline, version: version) else {
                return decision
            }
            await display.show(.notice(
                japanese: "拒否：サーバーと長時間同期できていないため、このドアは安全側（閉）で運用しています。",
                english: "Denied: this door has not synchronised with the server within its limit, and fails secure."))
            return decision
        case .safe:
            let decision = Decision(.grant, .emergencyUnlock)
            guard await record(decision, code: Self.staleSafeCode, serial: serial, issuer: nil, time: time, offline: offline, version: version) else {
                return decision
            }
            await display.show(.notice(
                japanese: "許可：サーバーと長時間同期できていないため、非常口として開放しています。",
                english: "Granted: this door has not synchronised with the server within its limit, and opens as an emergency exit."))
            await actuator.open(seconds: configuration.openSeconds)
            return decision
        }
    }

    /// The PIN and signature at a `pin` door. The tries left are read first and shown; with one left
    /// the PIN goes to the card only if the holder confirms.
    func pinProof(card: MynaCard, pinPad: any PINPad, certificate: Data?, door: DoorID) async -> AccessRequest.Proof {
        let tries: Int
        do { tries = try await card.jpki.triesLeft(.auth).value } catch { return Self.proof(for: error) }
        if tries == 0 { return .pinSignature(.pinBlocked) }
        await display.show(.enterPIN(triesLeft: tries))
        var attempt = PINAttempt.normal
        if tries == 1 {
            await display.show(.confirmLastTry)
            guard await pinPad.confirmLastTry() else { return .tap }
            attempt = .confirmedLastTry
        }
        guard let text = await pinPad.readPIN(triesLeft: tries) else { return .tap }
        do {
            let pin = try PIN(text, kind: .jpkiAuth)
            let challenge = LocalChallenge.make(door: door.rawValue, now: clock())
            // VERIFY and SIGN in one card transaction: no other program sharing the reader reaches the
            // card between them.
            let signed: Result<[UInt8], MynaCardError>
            do { signed = .success(try await card.jpki.verifyAndSign(pin, attempt: attempt, sha256Digest: challenge.digest, with: .auth).value) }
            catch { signed = .failure(error) }
            // Reset at once, before the tap is recorded, shown and the door opened (up to seconds): the
            // reader is connected shared, so until the reset any other PC/SC program on this machine
            // could sign with the unlocked auth key (docs/CARD.md, "Readers"). A card that cannot be
            // reset is refused: the door must not act while the key may stay unlocked.
            do { try await card.reset() } catch {
                return .pinSignature(.invalid("the card could not be reset after the PIN was checked, so its key may still be unlocked: \(error.englishMessage)"))
            }
            let signature = try signed.get()
            if let why = LocalChallenge.check(signature, over: challenge, certificateDER: certificate, now: clock()) {
                return .pinSignature(.invalid(why))
            }
            return .pinSignature(.valid)
        } catch {
            return Self.proof(for: error)
        }
    }

    /// The card's own signature at a `genuine` door over a fresh local challenge.
    func genuineProof(card: MynaCard, cardKey: [UInt8], door: DoorID) async -> AccessRequest.Proof {
        let challenge = LocalChallenge.make(door: door.rawValue, now: clock())
        let signature: [UInt8]
        do { signature = try await card.visual.sign(sha256Digest: challenge.digest).value } catch {
            return .cardSignature(.invalid("the card did not sign: \(error.englishMessage)"))
        }
        if let why = LocalChallenge.checkCardSignature(signature, over: challenge, cardKey: cardKey, now: clock()) {
            return .cardSignature(.invalid(why))
        }
        return .cardSignature(.valid)
    }

    static func proof(for error: MynaCardError) -> AccessRequest.Proof {
        switch error {
        case .wrongPIN(_, let n): return .pinSignature(.wrongPIN(triesLeft: n))
        case .pinBlocked: return .pinSignature(.pinBlocked)
        // Nothing was sent: the holder did not confirm the last try, or typed a PIN of the wrong form.
        case .lastTryNeedsConfirmation, .pinFormatInvalid: return .tap
        default: return .pinSignature(.invalid(error.englishMessage))
        }
    }

    /// Appends the event and reports whether it is on disk. When it is not, the door must not act.
    func record(_ decision: Decision, code: String, serial: String, issuer: String?, time: Date, offline: Bool, version: Int) async -> Bool {
        let event = DoorEvent(time: time, door: DoorID(rawValue: configuration.door), serial: serial, issuer: issuer,
                              outcome: decision.outcome, reason: code, employee: decision.employee, offline: offline,
                              snapshotVersion: version, warnings: decision.warnings.map(\.rawValue))
        do {
            try await store.append(event)
        } catch {
            await display.show(.notice(japanese: "記録できないため、ドアは開きません。", english: "The event could not be recorded, so the door stays shut."))
            FileHandle.standardError.write(Data("outbox append failed: \(error)\n".utf8))
            return false
        }
        afterAppend()
        return true
    }

    static func hex(_ serial: Certificate.SerialNumber) -> String {
        serial.bytes.map { String(format: "%02X", $0) }.joined()
    }
}
