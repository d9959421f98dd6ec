import Access
import Foundation
import Testing
@testable import Attendance

@Suite struct PresenceTests {
    @Test func nightShiftBelongsToTheDayItStarted() {
        // Tue 7 Apr 22:00 – Wed 8 Apr 7:00, out for 45 min at 2:00: one shift, the 7th's (昭63.1.1 基発1号).
        let days = PresenceBuilder().days(Fx.shift(Fx.apr(7), "22:00", "26:00", "26:45", "31:00"))
        #expect(days.count == 1)
        #expect(days[0].date == Fx.apr(7))
        #expect(days[0].presenceMinutes == 240 + 255)
        #expect(days[0].breakMinutes == 45)
        #expect(days[0].breaks.count == 1)
        #expect(days[0].firstEntry == Fx.at(Fx.apr(7), "22:00"))
        #expect(days[0].lastExit == Fx.at(Fx.apr(8), "07:00"))
        #expect(days[0].issues.isEmpty)
    }

    @Test func longRestStartsANewWorkDay() {
        // Left at 23:30 on the 7th, back at 8:30 on the 8th: 9 hours of rest, two work days.
        let days = PresenceBuilder().days(Fx.shift(Fx.apr(7), "09:00", "23:30") + Fx.shift(Fx.apr(8), "08:30", "17:30"))
        #expect(days.map(\.date) == [Fx.apr(7), Fx.apr(8)])
        #expect(days.map(\.presenceMinutes) == [870, 540])
    }

    @Test func sameCalendarDayStaysOneWorkDayEvenAfterALongGap() {
        let days = PresenceBuilder().days(Fx.shift(Fx.apr(7), "08:00", "12:00", "18:00", "20:00"))
        #expect(days.count == 1)
        #expect(days[0].breakMinutes == 360)
    }

    @Test func missingExitIsFlaggedNotGuessed() {
        let xs = Fx.xs([(Fx.apr(7), "09:00", .entry), (Fx.apr(8), "09:00", .entry), (Fx.apr(8), "18:00", .exit)])
        let days = PresenceBuilder().days(xs)
        #expect(days.map(\.date) == [Fx.apr(7), Fx.apr(8)])
        #expect(days[0].intervals.isEmpty)
        #expect(days[0].issues.map(\.kind) == [.missingExit])
        #expect(days[0].issues[0].eventID == xs[0].eventID)
        #expect(days[1].presenceMinutes == 540)
        #expect(days[1].issues.isEmpty)
        let work = WorkingTimeCalculator(calendar: Fx.calendar).workDays(days)
        #expect(work[0].workedMinutes == 0)
        #expect(work[0].needsCorrection)
    }

    @Test func missingEntryAndTrailingOpenEntry() {
        let xs = Fx.xs([(Fx.apr(7), "18:00", .exit), (Fx.apr(9), "09:00", .entry)])
        let days = PresenceBuilder().days(xs)
        #expect(days.map(\.date) == [Fx.apr(7), Fx.apr(9)])
        #expect(days[0].issues.map(\.kind) == [.missingEntry])
        #expect(days[1].issues.map(\.kind) == [.missingExit])
        #expect(days[1].issues[0].code == "missing_exit")
        #expect(!days[1].issues[0].ja.isEmpty && !days[1].issues[0].en.isEmpty)
    }

    @Test func correctionAddsTheMissingExitWithoutTouchingEvents() {
        let xs = Fx.xs([(Fx.apr(7), "09:00", .entry), (Fx.apr(8), "09:00", .entry), (Fx.apr(8), "18:00", .exit)])
        let before = xs
        let fix = Correction(id: "c1", employee: Fx.alice, action: .add(direction: .exit, at: Fx.at(Fx.apr(7), "18:00")),
                             correctedBy: "manager-1", reason: "退館時にタッチ忘れ(本人申告、上長確認)", madeAt: Fx.at(Fx.apr(9), "10:00"))
        let days = PresenceBuilder().days(xs, corrections: [fix])
        #expect(xs == before)
        #expect(days.map(\.presenceMinutes) == [540, 540])
        #expect(days.allSatisfy { $0.issues.isEmpty })
    }

    @Test func voidAndMoveCorrections() {
        let xs = Fx.shift(Fx.apr(7), "09:00", "18:00", "18:05")  // a stray entry after leaving
        let fixes = [
            Correction(id: "v", employee: Fx.alice, action: .void(eventID: xs[2].eventID), correctedBy: "m", reason: "誤タッチ", madeAt: Fx.at(Fx.apr(8), "09:00")),
            Correction(id: "m", employee: Fx.alice, action: .move(eventID: xs[1].eventID, to: Fx.at(Fx.apr(7), "19:00")), correctedBy: "m", reason: "扉の時計ずれ", madeAt: Fx.at(Fx.apr(8), "09:01")),
        ]
        let days = PresenceBuilder().days(xs, corrections: fixes)
        #expect(days.count == 1)
        #expect(days[0].presenceMinutes == 600)
        #expect(days[0].issues.isEmpty)
    }

