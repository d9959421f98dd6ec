import Access
import Crypto
import DoorAgent
import DoorProtocol
import Foundation
import Testing

@Suite("Snapshots: verified before believed, merged by version")
struct SnapshotSyncTests {
    @Test func tamperedBodyIsRefusedAndTheOldSnapshotKept() async throws {
        let rig = try await Rig.make(door: "door-tap")
        #expect(await rig.sync.current?.snapshot.version == 1)

        // The body is changed after signing: the credential is suspended in the signed bytes, then the
        // attacker flips it back to active and raises the version.
        let signed = Fixture.signed(Fixture.snapshot(door: "door-tap", version: 2, state: .suspended(reason: .reportedLost, at: Date())))
        let forged = try DoorWire.encoder().encode(Fixture.snapshot(door: "door-tap", version: 2))
        rig.server.serve(SignedBody(body: forged, signature: signed.signature))
        await #expect(throws: SnapshotRefusal.badSignature) { try await rig.sync.syncOnce() }
        #expect(await rig.sync.current?.snapshot.version == 1)

        // Signed, but by another key.
        rig.server.serve(Fixture.signed(Fixture.snapshot(door: "door-tap", version: 3), key: Curve25519.Signing.PrivateKey()))
        await #expect(throws: SnapshotRefusal.badSignature) { try await rig.sync.syncOnce() }

        // No signature at all.
        rig.server.serve(SignedBody(body: forged, signature: nil))
        await #expect(throws: SnapshotRefusal.missingSignature) { try await rig.sync.syncOnce() }

        // Signed correctly, but for another door.
        rig.server.serve(Fixture.signed(Fixture.snapshot(door: "door-pin", version: 4)))
        await #expect(throws: SnapshotRefusal.wrongDoor("door-pin")) { try await rig.sync.syncOnce() }

        // What is on disk is still version 1.
        #expect(try await rig.store.snapshot()?.snapshot.version == 1)
        try await rig.close()
    }

    @Test func aDeltaRepeatingWhatTheAgentHasStoresNothing() async throws {
        let server = FakeServer()
        let rig = try await Rig.make(door: "door-tap", server: server)
        var delta = Fixture.snapshot(door: "door-tap", version: 2, state: .suspended(reason: .reportedLost, at: Date()), full: false)
        delta.policy.credentials[0].version = 2
        server.serve(delta)
        #expect(try await rig.sync.syncOnce())
        #expect(try await rig.store.deltaCount() == 1)
        // The server answers `since=2` with the rows stamped 2 again: the same policy, nothing to store
        // (32 stored parts would make the agent fetch a full snapshot every few minutes).
        for _ in 0..<5 {
            server.serve(delta)
            #expect(try await rig.sync.syncOnce() == false)
        }
        #expect(try await rig.store.deltaCount() == 1)
        try await rig.close()
    }

    @Test func deltaSuspendsACredentialAndSurvivesRestart() async throws {
        let dir = Fixture.temporaryDirectory()
        let server = FakeServer()
        let rig = try await Rig.make(door: "door-tap", directory: dir, server: server)
        var delta = Fixture.snapshot(door: "door-tap", version: 2, state: .suspended(reason: .reportedLost, at: Date()), full: false)
        delta.policy.credentials[0].version = 2
        server.serve(delta)
        #expect(try await rig.sync.syncOnce())
        let decision = await rig.controller.handleTap(card: Fixture.card(.init(state: Fixture.enrolled)), pinPad: ScriptedPINPad(pins: []))
        #expect(decision.reason == .credentialSuspended(.reportedLost))
        try await rig.store.close()

        // A restarted agent decides from the stored, merged snapshot before it reaches the server.
        server.setReachable(false)
        let restarted = try await Rig.make(door: "door-tap", directory: dir, server: server, syncFirst: false)
        #expect(await restarted.sync.current?.snapshot.version == 2)
        let again = await restarted.controller.handleTap(card: Fixture.card(.init(state: Fixture.enrolled)), pinPad: ScriptedPINPad(pins: []))
        #expect(again.reason == .credentialSuspended(.reportedLost))
        // Both events wait in the outbox; the second was decided offline.
        let pending = try await restarted.store.pending(limit: 10)
        #expect(pending.count == 2)
        #expect(pending.last?.offline == true)
        #expect(pending.last?.snapshotVersion == 2)
        try await restarted.close()
    }

    @Test func removedCredentialsAreDropped() async throws {
        let rig = try await Rig.make(door: "door-tap")
        var delta = Fixture.snapshot(door: "door-tap", version: 2, full: false)
        delta.policy.credentials = []
        delta.removedCredentials = [Fixture.credentialKey]
        rig.server.serve(delta)
        try await rig.sync.syncOnce()
        let decision = await rig.controller.handleTap(card: Fixture.card(.init(state: Fixture.enrolled)), pinPad: ScriptedPINPad(pins: []))
        #expect(decision.reason == .unknownCredential)
        try await rig.close()
    }
}
