import CryptoExtras
import Access
import DoorAgent
import DoorProtocol
import Foundation
import MynaCard
import MynaCardSim
import SmartCard
import Testing

/// The `genuine` level decided offline from the snapshot (issue 18): the card's visual application signs
/// a local challenge with the card's own key, checked against the key the snapshot carries.
@Suite("Genuine doors at the door agent: the card's own key, no PIN")
struct GenuineDoorAgentTests {
    /// The victim's card as an attacker would copy it: the auth certificate (public, read by any door),
    /// on a card whose keys are the attacker's — `visual: nil` for a blank card without a visual key.
    static func clone(visualKey: Bool) throws -> VirtualCardState {
        var s = Fixture.enrolled
        s.authPrivateKey = Array(try _RSA.Signing.PrivateKey(keySize: .bits2048).derRepresentation)
        s.visualCardKey = visualKey ? try _RSA.Signing.PrivateKey(keySize: .bits2048).derRepresentation : nil
        return s
    }

    @Test func theCardsOwnSignatureOpensAGenuineDoorWithoutAPINOrATry() async throws {
        let rig = try await Rig.make(door: "door-genuine")
        let virtual = VirtualMynaCard(state: Fixture.enrolled)
        let card = Fixture.card(virtual)
        let pad = ScriptedPINPad(pins: [])
        let decision = await rig.controller.handleTap(card: card, pinPad: pad)
        #expect(decision.reason == .granted(group: "staff"), "\(decision)")
        // Serial (3 APDUs), then SELECT of the visual application and the signature: 5, and no PIN asked.
        #expect(await card.channel.usage.apdus == 5)
        #expect(await pad.asked == 0)
        #expect(virtual.state.authPIN.triesLeft == 3)
        #expect(virtual.state.visualBirthKey?.triesLeft == 10)
        #expect(try await rig.store.pending(limit: 1).first?.reason == "granted")
        try await rig.close()
    }

    @Test(arguments: [true, false])
    func aClonedCertificateIsRefusedAtGenuineDoorsAndAdmittedAtTapDoors(visualKey: Bool) async throws {
        let clone = try Self.clone(visualKey: visualKey)
        let genuine = try await Rig.make(door: "door-genuine")
        let refused = await genuine.controller.handleTap(card: Fixture.card(VirtualMynaCard(state: clone)), pinPad: ScriptedPINPad(pins: []))
        guard case .cardNotGenuine = refused.reason else {
            Issue.record("a clone was not refused as not genuine: \(refused)")
            return
        }
        #expect(await genuine.actuator.pendingAtOpen.isEmpty)
        #expect(try await genuine.store.pending(limit: 1).first?.reason == "card_not_genuine")
        try await genuine.close()

        // What `tap` means (docs/SECURITY.md): a certificate was presented, and a copy presents it too.
        let tap = try await Rig.make(door: "door-tap")
        let admitted = await tap.controller.handleTap(card: Fixture.card(VirtualMynaCard(state: clone)), pinPad: ScriptedPINPad(pins: []))
        #expect(admitted.reason == .granted(group: "staff"))
        try await tap.close()

        // And the PIN door: the clone's own PIN unlocks the clone's own key, not the enrolled one.
        let pin = try await Rig.make(door: "door-pin")
        let refusedAtPIN = await pin.controller.handleTap(card: Fixture.card(VirtualMynaCard(state: clone)), pinPad: ScriptedPINPad(pins: [Fixture.pin]))
        #expect(refusedAtPIN.reason == .signatureInvalid("signature does not match the enrolled certificate"))
        try await pin.close()
    }

    @Test func aCredentialWithoutACardKeyIsSentToTheDeskOrAdmittedWithAWarningUntilTheDoorsDate() async throws {
        for admitUntil in [nil, Date().addingTimeInterval(86_400), Date().addingTimeInterval(-60)] as [Date?] {
            let server = FakeServer()
            var snapshot = Fixture.snapshot(door: "door-genuine")
            snapshot.policy.credentials[0].credential.cardKey = nil
            if let i = snapshot.policy.doors.firstIndex(where: { $0.id == "door-genuine" }) { snapshot.policy.doors[i].keylessAdmitUntil = admitUntil }
            server.serve(snapshot)
            let rig = try await Rig.make(door: "door-genuine", server: server)
            let card = Fixture.card(VirtualMynaCard(state: Fixture.enrolled))
            let d = await rig.controller.handleTap(card: card, pinPad: ScriptedPINPad(pins: []))
            if let admitUntil, admitUntil > Date() {
                #expect(d.reason == .granted(group: "staff") && d.warnings == [.cardKeyMissing], "\(d)")
            } else {
                #expect(d.reason == .cardKeyMissing, "\(d)")
                #expect(d.reason.japaneseSentence.contains("受付"))
            }
            // Nothing is asked of the card beyond its serial: there is no key to check a signature with.
            #expect(await card.channel.usage.apdus == 3)
            try await rig.close()
        }
    }
}

extension GenuineDoorAgentTests {
    /// A door made `genuine` after the agent's full snapshot: the delta carries no unchanged credential,
    /// so without a new full snapshot the agent would hold no card key and refuse everyone.
    /// An agent synced at version 1 with door-genuine at `tap` (no card key held), and a server whose next
    /// answer is the version-2 delta making the door `genuine`: the doors, no credentials.
    static func levelChange() async throws -> (FakeServer, Rig) {
        let server = FakeServer()
        var before = Fixture.snapshot(door: "door-genuine", version: 1)
        before.policy.credentials[0].credential.cardKey = nil
        if let i = before.policy.doors.firstIndex(where: { $0.id == "door-genuine" }) { before.policy.doors[i].securityLevelOverride = .tap }
        server.serve(before)
        let rig = try await Rig.make(door: "door-genuine", server: server)
        var delta = Fixture.snapshot(door: "door-genuine", version: 2, full: false)
        delta.policy.credentials = []
        server.serve(delta)
        return (server, rig)
    }

    @Test func aDeltaThatChangesTheDoorsLevelBringsAFullSnapshot() async throws {
        let (server, rig) = try await Self.levelChange()
        server.state.withLock { $0.whenFull = Fixture.snapshot(door: "door-genuine", version: 2) }
        _ = try await rig.sync.syncOnce()
        #expect(server.state.withLock { $0.sinces }.suffix(2) == [1, nil], "the delta, then a full snapshot")
        let d = await rig.controller.handleTap(card: Fixture.card(VirtualMynaCard(state: Fixture.enrolled)), pinPad: ScriptedPINPad(pins: []))
        #expect(d.reason == .granted(group: "staff"), "\(d)")
        try await rig.close()
    }
}

extension GenuineDoorAgentTests {
    /// Asked for the full snapshot, a server (or whoever holds its signing key) that answers with a delta
    /// is refused, and the agent keeps deciding on what it held — the delta is never installed.
    @Test func aDeltaInAnswerToAFullRequestIsRefused() async throws {
        let (server, rig) = try await Self.levelChange()
        await #expect(throws: SnapshotRefusal.self) { _ = try await rig.sync.syncOnce() }
        #expect(server.state.withLock { $0.sinces }.suffix(2) == [1, nil])
        #expect(await rig.sync.current?.snapshot.version == 1, "the delta was not installed")
        try await rig.close()
    }
}
