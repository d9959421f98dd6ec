import Access
import Foundation
import Testing
@testable import Attendance

/// 年次有給休暇 (労基法39条7項): 5 days within a year of the grant for a worker granted 10 or more, full
/// days 1, half days 0.5, hourly leave 0 (kept in the register). Every figure is worked by hand below.
@Suite struct AnnualLeaveTests {
    static func d(_ y: Int, _ m: Int, _ day: Int) -> CivilDate { CivilDate(year: y, month: m, day: day) }
    static let grant = LeaveGrant(employeeNumber: "E1", grantDate: d(2026, 4, 1), days: 10)
    static func took(_ date: CivilDate, _ kind: LeaveKind, _ hours: Int? = nil, who: String = "E1") -> LeaveTaken {
        LeaveTaken(employeeNumber: who, date: date, kind: kind, hours: hours)
    }

    @Test func threeFullTwoHalfAndEightHourlyHoursAreFourDaysOneShort() {
        // Granted 10 on 2026-04-01; by 2027-03-01: full 5/7, 8/14, 12/25 (3.0), half 10/2, 1/15 (1.0),
        // hourly 3 h on 11/5 and 5 h on 11/6 (8 h, counted 0) → 4.0 days, 1.0 short.
        // Deadline: 2026-04-01 + 1 year − 1 day = 2027-03-31; on 2027-03-01 that is 30 days away,
        // within the 60-day warning: warning.
        let taken = [Self.took(Self.d(2026, 5, 7), .full), Self.took(Self.d(2026, 8, 14), .full), Self.took(Self.d(2026, 12, 25), .full),
                     Self.took(Self.d(2026, 10, 2), .half), Self.took(Self.d(2027, 1, 15), .half),
                     Self.took(Self.d(2026, 11, 5), .hourly, 3), Self.took(Self.d(2026, 11, 6), .hourly, 5)]
        let duty = AnnualLeaveDuty.check(Self.grant, taken: taken, today: Self.d(2027, 3, 1))
        #expect(duty.takenDays == 4.0)
        #expect(duty.stillNeededDays == 1.0)
        #expect(duty.deadline == Self.d(2027, 3, 31))
        #expect(duty.daysToDeadline == 30)
        #expect(duty.status == .warning)
        #expect(duty.hourlyHours == 8, "hourly leave stays in the register")
        #expect(duty.taken.count == 7)
        #expect(duty.taken.first?.date == Self.d(2026, 5, 7), "the register lists the days in date order")
    }

    @Test func statusFollowsTheDeadlineAndTheWarningPeriod() {
        let four = [Self.d(2026, 5, 1), Self.d(2026, 5, 2), Self.d(2026, 5, 3), Self.d(2026, 5, 4)].map { Self.took($0, .full) }
        // 4 days taken. 2027-01-30 is 60 days before 2027-03-31 (1 + 28 + 31): warning; 2027-01-29 (61): pending.
        #expect(AnnualLeaveDuty.check(Self.grant, taken: four, today: Self.d(2027, 1, 30)).status == .warning)
        #expect(AnnualLeaveDuty.check(Self.grant, taken: four, today: Self.d(2027, 1, 29)).status == .pending)
        // The deadline itself is still a warning; the day after it, overdue.
        #expect(AnnualLeaveDuty.check(Self.grant, taken: four, today: Self.d(2027, 3, 31)).status == .warning)
        let late = AnnualLeaveDuty.check(Self.grant, taken: four, today: Self.d(2027, 4, 1))
        #expect(late.status == .overdue && late.daysToDeadline == -1 && late.stillNeededDays == 1.0)
        // A configured warning period of 90 days: 2027-01-29 (61 days) is a warning.
        #expect(AnnualLeaveDuty.check(Self.grant, taken: four, today: Self.d(2027, 1, 29), warningDays: 90).status == .warning)
        // A fifth day (two halves) meets the duty, even after the deadline has passed.
        let five = four + [Self.took(Self.d(2026, 6, 1), .half), Self.took(Self.d(2026, 6, 2), .half)]
        let met = AnnualLeaveDuty.check(Self.grant, taken: five, today: Self.d(2027, 4, 1))
        #expect(met.status == .ok && met.takenDays == 5.0 && met.stillNeededDays == 0)
    }

    @Test func aGrantOfSevenDaysIsNotUnderTheDuty() {
        // 39条7項 applies from 10 days granted: 7 (a part-timer's proportional grant) is recorded only.
        let seven = LeaveGrant(employeeNumber: "E1", grantDate: Self.d(2026, 4, 1), days: 7)
        let duty = AnnualLeaveDuty.check(seven, taken: [], today: Self.d(2027, 4, 1))
        #expect(duty.status == .notUnderDuty)
        #expect(duty.stillNeededDays == 0)
        // Exactly 10 is under it.
        #expect(AnnualLeaveDuty.check(Self.grant, taken: [], today: Self.d(2026, 4, 1)).status == .pending)
    }

    @Test func onlyTheGrantYearAndThePersonCount() {
        // The day before the grant (2026-03-31) and the day after the year (2027-04-01) do not count;
        // the first (2026-04-01) and last (2027-03-31) do; someone else's day does not.
        let taken = [Self.took(Self.d(2026, 3, 31), .full), Self.took(Self.d(2027, 4, 1), .full),
                     Self.took(Self.d(2026, 4, 1), .full), Self.took(Self.d(2027, 3, 31), .half),
                     Self.took(Self.d(2026, 7, 1), .full, who: "E2")]
        let duty = AnnualLeaveDuty.check(Self.grant, taken: taken, today: Self.d(2026, 12, 1))
        #expect(duty.takenDays == 1.5)
        #expect(duty.taken.map(\.date) == [Self.d(2026, 4, 1), Self.d(2027, 3, 31)])
    }

