import Access
import Foundation
import Testing
@testable import Vault

@Suite("Identity verification (番号法16条)")
struct IdentityRuleTests {
    let today = d(2025, 4, 1)
    let card = PresentedDocument(type: .myNumberCard, issuer: "千代田区長", validUntil: d(2030, 5, 1))
    let juminhyo = PresentedDocument(type: .residentRecordWithNumber, issuer: "千代田区長")
    let license = PresentedDocument(type: .driversLicense, issuer: "東京都公安委員会", validUntil: d(2027, 6, 1))
    let insurance = PresentedDocument(type: .healthInsuranceCard, issuer: "全国健康保険協会東京支部")
    let pension = PresentedDocument(type: .pensionBook, issuer: "社会保険庁")

    func eval(_ method: VerificationMethod, _ docs: [PresentedDocument], role: SubjectRole = .employee,
              purposes: Set<Purpose> = [.withholdingSlip]) -> IdentityVerdict {
        IdentityRule.evaluate(method: method, documents: docs, subject: role, purposes: purposes, on: today)
    }

    @Test func cardAlone() {
        #expect(eval(.myNumberCard, [card]) == .satisfied(.myNumberCard))
        #expect(eval(.myNumberCard, [license]) == .refused([.cardNotPresented]))
        let expired = PresentedDocument(type: .myNumberCard, issuer: "千代田区長", validUntil: d(2025, 3, 31))
        #expect(eval(.myNumberCard, [expired]) == .refused([.documentExpired(.myNumberCard, d(2025, 3, 31))]))
        // Valid through its last day.
        let lastDay = PresentedDocument(type: .myNumberCard, issuer: "千代田区長", validUntil: today)
        #expect(eval(.myNumberCard, [lastDay]).isSatisfied)
    }

    @Test func residentRecordAndLicence() {
        #expect(eval(.documents, [juminhyo, license]) == .satisfied(.numberDocumentAndPhotoID))
        #expect(eval(.documents, [juminhyo]) == .refused([.noIdentityConfirmation]))
        #expect(eval(.documents, [license]) == .refused([.noNumberConfirmation]))
    }

    @Test func individualNumberNoticeRefused() {
        let notice = PresentedDocument(type: .individualNumberNotice, issuer: "地方公共団体情報システム機構")
        #expect(eval(.documents, [notice, license]) == .refused([.individualNumberNoticeNotAcceptable]))
    }

    @Test func notificationCardOnlyIfUnchanged() {
        let unchanged = PresentedDocument(type: .notificationCard, issuer: "千代田区長", detailsUnchanged: true)
        let changed = PresentedDocument(type: .notificationCard, issuer: "千代田区長", detailsUnchanged: false)
        let unknown = PresentedDocument(type: .notificationCard, issuer: "千代田区長")
        #expect(eval(.documents, [unchanged, license]).isSatisfied)
        #expect(eval(.documents, [changed, license]) == .refused([.notificationCardDetailsNotConfirmed]))
        #expect(eval(.documents, [unknown, license]) == .refused([.notificationCardDetailsNotConfirmed]))
    }

    @Test func nonPhotoIDs() {
        #expect(eval(.documents, [juminhyo, insurance, pension]) == .satisfied(.numberDocumentAndTwoNonPhotoIDs))
        #expect(eval(.documents, [juminhyo, insurance]) == .refused([.secondNonPhotoIDNeeded]))
        // The same type twice is one document.
        #expect(eval(.documents, [juminhyo, insurance, insurance]) == .refused([.secondNonPhotoIDNeeded]))
        #expect(eval(.documents, [insurance]) == .refused([.noNumberConfirmation, .secondNonPhotoIDNeeded]))
    }

