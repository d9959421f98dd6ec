import Access
import DoorProtocol
import Foundation
import XCTest

final class DoorSnapshotTests: XCTestCase {
    func sample(version: Int = 7, full: Bool = true) -> DoorSnapshot {
        let key = CredentialKey(issuer: "JPKI-CA", serial: "0a1b")
        let suspended = Credential(key: CredentialKey(issuer: "JPKI-CA", serial: "FF"), employee: "e2", notBefore: Date(timeIntervalSince1970: 1_700_000_000),
                                   notAfter: Date(timeIntervalSince1970: 1_900_000_000), state: .suspended(reason: .reportedLost, at: Date(timeIntervalSince1970: 1_750_000_000.25)))
        let policy = DoorSnapshot.Policy(
            doors: [Door(id: "front", name: "Front", from: nil, to: "office")],
            zones: [Zone(id: "office", name: "Office", isWorkplaceBoundary: true, antiPassback: .soft)],
            groups: [AccessGroup(id: "staff", name: "Staff", grants: [.init(zone: "office", schedule: "always")])],
            schedules: [WeeklySchedule.always()],
            holidays: [.init(date: CivilDate("2026/1/1")!, name: "元日")],
            employees: [Employee(id: "e1", employeeNumber: "1001", name: "山田", department: "R&D", groups: ["staff"])],
            credentials: [SnapshotCredential(credential: Credential(key: key, employee: "e1", notBefore: Date(timeIntervalSince1970: 1_700_000_000),
                                                                   notAfter: Date(timeIntervalSince1970: 1_900_000_000)), certificate: Data([0x30, 0x82]), version: 3),
                          SnapshotCredential(credential: suspended, version: 5)],
            lockdown: false, emergencyUnlocked: ["front"])
        return DoorSnapshot(version: version, full: full, door: "front", generatedAt: Date(timeIntervalSince1970: 1_760_000_000.5), policy: policy)
    }

    /// Equal employees encode to equal bytes whatever their groups set's history (the snapshot is signed
    /// and compared as bytes; found by FuzzDoorSnapshot, whose canonical-form check failed on a seed).
    func testEqualEmployeesEncodeToEqualBytes() throws {
        let names: [GroupID] = (0..<12).map { GroupID(rawValue: "g\($0)") }
        var different = 0
        for n in 2...names.count {
            var roomy = Set<GroupID>(minimumCapacity: 256)
            for g in names.prefix(n).reversed() { roomy.insert(g) }
            let tight = Set(names.prefix(n))
            XCTAssertEqual(roomy, tight)
            if Array(roomy) != Array(tight) { different += 1 }
            let a = Employee(id: "e1", employeeNumber: "1", name: "a", department: "d", groups: roomy)
            let b = Employee(id: "e1", employeeNumber: "1", name: "a", department: "d", groups: tight)
            XCTAssertEqual(try DoorWire.encoder().encode(a), try DoorWire.encoder().encode(b), "\(n) groups")
            XCTAssertEqual(try DoorWire.decoder().decode(Employee.self, from: DoorWire.encoder().encode(a)), a)
        }
        XCTAssertGreaterThan(different, 0, "the sets never iterated in different orders: the test would prove nothing")
    }

    /// The same for a schedule's windows, a dictionary keyed by weekday (the other unordered field the
    /// fuzz target's seeds carry): every seed snapshot re-encodes to a fixed point.
    func testEqualSchedulesEncodeToEqualBytes() throws {
        var different = 0
        for n in 2...Weekday.allCases.count {
            let days = Array(Weekday.allCases.prefix(n))
            var roomy = [Weekday: [TimeWindow]](minimumCapacity: 64)
            for d in days.reversed() { roomy[d] = [TimeWindow(start: 0, end: 1440)] }
            let tight = Dictionary(uniqueKeysWithValues: days.map { ($0, [TimeWindow(start: 0, end: 1440)]) })
            if Array(roomy.keys) != Array(tight.keys) { different += 1 }
            let a = WeeklySchedule(id: "s", name: "s", windows: roomy), b = WeeklySchedule(id: "s", name: "s", windows: tight)
            XCTAssertEqual(try DoorWire.encoder().encode(a), try DoorWire.encoder().encode(b), "\(n) days")
            XCTAssertEqual(try DoorWire.decoder().decode(WeeklySchedule.self, from: DoorWire.encoder().encode(a)), a)
        }
        XCTAssertGreaterThan(different, 0, "the dictionaries never iterated in different orders: the test would prove nothing")
        let snapshot = sample()
        let once = try DoorWire.encoder().encode(snapshot)
        XCTAssertEqual(try DoorWire.encoder().encode(DoorWire.decoder().decode(DoorSnapshot.self, from: once)), once)
    }

