import Foundation
import MynaCard
import MynaCardSim
import MyNumber
import SmartCard
import Testing

@Suite("Text and visual applications against the virtual card")
struct TextAndVisualTests {
    @Test("the My Number and the 4 items after the PIN; nothing before it")
    func textApplication() async throws {
        let (card, _, trace) = Fixtures.insert()
        await #expect(throws: MynaCardError.verificationRequired(.text)) { try await card.text.myNumber() }
        #expect(try await card.text.triesLeft().value == 3)
        _ = try await card.text.verify(try PIN(Fixtures.textPIN, kind: .text))
        let number = try await card.text.myNumber()
        #expect(number.value == (try Fixtures.holder.myNumber))
        let items = try await card.text.basicFourItems().value
        #expect(items == BasicFourItems(name: Fixtures.holder.name, address: Fixtures.holder.address, birthDate: "19900101", sex: "2"))
        #expect(try await card.text.signatureData().value.prefix(2) == [0xFF, 0x30])
        #expect(try await card.text.certificate().value.prefix(2) == [0x7F, 0x21])
        // Neither the number nor the name reaches the trace, in hex or in text.
        let digitsHex = hex(Array("123456789018".utf8))
        #expect(!trace.text.contains(digitsHex))
        #expect(!trace.text.contains("123456789018"))
        #expect(!trace.text.contains(hex(Array(Fixtures.holder.name.utf8))))
        #expect(trace.text.contains("bytes redacted"))
    }

    @Test("a wrong text PIN reports tries left")
    func wrongTextPIN() async throws {
        let (card, _, _) = Fixtures.insert()
        await #expect(throws: MynaCardError.wrongPIN(.text, triesLeft: 2)) { try await card.text.verify(try PIN("0000", kind: .text)) }
    }

    @Test("the visual application opens with 照合番号B and gives the front side only")
    func visualApplication() async throws {
        let (card, _, _) = Fixtures.insert()
        await #expect(throws: MynaCardError.verificationRequired(.visualB)) { try await card.visual.frontSide() }
        #expect(try await card.visual.triesLeft().value == 10)
        await #expect(throws: MynaCardError.wrongPIN(.visualB, triesLeft: 9)) {
            try await card.visual.open(with: try PIN("00000000000000", kind: .visualB))
        }
        _ = try await card.visual.open(with: try PIN(Fixtures.pinB, kind: .visualB))
        let front = try await card.visual.frontSide().value
        #expect(front.facePhoto.starts(with: [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]))  // JPEG 2000 signature box
        #expect(front.nameImage.starts(with: [0x89, 0x50, 0x4E, 0x47]))  // PNG
        #expect(front.addressImage.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(!front.expiry.isEmpty)
    }

    /// Whether a real card drops a PIN when another application is selected is unknown (docs/CARD.md):
    /// the client must work either way. soltia48/myna-card's README says a VERIFY stays in effect until
    /// the card leaves the field, which is the emulator's default; the stricter variant is an option.
    @Test("switching applications: the client copes whether or not the card keeps the PIN", arguments: [false, true])
    func switchingApplications(_ forgets: Bool) async throws {
        let card = MynaCard(transport: EmulatedCardTransport(
            card: VirtualMynaCard(state: Fixtures.state, forgetsPINsOnApplicationChange: forgets)))
        _ = try await card.text.verify(try PIN(Fixtures.textPIN, kind: .text))
        _ = try await card.jpki.readAuthCertificateSerial()
        if forgets {
            await #expect(throws: MynaCardError.verificationRequired(.text)) { try await card.text.myNumber() }
        } else {
            #expect(try await card.text.myNumber().value == (try Fixtures.holder.myNumber))
        }
        // A reset ends it on every card.
        try await card.reset()
        await #expect(throws: MynaCardError.verificationRequired(.text)) { try await card.text.myNumber() }
    }
}

