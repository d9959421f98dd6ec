import Access
import DoorAgent
import DoorProtocol
import Foundation
import MynaCard
import MynaCardSim
import SmartCard
import Testing

@Suite("Deciding at the door from the local snapshot, with the virtual card over APDUs")
struct DoorControllerTests {
    @Test func tapDoorGrantsAfterTheEventIsOnDisk() async throws {
        let rig = try await Rig.make(door: "door-tap")
        let card = Fixture.card(VirtualMynaCard(state: Fixture.enrolled))
        let pad = ScriptedPINPad(pins: [])
        let decision = await rig.controller.handleTap(card: card, pinPad: pad)
        #expect(decision.reason == .granted(group: "staff"))
        #expect(decision.employee == "e1")
        // The serial is all a tap door reads: 3 APDUs, and no PIN asked.
        #expect(await card.channel.usage.apdus == 3)
        #expect(await pad.asked == 0)
        // The actuator saw the event already in the outbox.
        #expect(await rig.actuator.pendingAtOpen == [1])
        let event = try #require(try await rig.store.pending(limit: 1).first)
        #expect(event.reason == "granted")
        #expect(event.outcome == .grant)
        #expect(event.serial == Fixture.credentialKey.serial)
        #expect(event.offline == false)
        #expect(event.snapshotVersion == 1)
        let shown = await rig.display.messages
        #expect(shown == [.decision(decision)])
        #expect(shown[0].line.contains("許可") && shown[0].line.contains("Granted"))
        try await rig.close()
    }

    @Test func unknownCardDeniedWithoutOpening() async throws {
        let rig = try await Rig.make(door: "door-pin")
        let pad = ScriptedPINPad(pins: ["1234"])
        let decision = await rig.controller.handleTap(card: Fixture.card(VirtualMynaCard(state: Fixture.stranger)), pinPad: pad)
        #expect(decision.reason == .unknownCredential)
        // An unknown card is never asked for its PIN.
        #expect(await pad.asked == 0)
        #expect(await rig.actuator.pendingAtOpen.isEmpty)
        #expect(try await rig.store.pendingCount() == 1)
        try await rig.close()
    }

    @Test func pinDoorRightPINGrantsWrongPINDeniesWithTriesLeft() async throws {
        let rig = try await Rig.make(door: "door-pin")
        let virtual = VirtualMynaCard(state: Fixture.enrolled)

        let wrong = await rig.controller.handleTap(card: Fixture.card(virtual), pinPad: ScriptedPINPad(pins: ["9999"]))
        #expect(wrong.reason == .pinWrong(triesLeft: 2))
        #expect(await rig.display.messages.first == .enterPIN(triesLeft: 3))
        #expect(await rig.actuator.pendingAtOpen.isEmpty)

        let right = await rig.controller.handleTap(card: Fixture.card(virtual), pinPad: ScriptedPINPad(pins: [Fixture.pin]))
        #expect(right.reason == .granted(group: "staff"))
        #expect(await rig.display.messages.contains(.enterPIN(triesLeft: 2)))
        #expect(await rig.actuator.pendingAtOpen == [2])
        #expect(try await rig.store.pending(limit: 10).map(\.reason) == ["pin_wrong", "granted"])

        // No PIN typed (the holder walked away): refused, no try spent.
        let walkedAway = await rig.controller.handleTap(card: Fixture.card(virtual), pinPad: ScriptedPINPad(pins: []))
        #expect(walkedAway.reason == .pinRequired)
        try await rig.close()
    }

