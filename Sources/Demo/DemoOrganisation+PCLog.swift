import Access
import Attendance
import Foundation
import AttendanceServer
import Vapor

extension DemoOrganisation {
    /// The demo's PC log (パソコンの使用時間の記録), imported through the API's own CSV importer, so the PC-log
    /// page of last month shows a divergence of each door kind and its investigation task:
    /// - person 8, on the second Thursday of last month: logon 8:05 (the door says 8:00), lock 12:00,
    ///   unlock 13:00, logoff 22:40 — 85 minutes after the 21:15 exit: **outside the door record**;
    /// - person 2, on the second Sunday of last month (no door record that day): logon 10:00, logoff
    ///   12:30 (work from home): **no door record**.
    /// Person 1's ordinary day (8:50 logon, 17:20 logoff, inside the door record) is in the file too,
    /// and flags nothing. Times in two of the accepted forms, Japan time and ISO 8601 with an offset.
    func seedPCLog(_ app: Application, today: CivilDate) async throws {
        let first = YearMonth(today).adding(months: -1).firstDay
        let week = (7...13).map { first.adding(days: $0) }
        guard let thursday = week.first(where: { $0.weekday == .thursday }), let sunday = week.first(where: { $0.weekday == .sunday }),
              let monday = week.first(where: { $0.weekday == .monday }) else {
            throw Abort(.internalServerError, reason: "no Thursday, Sunday or Monday in a week")
        }
        let (p1, p2, p8) = (employeeNumber(0), employeeNumber(1), employeeNumber(7))
        let lines = [
            "社員番号,日時,種別,PC名",
            "\(p8),\(thursday) 08:05,logon,PC-0008", "\(p8),\(thursday) 12:00,lock,PC-0008",
            "\(p8),\(thursday) 13:00,unlock,PC-0008", "\(p8),\(thursday)T22:40:00+09:00,logoff,PC-0008",
            "\(p2),\(sunday) 10:00,ログオン,NOTE-0002", "\(p2),\(sunday) 12:30,ログオフ,NOTE-0002",
            "\(p1),\(monday) 09:40,logon,PC-0001", "\(p1),\(monday) 17:10,logoff,PC-0001",
        ]
        let result = try await AttendanceService(db: app.db, events: app.mynagate.events)
            .importPCLog(Data(lines.joined(separator: "\r\n").utf8), by: "demo")
        // The demo's own file: a line that does not read is a bug in the seeding, not data to skip.
        guard result.errors.isEmpty else { throw Abort(.internalServerError, reason: "the demo's PC log has \(result.errors.count) bad lines") }
    }
}
