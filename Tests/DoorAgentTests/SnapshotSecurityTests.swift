import Access
import Crypto
import DoorAgent
import DoorProtocol
import Foundation
import MynaCardSim
import Testing

/// Attacks on the door agent's snapshot (security issue 14, H2 and L9), through the real agent code: a
/// recorded answer replayed, an older signed snapshot offered, a body from another time, and the
/// snapshot on disk changed while the agent was stopped.
@Suite("Door agent: replayed, older and tampered snapshots are refused")
struct SnapshotSecurityTests {
    func tap(_ rig: Rig) async -> Decision {
        await rig.controller.handleTap(card: Fixture.card(.init(state: Fixture.enrolled)), pinPad: ScriptedPINPad(pins: []))
    }

    @Test("a replayed earlier answer (stale nonce) is refused after a suspension: the card stays denied, the staleness clock keeps running")
    func replayAfterSuspension() async throws {
        let rig = try await Rig.make(door: "door-tap")
        #expect(await tap(rig).isGranted)
        // What an attacker on the link recorded while the card was still active: a genuine, signed body.
        let recorded = try #require(rig.server.served.last)

        rig.server.serve(Fixture.snapshot(door: "door-tap", version: 2, state: .suspended(reason: .reportedLost, at: Date())))
        #expect(try await rig.sync.syncOnce())
        #expect(await tap(rig).reason == .credentialSuspended(.reportedLost))
        let syncedAt = try #require(await rig.sync.current?.syncedAt)

        // The attacker now answers every request with the recorded body.
        rig.clock.advance(3600)
        rig.server.serve(recorded)
        await #expect(throws: SnapshotRefusal.staleNonce) { try await rig.sync.syncOnce() }
        #expect(await rig.sync.current?.snapshot.version == 2)
        #expect(await tap(rig).reason == .credentialSuspended(.reportedLost))
        // Not a sign of life from the server: the staleness clock was not reset.
        #expect(await rig.sync.current?.syncedAt == syncedAt)
        let stored = try #require(try await rig.store.snapshot()?.syncedAt)
        #expect(abs(stored.timeIntervalSince(syncedAt)) < 0.001)
        try await rig.close()
    }

    @Test("an older snapshot, even freshly signed with the right nonce, is never installed (full or delta)")
    func olderVersionRefused() async throws {
        let rig = try await Rig.make(door: "door-tap")
        rig.server.serve(Fixture.snapshot(door: "door-tap", version: 5, state: .suspended(reason: .securityOfficer, at: Date())))
        #expect(try await rig.sync.syncOnce())
        #expect(await tap(rig).reason == .credentialSuspended(.securityOfficer))

        // A server (or whoever holds its key) signs an answer at version 4 where the card was active.
        rig.server.serve(Fixture.snapshot(door: "door-tap", version: 4))
        await #expect(throws: SnapshotRefusal.olderVersion(4, 5)) { try await rig.sync.syncOnce() }
        rig.server.serve(Fixture.snapshot(door: "door-tap", version: 4, full: false))
        await #expect(throws: SnapshotRefusal.olderVersion(4, 5)) { try await rig.sync.syncOnce() }
        #expect(await tap(rig).reason == .credentialSuspended(.securityOfficer))
        #expect(try await rig.store.snapshot()?.snapshot.version == 5)
        try await rig.close()
    }

    @Test("a signed body whose generation time is far from the agent's clock is refused")
    func generatedAtChecked() async throws {
        let rig = try await Rig.make(door: "door-tap")
        // The server's clock an hour behind the door's: the answer is refused as not current.
        rig.server.state.withLock { s in s.now = { Date().addingTimeInterval(-3600) } }
        rig.server.serve(Fixture.snapshot(door: "door-tap", version: 2))
        do {
            try await rig.sync.syncOnce()
            Issue.record("a snapshot an hour old by the door's clock was installed")
        } catch SnapshotRefusal.clockMismatch(let seconds) {
            #expect((-3660 ... -3540).contains(seconds))
        }
        #expect(await rig.sync.current?.snapshot.version == 1)
        try await rig.close()
    }

    @Test("the store is 0600, and a snapshot changed on disk is refused when the agent starts")
    func tamperedStoreRefusedAtStart() async throws {
        let dir = Fixture.temporaryDirectory()
        let server = FakeServer()
        let rig = try await Rig.make(door: "door-tap", directory: dir, server: server)
        let path = dir.appendingPathComponent("door.sqlite").path
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            #expect((try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber)?.intValue == 0o600, "\(file)")
        }
        try await rig.store.close()

