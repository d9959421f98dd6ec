@testable import CardApplicationServer
import CardApplication
import Fluent
import Foundation
import ServerCore
import Store
import Testing

/// The card-application actions are a value over a database, an event writer and the person acting,
/// used here with no request and no HTTP.
@Suite("Card-application actions without HTTP")
struct CardOpsTests {
    @Test func anOptInAndItsRecordWithoutARequest() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let person = EmployeeModel(employeeNumber: "S0002", name: "試験 六郎", department: "総務部")
        try await person.create(on: s.app.db)
        let ops = CardOps(db: s.app.db, events: s.app.mynagate.events, username: "s0002", employeeID: try person.requireID())
        let record = try await ops.optIn(route: .contractorBatch)
        #expect(record.stage == .optedIn)
        // A second opt-in while the first is open is refused, and nothing more is recorded.
        await #expect(throws: (any Error).self) { _ = try await ops.optIn(route: .contractorBatch) }
        #expect(try await CardApplicationModel.query(on: s.app.db).count() == 1)
        let records = try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "card_application.opted_in").all()
        #expect(records.map(\.actor) == ["user:s0002"])
        // An account without an employee record has no application to act on.
        let stranger = CardOps(db: s.app.db, events: s.app.mynagate.events, username: "visitor", employeeID: nil)
        await #expect(throws: (any Error).self) { _ = try await stranger.mine() }
    }
}
