import Foundation
import MynaCard
import MynaCardSim
@testable import PCSC
import SmartCard
import Testing

/// Two PC/SC clients on one vpcd reader, and a reader that refuses extended APDUs, through a real
/// pcscd (docs/TESTING.md, "Reader sharing and extended-length fallback").
///
/// Nested in ``PCSCSystemTests`` so that its `.serialized` trait keeps the two from serving cards on
/// the same vpcd reader at once.
extension PCSCSystemTests {
@Suite("sharing and extended-length fallback", .serialized)
struct Sharing {
    static let state: VirtualCardState = {
        do {
            return try TestJPKIHierarchy.generate().issueCard(holder: CardHolder.random(), authPIN: "1234", signingPassword: "ABC123")
        } catch { fatalError("issue: \(error)") }
    }()

    func withServedCard<T>(_ card: any CardEmulator, _ body: (PCSCContext, String) async throws -> T) async throws -> T {
        try await SystemTestGate.withServedCard(card, expectRemoval: false, body)
    }

    /// A second connection (another PC/SC client as far as pcscd is concerned) selects the text
    /// application right after our SELECT EF. With transactions pcscd holds it back until our operation
    /// is over (it waits, or is refused with SCARD_E_SHARING_VIOLATION) and our read is right; without
    /// them (`transactions: false`) the READ goes to the text application, which is how the field
    /// failed before (audit D3).
    ///
    /// The cases run one after the other in one test, not as arguments: Swift Testing may start a
    /// parameterized test's cases together, and they would serve two cards on one vpcd reader.
    @Test(.timeLimit(.minutes(2)))
    func anotherClientCannotSelectBetweenOurSelectAndRead() async throws {
        for transactions in [true, false] { try await anotherClient(transactions: transactions) }
    }

    func anotherClient(transactions: Bool) async throws {
        try await withServedCard(VirtualMynaCard(state: Self.state)) { context, reader in
            let ours = try context.connect(reader: reader, transactions: transactions)
            defer { ours.disconnect(.leave) }
            let other = try PCSCContext().connect(reader: reader, transactions: false)
            defer { other.disconnect(.leave) }
            let selectText: [UInt8] = [0x00, 0xA4, 0x04, 0x0C, 0x0A] + MynaApplication.text.aid
            let interferer = SecondClient(connection: other, command: selectText)
            let card = MynaCard(transport: TriggeringTransport(inner: ours, trigger: [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A], action: interferer.interfere))
            if transactions {
                let der = try await card.jpki.certificateDER(.auth)
                #expect(der.value == Self.state.authCertificate)
                let during = interferer.outcomeDuringOurOperation
                #expect(during == nil || during?.contains("SHARING_VIOLATION") == true,
                        "the second client was kept out while our transaction was open: \(during ?? "still waiting")")
            } else {
                await #expect(throws: MynaCardError.self) { _ = try await card.jpki.certificateDER(.auth) }
                #expect(interferer.outcomeDuringOurOperation == "90 00", "the second client's SELECT went through between ours")
            }
            await interferer.finish()
        }
    }

    /// Another client resets the card between two of our operations: the next one selects again.
    @Test(.timeLimit(.minutes(2)))
    func aResetByAnotherClientIsNoticedAndTheApplicationSelectedAgain() async throws {
        try await withServedCard(VirtualMynaCard(state: Self.state)) { context, reader in
            let ours = try context.connect(reader: reader)
            defer { ours.disconnect(.leave) }
            let card = MynaCard(transport: ours)
            #expect(try await card.jpki.certificateDER(.authCA).value == Self.state.authCACertificate)
            let other = try PCSCContext().connect(reader: reader)
            try await other.reset()
            other.disconnect(.leave)
            #expect(try await card.jpki.certificateDER(.auth).value == Self.state.authCertificate)
            #expect(await ours.resetCount == 1)
        }
    }

