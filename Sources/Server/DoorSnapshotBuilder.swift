import Access
import DoorProtocol
import Fluent
import Foundation
import Store

/// Builds the part of the policy one door decides with.
///
/// The small tables come from the server's in-memory policy, so they are exactly at the snapshot's
/// version; credentials come from the database, because only it has each row's version and
/// certificate. Credentials may therefore be newer than the version: the agent receives them again in
/// its next delta, which is harmless, whereas older would lose a change.
enum DoorSnapshotBuilder {
    static func build(door: Door, policy: AccessPolicy, since: Int?, on db: any Database) async throws -> DoorSnapshot {
        let zoneIDs = Set([door.from, door.to].compactMap { $0 })
        let doors = policy.doors.values.filter { $0.id == door.id || $0.from.map(zoneIDs.contains) == true || $0.to.map(zoneIDs.contains) == true }
        var query = CredentialModel.query(on: db)
        if let since {
            // Equal stamps too: see ``CredentialVersionStamp``. Rows written outside Fluent carry none.
            query = query.group(.or) { $0.filter(\.$version >= since).filter(\.$version == nil) }
        }
        // Certificates only where a signature is checked: they are most of a credential's size.
        let withCertificates = policy.securityLevel(of: door) == .pin
        let credentials = try await query.all().map { m in
            SnapshotCredential(credential: PolicyLoader.credential(from: m), certificate: withCertificates ? m.certificate : Data(), version: m.version ?? 0)
        }
        let body = DoorSnapshot.Policy(
            doors: doors.sorted { $0.id.rawValue < $1.id.rawValue },
            zones: zoneIDs.compactMap { policy.zones[$0] }.sorted { $0.id.rawValue < $1.id.rawValue },
            groups: policy.groups.values.sorted { $0.id.rawValue < $1.id.rawValue },
            schedules: policy.schedules.values.sorted { $0.id.rawValue < $1.id.rawValue },
            holidays: policy.holidays.all.map { DoorSnapshot.Holiday(date: $0.0, name: $0.1) },
            employees: policy.employees.values.sorted { $0.id.rawValue < $1.id.rawValue },
            credentials: credentials.sorted { $0.credential.key.description < $1.credential.key.description },
            lockdown: policy.lockdown,
            emergencyUnlocked: policy.emergencyUnlocked.filter { d in doors.contains { $0.id == d } }.sorted { $0.rawValue < $1.rawValue })
        return DoorSnapshot(version: policy.version, full: since == nil, door: door.id, generatedAt: Date(), policy: body)
    }
}
