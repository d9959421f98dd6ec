import Foundation
import Testing
@testable import Access

/// The explainer against the decider it asks: every answer must be the decider's own.
@Suite("Access explainer")
struct AccessExplainerTests {
    /// What the decider itself says for this card at this door, given the proof the door asks for.
    func decider(_ door: DoorID, _ key: CredentialKey, at: Date, policy: AccessPolicy = Org.policy()) -> Decision {
        let level = policy.doors[door].map(policy.securityLevel(of:)) ?? .tap
        return AccessDecider.decide(AccessRequest(door: door, credential: key, time: at, proof: AccessExplainer.proof(for: level)), policy: policy)
    }

    func reasons(_ door: DoorID, at: Date, policy: AccessPolicy = Org.policy()) -> [String: DecisionReason] {
        let answer = AccessExplainer.door(door, at: at, policy: policy)
        return Dictionary(uniqueKeysWithValues: (answer?.people ?? []).map { ($0.employee.rawValue, $0.explanation.decision.reason) })
    }

    @Test("a grant: everyone with a card, in employee-number order, with the decider's reason")
    func grant() throws {
        let answer = try #require(AccessExplainer.door("office-3f", at: Org.t0, policy: Org.policy()))
        #expect(answer.people.map(\.employee) == ["e1", "e2"])
        #expect(answer.level == .tap)
        for p in answer.people {
            #expect(p.explanation.decision.reason == .granted(group: "staff"))
            #expect(p.explanation.decision == decider("office-3f", p.explanation.credential, at: Org.t0))
        }
    }

    @Test("out of schedule and on a public holiday: denied with the decider's reason")
    func scheduleAndHoliday() {
        #expect(reasons("office-3f", at: Org.t0 + 12 * 3600) == ["e1": .outsideSchedule, "e2": .outsideSchedule])
        // Monday 2026-11-23 is 勤労感謝の日; the business schedule is closed on holidays, the lobby's is not.
        let holiday = Org.t0 - 3 * Org.day
        #expect(reasons("office-3f", at: holiday) == ["e1": .holidayClosed("勤労感謝の日"), "e2": .holidayClosed("勤労感謝の日")])
        #expect(reasons("entrance", at: holiday) == ["e1": .granted(group: "staff"), "e2": .granted(group: "staff")])
    }

    @Test("a suspended card is refused as suspended; a second, active card of the same person opens the door")
    func suspended() {
        var p = Org.policy()
        p.credentials[Org.taroCard]?.state = .suspended(reason: .reportedLost, at: Org.t0 - 60)
        #expect(reasons("office-3f", at: Org.t0, policy: p)["e2"] == .credentialSuspended(.reportedLost))
        let spare = CredentialKey(issuer: "TESTCA", serial: "7F01")
        p.upsert(Credential(key: spare, employee: "e2", notBefore: Org.t0 - Org.day, notAfter: Org.t0 + Org.day))
        let answer = AccessExplainer.door("office-3f", at: Org.t0, policy: p)
        let taro = answer?.people.first { $0.employee == "e2" }
        #expect(taro?.explanation.decision.reason == .granted(group: "staff"))
        #expect(taro?.explanation.credential == spare)
        // A renewed card not valid until tomorrow is the best card (valid longest), but today the older one
        // opens the door: the answer is for the card that opens it.
        let renewed = CredentialKey(issuer: "TESTCA", serial: "7F02")
        p.upsert(Credential(key: renewed, employee: "e2", notBefore: Org.t0 + Org.day, notAfter: Org.t0 + 1000 * Org.day))
        let now = AccessExplainer.person("e2", at: Org.t0, policy: p)?.doors?.first { $0.door.id == "office-3f" }?.now
        #expect(now?.decision.reason == .granted(group: "staff") && now?.credential == spare)
        // A person whose only card is retired holds no card: not listed, and nothing to decide on.
        p.credentials[Org.taroCard]?.state = .retired(at: Org.t0 - 60)
        p.credentials[spare]?.state = .retired(at: Org.t0 - 60)
        p.credentials[renewed]?.state = .retired(at: Org.t0 - 60)
        #expect(reasons("office-3f", at: Org.t0, policy: p).keys.sorted() == ["e1"])
        #expect(AccessExplainer.person("e2", at: Org.t0, policy: p)?.doors == nil)
    }