    @Test func theYearEndsAsTheCivilCodeCountsIt() {
        // 民法143条2項: the day before the anniversary; with no anniversary (29 Feb), the month's end.
        #expect(LeaveGrant(employeeNumber: "E", grantDate: Self.d(2026, 10, 1), days: 10).lastDay == Self.d(2027, 9, 30))
        #expect(LeaveGrant(employeeNumber: "E", grantDate: Self.d(2024, 2, 29), days: 10).lastDay == Self.d(2025, 2, 28))
        #expect(LeaveGrant(employeeNumber: "E", grantDate: Self.d(2027, 3, 1), days: 10).lastDay == Self.d(2028, 2, 29))
    }

    @Test func theRegisterIsKeptThreeYearsAfterTheGrantYear() {
        // A grant of 2026-04-01 ends its year on 2027-03-31; kept 3 years after: through 2030-03-31.
        // On 2030-03-31 the first kept grant date is 2026-04-01; on 2030-04-01 it is 2026-04-02.
        #expect(AnnualLeaveDuty.firstKeptGrantDate(on: Self.d(2030, 3, 31), years: 3) == Self.d(2026, 4, 1))
        #expect(AnnualLeaveDuty.firstKeptGrantDate(on: Self.d(2030, 4, 1), years: 3) == Self.d(2026, 4, 2))
        // A company keeping attendance 5 years keeps the register 5; one set to 1 year still keeps it 3.
        #expect(AnnualLeaveDuty.firstKeptGrantDate(on: Self.d(2032, 4, 1), years: 5) == Self.d(2026, 4, 2))
        #expect(AnnualLeaveDuty.firstKeptGrantDate(on: Self.d(2030, 4, 1), years: 1) == Self.d(2026, 4, 2))
    }

    // MARK: The CSV

    @Test func grantsAndDaysFromOneFileWithItsHeader() {
        let csv = """
        社員番号,区分,日付,日数・単位,時間数
        E1,grant,2026-04-01,10
        E1,taken,2026-05-07,full
        E1,取得,2026/10/2,半日
        "E1",taken,2026-11-05,hourly,3
        E2,付与,2026-10-01,7
        """
        let r = AnnualLeaveCSV.parse(Data(csv.utf8))
        #expect(r.encoding == "UTF-8")
        #expect(r.errors.isEmpty, "\(r.errors)")
        #expect(r.grants == [LeaveGrant(employeeNumber: "E1", grantDate: Self.d(2026, 4, 1), days: 10),
                             LeaveGrant(employeeNumber: "E2", grantDate: Self.d(2026, 10, 1), days: 7)])
        #expect(r.grantLines == [2, 6] && r.takenLines == [3, 4, 5])
        #expect(r.taken.map(\.kind) == [.full, .half, .hourly])
        #expect(r.taken.last?.hours == 3)
    }

    @Test func shiftJISAndTheBOMAreRead() throws {
        let sjis = try #require("社員番号,区分,日付,日数\r\nE1,付与,2026-04-01,10\r\n".data(using: .shiftJIS))
        let r = AnnualLeaveCSV.parse(sjis)
        #expect(r.encoding == "Shift_JIS" && r.grants.count == 1)
        let bom = AnnualLeaveCSV.parse(Data([0xEF, 0xBB, 0xBF]) + Data("E1,grant,2026-04-01,10\n".utf8))
        #expect(bom.encoding == "UTF-8" && bom.grants.first?.employeeNumber == "E1")
        // Neither UTF-8 nor Shift_JIS: nothing read, no guess.
        let junk = AnnualLeaveCSV.parse(Data([0xFF, 0xFE, 0xFD, 0x80, 0x81]))
        #expect(junk.encoding == nil && junk.grants.isEmpty && junk.taken.isEmpty)
    }

    @Test func badLinesAreNamedByLineAndFieldNeverByTheirText() {
        // 482301759600 has a valid My Number check digit: the first 11 digits, weighted from the right by
        // 2…7 then 2…6, sum to 209; 209 mod 11 = 0, so the check digit is 0.
        let number = "482301759600"
        let csv = """
        E1,grant,2026-04-01,10
        E1,grant,2026-04-31,10
        E1,grant,2026-04-02,41
        E1,taken,2026-05-07,double
        E1,taken,2026-05-08,hourly
        E1,taken,2026-05-09,full,2
        E1,taken,2026-05-10,hourly,9
        E1,taken,2026-05-11,full
        E1,taken,2026-05-11,half
        E1,leave,2026-05-12,full
        E1,taken,"2026-05-13,full
        ,taken,2026-05-14,full
        \(number),taken,2026-13-01,full
        E1,grant,2026-04-01
        """
        let r = AnnualLeaveCSV.parse(Data(csv.utf8))
        #expect(r.grants.count == 1 && r.taken.count == 1)
        #expect(r.errors.map(\.line) == [2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14])
        #expect(r.errors.map(\.reason) == [.date, .days, .kind, .hours, .hours, .hours, .duplicate, .record, .unterminatedQuote,
                                           .employeeNumber, .date, .fieldCount])
        for e in r.errors {
            #expect(!e.ja.contains(number) && !e.en.contains(number))
            #expect(!e.en.contains("2026-13-01") && !e.en.contains("double"), "the text of a field is never repeated")
        }
        #expect(r.errors[10].en == "line 13: the date cannot be read (e.g. 2026-04-01)")
        #expect(r.errors[10].ja == "13行目: 日付が読めません(例: 2026-04-01)")
    }
}
