import Access
import DoorProtocol
import Fluent
import Foundation
import ServerCore
import Store

/// Builds the part of the policy one door decides with.
///
/// The small tables come from the server's in-memory policy, so they are exactly at the snapshot's
/// version; credentials come from the database, because only it has each row's version and
/// certificate. Credentials may therefore be newer than the version: the agent receives them again in
/// its next delta, which is harmless, whereas older would lose a change.
///
/// A door controller is a box on a wall, so it holds only what its own decisions need: its zones, the
/// groups that grant the zone it opens into and their schedules, and names only of the people those
/// groups let in. Everyone else appears as an internal id, a status and validity, with no groups — so
/// their card is still recognised and refused with "no permission for this zone" (an explainable deny,
/// not "unknown card"), and exit doors still let everyone out. Certificates, needed only to check a
/// PIN signature, go only to `pin` doors and only for the people allowed through.
enum DoorSnapshotBuilder {
    package static func build(door: Door, policy: AccessPolicy, since: Int?, on db: any Database) async throws -> DoorSnapshot {
        let zoneIDs = Set([door.from, door.to].compactMap { $0 })
        let doors = policy.doors.values.filter { $0.id == door.id || $0.from.map(zoneIDs.contains) == true || $0.to.map(zoneIDs.contains) == true }
        let groups = policy.groups.values.compactMap { group -> AccessGroup? in
            guard let entered = door.to else { return nil }
            var g = group
            g.grants = group.grants.filter { $0.zone == entered }
            return g.grants.isEmpty ? nil : g
        }
        let groupIDs = Set(groups.map(\.id))
        // The door's own schedule too: the agent decides its hours alone.
        let scheduleIDs = Set(groups.flatMap { $0.grants.map(\.schedule) } + [door.schedule].compactMap { $0 })
        var allowed = Set<EmployeeID>()
        let employees = policy.employees.values.map { e -> Employee in
            let relevant = e.groups.intersection(groupIDs)
            if !relevant.isEmpty {
                allowed.insert(e.id)
                var kept = e
                kept.groups = relevant
                return kept
            }
            return Employee(id: e.id, employeeNumber: "", name: "", department: "", status: e.status,
                            validFrom: e.validFrom, validUntil: e.validUntil, groups: [])
        }
        var query = CredentialModel.query(on: db)
        if let since {
            // Equal stamps too: see ``CredentialVersionStamp``. Rows written outside Fluent carry none.
            query = query.group(.or) { $0.filter(\.$version >= since).filter(\.$version == nil) }
        }
        let withCertificates = policy.securityLevel(of: door) == .pin
        // The card keys travel only to `genuine` doors, and only for the people they may let through, as
        // certificates travel to `pin` doors.
        let withCardKeys = policy.securityLevel(of: door) == .genuine
        // An exit door lets everyone out, so it needs everyone's certificate or card key: no group grants
        // "outside", and without this every key would be left out and every holder refused.
        let needed: (EmployeeID) -> Bool = { door.to == nil || allowed.contains($0) }
        let credentials = try await query.all().map { m in
            var credential = PolicyLoader.credential(from: m)
            if !(withCardKeys && needed(credential.employee)) { credential.cardKey = nil }
            let certificate = withCertificates && needed(credential.employee) ? m.certificate : Data()
            return SnapshotCredential(credential: credential, certificate: certificate, version: m.version ?? 0)
        }
        let body = DoorSnapshot.Policy(
            doors: doors.sorted { $0.id.rawValue < $1.id.rawValue },
            zones: zoneIDs.compactMap { policy.zones[$0] }.sorted { $0.id.rawValue < $1.id.rawValue },
            groups: groups.sorted { $0.id.rawValue < $1.id.rawValue },
            schedules: policy.schedules.values.filter { scheduleIDs.contains($0.id) }.sorted { $0.id.rawValue < $1.id.rawValue },
            holidays: policy.holidays.all.map { DoorSnapshot.Holiday(date: $0.0, name: $0.1) },
            employees: employees.sorted { $0.id.rawValue < $1.id.rawValue },
            credentials: credentials.sorted { $0.credential.key.description < $1.credential.key.description },
            lockdown: policy.lockdown,
            emergencyUnlocked: policy.emergencyUnlocked.filter { d in doors.contains { $0.id == d } }.sorted { $0.rawValue < $1.rawValue })
        return DoorSnapshot(version: policy.version, full: since == nil, door: door.id, generatedAt: Date(), policy: body)
    }
}
