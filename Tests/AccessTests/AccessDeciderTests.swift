import Foundation
import Testing
@testable import Access

/// A small organisation: an entrance, an office floor, and the My Number handling room.
enum Org {
    static let entrance = Door(id: "entrance", name: "正面玄関", from: nil, to: "lobby")
    static let exitDoor = Door(id: "exit", name: "退館ゲート", from: "lobby", to: nil)
    static let office = Door(id: "office-3f", name: "3F 執務室", from: "lobby", to: "office")
    static let mynumberRoom = Door(id: "mynumber-room", name: "個人番号取扱室", from: "office", to: "mynumber")

    static let zones = [
        Zone(id: "lobby", name: "ロビー", isWorkplaceBoundary: true, antiPassback: .soft),
        Zone(id: "office", name: "執務室", antiPassback: .hard),
        Zone(id: "mynumber", name: "個人番号取扱室", isMyNumberHandlingArea: true),
    ]

    static let businessHours = WeeklySchedule(
        id: "business", name: "平日 8-20",
        windows: Dictionary(uniqueKeysWithValues: [Weekday.monday, .tuesday, .wednesday, .thursday, .friday].map { ($0, [TimeWindow("08:00-20:00")!]) }),
        holidays: .closed)

    static let staff = AccessGroup(id: "staff", name: "社員", grants: [
        .init(zone: "lobby", schedule: "always"), .init(zone: "office", schedule: "business"),
    ])
    static let hr = AccessGroup(id: "hr", name: "人事 事務取扱担当者", grants: [.init(zone: "mynumber", schedule: "business")])

    static let day = 86_400.0
    static let t0 = JapanTime.instant(CivilDate(year: 2026, month: 11, day: 26), minute: 9 * 60)  // Thursday 09:00 JST

    static let hanako = Employee(id: "e1", employeeNumber: "A0001", name: "番号 花子", department: "人事部", groups: ["staff", "hr"])
    static let taro = Employee(id: "e2", employeeNumber: "A0002", name: "山田 太郎", department: "営業部", groups: ["staff"])

    static let hanakoCard = CredentialKey(issuer: "TESTCA", serial: "0a1b")
    static let taroCard = CredentialKey(issuer: "TESTCA", serial: "7F00")

    static func policy(holidays: HolidayCalendar = HolidayCalendar([CivilDate(year: 2026, month: 11, day: 23): "勤労感謝の日"])) -> AccessPolicy {
        AccessPolicy(
            employees: [hanako, taro],
            credentials: [
                Credential(key: hanakoCard, employee: "e1", notBefore: t0 - 365 * day, notAfter: t0 + 365 * day),
                Credential(key: taroCard, employee: "e2", notBefore: t0 - 365 * day, notAfter: t0 + 365 * day),
            ],
            doors: [entrance, exitDoor, office, mynumberRoom], zones: zones, groups: [staff, hr],
            schedules: [.always(), businessHours], holidays: holidays)
    }
}

@Suite("Access decisions")
struct AccessDeciderTests {
    func decide(_ door: DoorID, _ key: CredentialKey, at time: Date = Org.t0, proof: AccessRequest.Proof = .tap,
                revocation: AccessRequest.RevocationCheck = .good, policy: AccessPolicy = Org.policy(), presence: PresenceState = PresenceState()) -> Decision {
        AccessDecider.decide(AccessRequest(door: door, credential: key, time: time, proof: proof, revocation: revocation), policy: policy, presence: presence)
    }

    @Test func tapDoorsGrantWithTheGroup() {
        let d = decide("entrance", Org.taroCard)
        #expect(d.isGranted)
        #expect(d.reason == .granted(group: "staff"))
        #expect(d.employee == "e2")
        #expect(decide("office-3f", Org.taroCard).reason == .granted(group: "staff"))
    }

    @Test("serial hex is case-insensitive")
    func serialCase() {
        #expect(decide("entrance", CredentialKey(issuer: "TESTCA", serial: "0A1B")).isGranted)
    }