        // Someone with the file changes one byte of the stored (signed) body while the agent is stopped.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let from = Data(#""name":"Entrance""#.utf8), to = Data(#""name":"Entrancf""#.utf8)
        var changed = 0
        while let r = bytes.range(of: from) {
            bytes.replaceSubrange(r, with: to)
            changed += 1
        }
        #expect(changed > 0, "the stored body was not found in the file")
        try bytes.write(to: URL(fileURLWithPath: path))

        server.setReachable(false)
        // The agent's own start path: it refuses the stored snapshot and holds none (every tap fails secure).
        let store = try await LocalStore.open(path: path)
        let sync = SnapshotSync(store: store, server: server, verifier: try SnapshotVerifier(base64PublicKey: Fixture.publicKeyBase64), door: "door-tap")
        await #expect(throws: SnapshotRefusal.self) { try await sync.loadFromStore() }
        #expect(await sync.current == nil)
        try await store.close()
        try? FileManager.default.removeItem(at: dir)
    }

    @Test("a suspended card turned active in the stored body (signature kept) is refused at start")
    func forgedStoredBodyRefused() async throws {
        let dir = Fixture.temporaryDirectory()
        let server = FakeServer()
        server.serve(Fixture.snapshot(door: "door-tap", version: 1, state: .suspended(reason: .reportedLost, at: Date())))
        let rig = try await Rig.make(door: "door-tap", directory: dir, server: server)
        #expect(await tap(rig).reason == .credentialSuspended(.reportedLost))
        // The attacker writes a body where the card is active, with the genuine signature of the old one.
        let genuine = try #require(server.served.last)
        let forged = try DoorWire.encoder().encode(Fixture.snapshot(door: "door-tap", version: 1))
        try await rig.store.saveSnapshot(Fixture.snapshot(door: "door-tap", version: 1), signed: SignedBody(body: forged, signature: genuine.signature),
                                         full: true, receivedAt: Date())
        try await rig.store.close()

        server.setReachable(false)
        let store = try await LocalStore.open(path: dir.appendingPathComponent("door.sqlite").path)
        let sync = SnapshotSync(store: store, server: server, verifier: try SnapshotVerifier(base64PublicKey: Fixture.publicKeyBase64), door: "door-tap")
        await #expect(throws: SnapshotRefusal.storedSnapshotInvalid(SnapshotRefusal.badSignature.description)) { try await sync.loadFromStore() }
        #expect(await sync.current == nil)
        try await store.close()
        try? FileManager.default.removeItem(at: dir)
    }

    @Test("only a new registration lets the agent start over at a lower version; the outbox is kept")
    func reRegistrationResets() async throws {
        let rig = try await Rig.make(door: "door-tap")
        let first = DoorAgentRegistration(server: "https://gate.example", door: "door-tap", token: "a", snapshotPublicKey: Fixture.publicKeyBase64)
        #expect(try await rig.store.adopt(registration: first.digest) == false)
        rig.server.serve(Fixture.snapshot(door: "door-tap", version: 9))
        try await rig.sync.syncOnce()
        _ = await tap(rig)
        #expect(try await rig.store.adopt(registration: first.digest) == false)
        var second = first
        second.token = "b"
        #expect(try await rig.store.adopt(registration: second.digest) == true)
        #expect(try await rig.store.snapshot() == nil)
        #expect(try await rig.store.pendingCount() == 1)
        let fresh = SnapshotSync(store: rig.store, server: rig.server, verifier: try SnapshotVerifier(base64PublicKey: Fixture.publicKeyBase64), door: "door-tap")
        try await fresh.loadFromStore()
        rig.server.serve(Fixture.snapshot(door: "door-tap", version: 3))
        #expect(try await fresh.syncOnce())
        #expect(await fresh.current?.snapshot.version == 3)
        try await rig.close()
    }

    @Test("an uploaded batch the server partly quarantined still leaves the outbox")
    func quarantinedEventsLeaveTheOutbox() async throws {
        let rig = try await Rig.make(door: "door-tap")
        _ = await tap(rig)
        _ = await tap(rig)
        rig.server.state.withLock { $0.quarantineNext = 1 }
        let uploader = Uploader(store: rig.store, server: rig.server)
        #expect(try await uploader.drain() == 2)
        #expect(await uploader.quarantined == 1)
        #expect(try await rig.store.pendingCount() == 0)
        try await rig.close()
    }
}
