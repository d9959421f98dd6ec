import Access
import Foundation
import Testing
@testable import CardApplication

@Suite struct ApplicationLifecycleTests {
    @Test func illegalTransitionsAreRefusedWithTypedErrors() throws {
        var a = ApplicationRecord(id: "a1", employee: "e1", route: .contractorBatch, optedInAt: Fix.day(0))
        #expect(throws: ApplicationTransitionError.notAllowed(event: "review", stage: .optedIn)) { try a.apply(.review, at: Fix.day(1)) }
        try a.apply(.enterData(Fix.data()), at: Fix.day(1))
        #expect(throws: ApplicationTransitionError.photoMissing) { try a.apply(.review, at: Fix.day(1)) }
        let bad = PhotoValidator().validate(TestImage.png(width: 700, height: 900), today: Fix.today)
        try a.apply(.attachPhoto(PhotoAttachment(storageKey: "p", report: bad)), at: Fix.day(1))
        #expect(throws: ApplicationTransitionError.photoNotAcceptable(codes: ["photo_wrong_format"])) { try a.apply(.review, at: Fix.day(1)) }
        #expect(throws: ApplicationTransitionError.wrongRoute(event: "applied_at_session", route: .contractorBatch)) {
            try a.apply(.appliedAtSession("s1"), at: Fix.day(1))
        }
        #expect(throws: ApplicationTransitionError.notAllowed(event: "card_received", stage: .dataEntered)) { try a.apply(.cardReceived, at: Fix.day(1)) }
        // A refused event changes nothing.
        #expect(a.stage == .dataEntered)
        #expect(a.history.count == 3)

        var b = try Fix.reviewedBatchApp("b1")
        try b.apply(.addToBatch("B1"), at: Fix.day(3))
        #expect(throws: ApplicationTransitionError.mismatch(expected: "B1", got: "B2")) { try b.apply(.sentToContractor("B2"), at: Fix.day(3)) }
        try b.apply(.sentToContractor("B1"), at: Fix.day(4))
        #expect(throws: ApplicationTransitionError.notAllowed(event: "card_received", stage: .sentToContractor)) { try b.apply(.cardReceived, at: Fix.day(5)) }
        #expect(throws: ApplicationTransitionError.alreadyApplied(.sentToContractor)) { try b.apply(.withdraw, at: Fix.day(5)) }
        let e = ApplicationTransitionError.alreadyApplied(.sentToContractor)
        #expect(e.japaneseMessage.contains("提出済み") && e.englishMessage.contains("already been submitted"))
    }

    @Test func withdrawalBeforeApplyingClosesTheApplication() throws {
        var a = try Fix.reviewedBatchApp("w1")
        try a.apply(.addToBatch("B1"), at: Fix.day(3))
        try a.apply(.withdraw, at: Fix.day(3))
        #expect(a.stage == .withdrawn && !a.isOpen)
        #expect(throws: ApplicationTransitionError.closed(.withdrawn)) { try a.apply(.cardEnrolled, at: Fix.day(4)) }
        var fresh = ApplicationRecord(id: "w2", employee: "e2", optedInAt: Fix.day(0))
        try fresh.apply(.withdraw, at: Fix.day(0))
        #expect(fresh.stage == .withdrawn)
    }

    @Test func clerkReturnsAndEditsSendBackToDataEntered() throws {
        var a = try Fix.reviewedBatchApp("r1")
        try a.apply(.returnToEmployee(note: "写真を撮り直してください"), at: Fix.day(3), by: "clerk")
        #expect(a.stage == .dataEntered && a.clerkNote == "写真を撮り直してください")
        try a.apply(.review, at: Fix.day(4))
        try a.apply(.enterData(Fix.data("山田", "次郎")), at: Fix.day(5))
        #expect(a.stage == .dataEntered)
        #expect(throws: ApplicationTransitionError.routeNotChosen) {
            var n = ApplicationRecord(id: "r2", employee: "e", optedInAt: Fix.day(0))
            try n.apply(.enterData(Fix.data()), at: Fix.day(0))
            try n.apply(.review, at: Fix.day(0))
        }
    }

    @Test func enrollmentClosesOpenApplicationsItself() throws {
        var book = [
            try Fix.reviewedBatchApp("c1"),
            ApplicationRecord(id: "c2", employee: "e-c1", optedInAt: Fix.day(0)),  // a second, still open
            try Fix.reviewedBatchApp("c3"),
        ]
        try book[0].apply(.addToBatch("B1"), at: Fix.day(3))
        try book[0].apply(.sentToContractor("B1"), at: Fix.day(3))
        let closed = book.closeOnEnrollment(of: "e-c1", at: Fix.day(20), by: "enrollment")
        #expect(closed == ["c1", "c2"])
        #expect(book[0].stage == .enrolled && book[1].stage == .enrolled)
        #expect(book[2].stage == .reviewed)  // someone else's
        #expect(book.closeOnEnrollment(of: "e-c1", at: Fix.day(21)).isEmpty)
        #expect(book[0].history.last?.actor == "enrollment")
    }

    @Test func cardStatusAndAdoption() throws {
        var applying = try Fix.reviewedBatchApp("s1")
        #expect(CardStatus.of(hasEnrolledCard: false, applications: [applying]) == .applying)
        #expect(CardStatus.of(hasEnrolledCard: true, applications: [applying]) == .enrolled)
        #expect(CardStatus.of(hasEnrolledCard: false, saysHasCard: true) == .cardNotEnrolled)
        #expect(CardStatus.of(hasEnrolledCard: false, declined: true) == .declined)
        #expect(CardStatus.of(hasEnrolledCard: false, declined: true, applications: [applying]) == .applying)
        #expect(CardStatus.of(hasEnrolledCard: false) == CardStatus.none)
        try applying.apply(.addToBatch("B"), at: Fix.day(3))
        try applying.apply(.sentToContractor("B"), at: Fix.day(3))
        try applying.apply(.noticeReceived, at: Fix.day(10))
        try applying.apply(.cardReceived, at: Fix.day(12))
        #expect(CardStatus.of(hasEnrolledCard: false, applications: [applying]) == .cardNotEnrolled)
        #expect(throws: ApplicationTransitionError.alreadyApplied(.cardReceived)) { try applying.apply(.withdraw, at: Fix.day(13)) }
    }

    @Test func adoptionSummaryByDepartmentAndSite() {
        let rows: [EmployeeCardStatus] = [
            .init(employee: "1", department: "営業部", site: "本社", status: .enrolled),
            .init(employee: "2", department: "営業部", site: "本社", status: .applying),
            .init(employee: "3", department: "営業部", site: "大阪", status: .none),
            .init(employee: "4", department: "人事部", site: "本社", status: .cardNotEnrolled),
            .init(employee: "5", department: "人事部", site: "大阪", status: .declined),
        ]
        let s = AdoptionSummary(rows)
        #expect(s.overall.total == 5 && s.overall.count(.enrolled) == 1 && s.overall.cardHolders == 2)
        #expect(s.overall.enrolledRatio == 0.2 && s.overall.cardHolderRatio == 0.4 && s.overall.reachRatio == 0.6)
        #expect(s.byDepartment.map(\.name) == ["人事部", "営業部"])
        #expect(s.department("営業部")?.total == 3 && s.department("営業部")?.count(.applying) == 1)
        #expect(s.site("大阪")?.count(.declined) == 1 && s.site("大阪")?.enrolledRatio == 0)
        #expect(s.site("本社")?.cardHolderRatio == 2.0 / 3.0)
        #expect(AdoptionSummary([]).overall.enrolledRatio == 0)
    }
}