    @Test("the My Number handling room defaults to pin: a tap asks for the PIN")
    func pinDoor() {
        let policy = Org.policy()
        #expect(policy.securityLevel(of: Org.mynumberRoom) == .pin)
        #expect(policy.securityLevel(of: Org.office) == .tap)
        #expect(decide("mynumber-room", Org.hanakoCard).reason == .pinRequired)
        #expect(decide("mynumber-room", Org.hanakoCard, proof: .pinSignature(.valid)).reason == .granted(group: "hr"))
        #expect(decide("mynumber-room", Org.hanakoCard, proof: .pinSignature(.wrongPIN(triesLeft: 2))).reason == .pinWrong(triesLeft: 2))
        #expect(decide("mynumber-room", Org.hanakoCard, proof: .pinSignature(.pinBlocked)).reason == .pinBlocked)
        // A valid signature does not replace a permission: Taro is not a handler.
        #expect(decide("mynumber-room", Org.taroCard, proof: .pinSignature(.valid)).reason == .noPermission(zone: "mynumber"))
        // The PIN is asked for last: a tap by someone the door refuses anyway says why at once, so no
        // PIN try is spent at a door that would not open.
        #expect(decide("mynumber-room", Org.taroCard).reason == .noPermission(zone: "mynumber"))
        let sunday = Org.t0 + 3 * Org.day  // the handlers' grant is for business hours only
        #expect(decide("mynumber-room", Org.hanakoCard, at: sunday).reason == .outsideSchedule)
    }

    @Test("genuine doors: a tap is the cue, the card's own signature opens, a failed one refuses; the PIN proves more")
    func genuineDoor() {
        var policy = Org.policy()
        policy.doors["office-3f"]?.securityLevelOverride = .genuine
        policy.credentials[Org.taroCard]?.cardKey = [0x90, 0x03, 0x01, 0x00, 0x01]
        #expect(policy.securityLevel(of: policy.doors["office-3f"]!) == .genuine)
        #expect(decide("office-3f", Org.taroCard, policy: policy).reason == .genuineRequired)
        #expect(decide("office-3f", Org.taroCard, proof: .cardSignature(.valid), policy: policy).reason == .granted(group: "staff"))
        #expect(decide("office-3f", Org.taroCard, proof: .cardSignature(.invalid("replay")), policy: policy).reason == .cardNotGenuine("replay"))
        #expect(decide("office-3f", Org.taroCard, proof: .pinSignature(.valid), policy: policy).reason == .granted(group: "staff"))
        // A card signature is not a PIN: it never opens a `pin` door.
        #expect(decide("mynumber-room", Org.hanakoCard, proof: .cardSignature(.valid)).reason == .pinRequired)
        // Asked last, like the PIN: someone refused anyway is told why, and no challenge is signed.
        let sunday = Org.t0 + 3 * Org.day
        #expect(decide("office-3f", Org.taroCard, at: sunday, policy: policy).reason == .outsideSchedule)
    }

