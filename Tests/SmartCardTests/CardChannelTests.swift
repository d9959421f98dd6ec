import Synchronization
import Testing
@testable import SmartCard

/// A card that answers in chained (`61xx`) and wrong-Le (`6Cxx`) forms, to test the channel's handling.
final class ChainingCard: CardEmulator, @unchecked Sendable {
    let atr: [UInt8] = [0x3B, 0x00]
    private var pending: [UInt8] = []
    var received: [[UInt8]] = []

    func powerOn() {}
    func powerOff() {}
    func reset() { pending = [] }

    func process(_ command: [UInt8]) -> [UInt8] {
        received.append(command)
        switch command[1] {
        case 0xCA:  // returns 300 bytes in pieces: 61 xx chaining
            pending = (0..<300).map { UInt8($0 & 0xFF) }
            return Array(pending.prefix(0)) + [0x61, 0x00]
        case 0xC0:
            let n = command.count > 4 ? (command[4] == 0 ? 256 : Int(command[4])) : 256
            let chunk = Array(pending.prefix(n))
            pending.removeFirst(chunk.count)
            return chunk + (pending.isEmpty ? [0x90, 0x00] : [0x61, UInt8(min(pending.count, 256) & 0xFF)])
        case 0x20:  // a hostile card: answers VERIFY with "wrong Le"
            return [0x6C, 0x10]
        case 0xB0:  // wants Le exactly 5
            if command.count == 5, command[4] == 5 { return [1, 2, 3, 4, 5, 0x90, 0x00] }
            return [0x6C, 0x05]
        default:
            return [0x6D, 0x00]
        }
    }
}

@Suite("Card channel")
struct CardChannelTests {
    @Test("61xx responses are collected with GET RESPONSE and counted")
    func getResponse() async throws {
        let card = ChainingCard()
        let channel = CardChannel(transport: EmulatedCardTransport(card: card))
        let r = try await channel.send(CommandAPDU(ins: 0xCA, p1: 0, p2: 0, le: 256))
        #expect(r.data == (0..<300).map { UInt8($0 & 0xFF) })
        #expect(r.status.isSuccess)
        let usage = await channel.usage
        #expect(usage.apdus == 3)  // the command, then two GET RESPONSEs (256 + 44)
    }

    @Test("6Cxx makes the channel resend with the right Le")
    func wrongLe() async throws {
        let card = ChainingCard()
        let channel = CardChannel(transport: EmulatedCardTransport(card: card))
        let r = try await channel.send(CommandAPDU(ins: 0xB0, p1: 0, p2: 0, le: 256))
        #expect(r.data == [1, 2, 3, 4, 5])
        #expect(card.received.last == [0x00, 0xB0, 0x00, 0x00, 0x05])
    }

    /// Found by FuzzCardClient: a card answering VERIFY (which has no Le) with 6Cxx made the channel
    /// resend the command with an Le, so the PIN went to the card twice and a wrong PIN would have
    /// spent two tries for one act.
    @Test("6Cxx to a command without Le is not resent (a PIN is sent once)")
    func wrongLeNeverRepeatsAPIN() async throws {
        let card = ChainingCard()
        let channel = CardChannel(transport: EmulatedCardTransport(card: card))
        let r = try await channel.send(CommandAPDU(ins: 0x20, p1: 0x00, p2: 0x80, data: Array("1234".utf8), redaction: [.commandData]))
        #expect(r.status == StatusWord(0x6C10))
        #expect(card.received.count == 1)
    }

    @Test("a removed card is a typed error; traces arrive redacted")
    func removalAndTrace() async throws {
        let card = ChainingCard()
        let transport = EmulatedCardTransport(card: card)
        let lines = TraceCollector()
        let channel = CardChannel(transport: transport) { lines.add($0.description) }
        _ = try await channel.send(CommandAPDU(ins: 0x20, p1: 0, p2: 0x80, data: Array("9876".utf8)))
        #expect(lines.all.first == ">> 00 20 00 80 [PIN redacted]")
        await transport.removeCard()
        await #expect(throws: CardTransportError.cardRemoved) {
            try await channel.send(CommandAPDU(ins: 0xB0, p1: 0, p2: 0, le: 5))
        }
    }
}

/// Collects trace lines from the channel's tracer, which may be called from any thread.
final class TraceCollector: Sendable {
    private let lines = Mutex<[String]>([])
    func add(_ s: String) { lines.withLock { $0.append(s) } }
    var all: [String] { lines.withLock { $0 } }
}