/// A card that answers nothing of the My Number card's.
final class ForeignCard: CardEmulator {
    let atr: [UInt8] = [0x3B, 0x80, 0x80, 0x01, 0x01]
    func powerOn() {}
    func powerOff() {}
    func reset() {}
    func process(_ command: [UInt8]) -> [UInt8] { [0x6A, 0x82] }
}

/// A card whose answers are random or cut short: the client must fail with an error, never crash.
final class GarbageCard: CardEmulator {
    let atr: [UInt8] = [0x3B]
    let seed: UInt64
    private let counter = Counter()
    init(seed: UInt64) { self.seed = seed }
    func powerOn() {}
    func powerOff() {}
    func reset() {}
    func process(_ command: [UInt8]) -> [UInt8] {
        var rng = SplitMix(state: seed &+ counter.next())
        let kind = Int.random(in: 0..<6, using: &rng)
        switch kind {
        case 0: return []  // truncated: not even a status word
        case 1: return [0x90]
        case 2: return (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) } + [0x90, 0x00]
        case 3: return [0x30, 0x82, 0xFF, 0xFF, 0x30, 0x84, 0x90, 0x00]  // absurd lengths
        case 4: return [0x63, UInt8.random(in: 0xC0...0xCF, using: &rng)]
        default: return [UInt8.random(in: 0...255, using: &rng), UInt8.random(in: 0...255, using: &rng)]
        }
    }

    final class Counter: @unchecked Sendable {
        private var n: UInt64 = 0
        func next() -> UInt64 { n += 1; return n }
    }

    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}

@Suite("Cards that are not My Number cards, and broken answers")
struct RobustnessTests {
    @Test func foreignCard() async throws {
        let card = MynaCard(transport: EmulatedCardTransport(card: ForeignCard()))
        await #expect(throws: MynaCardError.notMyNumberCard) { try await card.applications() }
        await #expect(throws: MynaCardError.applicationMissing(.jpki)) { try await card.jpki.readAuthCertificateSerial() }
    }

    @Test("random and truncated responses give MynaCardError, never a crash, a hang or another error")
    func fuzz() async throws {
        var errors = 0, accepted: [String] = [], foreign: [String] = []
        /// Runs one read; an error must be the card layer's own, and an answer is named so the count is explicit.
        func attempt(_ name: String, seed: UInt64, _ body: () async throws -> Void) async {
            do {
                try await body()
                accepted.append("\(name)#\(seed)")
            } catch is MynaCardError {
                errors += 1
            } catch {
                foreign.append("\(name)#\(seed): \(type(of: error))")
            }
        }
        for seed in 0..<400 as Range<UInt64> {
            let card = MynaCard(transport: EmulatedCardTransport(card: GarbageCard(seed: seed), supportsExtendedLength: seed % 2 == 0))
            let pin = try PIN("1234", kind: .jpkiAuth)
            await attempt("serial", seed: seed) { _ = try await card.jpki.readAuthCertificateSerial() }
            await attempt("certificate", seed: seed) { _ = try await card.jpki.certificateDER(.auth) }
            await attempt("verify", seed: seed) { _ = try await card.jpki.verify(pin, attempt: .confirmedLastTry) }
            await attempt("sign", seed: seed) { _ = try await card.jpki.sign(sha256Digest: [UInt8](repeating: 0, count: 32), with: .auth) }
            await attempt("four items", seed: seed) { _ = try await card.text.basicFourItems() }
            await attempt("number", seed: seed) { _ = try await card.text.myNumber() }
            await attempt("front side", seed: seed) { _ = try await card.visual.frontSide() }
        }
        // Every error is a MynaCardError (a caller can say what went wrong), none is another type.
        #expect(foreign.isEmpty, "\(foreign.prefix(10))")
        // Garbage almost never forms a valid answer: each accepted one is named, and they stay rare.
        #expect(errors + accepted.count + foreign.count == 400 * 7)
        #expect(accepted.count < 400 * 7 / 20, "\(accepted.prefix(20))")
    }
}
