import Foundation
import MynaCard
import MynaCardSim
import SmartCard
import Testing

/// What a real reader does that the plain emulated transport does not: refuse extended-length APDUs,
/// let another program's commands in between ours, reset the card under us (docs/CARD.md, "Readers").
@Suite("reader behaviour: extended-length fallback, transactions, resets")
struct ReaderBehaviourTests {
    /// A card whose auth certificate EF holds a 1.5 KB DER SEQUENCE (`30 82 05 FC` + 1532 bytes), the
    /// size of a real JPKI certificate, so a short-only read takes 6 READ BINARYs after the header.
    static let largeCertificateState: VirtualCardState = {
        var state = Fixtures.state
        state.authCertificate = [0x30, 0x82, 0x05, 0xFC] + (0..<1532).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        return state
    }()
    static let shortReads = (1536 - 8 + 255) / 256

    @Test func aReaderThatCarriesExtendedAPDUsReadsInOneGo() async throws {
        let transport = EmulatedCardTransport(card: VirtualMynaCard(state: Self.largeCertificateState))
        let der = try await MynaCard(transport: transport).jpki.certificateDER(.auth)
        #expect(der.value == Self.largeCertificateState.authCertificate)
        // SELECT AP, SELECT EF, READ of the 8-byte header, one extended READ of the rest.
        #expect(der.usage.apdus == 4)
    }

    @Test(arguments: ShortAPDUReader.Refusal.allCases)
    func anExtendedReadTheReaderRefusesIsRetriedShortAndRemembered(_ refusal: ShortAPDUReader.Refusal) async throws {
        let reader = ShortAPDUReader(card: VirtualMynaCard(state: Self.largeCertificateState), refusal: refusal)
        let transport = EmulatedCardTransport(card: reader, supportsExtendedLength: true)
        let trace = Trace()
        let card = MynaCard(transport: transport, tracer: { trace.add($0.description) })

        let first = try await card.jpki.certificateDER(.auth)
        #expect(first.value == Self.largeCertificateState.authCertificate)
        // SELECT AP, SELECT EF, header, then either the extended READ answered 6700, or (a reader error:
        // nothing came back, so nothing is counted) the file selected again, SELECT AP and SELECT EF;
        // then 256-byte reads.
        let refusalCost = refusal == .wrongLength ? 1 : 2
        #expect(first.usage.apdus == 3 + refusalCost + Self.shortReads, "\(trace.text)")
        #expect(await transport.supportsExtendedLength == false, "the transport remembers the reader is short-only")

        // The same card again: the application is still selected and no extended READ is tried.
        let second = try await card.jpki.certificateDER(.auth)
        #expect(second.value == Self.largeCertificateState.authCertificate)
        #expect(second.usage.apdus == 2 + Self.shortReads)

        // A new MynaCard over the same transport (the next card on the same reader) starts short.
        let fresh = try await MynaCard(transport: transport).jpki.certificateDER(.auth)
        #expect(fresh.value == Self.largeCertificateState.authCertificate)
        #expect(fresh.usage.apdus == 3 + Self.shortReads)
    }

    @Test func theSignatureStillWorksThroughAShortOnlyReader() async throws {
        // SIGN's command and answer (Lc ≤ 255, Le 256) are short: nothing to fall back from.
        let reader = ShortAPDUReader(card: VirtualMynaCard(state: Fixtures.state), refusal: .wrongLength)
        let card = MynaCard(transport: EmulatedCardTransport(card: reader))
        let signature = try await card.jpki.verifyAndSign(try PIN(Fixtures.authPIN, kind: .jpkiAuth),
                                                         sha256Digest: [UInt8](repeating: 7, count: 32), with: .auth)
        #expect(signature.value.count == 256)
    }

    // MARK: - Resets by another program

    @Test func aResetReportedByTheTransportMakesTheCardSelectTheApplicationAgain() async throws {
        let (card, transport, trace) = Fixtures.insert()
        _ = try await card.jpki.certificateDER(.authCA)
        await transport.resetByAnotherProgram()
        let mark = trace.all.count
        let der = try await card.jpki.certificateDER(.auth)
        #expect(der.value == Fixtures.state.authCertificate)
        // Not 5 (a SELECT EF answered 6A82 at the MF, then the recovery): the reset was known up front.
        #expect(der.usage.apdus == 4)
        #expect(trace.all[mark].contains("00 A4 04 0C"), "the first command after the reset selects the application: \(trace.all[mark])")
    }

    @Test func aTransportThatCannotReportResetsIsCaughtByTheMissingFile() async throws {
        let inner = EmulatedCardTransport(card: VirtualMynaCard(state: Fixtures.state))
        let card = MynaCard(transport: Unreporting(inner: inner))
        _ = try await card.jpki.certificateDER(.authCA)
        await inner.resetByAnotherProgram()
        let der = try await card.jpki.certificateDER(.auth)
        #expect(der.value == Fixtures.state.authCertificate)
        #expect(der.usage.apdus == 5, "SELECT EF (6A82 at the MF), SELECT AP, SELECT EF, header, rest")
    }

