import Access
import DoorProtocol
import Foundation
import XCTest

/// Writes the seed corpora of the door fuzz targets (Fuzz/Corpus/FuzzDoorSnapshot, FuzzDoorEvents) in
/// DoorWire's encoding. Runs only when asked, because it writes into the source tree:
///   MYNAGATE_FUZZ_SEEDS=1 swift test --filter FuzzSeeds
final class FuzzSeedTests: XCTestCase {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/Corpus")

    func write(_ target: String, _ seeds: [String: Data]) throws {
        let dir = Self.corpus.appendingPathComponent(target)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, data) in seeds { try data.write(to: dir.appendingPathComponent("seed-" + name)) }
    }

    func testWriteDoorSeeds() throws {
        try XCTSkipIf(ProcessInfo.processInfo.environment["MYNAGATE_FUZZ_SEEDS"] == nil, "writes the fuzz corpora only when asked")
        // DoorSnapshotTests' sample: every kind of policy element, a suspended credential, a holiday.
        let samples = DoorSnapshotTests(name: "sample", testClosure: { _ in })
        let full = samples.sample()
        var delta = samples.sample(version: 8, full: false)
        delta.nonce = "n0nce-abcdefghijklmnop"
        delta.removedCredentials = [CredentialKey(issuer: "JPKI-CA", serial: "FF")]
        delta.policy.lockdown = true
        let e = DoorWire.encoder()
        try write("FuzzDoorSnapshot", ["full": try e.encode(full), "delta": try e.encode(delta),
                                       "empty": try e.encode(DoorSnapshot(version: 1, full: true, door: "front", generatedAt: Date(timeIntervalSince1970: 1_760_000_000), policy: .init()))])
        let events = [
            DoorEvent(id: UUID(uuidString: "6F1C2A3B-0000-4000-8000-000000000001")!, time: Date(timeIntervalSince1970: 1_760_000_000.125), door: "front",
                      serial: "0a1b", issuer: "JPKI-CA", outcome: .grant, reason: "granted", employee: "e1", offline: false, snapshotVersion: 7),
            DoorEvent(id: UUID(uuidString: "6F1C2A3B-0000-4000-8000-000000000002")!, time: Date(timeIntervalSince1970: 1_760_000_060), door: "front",
                      serial: "ff", outcome: .deny, reason: "credential_suspended", offline: true, snapshotVersion: 7, warnings: ["stale_snapshot"]),
        ]
        try write("FuzzDoorEvents", [
            "batch": try e.encode(DoorEventBatch(events: events)),
            "empty-batch": try e.encode(DoorEventBatch(events: [])),
            "result": try e.encode(DoorEventBatchResult(accepted: 1, duplicates: 1, quarantined: 0)),
            "heartbeat": try e.encode(DoorHeartbeat(snapshotVersion: 7, online: false, offlineSince: Date(timeIntervalSince1970: 1_760_000_000),
                                                    staleSince: nil, mode: .staleFailSecure, outboxDepth: 3)),
        ])
    }
}
