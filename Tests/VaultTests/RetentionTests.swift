import Access
import Foundation
import Testing
@testable import Vault

@Suite("Retention and disposal")
struct RetentionTests {
    let planner = RetentionPlanner()

    func meta(_ purposes: Set<Purpose>, role: SubjectRole = .employee, documents: [RetainedDocument] = [],
              end: CivilDate? = nil, dependencyEnd: CivilDate? = nil, hold: LegalHold? = nil) -> StoredNumberMetadata {
        StoredNumberMetadata(record: NumberRecordID(), employee: "emp-1", role: role, purposes: purposes,
                             documents: documents, employmentEnd: end, dependencyEnd: dependencyEnd, legalHold: hold)
    }

    @Test func civilCodePeriods() {
        // 民法143条: ends the day before the corresponding day.
        #expect(d(2026, 1, 11).lastDayOfPeriod(years: 7) == d(2033, 1, 10))
        // Leap year: a period starting 1 March 2022 ends on 29 February 2024.
        #expect(d(2022, 3, 1).lastDayOfPeriod(years: 2) == d(2024, 2, 29))
        // No corresponding day (29 February → 2026): the last day of that month.
        #expect(d(2024, 2, 29).lastDayOfPeriod(years: 2) == d(2026, 2, 28))
        #expect(d(2024, 2, 29).lastDayOfPeriod(years: 4) == d(2028, 2, 28))
    }

    @Test func dependentDeductionDeclarationSevenYears() {
        // Declaration for 2025 (deadline 24 January 2025), employee leaves 30 June 2025:
        // kept from 11 January 2026 for 7 years → through 10 January 2033.
        let p = planner.plan(for: meta([.dependentDeductionDeclaration],
            documents: [RetainedDocument(purpose: .dependentDeductionDeclaration, filingDeadline: d(2025, 1, 24))], end: d(2025, 6, 30)))
        #expect(p.retainedThrough == d(2033, 1, 10))
        #expect(p.governingPurpose == .dependentDeductionDeclaration)
        #expect(p.mayDisposeFrom == d(2033, 1, 11))
        #expect(p.mustDisposeBy == d(2033, 2, 10))
        #expect(p.status(on: d(2033, 1, 10)) == .retained(through: d(2033, 1, 10)))
        #expect(p.status(on: d(2033, 1, 11)) == .due(mustBy: d(2033, 2, 10)))
        #expect(p.status(on: d(2033, 2, 11)) == .overdue(mustBy: d(2033, 2, 10)))
    }

    @Test func healthInsuranceAcrossLeapDay() {
        // Last day 27 February 2022 → insured status lost (完結) 28 February → period from 1 March 2022
        // for 2 years → through 29 February 2024 (a leap day).
        let p = planner.plan(for: meta([.healthAndPensionInsurance], end: d(2022, 2, 27)))
        #expect(p.retainedThrough == d(2024, 2, 29))
        #expect(p.mayDisposeFrom == d(2024, 3, 1))
        #expect(p.mustDisposeBy == d(2024, 3, 31))
        // A listed form completed on 28 February 2024 runs from the leap day: through 28 February 2026.
        let q = planner.plan(for: meta([], documents: [RetainedDocument(purpose: .healthAndPensionInsurance, completedOn: d(2024, 2, 28))], end: d(2024, 1, 31)))
        #expect(q.retainedThrough == d(2026, 2, 28))
        #expect(q.mayDisposeFrom == d(2026, 3, 1))
    }

    @Test func employmentInsuranceFourYears() {
        // 雇用保険法施行規則143条, 被保険者に関する書類: left 31 March 2025, lost 1 April, from 2 April for 4 years.
        let p = planner.plan(for: meta([.employmentInsurance], end: d(2025, 3, 31)))
        #expect(p.retainedThrough == d(2029, 4, 1))
        #expect(p.mayDisposeFrom == d(2029, 4, 2))
    }

    @Test func withholdingOnlyUntilLastFiling() {
        let p = planner.plan(for: meta([.withholdingSlip], end: d(2025, 3, 31)))
        #expect(p.retainedThrough == d(2026, 1, 31))
        #expect(p.mayDisposeFrom == d(2026, 2, 1))
    }

    @Test func longestRuleGoverns() {
        let p = planner.plan(for: meta(Set(Purpose.allCases), end: d(2025, 3, 31)))
        // The deemed declaration for 2025 keeps it through 10 January 2033, beyond 4 years of 雇用保険.
        #expect(p.retainedThrough == d(2033, 1, 10))
        #expect(p.governingPurpose == .dependentDeductionDeclaration)
    }

