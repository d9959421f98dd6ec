import Audit
import Foundation
import ServerCore
import Vapor

/// Access and doors' HTTP side as the server is assembled from it (``ServerFeature``): the building
/// (zones, doors, groups, schedules, holidays) and its emergencies, the door agents' routes (decisions,
/// challenges, snapshots, events, heartbeats, push) and the doors page.
///
/// What every feature reads stays in the core: the policy cache (credentials are part of it, and the
/// core enrolls and suspends them), the door tokens' hashes it loads, the snapshot signer and the push
/// hub the policy's version changes are announced through, and the event log.
package enum AccessFeature: ServerFeature {
    package static var messages: [String: (ja: String, en: String)] { AccessMessages.catalogue }

    package static var menu: [PageMenu.Entry] {
        [PageMenu.Entry("/doors", "nav_doors", Pages.operations, group: .building, order: 400),
         PageMenu.Entry("/building", "nav_building", Pages.operations, group: .building, order: 410),
         PageMenu.Entry("/muster", "nav_muster", Pages.operations, group: .building, order: 450)]
    }

    package static var resources: Bundle { .module }

    /// Loads the door snapshot signing key (made on first start; moved out of the database where an
    /// older release kept it, with a record of the move).
    package static func prepare(_ app: Application) async throws {
        let config = app.mynagate.config
        let loaded = try await SnapshotSigner.load(file: config.resolvedSnapshotSigningKeyFile, on: app.db)
        app.setSnapshotSigner(loaded.signer)
        if loaded.movedFromDatabase {
            try await app.mynagate.events.appendNow(AuditDraft(kind: "door.snapshot_key_moved", actor: "system:startup", subject: "setting:\(SnapshotSigner.legacySettingKey)",
                                                               details: ["file": config.resolvedSnapshotSigningKeyFile]))
        }
    }

    package static func register(_ app: Application) throws {
        ConfigController().register(app)
        DecisionsController().register(app)
        DoorSyncController().register(app)
        MusterController().register(app)
        MusterPage().register(app)
        ExplainController().register(app)
        ExplainPage().register(app)
        BuildingPages().register(app)
        DoorsPage().register(read: app.grouped(PageRoleMiddleware(Pages.operations)), admin: app.grouped(PageRoleMiddleware([.admin])))
    }
}

extension Application {
    private struct SnapshotSignerKey: StorageKey { typealias Value = SnapshotSigner }

    /// Signs door snapshots; the same key on every server sharing the database. Only this module signs:
    /// the key is the one door agents trust for the policy they decide on. Set by
    /// ``AccessFeature/prepare(_:)`` before any route is registered; without it a request is a 500 that
    /// says so, never an unsigned snapshot.
    var snapshotSigner: SnapshotSigner {
        get throws {
            guard let signer = storage[SnapshotSignerKey.self] else {
                throw Abort(.internalServerError, reason: "the door snapshot signing key was not loaded")
            }
            return signer
        }
    }

    func setSnapshotSigner(_ signer: SnapshotSigner) { storage[SnapshotSignerKey.self] = signer }
}

// The request bodies the OpenAPI document lets clear a field with `null`.
extension BuildingService.ZoneDTO: NullableRequestFields { package static var nullableFields: Set<String> { ["workplaceBoundary", "myNumberArea", "antiPassback"] } }
extension BuildingService.DoorDTO: NullableRequestFields { package static var nullableFields: Set<String> { ["fromZone", "toZone", "securityLevel", "keylessAdmitUntil", "schedule"] } }
extension BuildingService.ScheduleDTO: NullableRequestFields { package static var nullableFields: Set<String> { ["holidayRule"] } }
extension MusterController.StartInput: NullableRequestFields { static var nullableFields: Set<String> { ["note"] } }
extension MusterService.Config: NullableRequestFields { package static var nullableFields: Set<String> { ["drillReleasesDoors"] } }
extension DecisionsController.DecisionRequest: NullableRequestFields {
    package static var nullableFields: Set<String> { ["issuer", "challengeId", "signature", "cardSignature", "pinResult", "triesLeft"] }
}
