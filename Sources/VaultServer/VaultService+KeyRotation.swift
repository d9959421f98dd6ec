import Access
import Audit
import Fluent
import Foundation
import MyNumber
import Store
import Vapor
import Vault
import ServerCore

/// The vault's operations (``VaultService``): key rotation.
extension VaultService {
    public struct RotationReport: Sendable, Codable {
        public var newKeyID: String
        public var total: Int
        public var rewrapped: Int
        public var alreadyCurrent: Int
        public var erased: Int
    }

    /// Re-wraps every data key under `provider`'s current key, row by row, each in its own transaction
    /// (a running server keeps serving: a row is never left half-written). The first failure stops the
    /// run with the error (a wrong key), leaving every row readable under the keys it had.
    public static func rotate(provider: Keyring, on db: any Database, progress: @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> RotationReport {
        let sealer = NumberSealer(provider: provider)
        let ids = try await VaultNumberModel.query(on: db).all(\.$id)
        var report = RotationReport(newKeyID: provider.currentKeyID.rawValue, total: ids.count, rewrapped: 0, alreadyCurrent: 0, erased: 0)
        for (i, id) in ids.enumerated() {
            progress(i, ids.count)
            let outcome: Int = try await db.transaction { tx in
                guard let n = try await VaultNumberModel.find(id, on: tx) else { return 0 }
                let s = sealed(n)
                if s.isErased { return 2 }
                guard sealer.needsRewrap(s) else { return 1 }
                let r = try await sealer.rewrap(s, for: NumberRecordID(rawValue: id))
                // Prove the new wrapping opens before it replaces the old one.
                _ = try await sealer.open(r, for: NumberRecordID(rawValue: id))
                n.keyID = r.wrappedKey?.keyID.rawValue
                n.wrappedKey = r.wrappedKey?.sealed
                try await n.save(on: tx)
                return 3
            }
            switch outcome {
            case 1: report.alreadyCurrent += 1
            case 2: report.erased += 1
            case 3: report.rewrapped += 1
            default: break
            }
        }
        progress(ids.count, ids.count)
        return report
    }

    /// How many numbers are wrapped under each key id (the register; `rotate-key`'s final check).
    public static func countsByKey(on db: any Database) async throws -> [String: Int] {
        var out: [String: Int] = [:]
        for k in try await VaultNumberModel.query(on: db).all(\.$keyID) { out[k ?? "(erased)", default: 0] += 1 }
        return out
    }
}