    @Test func inUseUntilEmploymentEnds() {
        let p = planner.plan(for: meta([.withholdingSlip]))
        #expect(p.status(on: d(2099, 1, 1)) == .inUse)
        #expect(p.mayDisposeFrom == nil)
        #expect(!p.isDue(on: d(2099, 1, 1)))
    }

    @Test func dependentsEndEarlier() {
        let p = planner.plan(for: meta([.withholdingSlip], role: .dependent(.child), end: d(2030, 3, 31), dependencyEnd: d(2025, 12, 31)))
        #expect(p.endOfNeed == d(2025, 12, 31))
        #expect(p.retainedThrough == d(2026, 1, 31))
        // A dependent with neither end known is still in use.
        #expect(planner.plan(for: meta([.withholdingSlip], role: .dependent(.child))).status(on: d(2030, 1, 1)) == .inUse)
    }

    @Test func legalHoldPausesDisposal() {
        let hold = LegalHold(reason: "訴訟対応", placedBy: "cpo-1", placedAt: jst(d(2025, 1, 1)))
        let held = meta([.withholdingSlip], end: d(2020, 3, 31), hold: hold)
        let free = meta([.withholdingSlip], end: d(2020, 3, 31))
        let late = meta([.withholdingSlip], end: d(2025, 3, 31))
        let due = planner.due([held, free, late], on: d(2025, 6, 1))
        #expect(due.map(\.record) == [free.record])
        let hp = planner.plan(for: held)
        #expect(hp.status(on: d(2025, 6, 1)) == .onHold)
        #expect(hp.mayDisposeFrom == d(2021, 2, 1))
        var released = held
        released.legalHold = nil
        #expect(planner.plan(for: released).isDue(on: d(2025, 6, 1)))
    }

    @Test func configurableGrace() {
        var policy = RetentionPolicy.statutory
        policy.disposalGraceDays = 0
        let p = RetentionPlanner(policy: policy).plan(for: meta([.withholdingSlip], end: d(2025, 3, 31)))
        #expect(p.mustDisposeBy == d(2026, 2, 1))
        #expect(p.status(on: d(2026, 2, 2)) == .overdue(mustBy: d(2026, 2, 1)))
    }

    @Test func disposalRecordFromPlan() throws {
        let m = meta([.employmentInsurance], end: d(2025, 3, 31))
        let plan = planner.plan(for: m)
        let at = jst(d(2029, 4, 2), hour: 23)  // 23:00 in Japan: still 2 April there
        let rec = DisposalRecord(plan: plan, file: "従業員個人番号ファイル", employee: "emp-1", role: .employee,
                                 responsiblePerson: "cpo-1", performedBy: "vault-disposal-job", disposedAt: at)
        #expect(rec.disposedOn == d(2029, 4, 2))
        #expect(rec.method == .cryptoErasure)
        #expect(rec.retainedThrough == d(2029, 4, 1))
        #expect(rec.governingPurpose == .employmentInsurance)
    }

    @Test func usePolicy() throws {
        #expect(throws: NumberUseError.notADesignatedHandler) {
            try NumberUsePolicy.authorize(action: .reveal, actorIsDesignatedHandler: false, statedPurpose: .withholdingSlip, collectedPurposes: [.withholdingSlip])
        }
        #expect(throws: NumberUseError.purposeRequired) {
            try NumberUsePolicy.authorize(action: .export, actorIsDesignatedHandler: true, statedPurpose: nil, collectedPurposes: [.withholdingSlip])
        }
        #expect(throws: NumberUseError.purposeNotCollected(.employmentInsurance)) {
            try NumberUsePolicy.authorize(action: .reveal, actorIsDesignatedHandler: true, statedPurpose: .employmentInsurance, collectedPurposes: [.withholdingSlip])
        }
        try NumberUsePolicy.authorize(action: .reveal, actorIsDesignatedHandler: true, statedPurpose: .withholdingSlip, collectedPurposes: [.withholdingSlip])
        try NumberUsePolicy.authorize(action: .dispose, actorIsDesignatedHandler: false, statedPurpose: nil, collectedPurposes: [])
        #expect(throws: NumberUseError.purposeRequired) {
            try NumberAccessEntry(record: NumberRecordID(), employee: "emp-1", role: .employee, actor: "hr-1", at: Date(), action: .reveal, purpose: nil)
        }
        let e = try NumberAccessEntry(record: NumberRecordID(), employee: "emp-1", role: .dependent(.spouse), actor: "hr-1",
                                      at: JapanTime.instant(d(2025, 1, 20), minute: 9 * 60 + 30), action: .reveal, purpose: .dependentDeductionDeclaration)
        #expect(e.japaneseLine(actorName: "佐藤") == "2025-01-20 09:30 佐藤が扶養親族（配偶者）の個人番号を「扶養控除等申告書」のために表示")
    }
}