    @Test func aResetInTheMiddleOfAnOperationIsAnErrorNotDataFromTheWrongFile() async throws {
        let inner = EmulatedCardTransport(card: VirtualMynaCard(state: Fixtures.state))
        // Right after our SELECT EF of the auth certificate, another program resets the card.
        let transport = Interfering(inner: inner, honoursTransactions: false, trigger: [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A]) {
            await inner.resetByAnotherProgram()
        }
        let card = MynaCard(transport: transport)
        do {
            _ = try await card.jpki.certificateDER(.auth)
            Issue.record("a read across a reset returned data")
        } catch {
            // Named as a reset, not passed off as whatever status the MF gave the READ.
            guard case .transportFailure(let message) = error else { Issue.record("\(error)"); return }
            #expect(message.contains("reset"))
        }
        // The next operation selects again and succeeds.
        await transport.disarm()
        #expect(try await card.jpki.certificateDER(.auth).value == Fixtures.state.authCertificate)
    }

    /// A reset meeting a READ is not the end of the operation: nothing that spends a PIN was sent, so
    /// it runs once more from the application's SELECT.
    @Test func aReadMeetingAResetIsRunAgainFromTheApplicationsSelect() async throws {
        let inner = EmulatedCardTransport(card: VirtualMynaCard(state: Fixtures.state))
        let transport = Interfering(inner: inner, honoursTransactions: false, trigger: [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A],
                                    once: true) {
            await inner.resetByAnotherProgram()
        }
        let card = MynaCard(transport: transport)
        #expect(try await card.jpki.certificateDER(.auth).value == Fixtures.state.authCertificate)
        #expect(await transport.interferences == 1)
    }

    /// The attack of issue 17 item 3: another program resets the card between the tries query and the
    /// VERIFY. The VERIFY meets SCARD_W_RESET_CARD; it must go to the card at most once (here: not at
    /// all, as pcscd refuses it), never be resent at the MF, and the operation must not be run again —
    /// a second VERIFY would spend a try the person did not give for this act.
    @Test func aVerifyMeetingAResetIsSentOnceAndReportedAsAReset() async throws {
        let counting = CountingCard(VirtualMynaCard(state: Fixtures.state))
        let inner = EmulatedCardTransport(card: counting)
        let transport = Interfering(inner: inner, honoursTransactions: false, trigger: [0x00, 0x20, 0x00, 0x80], once: true) {
            await inner.resetByAnotherProgram()
        }
        let card = MynaCard(transport: transport)
        do {
            _ = try await card.jpki.verifyAndSign(try PIN(Fixtures.authPIN, kind: .jpkiAuth),
                                                  sha256Digest: [UInt8](repeating: 1, count: 32), with: .auth)
            Issue.record("a signature across a reset")
        } catch {
            guard case .transportFailure(let message) = error else { Issue.record("\(error)"); return }
            #expect(message.contains("reset") && message.contains("PIN was not sent again"), "\(message)")
        }
        #expect(await transport.pinVerifies == 1, "one VERIFY with the PIN left MynaGate")
        #expect(counting.pinVerifies == 0, "the VERIFY that met the reset never reached the card, not even at the MF")
        let log = await transport.log.filter { $0 != "begin" && $0 != "end" }
        #expect(log.last == "00 20 00 80 (PIN)", "nothing was sent after the VERIFY that met the reset: \(log)")
        // The person's next try is a fresh act: all tries are still there.
        #expect(try await card.jpki.triesLeft(.auth).value == PINKind.jpkiAuth.maximumTries)
    }

    // MARK: - Transactions

    /// Another program selects the text application right after our SELECT EF. Under a transaction its
    /// command waits until ours is over (as pcscd makes it wait); without one it lands in between.
    @Test(arguments: [true, false])
    func anotherProgramsSelectWaitsForOurTransaction(_ honoured: Bool) async throws {
        let virtual = VirtualMynaCard(state: Fixtures.state)
        let inner = EmulatedCardTransport(card: virtual)
        let selectText: [UInt8] = [0x00, 0xA4, 0x04, 0x0C, 0x0A] + MynaApplication.text.aid
        let transport = Interfering(inner: inner, honoursTransactions: honoured,
                                    trigger: [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A]) {
            _ = virtual.process(selectText)
        }
        let card = MynaCard(transport: transport)
        if honoured {
            #expect(try await card.jpki.certificateDER(.auth).value == Fixtures.state.authCertificate)
            #expect(await transport.interferences == 1)
            // The other program's SELECT ran after our transaction and left the text application
            // current, which also has an EF 0002: the next operation selects JPKI again, not trusting
            // what it last selected.
            #expect(try await card.jpki.certificateDER(.signingCA).value == Fixtures.state.signCACertificate)
        } else {
            // The demonstration of D3: the READ goes to the text application, which has no current EF.
            await #expect(throws: MynaCardError.self) { _ = try await card.jpki.certificateDER(.auth) }
        }
    }