    /// The door's reader is shared: the auth key unlocked by the holder's PIN must be locked again by
    /// the controller itself, right after the proof — not left for the disconnect after the door has
    /// been recorded and opened. Here nothing disconnects, so a SIGN without VERIFY on the same
    /// connection after the tap (what another program on the host would try) must be refused.
    @Test func aPINDoorResetsTheCardRightAfterTheProof() async throws {
        let rig = try await Rig.make(door: "door-pin")
        let card = Fixture.card(VirtualMynaCard(state: Fixture.enrolled))
        let right = await rig.controller.handleTap(card: card, pinPad: ScriptedPINPad(pins: [Fixture.pin]))
        #expect(right.reason == .granted(group: "staff"))
        let aid: [UInt8] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01]
        #expect(try await card.channel.send(CommandAPDU(ins: 0xA4, p1: 0x04, p2: 0x0C, data: aid)).status == .success)
        #expect(try await card.channel.send(CommandAPDU(ins: 0xA4, p1: 0x02, p2: 0x0C, data: [0x00, 0x17])).status == .success)
        let sign = try await card.channel.send(CommandAPDU(cla: 0x80, ins: 0x2A, p1: 0x00, p2: 0x80,
                                                           data: [UInt8](repeating: 1, count: 51), le: 256))
        #expect(sign.status == .securityStatusNotSatisfied, "the auth key was still unlocked after the tap: \(sign.status)")
        try await rig.close()
    }

    @Test func lastTryIsSentOnlyWhenTheHolderConfirms() async throws {
        let rig = try await Rig.make(door: "door-pin")
        let virtual = VirtualMynaCard(state: Fixture.enrolled)
        for expected in [2, 1] {
            let d = await rig.controller.handleTap(card: Fixture.card(virtual), pinPad: ScriptedPINPad(pins: ["0000"]))
            #expect(d.reason == .pinWrong(triesLeft: expected))
        }
        // One try left, the holder does not confirm: nothing is sent, the try is kept.
        let declining = ScriptedPINPad(pins: [Fixture.pin], confirmLastTry: false)
        let declined = await rig.controller.handleTap(card: Fixture.card(virtual), pinPad: declining)
        #expect(declined.reason == .pinRequired)
        #expect(await declining.confirmationsAsked == 1)
        #expect(await declining.asked == 0)
        #expect(try await Fixture.card(virtual).jpki.triesLeft(.auth).value == 1)
        #expect(await rig.display.messages.contains(.confirmLastTry))

        // Confirmed, with the right PIN: granted and the counter is back to 3.
        let confirming = ScriptedPINPad(pins: [Fixture.pin], confirmLastTry: true)
        let granted = await rig.controller.handleTap(card: Fixture.card(virtual), pinPad: confirming)
        #expect(granted.reason == .granted(group: "staff"))
        #expect(try await Fixture.card(virtual).jpki.triesLeft(.auth).value == 3)
        try await rig.close()
    }

    @Test func blockedPINIsDeniedWithoutAsking() async throws {
        let rig = try await Rig.make(door: "door-pin")
        let virtual = VirtualMynaCard(state: Fixture.enrolled)
        for _ in 0..<2 { _ = await rig.controller.handleTap(card: Fixture.card(virtual), pinPad: ScriptedPINPad(pins: ["0000"])) }
        let last = await rig.controller.handleTap(card: Fixture.card(virtual), pinPad: ScriptedPINPad(pins: ["0000"], confirmLastTry: true))
        // The card answers the third wrong PIN with "blocked".
        #expect(last.reason == .pinBlocked)
        let pad = ScriptedPINPad(pins: [Fixture.pin])
        let blocked = await rig.controller.handleTap(card: Fixture.card(virtual), pinPad: pad)
        #expect(blocked.reason == .pinBlocked)
        #expect(await pad.asked == 0)
        try await rig.close()
    }

    @Test func signatureFromAnotherKeyIsRefused() async throws {
        // The snapshot enrols the serial with a different card's certificate: the card in the reader
        // signs, but not with the enrolled key.
        let server = FakeServer()
        var snapshot = Fixture.snapshot(door: "door-pin")
        snapshot.policy.credentials[0].certificate = Data(Fixture.stranger.authCertificate)
        server.serve(snapshot)
        let rig = try await Rig.make(door: "door-pin", server: server)
        let d = await rig.controller.handleTap(card: Fixture.card(VirtualMynaCard(state: Fixture.enrolled)), pinPad: ScriptedPINPad(pins: [Fixture.pin]))
        #expect(d.reason == .signatureInvalid("signature does not match the enrolled certificate"))
        #expect(await rig.actuator.pendingAtOpen.isEmpty)
        try await rig.close()
    }

    @Test(arguments: [FailMode.secure, .safe])
    func staleSnapshotFollowsTheFailMode(mode: FailMode) async throws {
        let rig = try await Rig.make(door: "door-tap", failMode: mode)
        let card = { Fixture.card(VirtualMynaCard(state: Fixture.stranger)) }
        // Within the limit, an unknown card is refused as unknown.
        rig.clock.advance(23 * 3600)
        #expect(await rig.controller.handleTap(card: card(), pinPad: ScriptedPINPad(pins: [])).reason == .unknownCredential)
        // Past the limit, the door behaves as configured, whoever taps.
        rig.clock.advance(2 * 3600)
        let d = await rig.controller.handleTap(card: card(), pinPad: ScriptedPINPad(pins: []))
        let last = try await rig.store.pending(limit: 10).last
        switch mode {
        case .secure:
            #expect(d.outcome == .deny)
            #expect(last?.reason == DoorController.staleSecureCode)
            #expect(await rig.actuator.pendingAtOpen.isEmpty)
        case .safe:
            #expect(d.outcome == .grant)
            #expect(last?.reason == DoorController.staleSafeCode)
            #expect(await rig.actuator.pendingAtOpen == [2])
        }
        guard case .notice(_, let english)? = await rig.display.messages.last else {
            Issue.record("no notice shown")
            return
        }
        #expect(english.contains("has not synchronised"))

        // A successful sync, even one with nothing new, ends the staleness.
        try await rig.sync.syncOnce()
        #expect(await rig.controller.handleTap(card: card(), pinPad: ScriptedPINPad(pins: [])).reason == .unknownCredential)
        try await rig.close()
    }

    @Test func neverSyncedDoorFailsSecure() async throws {
        let rig = try await Rig.make(door: "door-tap", syncFirst: false)
        let d = await rig.controller.handleTap(card: Fixture.card(VirtualMynaCard(state: Fixture.enrolled)), pinPad: ScriptedPINPad(pins: []))
        #expect(d.outcome == .deny)
        #expect(try await rig.store.pending(limit: 1).first?.reason == DoorController.staleSecureCode)
        try await rig.close()
    }

    @Test func simulatedDoorContactRaisesAlarms() async throws {
        let clock = ManualClock()
        let raised = RecordingDisplay()
        let door = SimulatedActuator(heldOpenGrace: 10, clock: { clock.now }, onAlarm: { await raised.show(.notice(japanese: $0.rawValue, english: $0.rawValue)) })
        await door.contact(.opened)
        #expect(await door.alarms == [.forcedOpen])
        await door.contact(.closed)
        await door.open(seconds: 5)
        await door.contact(.opened)
        clock.advance(14)
        await door.checkHeldOpen()
        #expect(await door.alarms == [.forcedOpen])
        clock.advance(2)
        await door.checkHeldOpen()
        #expect(await door.alarms == [.forcedOpen, .heldOpen])
        #expect(await raised.messages.count == 2)
    }

    @Test("the contact monitor works with any actuator: one alarm per opening, a chattering sensor raises nothing more")
    func contactMonitorWithAnyActuator() async throws {
        let clock = ManualClock()
        let monitor = DoorContactMonitor(heldOpenGrace: 10, clock: { clock.now })
        let relay = SimulatedActuator(clock: { clock.now })
        let door = MonitoredActuator(relay, monitor: monitor)
        await door.open(seconds: 5)
        #expect(await relay.opens.count == 1)
        #expect(await monitor.isUnlocked)
        await monitor.contact(.opened)  // a passage while released
        await monitor.contact(.opened)  // the sensor chatters
        #expect(await monitor.alarms.isEmpty)
        clock.advance(16)
        await monitor.checkHeldOpen()
        await monitor.checkHeldOpen()
        #expect(await monitor.alarms == [.heldOpen])  // once, not at every check
        await monitor.contact(.closed)
        await monitor.contact(.opened)  // locked again: forced
        #expect(await monitor.alarms == [.heldOpen, .forcedOpen])
    }
}
