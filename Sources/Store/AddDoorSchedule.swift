import Fluent

/// A door's own schedule (issue 21 item 2, "schedule overrides"): `doors.schedule_id`, the weekly
/// schedule outside whose windows the door lets nobody in, whatever their groups allow (`NULL`: the
/// groups' schedules alone decide).
public struct AddDoorSchedule: AsyncMigration {
    public init() {}

    public func prepare(on database: any Database) async throws {
        try await database.schema(DoorModel.schema).field("schedule_id", .string).update()
    }

    public func revert(on database: any Database) async throws {
        try await database.schema(DoorModel.schema).deleteField("schedule_id").update()
    }
}
