import Testing
@testable import PCSC

@Suite("vpcd framing")
struct VPCDFrameTests {
    @Test func encodesBigEndianLength() throws {
        #expect(try VPCDFrame.encode([0x04]) == [0x00, 0x01, 0x04])
        let long = [UInt8](repeating: 1, count: 0x1234)
        #expect(try Array(VPCDFrame.encode(long).prefix(2)) == [0x12, 0x34])
        #expect(try VPCDFrame.encode([]) == [0x00, 0x00])
    }

    @Test func refusesPayloadAboveSixtyFourKiB() {
        #expect(throws: VPCDFrame.Error.payloadTooLong(65536)) {
            try VPCDFrame.encode([UInt8](repeating: 0, count: 65536))
        }
    }

    @Test func decodesFramesCutAnywhere() throws {
        let stream = try VPCDFrame.encode([0x01]) + VPCDFrame.encode([0x00, 0xA4, 0x04, 0x0C]) + VPCDFrame.encode([0x04])
        for cut in 0...stream.count {
            var decoder = VPCDFrame.Decoder()
            var payloads: [[UInt8]] = []
            decoder.append(stream[..<cut])
            while let p = decoder.next() { payloads.append(p) }
            decoder.append(stream[cut...])
            while let p = decoder.next() { payloads.append(p) }
            #expect(payloads == [[0x01], [0x00, 0xA4, 0x04, 0x0C], [0x04]], "cut at \(cut)")
            #expect(decoder.pendingByteCount == 0)
        }
    }

    @Test func waitsForTheWholeFrame() {
        var decoder = VPCDFrame.Decoder()
        decoder.append([0x00, 0x03, 0xAA])
        #expect(decoder.next() == nil)
        decoder.append([0xBB, 0xCC])
        #expect(decoder.next() == [0xAA, 0xBB, 0xCC])
    }

    @Test(arguments: [
        ([UInt8(0x00)], VPCDMessage.powerOff), ([0x01], .powerOn), ([0x02], .reset), ([0x04], .getATR),
        ([0x03], .unknownControl(0x03)), ([0x00, 0xB0, 0x00, 0x00, 0x04], .apdu([0x00, 0xB0, 0x00, 0x00, 0x04])),
    ])
    func classifiesPayloads(payload: [UInt8], message: VPCDMessage) {
        #expect(VPCDMessage(payload: payload) == message)
        #expect(message.payload == payload)
    }

    @Test func controlsDriveTheCardAndOnlyATRAndAPDUsAreAnswered() {
        let card = RecordingCard()
        #expect(VPCDMessage.powerOn.reply(from: card, atr: card.atr) == nil)
        #expect(VPCDMessage.reset.reply(from: card, atr: card.atr) == nil)
        #expect(VPCDMessage.getATR.reply(from: card, atr: [0x3B, 0x00]) == [0x3B, 0x00])
        #expect(VPCDMessage.unknownControl(0x07).reply(from: card, atr: card.atr) == nil)
        #expect(VPCDMessage.apdu([0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A]).reply(from: card, atr: card.atr) == [0x90, 0x00])
        #expect(VPCDMessage.powerOff.reply(from: card, atr: card.atr) == nil)
        #expect(card.events == ["on", "reset", "apdu", "off"])
    }
}