    @Test func doubleTapIsOneCrossing() {
        let xs = Fx.xs([(Fx.apr(7), "09:00", .entry), (Fx.apr(7), "09:00", .entry), (Fx.apr(7), "18:00", .exit)])
        let days = PresenceBuilder().days(xs)
        #expect(days[0].issues.isEmpty)
        #expect(days[0].presenceMinutes == 540)
    }

    /// Issue 20 item 6: taps 5 s apart across a minute boundary (8:59:58 and 9:00:03) are one entry. The
    /// old comparison of clock minutes (539 and 540: 1 apart, not less than the 1-minute window) made
    /// them two entries, so the first was flagged `missing_exit` and its day lost its first minutes.
    /// Hand-worked: one interval 8:59 (the first tap's minute) to 18:00 = 541 minutes, no issue.
    @Test func doubleTapAcrossAMinuteBoundaryIsOneCrossingAndTheFirstIsKept() {
        let first = Fx.at(Fx.apr(7), "08:59").addingTimeInterval(58), second = Fx.at(Fx.apr(7), "09:00").addingTimeInterval(3)
        let xs = [BoundaryCrossing(eventID: "a", employee: Fx.alice, instant: first, direction: .entry),
                  BoundaryCrossing(eventID: "b", employee: Fx.alice, instant: second, direction: .entry),
                  BoundaryCrossing(eventID: "c", employee: Fx.alice, instant: Fx.at(Fx.apr(7), "18:00"), direction: .exit),
                  // And at the exit: 18:00:00 and 18:00:59 are one exit, 18:01:00 would not be.
                  BoundaryCrossing(eventID: "d", employee: Fx.alice, instant: Fx.at(Fx.apr(7), "18:00").addingTimeInterval(59), direction: .exit)]
        let days = PresenceBuilder().days(xs)
        #expect(days.count == 1)
        #expect(days[0].issues.isEmpty, "\(days[0].issues)")
        #expect(days[0].presenceMinutes == 541)
        #expect(days[0].firstEntry == Fx.at(Fx.apr(7), "08:59"))
    }

    /// The window is measured between instants for any length: with a 2-minute window, 9:00:59 and
    /// 9:02:00 (61 s apart, clock minutes 2 apart) are one entry; 9:00:00 and 9:02:00 (exactly the
    /// window) are two, the first flagged `missing_exit`. Hand-worked: 9:00–18:00 = 540 min; 9:02–18:00 = 538.
    @Test func theWindowIsMeasuredBetweenInstants() {
        let nine = Fx.at(Fx.apr(7), "09:00"), six = Fx.at(Fx.apr(7), "18:00")
        let rules = PresenceRules(duplicateWindowMinutes: 2)
        func day(_ offsets: [Double]) -> PresenceDay {
            let entries = offsets.map { BoundaryCrossing(eventID: "e\($0)", employee: Fx.alice, instant: nine.addingTimeInterval($0), direction: .entry) }
            return PresenceBuilder(rules: rules).days(entries + [BoundaryCrossing(eventID: "x", employee: Fx.alice, instant: six, direction: .exit)])[0]
        }
        let joined = day([59, 120])
        #expect(joined.issues.isEmpty, "\(joined.issues)")
        #expect(joined.presenceMinutes == 540)
        let apart = day([0, 120])
        #expect(apart.issues.map(\.kind) == [.missingExit])
        #expect(apart.presenceMinutes == 538)
    }

    /// A run of retries, each within a minute of the one before (0, 50, 100 s), is one entry, the first:
    /// measured from the first tap alone, the third was a second entry and a false missing exit.
    @Test func aRunOfRetriesIsOneCrossing() {
        let nine = Fx.at(Fx.apr(7), "09:00")
        let taps = [0.0, 50, 100].map { BoundaryCrossing(eventID: "t\($0)", employee: Fx.alice, instant: nine.addingTimeInterval($0), direction: .entry) }
        let days = PresenceBuilder().days(taps + [BoundaryCrossing(eventID: "x", employee: Fx.alice, instant: Fx.at(Fx.apr(7), "18:00"), direction: .exit)])
        #expect(days[0].issues.isEmpty, "\(days[0].issues)")
        #expect(days[0].presenceMinutes == 540)
    }

    @Test func inputOrderDoesNotMatter() {
        let bob: EmployeeID = "bob"
        let all = Fx.shift(Fx.apr(7), "09:00", "18:00") + Fx.shift(Fx.apr(7), "10:00", "19:00", employee: bob) + Fx.shift(Fx.apr(8), "09:00", "17:00")
        let a = PresenceBuilder().days(all)
        let b = PresenceBuilder().days(all.reversed())
        #expect(a.count == 3)
        #expect(Set(a) == Set(b))
        #expect(a.filter { $0.employee == Fx.alice }.map(\.presenceMinutes) == [540, 480])
    }

    @Test func boundaryDirectionFromDoors() {
        let boundary: Set<ZoneID> = ["lobby"]
        #expect(CrossingDirection.of(Door(id: "in", name: "正面", from: nil, to: "lobby"), boundaryZones: boundary) == .entry)
        #expect(CrossingDirection.of(Door(id: "out", name: "退館", from: "lobby", to: nil), boundaryZones: boundary) == .exit)
        #expect(CrossingDirection.of(Door(id: "f3", name: "3F", from: "lobby", to: "office"), boundaryZones: boundary) == nil)
    }
}