    func testRoundTripsThroughTheWireEncoding() throws {
        let s = sample()
        let bytes = try DoorWire.encoder().encode(s)
        XCTAssertEqual(try DoorWire.decoder().decode(DoorSnapshot.self, from: bytes), s)
        // Sorted keys: the same value always gives the same bytes, which is what the signature covers.
        XCTAssertEqual(try DoorWire.encoder().encode(s), bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.contains("\"door\":\"front\""), text)
        XCTAssertTrue(text.contains("\"full\":true"))
    }

    func testAccessPolicyDecidesLikeTheServer() {
        let policy = sample().accessPolicy()
        XCTAssertEqual(policy.version, 7)
        XCTAssertNotNil(policy.resolve(CredentialKey(issuer: "", serial: "0A1B")))
        XCTAssertEqual(policy.holidays.count, 1)
        XCTAssertEqual(policy.emergencyUnlocked, ["front"])
        XCTAssertEqual(policy.employees["e1"]?.groups, ["staff"])
    }

    func testApplyingADeltaReplacesChangedCredentialsAndDropsRemovedOnes() {
        let base = sample()
        var delta = sample(version: 9, full: false)
        let lost = Credential(key: CredentialKey(issuer: "JPKI-CA", serial: "0A1B"), employee: "e1", notBefore: Date(timeIntervalSince1970: 1_700_000_000),
                              notAfter: Date(timeIntervalSince1970: 1_900_000_000), state: .suspended(reason: .securityOfficer, at: Date(timeIntervalSince1970: 1_760_000_000)))
        delta.policy.credentials = [SnapshotCredential(credential: lost, version: 9)]
        delta.removedCredentials = [CredentialKey(issuer: "JPKI-CA", serial: "FF")]
        let merged = base.applying(delta)
        XCTAssertTrue(merged.full)
        XCTAssertEqual(merged.version, 9)
        XCTAssertEqual(merged.policy.credentials.map(\.credential), [lost])
        XCTAssertEqual(base.applying(sample(version: 10)), sample(version: 10))
    }

    func testEventsAndHeartbeatsUseTheContractsNames() throws {
        let id = UUID()
        let event = DoorEvent(id: id, time: Date(timeIntervalSince1970: 1_760_000_000.123), door: "front", serial: "0A1B", outcome: .grant, reason: "granted",
                              employee: "e1", offline: true, snapshotVersion: 7, warnings: ["passbackSuspected"])
        let bytes = try DoorWire.encoder().encode(DoorEventBatch(events: [event]))
        let back = try DoorWire.decoder().decode(DoorEventBatch.self, from: bytes)
        XCTAssertEqual(back.events.first?.id, id)
        XCTAssertEqual(back.events.first!.time.timeIntervalSince1970, 1_760_000_000.123, accuracy: 0.001)
        let hb = String(decoding: try DoorWire.encoder().encode(DoorHeartbeat(snapshotVersion: 3, mode: .staleFailSecure, outboxDepth: 2)), as: UTF8.self)
        XCTAssertTrue(hb.contains("\"mode\":\"stale-fail-secure\""), hb)
        XCTAssertEqual(try DoorWire.decoder().decode(DoorPush.self, from: Data("{\"version\":4}".utf8)), DoorPush(version: 4))
        // Whole-second dates (another client's encoder) are accepted too.
        let plain = try DoorWire.decoder().decode(DoorHeartbeat.self, from: Data(#"{"snapshotVersion":1,"online":true,"offlineSince":"2026-01-01T00:00:00Z","mode":"normal","outboxDepth":0}"#.utf8))
        XCTAssertEqual(plain.offlineSince, Date(timeIntervalSince1970: 1_767_225_600))
    }
}
