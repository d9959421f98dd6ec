import Access
import Fluent
import Foundation
import Server
import ServerCore
import Store

/// A generated organisation for `bench decisions`: one zone open around the clock, every employee in
/// the group allowed there, every door a `tap` door into it with its own token. Written straight through
/// Fluent in one transaction, in multi-row inserts, so 50,000 people take seconds, not minutes.
struct BenchOrganisation: Sendable {
    struct Door: Sendable {
        var id: String
        var token: String
    }

    var doors: [Door]
    /// Credential serials (upper-case hex), as a door reads them from the card.
    var serials: [String]

    static func seed(employees: Int, doors doorCount: Int, on db: any Database) async throws -> BenchOrganisation {
        try await db.transaction { tx in
            var serials: [String] = []
            serials.reserveCapacity(employees)
            var doors: [Door] = []
            let zone = ZoneModel()
            zone.id = "office"
            zone.name = "オフィス"
            zone.workplaceBoundary = true
            zone.myNumberArea = false
            zone.antiPassback = "off"
            try await zone.create(on: tx)
            let schedule = ScheduleModel()
            schedule.id = "always"
            schedule.name = "24h"
            let days = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
            schedule.windows = ScheduleJSON.encode(Dictionary(uniqueKeysWithValues: days.map { ($0, ["00:00-24:00"]) }))
            schedule.holidayRule = "ignore"
            try await schedule.create(on: tx)
            let group = AccessGroupModel()
            group.id = "staff"
            group.name = "社員"
            group.grants = String(decoding: try JSONEncoder().encode([GrantJSON(zone: "office", schedule: "always")]), as: UTF8.self)
            try await group.create(on: tx)

            var doorModels: [DoorModel] = []
            for i in 1...doorCount {
                let d = DoorModel()
                d.id = String(format: "door-%05d", i)
                d.name = "扉 \(i)"
                d.toZone = "office"
                doorModels.append(d)
            }
            for chunk in doorModels.chunked(500) { try await chunk.create(on: tx) }
            for d in doorModels {
                doors.append(Door(id: d.id!, token: try await DoorTokens.issue(door: d.id!, on: tx)))
            }

            let now = Date()
            var rng = SystemRandomNumberGenerator()
            for start in stride(from: 0, to: employees, by: 500) {
                var people: [EmployeeModel] = []
                var cards: [CredentialModel] = []
                for i in start..<min(start + 500, employees) {
                    let e = EmployeeModel(employeeNumber: String(format: "E%07d", i + 1), name: "社員 \(i + 1)", department: "開発部", groups: ["staff"])
                    e.id = UUID()
                    people.append(e)
                    let c = CredentialModel()
                    c.employeeID = e.id!
                    c.kind = CredentialKey.Kind.jpkiAuth.rawValue
                    c.issuer = "CN=Bench Auth CA, C=JP"
                    // 16 random bytes with the top bit clear, like a JPKI serial.
                    let serial = [UInt8.random(in: 0x01...0x7F, using: &rng)] + (0..<15).map { _ in UInt8.random(in: 0...255, using: &rng) }
                    c.serial = serial.map { String(format: "%02X", $0) }.joined()
                    c.certificate = Data()
                    c.notBefore = now.addingTimeInterval(-86_400)
                    c.notAfter = now.addingTimeInterval(5 * 365 * 86_400)
                    c.state = "active"
                    c.stateChangedAt = now
                    cards.append(c)
                    serials.append(c.serial)
                }
                try await people.create(on: tx)
                try await cards.create(on: tx)
            }
            return BenchOrganisation(doors: doors, serials: serials)
        }
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
