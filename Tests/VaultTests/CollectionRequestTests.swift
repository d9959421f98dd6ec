import Access
import Foundation
import Testing
@testable import Vault

@Suite("Collection requests")
struct CollectionRequestTests {
    let employee: EmployeeID = "emp-1"
    let handler: EmployeeID = "hr-1"
    let created = jst(d(2025, 4, 1))
    let me = CollectionSubject(role: .employee, displayName: "山田太郎", purposes: [.withholdingSlip, .employmentInsurance])
    let child = CollectionSubject(role: .dependent(.child), displayName: "山田花子", purposes: [.dependentDeductionDeclaration])

    func request(expiresInDays days: Double = 14) throws -> CollectionRequest {
        try CollectionRequest(
            employee: employee, requester: handler, subjects: [me, child], createdAt: created,
            expiresAt: created.addingTimeInterval(days * 86_400))
    }

    @Test func happyPath() throws {
        var r = try request()
        #expect(r.status(at: created) == .open)
        #expect(r.purposes == [.withholdingSlip, .dependentDeductionDeclaration, .employmentInsurance])
        try r.acknowledgeNotice(by: employee, at: created.addingTimeInterval(60))
        #expect(r.status(at: created.addingTimeInterval(61)) == .noticeAcknowledged)
        try r.fulfill(subject: me.id, at: created.addingTimeInterval(120), verification: VerificationID())
        #expect(r.status(at: created.addingTimeInterval(121)) == .noticeAcknowledged)
        #expect(r.pendingSubjects.map(\.id) == [child.id])
        try r.fulfill(subject: child.id, at: created.addingTimeInterval(180), verification: VerificationID())
        #expect(r.phase == .fulfilled)
        // Fulfilled requests do not expire.
        #expect(r.status(at: created.addingTimeInterval(365 * 86_400)) == .fulfilled)
    }

    @Test func numbersOnlyAfterNotice() throws {
        var r = try request()
        #expect(throws: CollectionRequestError.noticeNotAcknowledged) {
            try r.fulfill(subject: me.id, at: created, verification: VerificationID())
        }
        #expect(throws: CollectionRequestError.notTheEmployee) { try r.acknowledgeNotice(by: handler, at: created) }
        try r.acknowledgeNotice(by: employee, at: created)
        #expect(throws: CollectionRequestError.noticeAlreadyAcknowledged) { try r.acknowledgeNotice(by: employee, at: created) }
        #expect(throws: CollectionRequestError.unknownSubject) {
            try r.fulfill(subject: SubjectID(), at: created, verification: VerificationID())
        }
        try r.fulfill(subject: me.id, at: created, verification: VerificationID())
        #expect(throws: CollectionRequestError.subjectAlreadyFulfilled) {
            try r.fulfill(subject: me.id, at: created, verification: VerificationID())
        }
    }

    @Test func expiry() throws {
        var r = try request(expiresInDays: 7)
        let justBefore = created.addingTimeInterval(7 * 86_400 - 1)
        let atExpiry = created.addingTimeInterval(7 * 86_400)
        #expect(r.status(at: justBefore) == .open)
        #expect(r.status(at: atExpiry) == .expired)
        #expect(throws: CollectionRequestError.expired) { try r.acknowledgeNotice(by: employee, at: atExpiry) }
        try r.acknowledgeNotice(by: employee, at: justBefore)
        #expect(r.status(at: atExpiry) == .expired)
        #expect(throws: CollectionRequestError.expired) {
            try r.fulfill(subject: me.id, at: atExpiry, verification: VerificationID())
        }
        #expect(throws: CollectionRequestError.expired) { try r.cancel(by: handler, at: atExpiry) }
    }

    @Test func cancel() throws {
        var r = try request()
        try r.cancel(by: handler, at: created)
        #expect(r.status(at: created) == .cancelled)
        #expect(r.cancelledBy == handler)
        #expect(throws: CollectionRequestError.cancelled) { try r.acknowledgeNotice(by: employee, at: created) }
        #expect(throws: CollectionRequestError.cancelled) { try r.cancel(by: handler, at: created) }
    }

    @Test func creationRules() {
        #expect(throws: CollectionRequestError.noSubjects) {
            try CollectionRequest(employee: employee, requester: handler, subjects: [], createdAt: created, expiresAt: created + 60)
        }
        #expect(throws: CollectionRequestError.invalidExpiry) {
            try CollectionRequest(employee: employee, requester: handler, subjects: [me], createdAt: created, expiresAt: created)
        }
        #expect(throws: CollectionRequestError.invalidExpiry) {
            try CollectionRequest(employee: employee, requester: handler, subjects: [me], createdAt: created, expiresAt: created + 91 * 86_400)
        }
        let childForInsurance = CollectionSubject(role: .dependent(.child), displayName: "子", purposes: [.employmentInsurance])
        #expect(throws: CollectionRequestError.purposeNotApplicable(.employmentInsurance, .dependent(.child))) {
            try CollectionRequest(employee: employee, requester: handler, subjects: [childForInsurance], createdAt: created, expiresAt: created + 60)
        }
        let parentCat3 = CollectionSubject(role: .dependent(.parent), displayName: "父", purposes: [.nationalPensionCategory3])
        #expect(throws: CollectionRequestError.purposeNotApplicable(.nationalPensionCategory3, .dependent(.parent))) {
            try CollectionRequest(employee: employee, requester: handler, subjects: [parentCat3], createdAt: created, expiresAt: created + 60)
        }
        let spouseCat3 = CollectionSubject(role: .dependent(.spouse), displayName: "妻", purposes: [.nationalPensionCategory3])
        #expect((try? CollectionRequest(employee: employee, requester: handler, subjects: [spouseCat3], createdAt: created, expiresAt: created + 60)) != nil)
        let me2 = CollectionSubject(role: .employee, displayName: "本人", purposes: [.withholdingSlip])
        #expect(throws: CollectionRequestError.employeeListedTwice) {
            try CollectionRequest(employee: employee, requester: handler, subjects: [me, me2], createdAt: created, expiresAt: created + 60)
        }
        #expect(throws: CollectionRequestError.noPurpose(subject: me2.id)) {
            try CollectionRequest(employee: employee, requester: handler, subjects: [CollectionSubject(id: me2.id, role: .employee, displayName: "x", purposes: [])], createdAt: created, expiresAt: created + 60)
        }
    }

    @Test func purposeCodesAndLabelsAreStable() {
        #expect(Purpose.allCases.map(\.rawValue) == [
            "withholding_slip", "dependent_deduction_declaration", "health_pension_insurance",
            "employment_insurance", "national_pension_category3",
        ])
        #expect(Purpose.dependentDeductionDeclaration.japanese == "扶養控除等申告書")
        #expect(DependentRelation.spouse.japanese == "配偶者")
        #expect(DependentRelation.parent.english == "Parent")
        #expect(CollectionRequestError.expired.japanese.contains("期限"))
    }
}