    @Test("a level this version does not know reads as pin, the strictest")
    func unknownLevel() throws {
        let door = try JSONDecoder().decode(Door.self, from: Data(#"{"id": "d", "name": "D", "securityLevelOverride": "biometric"}"#.utf8))
        #expect(door.securityLevelOverride == .pin)
        #expect(try JSONDecoder().decode(SecurityLevel.self, from: Data(#""genuine""#.utf8)) == .genuine)
    }

    @Test("genuine doors: a credential without a card key is sent to the desk, or admitted with a warning until the door's date")
    func keylessCredential() {
        var policy = Org.policy()
        policy.doors["office-3f"]?.securityLevelOverride = .genuine
        // Hanako was enrolled before the level existed: no card key.
        let refused = decide("office-3f", Org.hanakoCard, policy: policy)
        #expect(refused.reason == .cardKeyMissing && !refused.isGranted)
        #expect(refused.reason.englishSentence.contains("desk"))
        policy.doors["office-3f"]?.keylessAdmitUntil = Org.t0 + Org.day
        let admitted = decide("office-3f", Org.hanakoCard, policy: policy)
        #expect(admitted.reason == .granted(group: "staff") && admitted.warnings == [.cardKeyMissing])
        #expect(decide("office-3f", Org.hanakoCard, at: Org.t0 + Org.day, policy: policy).reason == .cardKeyMissing)
    }

    @Test("schedules: hours, weekends, public holidays")
    func schedules() {
        let thursday = Org.t0
        #expect(decide("office-3f", Org.taroCard, at: thursday + 11 * 3600 - 60).isGranted)  // 19:59
        #expect(decide("office-3f", Org.taroCard, at: thursday + 11 * 3600).reason == .outsideSchedule)  // 20:00
        #expect(decide("office-3f", Org.taroCard, at: thursday - 3600 - 60).reason == .outsideSchedule)  // 07:59
        #expect(decide("office-3f", Org.taroCard, at: thursday + 2 * Org.day).reason == .outsideSchedule)  // Saturday
        // Monday 2026-11-23 is 勤労感謝の日.
        #expect(decide("office-3f", Org.taroCard, at: thursday - 3 * Org.day).reason == .holidayClosed("勤労感謝の日"))
        // The lobby's 24/7 schedule ignores holidays.
        #expect(decide("entrance", Org.taroCard, at: thursday - 3 * Org.day).isGranted)
    }

    @Test("lost, retired, expired, revoked, inactive: each denial names its reason")
    func credentialStates() {
        var p = Org.policy()
        p.credentials[Org.taroCard]?.state = .suspended(reason: .reportedLost, at: Org.t0 - 60)
        #expect(decide("entrance", Org.taroCard, policy: p).reason == .credentialSuspended(.reportedLost))
        p.credentials[Org.taroCard]?.state = .retired(at: Org.t0 - 60)
        #expect(decide("entrance", Org.taroCard, policy: p).reason == .credentialRetired)
        p = Org.policy()
        let notAfter = Org.t0 + 365 * Org.day
        #expect(decide("entrance", Org.taroCard, at: notAfter, policy: p).reason == .certificateExpired(notAfter))
        #expect(decide("entrance", Org.taroCard, revocation: .revoked).reason == .certificateRevoked)
        #expect(decide("entrance", Org.taroCard, revocation: .unknownFailClosed).reason == .revocationUnknown)
        p.employees["e2"]?.status = .retired
        #expect(decide("entrance", Org.taroCard, policy: p).reason == .employeeInactive(.retired))
        p = Org.policy()
        p.employees["e2"]?.validUntil = Org.t0
        #expect(decide("entrance", Org.taroCard, policy: p).reason == .employeeOutsideValidity)
        #expect(decide("entrance", CredentialKey(issuer: "TESTCA", serial: "FFFF")).reason == .unknownCredential)
        #expect(decide("nowhere", Org.taroCard).reason == .unknownDoor)
    }

    @Test("lockdown refuses everyone; emergency unlock opens a door; exits are always allowed")
    func emergencies() {
        var p = Org.policy()
        p.lockdown = true
        #expect(decide("entrance", Org.hanakoCard, policy: p).reason == .lockdown)
        p = Org.policy()
        p.emergencyUnlocked = ["office-3f"]
        #expect(decide("office-3f", Org.taroCard, at: Org.t0 + 2 * Org.day, policy: p).reason == .emergencyUnlock)
        #expect(decide("exit", Org.taroCard, at: Org.t0 + 2 * Org.day).reason == .exitToOutside)
    }

    @Test("a door's own schedule: outside it nobody enters whatever their groups allow, a holiday is named; leaving, an emergency unlock and a missing schedule behave as they must; a closed PIN door asks no PIN")
    func doorSchedule() {
        var p = Org.policy()
        p.doors["entrance"]?.schedule = "business"
        let nine = Org.t0, evening = Org.t0 + 12 * 3600, holiday = Org.t0 - 3 * Org.day  // Thu 09:00, Thu 21:00, Mon 23 Nov 09:00
        #expect(decide("entrance", Org.taroCard, at: nine, policy: p).reason == .granted(group: "staff"))
        #expect(decide("entrance", Org.taroCard, at: evening, policy: p).reason == .doorOutsideSchedule(holiday: nil))
        #expect(decide("entrance", Org.taroCard, at: holiday, policy: p).reason == .doorOutsideSchedule(holiday: "勤労感謝の日"))
        // Without the door's schedule the staff's lobby grant ("always") lets them in at 21:00.
        #expect(decide("entrance", Org.taroCard, at: evening).reason == .granted(group: "staff"))
        p.doors["exit"]?.schedule = "business"
        #expect(decide("exit", Org.taroCard, at: evening, policy: p).reason == .exitToOutside)
        p.emergencyUnlocked = ["entrance"]
        #expect(decide("entrance", Org.taroCard, at: evening, policy: p).reason == .emergencyUnlock)
        p.emergencyUnlocked = []
        p.doors["entrance"]?.schedule = "no-such"
        #expect(decide("entrance", Org.taroCard, at: nine, policy: p).reason == .doorOutsideSchedule(holiday: nil), "a schedule the policy lacks closes the door")
        p.doors["mynumber-room"]?.schedule = "business"
        let closed = decide("mynumber-room", Org.hanakoCard, at: evening, policy: p)
        #expect(closed.reason == .doorOutsideSchedule(holiday: nil) && closed.reason.code == "door_outside_schedule")
        #expect(closed.reason.englishSentence.contains("its own schedule") && closed.reason.japaneseSentence.contains("扉のスケジュール"))
    }

    @Test("anti-passback: hard denies, soft grants with a warning")
    func antiPassback() {
        var presence = PresenceState()
        presence.recordPassage(of: "e2", through: Org.office)
        #expect(decide("office-3f", Org.taroCard, presence: presence).reason == .antiPassback)
        presence.recordPassage(of: "e2", through: Org.entrance)
        let soft = decide("entrance", Org.taroCard, presence: presence)
        #expect(soft.isGranted)
        #expect(soft.warnings == [.passbackSuspected])
        presence.recordPassage(of: "e2", through: Org.exitDoor)
        #expect(decide("entrance", Org.taroCard, presence: presence).warnings.isEmpty)
    }

    @Test("every reason has a code and sentences in both languages")
    func sentences() {
        let reasons: [DecisionReason] = [
            .granted(group: "g"), .exitToOutside, .emergencyUnlock, .unknownDoor, .lockdown, .unknownCredential,
            .credentialSuspended(.reportedLost), .credentialSuspended(.securityOfficer), .credentialSuspended(.certificateRevoked),
            .credentialRetired, .certificateExpired(Org.t0), .certificateNotYetValid(Org.t0), .certificateRevoked, .revocationUnknown,
            .employeeInactive(.onLeave), .employeeOutsideValidity, .pinRequired, .pinWrong(triesLeft: 1), .pinBlocked,
            .signatureInvalid("x"), .noPermission(zone: "z"), .outsideSchedule, .holidayClosed("元日"), .antiPassback,
            .genuineRequired, .cardKeyMissing, .cardNotGenuine("x"),
        ]
        #expect(Set(reasons.map(\.code)).count == reasons.count - 2)  // the three suspension reasons share a code
        for r in reasons {
            #expect(r.englishSentence.hasPrefix("Granted") || r.englishSentence.hasPrefix("Denied") || r.englishSentence.hasPrefix("PIN required")
                    || r.englishSentence.hasPrefix("Card check required"))
            #expect(r.japaneseSentence.contains("許可") || r.japaneseSentence.contains("拒否") || r.japaneseSentence.contains("暗証番号")
                    || r.japaneseSentence.contains("カード確認"))
        }
        #expect(DecisionReason.certificateExpired(Org.t0).englishSentence.contains("2026-11-26"))
    }
}

