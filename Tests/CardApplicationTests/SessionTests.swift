import Access
import Foundation
import Testing
@testable import CardApplication

@Suite struct SessionTests {
    static let yokohama = "神奈川県横浜市西区みなとみらい2-2-1"
    static let kawasaki = "神奈川県川崎市中原区小杉町1-1"
    static let chiyoda = "東京都千代田区丸の内1-1"

    func applicants() throws -> [ApplicationRecord] {
        var apps: [ApplicationRecord] = []
        for i in 1...7 { apps.append(try Fix.reviewedSessionApp("y\(i)", address: Self.yokohama)) }
        for i in 1...3 { apps.append(try Fix.reviewedSessionApp("k\(i)", address: Self.kawasaki)) }
        for i in 1...5 { apps.append(try Fix.reviewedSessionApp("c\(i)", address: Self.chiyoda)) }
        apps.append(try Fix.reviewedBatchApp("batch1"))  // case 1: not planned for sessions
        return apps
    }

    @Test func groupingByCityAndProposals() throws {
        let plan = SessionPlanner().plan(try applicants())
        #expect(plan.groups.map(\.municipality.city) == ["横浜市", "千代田区", "川崎市"])
        #expect(plan.groups.map(\.applications.count) == [7, 5, 3])
        #expect(plan.proposals.map(\.municipality.city) == ["横浜市", "千代田区"])
        #expect(plan.needsMoreApplicants.map(\.municipality.city) == ["川崎市"])
        // With a higher minimum, only Yokohama qualifies; with a maximum of 4, Yokohama splits 4 + 3.
        #expect(SessionPlanner(minimumPerSession: 6).plan(try applicants()).proposals.map(\.municipality.city) == ["横浜市"])
        let split = SessionPlanner(minimumPerSession: 3, maximumPerSession: 4).plan(try applicants())
        #expect(split.proposals.map(\.applications.count) == [4, 3, 5, 3])  // 千代田区's 5 stay together: 3 + 2 would break the minimum
        #expect(split.needsMoreApplicants.isEmpty)
    }

    @Test func case2EndToEnd() throws {
        var apps = try applicants()
        let proposal = try #require(SessionPlanner().plan(apps).proposals.first)
        var session = OnSiteSession(id: "S1", proposal: proposal)
        for id in proposal.applications { try update(&apps, id) { try $0.apply(.assignSession("S1"), at: Fix.day(3)) } }
        // Assigned applicants are no longer proposed again.
        #expect(SessionPlanner().plan(apps).proposals.map(\.municipality.city) == ["千代田区"])

        #expect(throws: SessionError.notAgreed) { try session.recordIdentityCheck("y1", documents: [], at: Fix.day(4)) }
        let contact = CityContact(name: "市民 一郎", section: "横浜市 西区役所 戸籍課", phone: "045-000-0000")
        try session.agree(date: CivilDate(year: 2026, month: 12, day: 10), startMinute: 13 * 60, place: "本社 3F 会議室A", contact: contact)
        #expect(session.status == .agreed && session.cardDelivery == .registeredPostToPerson)
        #expect(throws: SessionError.wrongCity("c1")) { try session.add(apps.first { $0.id == "c1" }!) }

        let roster = SessionRoster(session: session, applications: apps, people: [EmployeeID("e-y1"): .init(employeeNumber: "A001", department: "営業部")])
        #expect(roster.rows.map(\.number) == Array(1...7))
        #expect(roster.rows.first?.employeeNumber == "A001" && roster.rows.first?.nameKana == "ヤマダ\u{3000}タロウ")
        #expect(roster.rows.allSatisfy { !$0.applied && !$0.identityChecked })
        let sheet = try #require(roster.checklists["y1"]).lines(in: .japanese)
        #expect(sheet.contains("□ 運転免許証") && sheet.contains { $0.contains("本人限定受取郵便") })
        #expect(try #require(roster.checklists["y1"]).lines(in: .english).contains { $0.contains("two of these") })

        // On the day: y1 shows a licence, y2 two non-photo documents, y3 only one, y4 is absent.
        let catalogue = Dictionary(uniqueKeysWithValues: IdentityDocumentKind.standardCatalogue.map { ($0.id, $0) })
        try session.recordIdentityCheck("y1", documents: [catalogue["drivers_license"]!], at: Fix.day(14))
        try session.recordIdentityCheck("y2", documents: [catalogue["health_insurance"]!, catalogue["pension"]!], at: Fix.day(14))
        #expect(throws: SessionError.identityInsufficient("y3")) { try session.recordIdentityCheck("y3", documents: [catalogue["health_insurance"]!], at: Fix.day(14)) }
        #expect(throws: SessionError.identityInsufficient("y3")) {
            try session.recordIdentityCheck("y3", documents: [catalogue["health_insurance"]!, catalogue["health_insurance"]!], at: Fix.day(14))
        }
        #expect(throws: SessionError.identityNotChecked("y3")) { try session.recordApplied("y3", at: Fix.day(14)) }
        #expect(throws: SessionError.notOnRoster("c1")) { try session.recordApplied("c1", at: Fix.day(14)) }
        for id: ApplicationID in ["y1", "y2"] {
            try session.recordApplied(id, at: Fix.day(14))
            try update(&apps, id) { try $0.apply(.appliedAtSession("S1"), at: Fix.day(14)) }
        }
        #expect(throws: SessionError.alreadyApplied("y1")) { try session.recordApplied("y1", at: Fix.day(14)) }
        #expect(session.status == .held)
        #expect(session.applied == ["y1", "y2"])
        #expect(session.notApplied == ["y3", "y4", "y5", "y6", "y7"])
        let after = SessionRoster(session: session, applications: apps)
        #expect(after.rows.filter(\.applied).map(\.application) == ["y1", "y2"])

        // Cards come by 本人限定受取郵便; y1's arrives directly, y2's after an arrival notice.
        try update(&apps, "y1") { try $0.apply(.cardMailed, at: Fix.day(40)) }
        try update(&apps, "y2") { try $0.apply(.noticeReceived, at: Fix.day(38)) }
        try update(&apps, "y2") { try $0.apply(.cardMailed, at: Fix.day(41)) }
        #expect(throws: ApplicationTransitionError.wrongRoute(event: "card_received", route: .onSiteSession)) {
            try update(&apps, "y3") { try $0.apply(.cardReceived, at: Fix.day(41)) }
        }
        let y1 = try #require(apps.first { $0.id == "y1" })
        #expect(CardStatus.of(hasEnrolledCard: false, applications: [y1]) == .cardNotEnrolled)
        #expect(apps.closeOnEnrollment(of: y1.employee, at: Fix.day(42)) == ["y1"])
        #expect(apps.first { $0.id == "y1" }?.stage == .enrolled)
        #expect(apps.first { $0.id == "y1" }?.session == "S1")
    }

    func update(_ apps: inout [ApplicationRecord], _ id: ApplicationID, _ body: (inout ApplicationRecord) throws -> Void) throws {
        let i = try #require(apps.firstIndex { $0.id == id })
        try body(&apps[i])
    }
}