    @Test func issuerAndExpiry() {
        let blank = PresentedDocument(type: .driversLicense, issuer: "  ", validUntil: d(2027, 1, 1))
        #expect(eval(.documents, [juminhyo, blank]) == .refused([.issuerMissing(.driversLicense)]))
        let old = PresentedDocument(type: .passport, issuer: "外務大臣", validUntil: d(2024, 12, 31))
        #expect(eval(.documents, [juminhyo, old]) == .refused([.documentExpired(.passport, d(2024, 12, 31))]))
        #expect(eval(.documents, []) == .refused([.noDocuments]))
    }

    @Test func dependents() {
        #expect(eval(.dependentByEmployee, [], role: .dependent(.child), purposes: [.dependentDeductionDeclaration])
            == .satisfied(.verifiedByEmployee(.child)))
        #expect(eval(.dependentByEmployee, [], role: .employee) == .refused([.notADependent]))
        #expect(eval(.dependentByEmployee, [], role: .dependent(.spouse), purposes: [.dependentDeductionDeclaration, .nationalPensionCategory3])
            == .refused([.companyMustVerify(.nationalPensionCategory3)]))
        // The spouse's own card satisfies the company's check.
        #expect(eval(.myNumberCard, [card], role: .dependent(.spouse), purposes: [.nationalPensionCategory3]).isSatisfied)
    }

    @Test func recordsKeepNoDocumentNumberAndRefuseFailures() throws {
        let rec = try IdentityVerificationRecord(
            subject: SubjectID(), role: .employee, purposes: [.withholdingSlip], method: .documents,
            documents: [juminhyo, license], checkedBy: "hr-1", checkedAt: jst(today))
        #expect(rec.basis == .numberDocumentAndPhotoID)
        #expect(rec.documents.map(\.type) == [.residentRecordWithNumber, .driversLicense])
        #expect(rec.cardReading == nil)
        let cardRec = try IdentityVerificationRecord(
            subject: SubjectID(), role: .employee, purposes: [.withholdingSlip], method: .myNumberCard,
            documents: [card], checkedBy: "hr-1", checkedAt: jst(today), cardReading: .chipWithPIN)
        #expect(cardRec.cardReading == .chipWithPIN)
        #expect(throws: IdentityVerificationError(refusals: [.secondNonPhotoIDNeeded])) {
            try IdentityVerificationRecord(
                subject: SubjectID(), role: .employee, purposes: [.withholdingSlip], method: .documents,
                documents: [juminhyo, insurance], checkedBy: "hr-1", checkedAt: jst(today))
        }
        // The check's day is the day in Japan: 23:30 UTC on 31 March is 1 April in Japan.
        let lateUTC = JapanTime.instant(d(2025, 4, 1), minute: 30)
        let expiresMarch31 = PresentedDocument(type: .driversLicense, issuer: "東京都公安委員会", validUntil: d(2025, 3, 31))
        #expect(throws: IdentityVerificationError.self) {
            try IdentityVerificationRecord(
                subject: SubjectID(), role: .employee, purposes: [.withholdingSlip], method: .documents,
                documents: [juminhyo, expiresMarch31], checkedBy: "hr-1", checkedAt: lateUTC)
        }
    }

    @Test func cardAsPhotoID() throws {
        let r = try CardAsPhotoIDRecord(
            person: "emp-1", issuer: "千代田区長", validUntil: d(2030, 1, 1), checkedBy: "guard-1",
            checkedAt: jst(today), occasion: "入館証発行 123456789018 を控えない")
        #expect(r.frontSideOnly)
        #expect(!r.frontImageKept)
        #expect(!r.occasion.contains("123456789018"))
        #expect(r.occasion.hasPrefix("入館証発行"))
        #expect(throws: IdentityVerificationError(refusals: [.documentExpired(.myNumberCard, d(2025, 1, 1))])) {
            try CardAsPhotoIDRecord(person: "emp-1", issuer: "千代田区長", validUntil: d(2025, 1, 1), checkedBy: "guard-1", checkedAt: jst(today), occasion: "入館")
        }
        #expect(CardAsPhotoIDRecord.maskingDigitRuns("1234-5678-9018 ok 12345") == "<非表示> ok 12345")
    }
}