@Suite("Japan time and holidays")
struct JapanTimeTests {
    @Test func civilDates() {
        #expect(CivilDate(year: 1970, month: 1, day: 1).daysSinceEpoch == 0)
        #expect(CivilDate(daysSinceEpoch: 0) == CivilDate(year: 1970, month: 1, day: 1))
        #expect(CivilDate(year: 2024, month: 2, day: 29).adding(days: 1) == CivilDate(year: 2024, month: 3, day: 1))
        #expect(CivilDate(year: 2026, month: 11, day: 26).weekday == .thursday)
        #expect(CivilDate(year: 1969, month: 12, day: 31).weekday == .wednesday)
        #expect(CivilDate("2026/1/1") == CivilDate(year: 2026, month: 1, day: 1))
        #expect(CivilDate("20240229") == CivilDate(year: 2024, month: 2, day: 29))
        #expect(CivilDate("2023-02-29") == nil)
        for d in stride(from: -1000, through: 40_000, by: 37) {
            #expect(CivilDate(daysSinceEpoch: d).daysSinceEpoch == d)
        }
    }

    @Test("JST is UTC+9 all year (no daylight saving)")
    func jst() {
        // 2026-11-26T15:30:00Z is 2026-11-27 00:30 in Japan.
        let t = JapanTime(Date(timeIntervalSince1970: 1_795_707_000))
        #expect(t.date == CivilDate(year: 2026, month: 11, day: 27))
        #expect(t.minuteOfDay == 30)
        #expect(JapanTime.instant(CivilDate(year: 2026, month: 11, day: 27), minute: 30) == Date(timeIntervalSince1970: 1_795_707_000))
    }

