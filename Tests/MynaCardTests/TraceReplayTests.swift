import Foundation
import MynaCard
import MynaCardSim
import SmartCard
import Testing

/// Recorded traces (Tests/MynaCardTests/Traces, made with `mynagate card trace` on the emulator; a
/// real card's trace goes beside them) replayed through the real client, and the recorder's output
/// checked for secrets (docs/CARD.md, "APDU traces").
@Suite("APDU traces: replay through the client, redaction of the recorder")
struct TraceReplayTests {
    static func trace(_ name: String) throws -> TraceReplayTransport {
        guard let url = Bundle.module.url(forResource: name, withExtension: "trace", subdirectory: "Traces") else {
            throw CardTransportError.failure("fixture \(name).trace missing from the test bundle")
        }
        return try TraceReplayTransport(text: String(decoding: try Data(contentsOf: url), as: UTF8.self))
    }

    /// What the recording card (a `vcard new` card) answered to the survey.
    /// (The CA certificates' sizes are those of the test hierarchy the traces were recorded with; the
    /// auth certificate's differs by a byte between the in-process card and the one pcsc.sh made.)
    static func expectSurvey(_ s: CardTraceSession.Survey, authLength: Int = 0x0538 + 4) {
        #expect(s.applications == [.jpki, .text, .visual])
        #expect(s.token == "JPKIAPICCTOKEN2")
        #expect(s.certificateLengths[.auth] == authLength)
        #expect(s.certificateLengths[.authCA] == 0x03E4 + 4)
        #expect(s.certificateLengths[.signingCA] == 0x03E0 + 4)
        #expect(s.certificateLengths[.signing] == nil)  // 6982 before the signing password
        #expect(s.triesLeft == [.jpkiAuth: 3, .jpkiSigning: 5, .text: 3, .visualB: 10])
    }

    @Test("survey.trace: the survey replays to the end")
    func survey() async throws {
        let transport = try Self.trace("survey")
        Self.expectSurvey(try await CardTraceSession.survey(MynaCard(transport: transport)))
        try await transport.finish()
    }

    @Test("verify-auth.trace: the auth PIN is accepted and the tries read again")
    func verifyAuth() async throws {
        let transport = try Self.trace("verify-auth")
        let card = MynaCard(transport: transport)
        Self.expectSurvey(try await CardTraceSession.survey(card))
        #expect(try await CardTraceSession.verify(try PIN("1234", kind: .jpkiAuth), attempt: .normal, on: card) == 3)
        try await transport.finish()
    }

    @Test("vpcd-verify-auth.trace: recorded through pcscd and vpcd (T=1), it replays like the in-process one")
    func throughPCSC() async throws {
        let transport = try Self.trace("vpcd-verify-auth")
        #expect(await transport.atr == VirtualMynaCard.jpkiATR)
        #expect(await transport.supportsExtendedLength)
        let card = MynaCard(transport: transport)
        Self.expectSurvey(try await CardTraceSession.survey(card), authLength: 0x0537 + 4)
        #expect(try await CardTraceSession.verify(try PIN("1234", kind: .jpkiAuth), attempt: .normal, on: card) == 3)
        try await transport.finish()
    }

    @Test("verify-signing.trace: after the signing password the certificate header is read (redacted)")
    func verifySigning() async throws {
        let transport = try Self.trace("verify-signing")
        let card = MynaCard(transport: transport)
        Self.expectSurvey(try await CardTraceSession.survey(card))
        #expect(try await CardTraceSession.verify(try PIN("ABC123", kind: .jpkiSigning), attempt: .normal, on: card) == 5)
        try await transport.finish()
    }

