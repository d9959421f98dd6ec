import Access
import DoorProtocol
import Fluent
import ServerCore
import Foundation
import Store
import Testing
import Vapor

/// The evacuation roll call through real HTTP: whereabouts derived from door events uploaded the way
/// door agents upload them, an evacuation that releases doors and takes the roll, wardens ticking people
/// off, and who may look.
@Suite("Muster")
struct MusterTests {
    /// The attendance site (outside → `entrance` → lobby → `exit` → outside) and an office behind the
    /// lobby (`office`: lobby → office), with its own agent token.
    struct Site {
        let base: AttendanceSite
        let office: TestServer.Identity
        var server: TestServer { base.server }

        static func make() async throws -> Site {
            let base = try await AttendanceSite.make()
            let s = base.server
            #expect(try await s.send(.PUT, "/api/v1/zones/office", as: base.admin, json: ["name": "執務室"]).status == .ok)
            #expect(try await s.send(.PUT, "/api/v1/doors/office", as: base.admin, json: ["name": "執務室入口", "fromZone": "lobby", "toZone": "office"]).status == .ok)
            #expect(try await s.send(.PUT, "/api/v1/groups/staff", as: base.admin,
                                     json: ["name": "社員", "grants": [["zone": "lobby", "schedule": "always"], ["zone": "office", "schedule": "always"]]]).status == .ok)
            let token = try await s.send(.POST, "/api/v1/doors/office/token", as: base.admin).object()["token"] as? String
            let registered = try #require(try await SettingModel.find("door_registered:office", on: s.app.db))
            registered.value = AttendanceSite.inServiceSince.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
            try await registered.save(on: s.app.db)
            return Site(base: base, office: .init(bearer: token))
        }

        /// Uploads one granted passage through `door`, decided offline at `time`, as its agent would.
        func pass(_ p: AttendanceSite.Person, _ door: String, at time: Date) async throws {
            let who: TestServer.Identity = door == "entrance" ? base.entrance : door == "exit" ? base.exit : office
            let event = DoorEvent(time: time, door: DoorID(rawValue: door), serial: p.serial, outcome: .grant, reason: "granted",
                                  employee: EmployeeID(rawValue: p.id), offline: true, snapshotVersion: 1)
            let r = try await server.send(.POST, "/api/v1/doors/\(door)/events", as: who,
                                          raw: try DoorWire.encoder().encode(DoorEventBatch(events: [event])), contentType: "application/json")
            #expect(r.status == .ok, "\(r.text)")
            let result = try DoorWire.decoder().decode(DoorEventBatchResult.self, from: r.body)
            #expect(result.quarantined == 0 && result.accepted == 1, "the passage was not stored as a decision")
        }

        func records(_ kind: String) async throws -> [AuditRecordModel] {
            try await server.app.mynagate.events.flush()
            return try await AuditRecordModel.query(on: server.app.db).filter(\.$kind == kind).sort(\.$id).all()
        }

        func unlocked() async throws -> [String] {
            try JSONList.decodeStored(try await SettingModel.find("emergency_unlocked", on: server.app.db)?.value ?? "[]", setting: "emergency_unlocked").sorted()
        }
    }

    static func people(_ roll: [String: Any]) -> [[String: Any]] {
        (roll["groups"] as? [[String: Any]] ?? []).flatMap { $0["people"] as? [[String: Any]] ?? [] }
    }

    @Test("who is inside which zone follows each person's newest passage, and a late upload of an older one moves nobody back")
    func whoIsInside() async throws {
        let site = try await Site.make()
        let s = site.server
        let (a, b, c) = (try await site.base.person("M001"), try await site.base.person("M002"), try await site.base.person("M003"))
        let t = Date().addingTimeInterval(-3_600)
        try await site.pass(a, "entrance", at: t)                            // A: in the lobby
        try await site.pass(b, "entrance", at: t)
        try await site.pass(b, "exit", at: t.addingTimeInterval(600))        // B: gone home
        try await site.pass(c, "entrance", at: t)
        try await site.pass(c, "office", at: t.addingTimeInterval(1_200))   // C: in the office
        // An older passage of C's uploaded late (an offline door catching up): C stays in the office.
        try await site.pass(c, "entrance", at: t.addingTimeInterval(300))

        let security = try await s.user(.security)
        let r = try await s.send(.GET, "/api/v1/muster/now", as: security)
        #expect(r.status == .ok, "\(r.text)")
        let zoneOf = Dictionary(uniqueKeysWithValues: Self.people(r.object()).map { ($0["employee"] as? String ?? "", $0["zone"] as? String ?? "") })
        #expect(zoneOf == [a.id: "lobby", c.id: "office"])
        #expect(r.object()["total"] as? Int == 2)
        // The look itself is recorded, with how many it showed and who looked.
        let viewed = try await site.records("muster.viewed")
        #expect(viewed.count == 1)
        #expect(viewed.last?.details.contains("\"people\":\"2\"") == true)
        #expect(viewed.last?.actor.hasPrefix("user:security-") == true)
    }

    @Test("an evacuation releases the configured doors, takes the roll, lets wardens tick people off, and locks only its own doors again")
    func evacuation() async throws {
        let site = try await Site.make()
        let s = site.server
        let admin = site.base.admin
        let (a, c) = (try await site.base.person("E001"), try await site.base.person("E002"))
        let t = Date().addingTimeInterval(-3_600)
        try await site.pass(a, "entrance", at: t)
        try await site.pass(c, "entrance", at: t)
        try await site.pass(c, "office", at: t.addingTimeInterval(60))
        try await Accounts.create(username: "warden-1", password: "correct horse battery", role: .employee, employeeID: nil, cost: 4, on: s.app.db)
        let warden = try await s.signIn("warden-1", "correct horse battery")
        let config: [String: Any] = ["assemblyPoints": [["id": "north", "name": "北駐車場", "zones": ["lobby"]], ["id": "south", "name": "南広場", "zones": ["office"]]],
                                     "releaseDoors": ["exit", "office"], "wardens": ["warden-1"]]
        let put = try await s.send(.PUT, "/api/v1/muster/config", as: admin, json: config)
        #expect(put.status == .ok, "\(put.text)")
        // A door an officer unlocked before the alarm stays unlocked after it.
        #expect(try await s.send(.POST, "/api/v1/doors/entrance/emergency-unlock", as: admin, json: ["on": true]).status == .ok)

        let security = try await s.user(.security)
        let started = try await s.send(.POST, "/api/v1/evacuations", as: security, json: ["drill": false, "note": "3階 火災報知器"])
        #expect(started.status == .ok, "\(started.text)")
        let id = try #require(started.object()["id"] as? String)
        #expect(started.object()["releasedDoors"] as? [String] == ["exit", "office"])
        #expect(try await site.unlocked() == ["entrance", "exit", "office"])
        #expect(await s.app.mynagate.policy.current.emergencyUnlocked == [DoorID(rawValue: "entrance"), DoorID(rawValue: "exit"), DoorID(rawValue: "office")])
        #expect(try await site.records("site.evacuation.started").count == 1)
        // One at a time.
        #expect(try await s.send(.POST, "/api/v1/evacuations", as: security, json: ["drill": true]).status == .conflict)

        // The warden sees the roll by point; the hr account and an employee who is no warden do not.
        let roll = try await s.send(.GET, "/api/v1/evacuations/\(id)/roll", as: warden)
        #expect(roll.status == .ok, "\(roll.text)")
        let groups = roll.object()["groups"] as? [[String: Any]] ?? []
        #expect(groups.map { ($0["point"] as? [String: Any])?["id"] as? String } == ["north", "south"])
        #expect(groups.map { $0["unaccounted"] as? Int } == [1, 1])
        #expect(try await s.send(.GET, "/api/v1/evacuations/\(id)/roll", as: try await s.user(.hr)).status == .forbidden)
        #expect(try await s.send(.GET, "/api/v1/muster/now", as: try await s.user(.employee)).status == .forbidden)
        #expect(try await s.send(.PUT, "/api/v1/evacuations/\(id)/roll/\(a.id)", as: try await s.user(.employee), json: ["accounted": true]).status == .forbidden)
        // Someone who was not inside is not on the roll.
        let outsider = try await site.base.person("E003")
        #expect(try await s.send(.PUT, "/api/v1/evacuations/\(id)/roll/\(outsider.id)", as: warden, json: ["accounted": true]).status == .notFound)

        let tick = try await s.send(.PUT, "/api/v1/evacuations/\(id)/roll/\(a.id)", as: warden, json: ["accounted": true])
        #expect(tick.status == .ok, "\(tick.text)")
        let after = try await s.send(.GET, "/api/v1/evacuations/\(id)/roll", as: security).object()
        #expect(after["unaccounted"] as? Int == 1)
        let ticked = Self.people(after).first { $0["employee"] as? String == a.id }
        #expect(ticked?["accountedBy"] as? String == "user:warden-1")
        #expect(try await site.records("muster.accounted").last?.subject == "employee:\(a.id)")

        let ended = try await s.send(.POST, "/api/v1/evacuations/\(id)/end", as: security)
        #expect(ended.status == .ok, "\(ended.text)")
        #expect(try await site.unlocked() == ["entrance"])
        #expect(try await site.records("site.evacuation.ended").last?.details.contains("\"unaccounted\":\"1\"") == true)
        // After the end the warden's view closes with it (403, as for any evacuation they may not see);
        // an officer's tick is refused as too late.
        #expect(try await s.send(.PUT, "/api/v1/evacuations/\(id)/roll/\(c.id)", as: warden, json: ["accounted": true]).status == .forbidden)
        #expect(try await s.send(.PUT, "/api/v1/evacuations/\(id)/roll/\(c.id)", as: security, json: ["accounted": true]).status == .conflict)
        #expect(try await s.send(.GET, "/api/v1/evacuations/\(id)/roll", as: warden).status == .forbidden)
        #expect(try await s.send(.POST, "/api/v1/evacuations/\(id)/end", as: security).status == .conflict)
        // A warden never has a standing view of where everyone is.
        #expect(try await s.send(.GET, "/api/v1/muster/now", as: warden).status == .forbidden)
    }

    @Test("someone the doors put inside after the roll was taken — an offline door's late upload — joins the roll; an exit uploaded late shows")
    func lateUploadsJoinTheRoll() async throws {
        let site = try await Site.make()
        let s = site.server
        let (a, late) = (try await site.base.person("L001"), try await site.base.person("L002"))
        let t = Date().addingTimeInterval(-3_600)
        try await site.pass(a, "entrance", at: t)
        let security = try await s.user(.security)
        let started = try await s.send(.POST, "/api/v1/evacuations", as: security, json: ["drill": true])
        let id = try #require(started.object()["id"] as? String)
        #expect(Self.people(try await s.send(.GET, "/api/v1/evacuations/\(id)/roll", as: security).object()).count == 1)
        // The entrance was offline: it uploads now that L002 came in ten minutes before the alarm, and
        // that A left five minutes before it.
        try await site.pass(late, "entrance", at: Date().addingTimeInterval(-600))
        try await site.pass(a, "exit", at: Date().addingTimeInterval(-300))
        let roll = Self.people(try await s.send(.GET, "/api/v1/evacuations/\(id)/roll", as: security).object())
        #expect(Set(roll.compactMap { $0["employee"] as? String }) == [a.id, late.id])
        #expect(roll.first { $0["employee"] as? String == a.id }?["leftAt"] != nil)
    }

    @Test("a door whose clock runs ahead cannot put its passage after a later one")
    func fastDoorClock() async throws {
        let site = try await Site.make()
        let s = site.server
        let a = try await site.base.person("F001")
        try await site.pass(a, "entrance", at: Date().addingTimeInterval(-3_600))
        // The exit's clock is 4 minutes fast: A left "at now + 240 s". A minute later by the server's
        // clock A comes back in; the entrance's own time is now + 60 s.
        try await site.pass(a, "exit", at: Date().addingTimeInterval(240))
        try await Task.sleep(for: .milliseconds(20))
        try await site.pass(a, "entrance", at: Date().addingTimeInterval(60))
        let now = try await s.send(.GET, "/api/v1/muster/now", as: try await s.user(.security))
        #expect(Self.people(now.object()).map { $0["employee"] as? String } == [a.id])
    }

    @Test("a real evacuation lifts a lockdown and says so; a drill is refused during one, and releases no door unless configured")
    func lockdownAndDrills() async throws {
        let site = try await Site.make()
        let s = site.server
        let admin = site.base.admin
        #expect(try await s.send(.PUT, "/api/v1/muster/config", as: admin, json: ["assemblyPoints": [], "releaseDoors": ["exit"], "wardens": []]).status == .ok)
        let security = try await s.user(.security)
        let drill = try await s.send(.POST, "/api/v1/evacuations", as: security, json: ["drill": true])
        #expect(drill.object()["releasedDoors"] as? [String] == [])
        #expect(try await site.unlocked() == [])
        #expect(try await s.send(.POST, "/api/v1/evacuations/\(drill.object()["id"] as? String ?? "")/end", as: security).status == .ok)

        #expect(try await s.send(.POST, "/api/v1/site/lockdown", as: security, json: ["on": true]).status == .ok)
        #expect(try await s.send(.POST, "/api/v1/evacuations", as: security, json: ["drill": true]).status == .conflict)
        let real = try await s.send(.POST, "/api/v1/evacuations", as: security, json: ["drill": false, "note": "2階 煙感知器"])
        #expect(real.status == .ok, "\(real.text)")
        #expect(await s.app.mynagate.policy.current.lockdown == false)
        #expect(await s.app.mynagate.policy.current.emergencyUnlocked == [DoorID(rawValue: "exit")])
        #expect(try await site.records("site.evacuation.started").last?.details.contains("\"lockdownLifted\":\"true\"") == true)
    }

    @Test("the configuration names only zones and doors that exist, each zone under one point, and only an administrator writes it")
    func configuration() async throws {
        let site = try await Site.make()
        let s = site.server
        let admin = site.base.admin
        let unknown = try await s.send(.PUT, "/api/v1/muster/config", as: admin,
                                       json: ["assemblyPoints": [["id": "north", "name": "北", "zones": ["attic"]]], "releaseDoors": [], "wardens": []])
        #expect(unknown.status == .unprocessableEntity, "\(unknown.text)")
        // The refusal names the field, never repeats what was sent.
        #expect(unknown.text.contains("assemblyPoints[0].zones[0]") && !unknown.text.contains("attic"))
        // A flag sent as null is "not set" (the document allows it).
        let nullFlag = try await s.send(.PUT, "/api/v1/muster/config", as: admin, json: ["assemblyPoints": [], "releaseDoors": [], "wardens": [], "drillReleasesDoors": NSNull()])
        #expect(nullFlag.status == .ok, "\(nullFlag.text)")
        let twice = try await s.send(.PUT, "/api/v1/muster/config", as: admin,
                                     json: ["assemblyPoints": [["id": "n", "name": "北", "zones": ["lobby"]], ["id": "s", "name": "南", "zones": ["lobby"]]],
                                            "releaseDoors": [], "wardens": []])
        #expect(twice.status == .unprocessableEntity)
        let door = try await s.send(.PUT, "/api/v1/muster/config", as: admin, json: ["assemblyPoints": [], "releaseDoors": ["back-gate"], "wardens": []])
        #expect(door.status == .unprocessableEntity)
        // A warden is an existing account, not a name reserved for whoever gets it later.
        let nobody = try await s.send(.PUT, "/api/v1/muster/config", as: admin, json: ["assemblyPoints": [], "releaseDoors": [], "wardens": ["not-yet-made"]])
        #expect(nobody.status == .unprocessableEntity)
        // Names and notes every warden reads carry no number, and the refusal does not echo it.
        let named = try await s.send(.PUT, "/api/v1/muster/config", as: admin,
                                     json: ["assemblyPoints": [["id": "n", "name": "北 1234 5678 9012", "zones": ["lobby"]]], "releaseDoors": [], "wardens": []])
        #expect(named.status == .unprocessableEntity)
        #expect(!named.text.contains("9012"))
        let note = try await s.send(.POST, "/api/v1/evacuations", as: try await s.user(.security), json: ["drill": true, "note": "123456789012"])
        #expect(note.status == .unprocessableEntity)
        #expect(!note.text.contains("123456789012"))
        let security = try await s.user(.security)
        #expect(try await s.send(.PUT, "/api/v1/muster/config", as: security, json: ["assemblyPoints": [], "releaseDoors": [], "wardens": []]).status == .forbidden)
        #expect(try await s.send(.GET, "/api/v1/muster/config", as: security).object()["assemblyPoints"] as? [Any] != nil)
        #expect(try await site.records("config.muster.updated").count == 1)
    }

    @Test("the roll call page and its printable form, in Japanese and English, to officers and wardens only")
    func pages() async throws {
        let site = try await Site.make()
        let s = site.server
        let a = try await site.base.person("P001")
        try await site.pass(a, "entrance", at: Date().addingTimeInterval(-600))
        let security = try await s.user(.security)
        let ja = try await s.send(.GET, "/muster", as: security)
        #expect(ja.status == .ok)
        #expect(ja.text.contains("いま構内にいる人"))
        #expect(ja.text.contains("試験 P001"))
        let en = try await s.send(.GET, "/muster/print?lang=en", as: security)
        #expect(en.status == .ok)
        #expect(en.text.contains("Who is inside now"))
        #expect(en.text.contains("☐"))
        #expect(try await s.send(.GET, "/muster", as: try await s.user(.employee)).status == .forbidden)
        #expect(try await site.records("muster.viewed").count == 2)
    }
}
