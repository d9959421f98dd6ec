@testable import AttendanceServer
import FaultInjection
import Fluent
import Foundation
import Store
import Testing

/// The attendance service is a value over a database and an event writer, used here with no request
/// and no HTTP: the way the command line uses it (`events: nil`, recorded through the log's store).
@Suite("Attendance service without HTTP")
struct AttendanceServiceTests {
    /// Seen failing with `audited` made to save first and record after: the correction was stored with
    /// the event log refusing its record.
    @Test func aCorrectionAndItsRecordAreOneWriteWithoutARequest() async throws {
        let plan = FaultPlan()
        let s = try await TestServer.start(faults: plan)
        defer { Task { await s.stop() } }
        let person = EmployeeModel(employeeNumber: "S0001", name: "試験 五郎", department: "総務部")
        try await person.create(on: s.app.db)
        let service = AttendanceService(db: s.app.db, events: nil)
        #expect(try await service.people().map(\.number) == ["S0001"])
        #expect(try await service.departments() == ["総務部"])
        let input = AttendanceService.CorrectionInput(employeeId: try person.requireID(), action: "add", direction: "out",
                                                      at: Date(timeIntervalSince1970: 1_793_000_000), eventId: nil, reason: "退出打刻忘れ")
        plan.add(.init(.insert, table: "audit_records", times: nil))
        await #expect(throws: (any Error).self) { _ = try await service.addCorrection(input, by: "cli:test") }
        plan.mend()
        #expect(try await AttendanceCorrectionModel.query(on: s.app.db).count() == 0, "no correction without its record")
        let made = try await service.addCorrection(input, by: "cli:test")
        #expect(made.correctedBy == "cli:test")
        #expect(try await AttendanceCorrectionModel.query(on: s.app.db).count() == 1)
        let records = try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "attendance.corrected").all()
        #expect(records.map(\.actor) == ["cli:test"])
    }
}