    /// A reader that answers 6700, or fails, on extended APDUs: the certificate still reads, the
    /// reader is remembered as short-only, and the next connection to it starts short.
    @Test(.timeLimit(.minutes(2)))
    func aReaderRefusingExtendedAPDUsIsReadShortAndRemembered() async throws {
        for refusal in ShortAPDUReader.Refusal.allCases { try await readShort(refusal) }
    }

    func readShort(_ refusal: ShortAPDUReader.Refusal) async throws {
        PCSCCardTransport.forgetShortOnlyReaders()
        defer { PCSCCardTransport.forgetShortOnlyReaders() }
        let reader = ShortAPDUReader(card: VirtualMynaCard(state: Self.state), refusal: refusal)
        try await withServedCard(reader) { context, name in
            let first = try context.connect(reader: name)
            #expect(await first.supportsExtendedLength, "T=1: extended APDUs are tried first")
            let der = try await MynaCard(transport: first).jpki.certificateDER(.auth)
            #expect(der.value == Self.state.authCertificate)
            #expect(await first.supportsExtendedLength == false)
            first.disconnect(.leave)

            let second = try context.connect(reader: name)
            defer { second.disconnect(.leave) }
            #expect(await second.supportsExtendedLength == false, "remembered per reader name")
            let again = try await MynaCard(transport: second).jpki.certificateDER(.auth)
            #expect(again.value == Self.state.authCertificate)
            let shortReads = (Self.state.authCertificate.count - 8 + 255) / 256
            #expect(again.usage.apdus == 3 + shortReads)
        }
    }
}
}

/// The other client: sends one command on its own connection and keeps what came back.
final class SecondClient: @unchecked Sendable {
    // @unchecked: `result` is guarded by `lock`.
    let connection: PCSCCardTransport
    let command: [UInt8]
    private let lock = NSLock()
    private var result: String?

    init(connection: PCSCCardTransport, command: [UInt8]) {
        self.connection = connection
        self.command = command
    }

    private var during: String?
    private var task: Task<Void, Never>?

    /// What the other client's command had come to when our operation went on (`nil`: still waiting).
    var outcomeDuringOurOperation: String? { lock.withLock { during } }

    /// Sends the command from another task and gives it a second: pcsc-lite may make it wait for our
    /// transaction, and waiting for it here would then wait for ourselves.
    @Sendable func interfere() async {
        let started = Task { await self.send() }
        lock.withLock { task = started }
        let deadline = ContinuousClock.now + .seconds(1)
        while ContinuousClock.now < deadline, lock.withLock({ result == nil }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
        lock.withLock { during = result }
    }

    /// Waits until the other client's command is through (after our transaction ended).
    func finish() async {
        await lock.withLock({ task })?.value
    }

    private func send() async {
        let text: String
        do {
            let answer = try await connection.transmit(command)
            text = answer.suffix(2).map { String(format: "%02X", $0) }.joined(separator: " ")
        } catch {
            text = "\(error)"
        }
        lock.withLock { result = text }
    }
}

/// Our transport, with `action` run right after the command `trigger` was answered.
struct TriggeringTransport: CardTransport {
    let inner: PCSCCardTransport
    let trigger: [UInt8]
    let action: @Sendable () async -> Void

    var atr: [UInt8] { get async { await inner.atr } }
    var supportsExtendedLength: Bool { get async { await inner.supportsExtendedLength } }
    var resetCount: Int { get async { await inner.resetCount } }
    var isShared: Bool { get async { await inner.isShared } }
    func extendedLengthFailed() async { await inner.extendedLengthFailed() }
    func beginTransaction() async throws(CardTransportError) { try await inner.beginTransaction() }
    func endTransaction() async { await inner.endTransaction() }
    func reset() async throws(CardTransportError) { try await inner.reset() }
    func transmit(_ command: [UInt8]) async throws(CardTransportError) -> [UInt8] {
        let answer = try await inner.transmit(command)
        if command == trigger { await action() }
        return answer
    }
}
