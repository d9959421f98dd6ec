import Access
import Attendance
import Foundation
import AttendanceServer
import Vapor

extension DemoOrganisation {
    /// The demo's annual-leave register (年次有給休暇), dated from today so the page always shows each
    /// status, imported through the API's own CSV importer:
    /// - person 1: 10 days granted 200 days ago, 5 taken (3 full, 2 half, 1 more full): **ok**;
    /// - person 2: 10 days granted 335 days ago, so the year ends in 29 days; 2.5 days taken and 3 hours
    ///   of hourly leave (not counted): **warning**;
    /// - person 3: 11 days granted 380 days ago, the year ended 16 days ago with 3 days taken: **overdue**;
    ///   and the next grant, 15 days ago, nothing taken yet: pending;
    /// - person 5: 7 days (a part-timer's proportional grant): not under the duty.
    func seedLeave(_ app: Application, today: CivilDate) async throws {
        func day(_ n: Int) -> String { today.adding(days: n).description }
        let (p1, p2, p3, p5) = (employeeNumber(0), employeeNumber(1), employeeNumber(2), employeeNumber(4))
        let lines = [
            "社員番号,区分,日付,日数・単位,時間数",
            "\(p1),grant,\(day(-200)),10",
            "\(p1),taken,\(day(-180)),full", "\(p1),taken,\(day(-150)),full", "\(p1),taken,\(day(-120)),full",
            "\(p1),taken,\(day(-100)),half", "\(p1),taken,\(day(-60)),half", "\(p1),taken,\(day(-30)),full",
            "\(p2),grant,\(day(-335)),10",
            "\(p2),taken,\(day(-300)),full", "\(p2),taken,\(day(-200)),full", "\(p2),taken,\(day(-90)),half",
            "\(p2),taken,\(day(-40)),hourly,3",
            "\(p3),grant,\(day(-380)),11",
            "\(p3),taken,\(day(-370)),full", "\(p3),taken,\(day(-250)),full", "\(p3),taken,\(day(-100)),full",
            "\(p3),grant,\(day(-15)),11",
            "\(p5),grant,\(day(-100)),7",
            "\(p5),taken,\(day(-50)),full",
        ]
        let result = try await AttendanceService(db: app.db, events: app.mynagate.events)
            .importLeave(Data(lines.joined(separator: "\r\n").utf8), by: "demo")
        // The demo's own file: a line that does not read is a bug in the seeding, not data to skip.
        guard result.errors.isEmpty else { throw Abort(.internalServerError, reason: "the demo's leave file has \(result.errors.count) bad lines") }
    }
}
