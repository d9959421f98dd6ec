import Foundation
import MynaCardSim
import SmartCard
import Testing

@Suite("Robustness")
struct RobustnessTests {
    /// Thousands of random, truncated and mutated APDUs: the card must always answer with at least a
    /// status word, and never crash.
    @Test func fuzzNeverCrashes() {
        let card = Fixture.card()
        var g = SeededGenerator(seed: 2024)
        let seeds: [[UInt8]] = [
            [0x00, 0xA4, 0x04, 0x0C, 0x0A] + Fixture.jpkiAID,
            [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A],
            [0x00, 0xB0, 0x00, 0x00, 0x00],
            [0x00, 0xB0, 0x00, 0x04, 0x00, 0x06, 0x1F],
            [0x00, 0x20, 0x00, 0x80],
            [0x00, 0x20, 0x00, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34],
            [0x00, 0x24, 0x01, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34],
            [0x80, 0x2A, 0x00, 0x80, 0x03, 0x01, 0x02, 0x03, 0x00],
        ]
        for i in 0..<5000 {
            var apdu: [UInt8]
            switch i % 4 {
            case 0:  // pure noise
                apdu = (0..<Int.random(in: 0...300, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
            case 1:  // a real command cut short
                let s = seeds.randomElement(using: &g)!
                apdu = Array(s.prefix(Int.random(in: 0...s.count, using: &g)))
            case 2:  // a real command with bytes flipped
                apdu = seeds.randomElement(using: &g)!
                for _ in 0..<Int.random(in: 1...3, using: &g) {
                    apdu[Int.random(in: 0..<apdu.count, using: &g)] = UInt8.random(in: 0...255, using: &g)
                }
            default:  // valid header, random length fields and body
                let head: [UInt8] = [[0x00, 0x80].randomElement(using: &g)!, [0xA4, 0xB0, 0x20, 0x24, 0x2A].randomElement(using: &g)!,
                                     UInt8.random(in: 0...255, using: &g), UInt8.random(in: 0...255, using: &g)]
                apdu = head + (0..<Int.random(in: 0...10, using: &g)).map { _ in [0x00, 0xFF, 0x01, 0x02].randomElement(using: &g)! }
            }
            let response = card.process(apdu)
            #expect(response.count >= 2)
            if i % 500 == 0 { card.reset() }
        }
        // Still a working card afterwards.
        card.reset()
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
    }

    @Test func unpoweredCardAnswersNothingUseful() {
        let card = Fixture.card()
        card.powerOff()
        #expect(card.sw([0x00, 0xA4, 0x04, 0x0C, 0x0A] + Fixture.jpkiAID) == 0x6F00)
        card.powerOn()
        #expect(card.selectAP(Fixture.jpkiAID) == 0x9000)
    }

    @Test func concurrentUseIsSerialised() async {
        let card = Fixture.card()
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var ok = true
                    for _ in 0..<50 {
                        ok = ok && card.process([0x00, 0xA4, 0x04, 0x0C, 0x0A] + Fixture.jpkiAID).count == 2
                    }
                    return ok
                }
            }
            for await ok in group { #expect(ok) }
        }
    }
}
