import Access
import Attendance
import Audit
import Fluent
import Foundation
import Server
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Store
import Vapor

extension DemoOrganisation {
    /// The demo's attendance data: door events at the entrance and the exit for every weekday from the
    /// first of last month to yesterday, written to the event log as a door agent's uploaded decisions
    /// are (kind `door.decision`, the door's own time in `eventTime`), so the crossings are derived by
    /// the server's real path. Shapes worth seeing on the pages:
    /// - person 8 (index 7) works 8:00–21:15 every work day and 9:00–18:00 on Saturdays: over 45 h
    ///   (about 97 h in November 2026) and the 80-hour notice ("!!" and "80h" on the heat map); on the
    ///   second Tuesday of last month until 23:30, so the Wednesday after starts 8 h 30 min after it ended.
    ///   Every work day is short of the 11-hour rest between work days (勤務間インターバル): 21:15 → 8:00
    ///   is 10 h 45 min; that Wednesday by 2 h 30 min;
    /// - the employee login (index 10) stays until 18:55: about 40 h of overtime, near the 45 h limit ("!");
    /// - person 6 (index 5) works night shifts (21:00–6:00) in the second week of last month, and one Sunday;
    /// - person 4 (index 3) forgot to tap out on the second Friday of last month (flagged for correction).
    /// Returns no extra logins.
    func seedAttendance(_ app: Application, employees: [UUID]) async throws -> [Login] {
        let db = app.db
        try await app.mynagate.policy.reload()
        var serials: [UUID: String] = [:]
        for c in try await CredentialModel.query(on: db).filter(\.$state == "active").all() { serials[c.employeeID] = c.serial }
        let context = try await AttendanceContext.load(on: db)
        let today = JapanTime(Date()).date
        let first = YearMonth(today).adding(months: -1).firstDay
        let secondFriday = (7...13).map { first.adding(days: $0) }.first { $0.weekday == .friday }!
        // Seven days in a row hold every weekday; the guard only keeps the unwrap out of the code.
        guard let secondTuesday = (7...13).map({ first.adding(days: $0) }).first(where: { $0.weekday == .tuesday }) else {
            throw Abort(.internalServerError, reason: "no Tuesday in a week")
        }
        let nightWeek = (7...13).map { first.adding(days: $0) }
        let sundayWork = nightWeek.last!.adding(days: 1).nextSunday
        var rng = SystemRandomNumberGenerator()
        var drafts: [AuditDraft] = []
        func tap(_ i: Int, _ date: CivilDate, _ minute: Int, entry: Bool) {
            guard let serial = serials[employees[i]] else { return }
            let time = JapanTime.instant(date, minute: minute).addingTimeInterval(Double(Int.random(in: 0..<60, using: &rng)))
            let door = entry ? "entrance" : "exit"
            drafts.append(AuditDraft(time: time, kind: "door.decision", actor: "door:\(door)", subject: "employee:\(employees[i].uuidString)", details: [
                "outcome": "grant", "reason": entry ? "granted" : "exit_to_outside", "door": door, "serial": serial, "warnings": "", "offline": "true",
                "eventId": UUID().uuidString.lowercased(), "snapshotVersion": "1",
                "eventTime": time.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)),
            ]))
        }
        var day = first
        while day < today {
            defer { day = day.adding(days: 1) }
            // Days off by the company's calendar (weekends, public holidays from the holidays table).
            let weekend = context.calendar.kind(of: day) != .workDay
            for i in employees.indices {
                if i == 5 && nightWeek.contains(day) {
                    if !weekend { tap(i, day, 21 * 60, entry: true); tap(i, day, 30 * 60, entry: false) }
                    continue
                }
                if i == 5 && day == sundayWork {
                    tap(i, day, 10 * 60, entry: true); tap(i, day, 15 * 60, entry: false)
                    continue
                }
                if i == 7 && day.weekday == .saturday {
                    // Saturdays too (a company day off: ordinary work, over 40 h a week).
                    tap(i, day, 9 * 60, entry: true); tap(i, day, 12 * 60, entry: false)
                    tap(i, day, 13 * 60, entry: true); tap(i, day, 18 * 60, entry: false)
                    continue
                }
                if weekend { continue }
                let start = i == 7 || i == 10 ? 8 * 60 : 8 * 60 + 30 + Int.random(in: 0..<60, using: &rng)
                let end = i == 7 ? (day == secondTuesday ? 23 * 60 + 30 : 21 * 60 + 15) : i == 10 ? 18 * 60 + 55 : 17 * 60 + 30 + Int.random(in: 0..<100, using: &rng)
                tap(i, day, start, entry: true)
                if i.isMultiple(of: 2) || i == 7 || i == 10 {
                    // Lunch outside.
                    tap(i, day, 12 * 60, entry: false); tap(i, day, 13 * 60, entry: true)
                }
                if i == 3 && day == secondFriday { continue }  // forgot to tap out
                tap(i, day, end, entry: false)
            }
        }
        drafts.sort { $0.time < $1.time }
        for start in stride(from: 0, to: drafts.count, by: 1_000) {
            let chunk = Array(drafts[start..<min(start + 1_000, drafts.count)])
            _ = try await app.mynagate.events.appendNow(building: { _ in chunk })
        }
        // 年次有給休暇: an ok, a warning and an overdue person (DemoOrganisation+Leave.swift).
        if employees.count >= 5 { try await seedLeave(app, today: today) }
        // PC logs beside the door record: a divergence of each kind (DemoOrganisation+PCLog.swift).
        if employees.count >= 8 { try await seedPCLog(app, today: today) }
        return []
    }
}

extension CivilDate {
    /// This date when it is a Sunday, else the next Sunday.
    fileprivate var nextSunday: CivilDate {
        var d = self
        while d.weekday != .sunday { d = d.adding(days: 1) }
        return d
    }
}
