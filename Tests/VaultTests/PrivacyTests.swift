import Access
import Foundation
import MyNumber
import Testing
@testable import Vault

/// No value, error or encoding of the vault shows a number's digits.
@Suite("Privacy: no digits anywhere")
struct PrivacyTests {
    @Test func valuesErrorsAndEncodingsHoldNoDigits() async throws {
        let first11 = firstDigits[0]
        let n = try testNumber(first11)
        let forms = leakForms(try digitsOf(first11))
        let k = KeyID(rawValue: "k1")!
        let ring = try Keyring(current: k, keys: [k: randomKey()])
        let sealer = NumberSealer(provider: ring)
        let rec = NumberRecordID()
        let sealed = try await sealer.seal(n, for: rec)
        let subject = CollectionSubject(role: .dependent(.spouse), displayName: "山田花子", purposes: [.nationalPensionCategory3])
        var request = try CollectionRequest(employee: "emp-1", requester: "hr-1", subjects: [subject],
                                            createdAt: jst(d(2025, 4, 1)), expiresAt: jst(d(2025, 4, 8)))
        try request.acknowledgeNotice(by: "emp-1", at: jst(d(2025, 4, 2)))
        let verification = try IdentityVerificationRecord(
            subject: subject.id, role: subject.role, purposes: subject.purposes, method: .myNumberCard,
            documents: [PresentedDocument(type: .myNumberCard, issuer: "千代田区長", validUntil: d(2030, 1, 1))],
            checkedBy: "hr-1", checkedAt: jst(d(2025, 4, 2)), cardReading: .chipWithPIN)
        try request.fulfill(subject: subject.id, at: jst(d(2025, 4, 2)), verification: verification.id)
        let meta = StoredNumberMetadata(record: rec, employee: "emp-1", role: subject.role, purposes: subject.purposes, employmentEnd: d(2025, 3, 31))
        let plan = RetentionPlanner().plan(for: meta)
        let entry = try NumberAccessEntry(record: rec, employee: "emp-1", role: subject.role, actor: "hr-1",
                                          at: jst(d(2025, 4, 3)), action: .reveal, purpose: .nationalPensionCategory3)
        let disposal = DisposalRecord(plan: plan, file: "従業員個人番号ファイル", employee: "emp-1", role: subject.role,
                                      responsiblePerson: "cpo-1", performedBy: "job", disposedAt: jst(d(2027, 5, 1)))
        let photo = try CardAsPhotoIDRecord(person: "emp-1", issuer: "千代田区長", validUntil: d(2030, 1, 1), checkedBy: "g",
                                            checkedAt: jst(d(2025, 4, 1)), occasion: "番号 \(forms[2]) を言われたが控えない")
        var errors: [any Error] = []
        var moved = sealed
        moved.ciphertext[3] ^= 1
        do { _ = try await sealer.open(moved, for: rec) } catch { errors.append(error) }
        do { _ = try await sealer.open(sealed, for: NumberRecordID()) } catch { errors.append(error) }
        errors.append(IdentityVerificationError(refusals: [.individualNumberNoticeNotAcceptable, .secondNonPhotoIDNeeded]))
        errors.append(CollectionRequestError.expired)
        errors.append(NumberUseError.purposeNotCollected(.employmentInsurance))
        #expect(errors.count == 5)

        let values: [Any] = [n, sealed, sealed.wrappedKey as Any, ring, sealer, request, verification, meta, plan, entry,
                             disposal, photo, subject] + errors
        for v in values {
            for text in renderings(v) + errors.flatMap({ e in (e as? any Bilingual).map { [$0.japanese, $0.english] } ?? [] }) {
                for f in forms { #expect(!text.contains(f), "a rendering of \(type(of: v)) shows the number") }
            }
        }
        // UTF-16 bytes of the JSON encodings hold no ASCII-digit run either (a JSON body as UTF-16).
        let jsons = try [JSONEncoder().encode(request), JSONEncoder().encode(verification), JSONEncoder().encode(sealed),
                         JSONEncoder().encode(entry), JSONEncoder().encode(disposal), JSONEncoder().encode(photo)]
        for j in jsons {
            let s = String(decoding: j, as: UTF8.self)
            let utf16 = Data(s.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
            let needle = Data(forms[0].utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
            #expect(utf16.range(of: needle) == nil)
            #expect(j.range(of: Data(forms[0].utf8)) == nil)
        }
        // The sealed number still opens: the test would be empty if it held no number.
        #expect(try await sealer.open(sealed, for: rec) == n)
    }
}
