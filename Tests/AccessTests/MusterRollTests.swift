import Foundation
import Testing
@testable import Access

/// The roll call's grouping and ordering, and which of two passages is the newer, by hand.
@Suite("Muster roll")
struct MusterRollTests {
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)
    static func entry(_ who: String, _ zone: String, accounted: Bool = false, left: Bool = false) -> MusterRoll.Entry {
        MusterRoll.Entry(employee: EmployeeID(rawValue: who), zone: ZoneID(rawValue: zone), since: t0, door: "d",
                         accountedAt: accounted ? t0 : nil, accountedBy: accounted ? "user:w" : nil, leftAt: left ? t0 : nil)
    }
    static let points = [AssemblyPoint(id: "north", name: "北", zones: ["lobby", "office"]), AssemblyPoint(id: "south", name: "南", zones: ["lab"])]

    @Test("people go to their zone's point, in the points' order; zones no point names come last; an empty point is still listed")
    func grouping() {
        let entries = [Self.entry("a", "lab"), Self.entry("b", "lobby"), Self.entry("c", "attic"), Self.entry("d", "office")]
        let groups = MusterRoll.group(entries, points: Self.points, order: { $0.rawValue })
        #expect(groups.map { $0.point?.id } == ["north", "south", nil])
        #expect(groups.map { $0.entries.map(\.employee.rawValue) } == [["b", "d"], ["a"], ["c"]])
        let none = MusterRoll.group([Self.entry("a", "lobby")], points: Self.points, order: { $0.rawValue })
        #expect(none.map { $0.point?.id } == ["north", "south"])
        #expect(none[1].entries.isEmpty)
    }

    @Test("within a point: unaccounted first, then those who badged out, then the accounted; by name within each")
    func ordering() {
        // Names: 佐藤 (a), 鈴木 (b), 高橋 (c), 田中 (d), 伊藤 (e). Sorted by the name given, as code points.
        let names: [String: String] = ["a": "佐藤", "b": "鈴木", "c": "高橋", "d": "田中", "e": "伊藤"]
        let entries = [Self.entry("a", "lobby", accounted: true), Self.entry("b", "lobby", left: true), Self.entry("c", "lobby"),
                       Self.entry("d", "lobby"), Self.entry("e", "lobby", accounted: true, left: true)]
        let g = MusterRoll.group(entries, points: Self.points, order: { names[$0.rawValue] ?? "" })[0]
        // Unaccounted with no exit: 田中 (田 U+7530) before 高橋 (高 U+9AD8); then 鈴木, who badged out;
        // then the accounted: 伊藤 (伊 U+4F0A) before 佐藤 (佐 U+4F50).
        #expect(g.entries.map(\.employee.rawValue) == ["d", "c", "b", "e", "a"])
        #expect(g.unaccounted == 3)
    }

    @Test("a zone named by two points belongs to the first")
    func firstPointWins() {
        let points = [AssemblyPoint(id: "p1", name: "1", zones: ["lobby"]), AssemblyPoint(id: "p2", name: "2", zones: ["lobby"])]
        #expect(MusterRoll.pointOf(points) == ["lobby": 0])
    }

    @Test("the newer passage is the later door time; within the same instant, the later event in the log")
    func newer() {
        let old = (at: Self.t0, event: Int64(10))
        #expect(Whereabouts.isNewer(Self.t0.addingTimeInterval(1), event: 5, than: old))
        #expect(!Whereabouts.isNewer(Self.t0.addingTimeInterval(-1), event: 50, than: old))   // a late upload of an older passage
        #expect(Whereabouts.isNewer(Self.t0, event: 11, than: old))
        #expect(!Whereabouts.isNewer(Self.t0, event: 10, than: old))
    }

    @Test("inside is everyone whose last passage led into a zone")
    func inside() {
        let w = [Whereabouts(employee: "a", zone: "lobby", since: Self.t0, door: "entrance"), Whereabouts(employee: "b", zone: nil, since: Self.t0, door: "exit")]
        #expect(MusterRoll.inside(w).map(\.employee) == ["a"])
    }
}