    @Test func everyOperationIsOneTransactionAndVerifyAndSignShareOne() async throws {
        let inner = EmulatedCardTransport(card: VirtualMynaCard(state: Fixtures.state))
        let transport = Interfering(inner: inner, honoursTransactions: true, trigger: nil) {}
        let card = MynaCard(transport: transport)
        _ = try await card.jpki.readAuthCertificateSerial()
        _ = try await card.jpki.triesLeft(.auth)
        _ = try await card.jpki.verifyAndSign(try PIN(Fixtures.authPIN, kind: .jpkiAuth),
                                              sha256Digest: [UInt8](repeating: 1, count: 32), with: .auth)
        let log = await transport.log
        #expect(log.filter { $0 == "begin" }.count == 3)
        #expect(log.filter { $0 == "end" }.count == 3)
        // The last bracket holds the PIN probe, VERIFY, the key's SELECT EF and SIGN.
        let last = Array(log[(log.lastIndex(of: "begin") ?? 0)...])
        #expect(last.first == "begin" && last.last == "end")
        #expect(last.contains("00 20 00 80 (PIN)") && last.contains("80 2A"), "\(last)")
    }
}

/// A transport that forwards everything but knows nothing of resets (a replay or third-party
/// transport): a command meeting a reset simply reaches the reset card.
private struct Unreporting: CardTransport {
    let inner: EmulatedCardTransport
    var atr: [UInt8] { get async { await inner.atr } }
    var supportsExtendedLength: Bool { get async { await inner.supportsExtendedLength } }
    func transmit(_ command: [UInt8]) async throws(CardTransportError) -> [UInt8] {
        do throws(CardTransportError) { return try await inner.transmit(command) } catch {
            guard error == .cardReset else { throw error }
            return try await inner.transmit(command)
        }
    }
    func reset() async throws(CardTransportError) { try await inner.reset() }
}

/// A shared reader: after our command `trigger`, `other` runs — at once, or, while we hold a
/// transaction and `honoursTransactions` is set, when the transaction ends, as pcscd serializes it.
private actor Interfering: CardTransport {
    let inner: EmulatedCardTransport
    let honoursTransactions: Bool
    private var trigger: [UInt8]?
    /// Fire `other` only the first time `trigger` is seen.
    let once: Bool
    let other: @Sendable () async -> Void
    private var depth = 0
    private var pending = false
    private(set) var interferences = 0
    private(set) var log: [String] = []
    /// VERIFY commands carrying a PIN that left the card layer.
    private(set) var pinVerifies = 0

    init(inner: EmulatedCardTransport, honoursTransactions: Bool, trigger: [UInt8]?, once: Bool = false,
         other: @escaping @Sendable () async -> Void) {
        self.inner = inner
        self.honoursTransactions = honoursTransactions
        self.trigger = trigger
        self.once = once
        self.other = other
    }

    func disarm() { trigger = nil }

    var atr: [UInt8] { get async { await inner.atr } }
    var supportsExtendedLength: Bool { get async { await inner.supportsExtendedLength } }
    var resetCount: Int { get async { await inner.resetCount } }
    var isShared: Bool { true }
    func extendedLengthFailed() async { await inner.extendedLengthFailed() }
    func reset() async throws(CardTransportError) { try await inner.reset() }

    func transmit(_ command: [UInt8]) async throws(CardTransportError) -> [UInt8] {
        log.append(command.starts(with: [0x00, 0x20, 0x00, 0x80]) ? "00 20 00 80 (PIN)"
                   : command.prefix(2).map { String(format: "%02X", $0) }.joined(separator: " "))
        if command.starts(with: [0x00, 0x20, 0x00, 0x80]) && command.count > 5 { pinVerifies += 1 }
        let answer = try await inner.transmit(command)
        if let trigger, command == trigger {
            if once { self.trigger = nil }
            if honoursTransactions && depth > 0 { pending = true } else { await runOther() }
        }
        return answer
    }

    func beginTransaction() async throws(CardTransportError) {
        log.append("begin")
        depth += 1
    }

    func endTransaction() async {
        log.append("end")
        depth -= 1
        if depth == 0 && pending {
            pending = false
            await runOther()
        }
    }

    private func runOther() async {
        interferences += 1
        await other()
    }
}

/// A card that counts the VERIFY commands carrying a PIN that reach it.
private final class CountingCard: CardEmulator, @unchecked Sendable {
    // @unchecked: `verifies` is guarded by `lock`; `card` is Sendable.
    let card: any CardEmulator
    private let lock = NSLock()
    private var verifies = 0
    init(_ card: any CardEmulator) { self.card = card }
    var pinVerifies: Int { lock.withLock { verifies } }
    var atr: [UInt8] { card.atr }
    func powerOn() { card.powerOn() }
    func powerOff() { card.powerOff() }
    func reset() { card.reset() }
    func process(_ command: [UInt8]) -> [UInt8] {
        if command.starts(with: [0x00, 0x20, 0x00, 0x80]) && command.count > 5 { lock.withLock { verifies += 1 } }
        return card.process(command)
    }
}
