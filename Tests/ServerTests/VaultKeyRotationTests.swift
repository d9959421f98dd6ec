import Fluent
import Foundation
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Store
import Testing
import Vapor
import Vault

/// Key rotation through `VaultService.rotate` — the code `mynagate vault rotate-key` runs — against the
/// server's own database while it serves, then reveals over HTTP under the key file it re-reads.
@Suite("Vault: key rotation", .serialized)
struct VaultKeyRotationTests {
    /// Replaces the key file and stamps a distinct modification time, so the server's change check
    /// sees it even when two files have the same size within one second.
    static func replaceKeys(_ site: VaultSite, current: String, keys: [(String, String)], step: Int) throws {
        try VaultSite.writeKeyFile(site.keyFile, current: current, keys: keys)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(TimeInterval(step))], ofItemAtPath: site.keyFile.path)
    }

    @Test("rotate: every data key re-wrapped under the new key, nothing lost, the old key retired, a wrong key detected")
    func rotate() async throws {
        let oldKey = Keyring.generateKeyBase64(), newKey = Keyring.generateKeyBase64(), wrongKey = Keyring.generateKeyBase64()
        let site = try await VaultSite.start(firstKey: oldKey)
        defer { Task { await site.stop() } }
        let s = site.s
        var records: [(String, String)] = []
        for i in 0..<3 {
            let n = TestNumbers.make()
            let (e, who) = try await site.employee("V050\(i)")
            records.append((try await site.collectTyped(e, who: who, number: n, purposes: ["withholding_slip"]), n))
        }
        #expect(try await VaultService.countsByKey(on: s.app.db) == [VaultSite.keyID: 3])

        // The new keyring: old and new, new current. Rotation re-wraps all three.
        let both = try Keyring(current: KeyID(rawValue: "k2027")!, keys: [KeyID(rawValue: VaultSite.keyID)!: Data(base64Encoded: oldKey)!,
                                                                           KeyID(rawValue: "k2027")!: Data(base64Encoded: newKey)!])
        let progress = ProgressLog()
        let report = try await VaultService.rotate(provider: both, on: s.app.db) { done, total in progress.add(done, total) }
        #expect(report.total == 3 && report.rewrapped == 3 && report.alreadyCurrent == 0)
        #expect(progress.last == [3, 3])
        #expect(try await VaultService.countsByKey(on: s.app.db) == ["k2027": 3])
        // Run again: nothing to do.
        #expect(try await VaultService.rotate(provider: both, on: s.app.db).alreadyCurrent == 3)

        // The server follows the key file: both keys, then the new key alone — every number still opens.
        try Self.replaceKeys(site, current: "k2027", keys: [(VaultSite.keyID, oldKey), ("k2027", newKey)], step: 10)
        for (r, n) in records { #expect(try await site.reveal(r, purpose: "withholding_slip").object()["number"] as? String == n) }
        try Self.replaceKeys(site, current: "k2027", keys: [("k2027", newKey)], step: 20)
        for (r, n) in records { #expect(try await site.reveal(r, purpose: "withholding_slip").object()["number"] as? String == n) }
        // New numbers are sealed under the new key.
        let (e, who) = try await site.employee("V0510")
        let fresh = TestNumbers.make()
        let freshRecord = try await site.collectTyped(e, who: who, number: fresh, purposes: ["withholding_slip"])
        #expect(try await VaultService.countsByKey(on: s.app.db) == ["k2027": 4])

        // A wrong key under the right id is detected (authentication fails), and says nothing more.
        try Self.replaceKeys(site, current: "k2027", keys: [("k2027", wrongKey)], step: 30)
        let wrong = try await site.reveal(freshRecord, purpose: "withholding_slip")
        #expect(wrong.status == .internalServerError, "\(wrong.text)")
        #expect(wrong.text.contains("data_key_unwrap_failed"), "\(wrong.text)")
        #expect(!wrong.text.contains(fresh))
        // Only the old key (retired): the record names a key the ring does not hold.
        try Self.replaceKeys(site, current: VaultSite.keyID, keys: [(VaultSite.keyID, oldKey)], step: 40)
        #expect(try await site.reveal(freshRecord, purpose: "withholding_slip").text.contains("unknown_key_id"))

        // Rotating with a keyring that cannot open the data keys fails at the first row and changes nothing.
        let wrongRing = try Keyring(current: KeyID(rawValue: "k2028")!, keys: [KeyID(rawValue: "k2027")!: Data(base64Encoded: wrongKey)!,
                                                                                 KeyID(rawValue: "k2028")!: Data(base64Encoded: Keyring.generateKeyBase64())!])
        await #expect(throws: (any Error).self) { _ = try await VaultService.rotate(provider: wrongRing, on: s.app.db) }
        #expect(try await VaultService.countsByKey(on: s.app.db) == ["k2027": 4])
        try Self.replaceKeys(site, current: "k2027", keys: [("k2027", newKey)], step: 50)
        for (r, n) in records + [(freshRecord, fresh)] {
            #expect(try await site.reveal(r, purpose: "withholding_slip").object()["number"] as? String == n)
        }
        await site.stop()
    }
}

/// Progress callbacks as the CLI's bar receives them.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var calls: [[Int]] = []
    func add(_ done: Int, _ total: Int) { lock.withLock { calls.append([done, total]) } }
    var last: [Int]? { lock.withLock { calls.last } }
}