    @Test("a pin door: a permitted person passes with card and PIN (not 'PIN required'); the others are refused for their own reason")
    func pinDoor() throws {
        let answer = try #require(AccessExplainer.door("mynumber-room", at: Org.t0, policy: Org.policy()))
        #expect(answer.level == .pin)
        let byPerson = Dictionary(uniqueKeysWithValues: answer.people.map { ($0.employee, $0.explanation) })
        #expect(byPerson["e1"]?.decision.reason == .granted(group: "hr"))
        #expect(byPerson["e1"]?.needs == .pin)
        #expect(byPerson["e2"]?.decision.reason == .noPermission(zone: "mynumber"))
        // What a tap alone would get from the decider: the explainer does not show that.
        #expect(AccessDecider.decide(AccessRequest(door: "mynumber-room", credential: Org.hanakoCard, time: Org.t0), policy: Org.policy()).reason == .pinRequired)
    }

    @Test("an unknown door or person: no answer")
    func unknown() {
        #expect(AccessExplainer.door("nowhere", at: Org.t0, policy: Org.policy()) == nil)
        #expect(AccessExplainer.person("nobody", at: Org.t0, policy: Org.policy()) == nil)
    }

    @Test("a person's day: the windows come from the schedules, each the decider's answer at its start")
    func personDay() throws {
        let answer = try #require(AccessExplainer.person("e2", at: Org.t0, policy: Org.policy()))
        #expect(answer.date == CivilDate(year: 2026, month: 11, day: 26))
        let doors = try #require(answer.doors)
        #expect(doors.map(\.door.id) == ["entrance", "exit", "mynumber-room", "office-3f"])
        let office = try #require(doors.first { $0.door.id == "office-3f" })
        let midnight = JapanTime.instant(answer.date)
        #expect(office.day.map { [$0.start.timeIntervalSince(midnight) / 60, $0.end.timeIntervalSince(midnight) / 60] } == [[0, 480], [480, 1200], [1200, 1440]])
        #expect(office.day.map(\.explanation.decision.reason) == [.outsideSchedule, .granted(group: "staff"), .outsideSchedule])
        #expect(office.now.decision.reason == .granted(group: "staff"))
        #expect(doors.first { $0.door.id == "entrance" }?.day.count == 1)
        #expect(doors.first { $0.door.id == "exit" }?.day.map(\.explanation.decision.reason) == [.exitToOutside])
        // A card that expires at noon cuts the day there.
        var p = Org.policy()
        p.credentials[Org.taroCard]?.notAfter = JapanTime.instant(answer.date, minute: 12 * 60)
        let cut = try #require(AccessExplainer.person("e2", at: Org.t0, policy: p)?.doors?.first { $0.door.id == "office-3f" })
        #expect(cut.day.map(\.explanation.decision.reason.code) == ["outside_schedule", "granted", "certificate_expired"])
    }

    @Test("every answer, at every door, person and hour of a week, is the decider's")
    func agreesWithTheDecider() throws {
        var p = Org.policy()
        p.credentials[Org.hanakoCard]?.notAfter = Org.t0 + 2 * Org.day + 3600
        for hour in stride(from: -72, to: 96, by: 5) {
            let at = Org.t0 + Double(hour) * 3600
            for door in p.doors.keys {
                for person in try #require(AccessExplainer.door(door, at: at, policy: p)).people {
                    #expect(person.explanation.decision == decider(door, person.explanation.credential, at: at, policy: p))
                }
            }
            for person in ["e1", "e2"] as [EmployeeID] {
                for d in try #require(AccessExplainer.person(person, at: at, policy: p)?.doors) {
                    for w in d.day {
                        // Any instant inside a window gets the window's answer.
                        let mid = w.start + w.end.timeIntervalSince(w.start) / 2
                        #expect(decider(d.door.id, w.explanation.credential, at: mid, policy: p) == w.explanation.decision)
                    }
                }
            }
        }
    }

    @Test("12,000 people at one door")
    func manyPeople() throws {
        let base = Org.policy()
        var people: [Employee] = [], cards: [Credential] = []
        for i in 0..<12_000 {
            let id = EmployeeID(rawValue: "p\(i)")
            people.append(Employee(id: id, employeeNumber: String(format: "N%05d", i), name: "社員 \(i)", department: "営業部", groups: i % 2 == 0 ? ["staff"] : []))
            cards.append(Credential(key: CredentialKey(issuer: "TESTCA", serial: String(format: "%06X", i + 0x10000)), employee: id, notBefore: Org.t0 - Org.day, notAfter: Org.t0 + Org.day))
        }
        let p = AccessPolicy(employees: people, credentials: cards, doors: Array(base.doors.values), zones: Array(base.zones.values),
                             groups: Array(base.groups.values), schedules: Array(base.schedules.values), holidays: base.holidays)
        let answer = try #require(AccessExplainer.door("office-3f", at: Org.t0, policy: p))
        #expect(answer.people.count == 12_000)
        #expect(answer.people.filter(\.explanation.decision.isGranted).count == 6_000)
        #expect(answer.people.first?.employee == "p0")
    }
}