    @Test("the Cabinet Office CSV imports from Shift_JIS and UTF-8")
    func holidayCSV() throws {
        // 国民の祝日・休日月日,国民の祝日・休日名称 / 2026/1/1,元日 / 2026/11/23,勤労感謝の日 in Shift_JIS.
        let header: [UInt8] = [0x8D, 0x91, 0x96, 0xAF, 0x82, 0xCC, 0x8F, 0x6A, 0x93, 0xFA, 0x2C, 0x96, 0xBC, 0x8F, 0xCC]
        let ganjitsu: [UInt8] = [0x8C, 0xB3, 0x93, 0xFA]
        var sjis = Data(header) + Data("\r\n2026/1/1,".utf8) + Data(ganjitsu) + Data("\r\n".utf8)
        sjis += Data("2026/11/23,".utf8) + Data([0x8B, 0xCE, 0x98, 0x4A, 0x8A, 0xB4, 0x8E, 0xD3, 0x82, 0xCC, 0x93, 0xFA]) + Data("\r\n".utf8)
        let cal = try HolidayCalendar.importCSV(sjis)
        #expect(cal.count == 2)
        #expect(cal.name(of: CivilDate(year: 2026, month: 1, day: 1)) == "元日")
        #expect(cal.name(of: CivilDate(year: 2026, month: 11, day: 23)) == "勤労感謝の日")
        let utf8 = try HolidayCalendar.importCSV(Data("2027/2/11,建国記念の日\n".utf8))
        #expect(utf8.name(of: CivilDate(year: 2027, month: 2, day: 11)) == "建国記念の日")
        #expect(throws: HolidayImportError.malformedLine(2)) { try HolidayCalendar.importCSV(Data("a,b\nnot a date,x\n".utf8)) }
    }
}

@Suite("Credential lookup by serial only")
struct SerialLookupTests {
    @Test func serialOnlyMatchesAUniqueCredential() {
        var p = Org.policy()
        let d = AccessDecider.decide(AccessRequest(door: "entrance", credential: CredentialKey(issuer: "", serial: "7f00"), time: Org.t0), policy: p)
        #expect(d.employee == "e2")
        #expect(d.isGranted)
        // The same serial from another CA makes the serial alone ambiguous.
        p.upsert(Credential(key: CredentialKey(issuer: "OTHERCA", serial: "7F00"), employee: "e1", notBefore: Org.t0 - 10, notAfter: Org.t0 + 10))
        let ambiguous = AccessDecider.decide(AccessRequest(door: "entrance", credential: CredentialKey(issuer: "", serial: "7F00"), time: Org.t0), policy: p)
        #expect(ambiguous.reason == .unknownCredential)
        #expect(AccessDecider.decide(AccessRequest(door: "entrance", credential: CredentialKey(issuer: "OTHERCA", serial: "7F00"), time: Org.t0), policy: p).employee == "e1")
    }
}

@Suite("Reason labels")
struct ReasonLabelTests {
    @Test("every reason code has a short label in both languages")
    func everyCodeLabelled() {
        let reasons: [DecisionReason] = [
            .granted(group: "g"), .exitToOutside, .emergencyUnlock, .unknownDoor, .lockdown, .unknownCredential,
            .credentialSuspended(.reportedLost), .credentialRetired, .certificateExpired(Org.t0), .certificateNotYetValid(Org.t0),
            .certificateRevoked, .revocationUnknown, .employeeInactive(.onLeave), .employeeOutsideValidity, .pinRequired,
            .pinWrong(triesLeft: 1), .pinBlocked, .signatureInvalid("x"), .noPermission(zone: "z"), .outsideSchedule,
            .holidayClosed("元日"), .antiPassback, .genuineRequired, .cardKeyMissing, .cardNotGenuine("x"),
        ]
        for r in reasons {
            let label = DecisionReason.label(forCode: r.code)
            #expect(label != nil, "no label for \(r.code)")
            #expect(label?.japanese.isEmpty == false && label?.english.isEmpty == false)
        }
        #expect(DecisionReason.label(forCode: "no_such_code") == nil)
    }
}
