@testable import AccessServer
import Access
import Fluent
import Foundation
import ServerCore
import Store
import Testing
import Vapor

/// The building's configuration is a value over a database, the event writer, the policy cache and who
/// is acting, used here with no request and no HTTP (the API's own tests are `AccessFlowTests`,
/// `SecurityTests` and the contract run).
@Suite("The building's configuration without HTTP")
struct BuildingServiceTests {
    @Test func eachChangeIsStoredWithItsRecordAndTheNewPolicyIsInForce() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let db = s.app.db
        let building = BuildingService(db: db, events: s.app.mynagate.events, policy: s.app.mynagate.policy, actor: "system:test")

        _ = try await building.putZone(id: "bs-lobby", .init(id: nil, name: "ロビー", workplaceBoundary: true, myNumberArea: nil, antiPassback: nil))
        _ = try await building.putDoor(id: "bs-front", .init(id: nil, name: "正面", fromZone: nil, toZone: "bs-lobby", securityLevel: nil))
        // In force on this server when the call returns, not at the next poll.
        let door = try #require(await s.app.mynagate.policy.current.doors[DoorID(rawValue: "bs-front")])
        #expect(await s.app.mynagate.policy.current.securityLevel(of: door) == .tap)
        try await building.setDoorLevel(id: "bs-front", .pin)
        let changed = try #require(await s.app.mynagate.policy.current.doors[DoorID(rawValue: "bs-front")])
        #expect(await s.app.mynagate.policy.current.securityLevel(of: changed) == .pin)

        // Refusals store nothing and record nothing: an unknown door's level (not a new door), a door
        // into a zone that does not exist, a group granting a schedule that does not exist.
        // 404, not a half-made door that the database refuses for its missing name (a 500).
        await #expect { try await building.setDoorLevel(id: "bs-nowhere", .tap) } throws: { ($0 as? any AbortError)?.status == .notFound }
        #expect(try await DoorModel.find("bs-nowhere", on: db) == nil)
        await #expect(throws: (any Error).self) {
            _ = try await building.putDoor(id: "bs-side", .init(id: nil, name: "横", fromZone: nil, toZone: "bs-no-zone", securityLevel: nil))
        }
        #expect(try await DoorModel.find("bs-side", on: db) == nil)
        await #expect(throws: (any Error).self) {
            _ = try await building.putGroup(id: "bs-group", .init(id: nil, name: "全員", grants: [GrantJSON(zone: "bs-lobby", schedule: "bs-no-schedule")]))
        }
        #expect(try await AccessGroupModel.find("bs-group", on: db) == nil)

        let records = try await AuditRecordModel.query(on: db).filter(\.$actor == "system:test").sort(\.$id).all()
        #expect(records.map(\.kind) == ["config.zone.updated", "config.door.updated", "config.door.updated"])
        #expect(records.map(\.subject) == ["zone:bs-lobby", "door:bs-front", "door:bs-front"])
    }
}
