import Access
import DoorAgent
import DoorProtocol
import Foundation
@testable import AttendanceServer
@testable import CardApplicationServer
@testable import ServerCore
@testable import VaultServer
import Testing

/// The door agent's own pieces — ``PushListener``, ``SnapshotSync`` over ``HTTPDoorServer`` and its
/// local store — against a real server: a suspension must reach an online agent within a second, by push
/// and not by the next poll.
@Suite("Door agent against a real server: push", .serialized)
struct DoorAgentPushTests {
    @Test("a suspension reaches the agent's stored snapshot within 1 s through push (polling every 60 s)")
    func suspensionByPush() async throws {
        let site = try await DoorSite.make()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-push-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        let registration = DoorAgentRegistration(server: "http://127.0.0.1:\(site.server.port)", door: "entrance", token: site.door.bearer ?? "",
                                                 snapshotPublicKey: site.publicKey.rawRepresentation.base64EncodedString())
        let store = try await LocalStore.open(path: dir.appendingPathComponent("door.sqlite").path)
        let sync = SnapshotSync(store: store, server: HTTPDoorServer(registration: registration),
                                verifier: try SnapshotVerifier(base64PublicKey: registration.snapshotPublicKey), door: "entrance")
        #expect(try await sync.syncOnce())
        let key = CredentialKey(issuer: "", serial: site.serial)
        func state() async -> Credential.State? { await sync.current?.policy.resolve(key)?.state }
        #expect(await state() == .active)

        // A poll interval far longer than the test: only the push can bring the change in time.
        let (events, log) = AsyncStream<String>.makeStream()
        let versions = PushListener(registration: registration).versions(log: { log.yield($0) })
        let running = Task { await sync.run(pollInterval: 60, wake: versions, log: { log.yield($0) }) }
        // The first poll happens at once; wait for it so the change below is the push's to carry.
        let first = ContinuousClock.now
        while await sync.current?.snapshot.version == nil, ContinuousClock.now - first < .seconds(5) { try await Task.sleep(for: .milliseconds(20)) }
        // The server has registered the agent's push socket (its hub counts it), so the suspension below
        // is announced on it. A fixed sleep here was a guess that a loaded machine could lose.
        let connecting = ContinuousClock.now
        while site.server.app.mynagate.doorPush.count == 0, ContinuousClock.now - connecting < .seconds(10) {
            try await Task.sleep(for: .milliseconds(10))
        }
        try #require(site.server.app.mynagate.doorPush.count == 1, "the agent's push socket never reached the server's hub")

        let started = ContinuousClock.now
        #expect(try await site.server.send(.POST, "/api/v1/credentials/\(site.credentialID)/suspend", as: site.admin).status == .ok)
        var suspended = false
        while ContinuousClock.now - started < .seconds(3) {
            if case .suspended = await state() { suspended = true; break }
            try await Task.sleep(for: .milliseconds(10))
        }
        let elapsed = ContinuousClock.now - started
        #expect(suspended, "the suspension never reached the agent")
        #expect(elapsed < .seconds(1), "the suspension took \(elapsed)")
        // What the agent holds is what it stored: a restart decides with the suspension too.
        let reopened = SnapshotSync(store: store, server: HTTPDoorServer(registration: registration),
                                    verifier: try SnapshotVerifier(base64PublicKey: registration.snapshotPublicKey), door: "entrance")
        try await reopened.loadFromStore()
        if case .suspended = await reopened.current?.policy.resolve(key)?.state {} else { Issue.record("the stored snapshot lacks the suspension") }

        running.cancel()
        await running.value
        log.finish()
        _ = events
        try await store.close()
        // Revoke the token so the server closes the push connection before it stops.
        _ = try await site.server.send(.DELETE, "/api/v1/doors/entrance/token", as: site.admin)
        await site.server.stop()
    }
}