    @Test("wrong-auth-pin.trace: the card's 63C2 reaches the client as a wrong PIN with 2 tries left")
    func wrongPIN() async throws {
        let transport = try Self.trace("wrong-auth-pin")
        let card = MynaCard(transport: transport)
        Self.expectSurvey(try await CardTraceSession.survey(card))
        await #expect(throws: MynaCardError.wrongPIN(.jpkiAuth, triesLeft: 2)) {
            _ = try await CardTraceSession.verify(try PIN("9999", kind: .jpkiAuth), attempt: .normal, on: card)
        }
        try await transport.finish()
    }

    @Test("a client that reads otherwise than the recorded session fails with a clear error")
    func deviation() async throws {
        let transport = try Self.trace("survey")
        let card = MynaCard(transport: transport)
        do {
            _ = try await card.jpki.readAuthCertificateSerial()
            Issue.record("the replay accepted a session the trace does not hold")
        } catch {
            // SELECT JPKI matches the trace's first command; SELECT EF 000A where the trace selects text does not.
            #expect("\(error)".contains("command #2 differs from the trace (line 12)"), "\(error)")
        }
    }

    @Test("the recorder's file holds no PIN, no 12-digit run, no holder name or address, even when secrets are read")
    func recorderRedacts() async throws {
        let recorder = APDUTraceRecorder()
        let card = MynaCard(transport: EmulatedCardTransport(card: VirtualMynaCard(state: Fixtures.state)), tracer: { recorder.record($0) })
        _ = try await CardTraceSession.survey(card)
        _ = try await CardTraceSession.verify(try PIN(Fixtures.signingPassword, kind: .jpkiSigning), attempt: .normal, on: card)
        // Beyond what `card trace` does: every secret the client can read, through the same recorder.
        _ = try await card.jpki.certificateDER(.signing)
        _ = try await card.text.verify(try PIN(Fixtures.textPIN, kind: .text))
        _ = try await card.text.myNumber()
        _ = try await card.text.basicFourItems()
        _ = try await card.text.signatureData()
        _ = try await card.visual.open(with: try PIN(Fixtures.pinB, kind: .visualB))
        _ = try await card.visual.frontSide()
        _ = try await card.jpki.changePIN(current: try PIN(Fixtures.authPIN, kind: .jpkiAuth), new: try PIN("2468", kind: .jpkiAuth))

        let text = recorder.file(header: [.init("tool", "test")]).text
        let onWire = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.flatMap { line in
            line.split(separator: " ").compactMap { $0.count == 2 ? bytes(fromHex: $0)?.first : nil }
        }
        func absent(_ secret: String, _ what: String) {
            let secretHex = hex(Array(secret.utf8))
            #expect(!text.contains(secretHex), "\(what) appears in the trace")
        }
        absent(Fixtures.authPIN, "the auth PIN")
        absent(Fixtures.textPIN, "the text PIN")
        absent("2468", "the new PIN")
        absent(Fixtures.signingPassword, "the signing password")
        absent(Fixtures.pinB, "照合番号B")
        absent(Fixtures.holder.myNumberDigits, "the My Number")
        absent(Fixtures.holder.name, "the holder's name")
        absent(String(Fixtures.holder.name.prefix(2)), "the family name")
        absent(Fixtures.holder.address, "the address")
        absent(String(Fixtures.holder.address.prefix(3)), "the prefecture")
        // No 12 ASCII digits in a row anywhere in the bytes, nor 12 decimal digits in the text.
        var run = 0, longest = 0
        for b in onWire {
            run = (0x30...0x39).contains(b) ? run + 1 : 0
            longest = max(longest, run)
        }
        #expect(longest < 12, "a run of \(longest) ASCII digits")
        #expect(text.firstMatch(of: /[0-9]{12}/) == nil)
        // The secrets were read: PIN data is a length-free marker (a password's length narrows a
        // guess), every VERIFY / CHANGE REFERENCE DATA with data shows only its header and the marker.
        let pinLines = text.split(separator: "\n").filter { $0.hasPrefix(">> 00 20 00") || $0.hasPrefix(">> 00 24 00") }
        #expect(pinLines.filter { $0.hasSuffix(" [PIN redacted]") }.count >= 4)
        for line in pinLines {
            let tokens = line.split(separator: " ").count
            #expect(tokens == 5 || (tokens == 7 && line.hasSuffix(" [PIN redacted]")), "\(line)")
        }
        #expect(!text.contains("[4 bytes redacted]") && !text.contains("[6 bytes redacted]") && !text.contains("[14 bytes redacted]"))
        #expect(try APDUTraceFile(parsing: text).exchanges.count > 40)
    }
}
