import Access
import Attendance
import Foundation
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Testing

@Suite("Attendance: everyone's month computed in parts")
struct AttendanceReportTests {
    /// 3,000 people × 22 work days × 4 crossings (264,000, enough for the parallel path), one missing
    /// exit, and corrections for people in different parts and for a person with no crossings at all:
    /// the parts merged give exactly the single-call report.
    @Test("the parallel month report equals the single-call one, corrections included")
    func partsEqualWhole() async throws {
        let month = YearMonth(year: 2026, month: 11)
        var crossings: [BoundaryCrossing] = []
        var event = 0
        var rng = SystemRandomNumberGenerator()
        for p in 0..<3_000 {
            let e = EmployeeID(rawValue: String(format: "P%05d", p))
            for d in month.days where d.weekday != .saturday && d.weekday != .sunday {
                for (minute, entry) in [(480 + Int.random(in: 0..<60, using: &rng), true), (720, false), (780, true), (1_080 + Int.random(in: 0..<180, using: &rng), false)] {
                    if p == 42 && d.day == 13 && minute >= 1_080 { continue }  // forgot to tap out
                    event += 1
                    crossings.append(BoundaryCrossing(eventID: String(event), employee: e, instant: JapanTime.instant(d, minute: minute), direction: entry ? .entry : .exit))
                }
            }
        }
        #expect(crossings.count > 200_000)
        let corrections = [
            Correction(id: "c1", employee: EmployeeID(rawValue: "P00042"), action: .add(direction: .exit, at: JapanTime.instant(CivilDate(year: 2026, month: 11, day: 13), minute: 1_110)),
                       correctedBy: "user:hr", reason: "forgot", madeAt: Date()),
            Correction(id: "c2", employee: EmployeeID(rawValue: "P02999"), action: .void(eventID: String(event)), correctedBy: "user:hr", reason: "double", madeAt: Date()),
            Correction(id: "c3", employee: EmployeeID(rawValue: "Q00001"), action: .add(direction: .entry, at: JapanTime.instant(CivilDate(year: 2026, month: 11, day: 2), minute: 540)),
                       correctedBy: "user:hr", reason: "visitor badge", madeAt: Date()),
            Correction(id: "c4", employee: EmployeeID(rawValue: "Q00001"), action: .add(direction: .exit, at: JapanTime.instant(CivilDate(year: 2026, month: 11, day: 2), minute: 1_020)),
                       correctedBy: "user:hr", reason: "visitor badge", madeAt: Date()),
        ]
        var settings = AttendanceSettings()
        settings.legalHoliday = 0
        let context = AttendanceContext(settings: settings, calendar: CompanyCalendar(), rules: WorkRules(), presenceRules: PresenceRules(), agreement: Agreement36())
        let whole = MonthReport(month: month, crossings: crossings, corrections: corrections)
        let parts = await AttendanceService.monthReport(month, crossings: crossings, corrections: corrections, context: context)
        // Compared as Booleans: a failure would otherwise print 66,000 days.
        let (sameTotals, sameDays, samePresence) = (parts.totals == whole.totals, parts.days == whole.days, parts.presence == whole.presence)
        #expect(sameTotals)
        #expect(sameDays)
        #expect(samePresence)
        #expect(parts.totals.count == 3_001)
        #expect(parts.totals[EmployeeID(rawValue: "Q00001")]?.workedMinutes == 435)
        #expect(parts.totals[EmployeeID(rawValue: "P00042")]?.daysNeedingCorrection == 0)
    }
}
