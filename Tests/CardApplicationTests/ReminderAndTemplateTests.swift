import Access
import Foundation
import Testing
@testable import CardApplication

@Suite struct ReminderAndTemplateTests {
    /// A case-1 application whose notice arrived on `noticeDay` (days after Fix.today).
    func noticed(_ id: String, noticeDay: Int) throws -> ApplicationRecord {
        var a = try Fix.reviewedBatchApp(id)
        try a.apply(.addToBatch("B"), at: Fix.day(3))
        try a.apply(.sentToContractor("B"), at: Fix.day(3))
        try a.apply(.noticeReceived, at: Fix.day(noticeDay))
        return a
    }

    @Test func remindersForCardsNotPickedUp() throws {
        var picked = try noticed("p", noticeDay: 5)
        try picked.apply(.cardReceived, at: Fix.day(8))
        let apps = [try noticed("old", noticeDay: 5), try noticed("recent", noticeDay: 15), picked, try Fix.reviewedBatchApp("none")]
        let today = Fix.today.adding(days: 20)
        let due = PickupReminders.due(apps, today: today, policy: PickupReminderPolicy(afterDays: 14, repeatEveryDays: 7))
        #expect(due.map(\.application) == ["old"])
        #expect(due.first?.daysWaiting == 15 && due.first?.noticeDate == Fix.today.adding(days: 5))
        // Boundary: exactly N days after the notice is due.
        #expect(PickupReminders.due(apps, today: Fix.today.adding(days: 19), policy: .init(afterDays: 14)).map(\.application) == ["old"])
        #expect(PickupReminders.due(apps, today: Fix.today.adding(days: 18), policy: .init(afterDays: 14)).isEmpty)
        // Both due later, longest waiting first.
        #expect(PickupReminders.due(apps, today: Fix.today.adding(days: 40), policy: .init(afterDays: 14)).map(\.application) == ["old", "recent"])
    }

    @Test func remindersRepeatOnlyAfterTheInterval() throws {
        var a = try noticed("r", noticeDay: 0)
        let policy = PickupReminderPolicy(afterDays: 10, repeatEveryDays: 7)
        #expect(PickupReminders.due([a], today: Fix.today.adding(days: 10), policy: policy).count == 1)
        try a.apply(.reminderSent, at: Fix.day(10))
        #expect(a.stage == .noticeReceived && a.reminders.count == 1)
        #expect(PickupReminders.due([a], today: Fix.today.adding(days: 16), policy: policy).isEmpty)
        #expect(PickupReminders.due([a], today: Fix.today.adding(days: 17), policy: policy).first?.remindersSent == 1)
        #expect(PickupReminders.due([a], today: Fix.today.adding(days: 60), policy: .init(afterDays: 10, repeatEveryDays: nil)).isEmpty)
        #expect(throws: ApplicationTransitionError.notAllowed(event: "reminder_sent", stage: .reviewed)) {
            var b = try Fix.reviewedBatchApp("b")
            try b.apply(.reminderSent, at: Fix.day(1))
        }
    }

    @Test func templatesRenderAndReportMissingValues() {
        let t = MessageTemplate(kind: .campaign, language: .japanese, subject: "{name}様へ", body: "会社: {company} / {unknown} / {not a field} / {}")
        #expect(t.placeholders == ["name", "company", "unknown"])
        #expect(t.unknownPlaceholders(known: DefaultTemplates.knownPlaceholders) == ["unknown"])
        let r = t.render(["name": "山田 太郎", "company": "{name}社"])
        #expect(r.subject == "山田 太郎様へ")
        // Values are not re-scanned, and text in braces that is not a placeholder stays.
        #expect(r.body == "会社: {name}社 / {unknown} / {not a field} / {}")
        #expect(r.missing == ["unknown"])
    }

    @Test func defaultTemplatesExistInBothLanguagesAndSayTheRightThings() {
        for kind in MessageTemplateKind.allCases {
            for language in MessageLanguage.allCases {
                let t = DefaultTemplates.template(kind, language)
                #expect(t.unknownPlaceholders(known: DefaultTemplates.knownPlaceholders).isEmpty)
                #expect(t.placeholders.contains("name"))
            }
        }
        let ja = DefaultTemplates.campaignJapanese.body
        #expect(ja.contains("社員証") && ja.contains("コンビニ") && ja.contains("任意"))
        #expect(ja.contains("マイナンバー（個人番号）そのものを社員番号や入館の識別に使うことはありません"))
        let en = DefaultTemplates.campaignEnglish.body
        #expect(en.contains("never used as an employee ID") && en.contains("voluntary"))
        let session = DefaultTemplates.template(.sessionInvitation, .japanese).render(["name": "山田", "city": "横浜市", "date": "2026-12-10", "time": "13:00", "place": "会議室A", "contact": "総務部"])
        #expect(session.missing.isEmpty && session.body.contains("本人限定受取郵便") && session.subject == "横浜市の職員による出張申請受付のご案内（2026-12-10）")
    }

    @Test func editedTemplateRoundTripsAsJSON() throws {
        var t = DefaultTemplates.reminderEnglish
        t.body = "Hi {name}, {days} days."
        let back = try JSONDecoder().decode(MessageTemplate.self, from: JSONEncoder().encode(t))
        #expect(back.render(["name": "Ann", "days": "3"]).body == "Hi Ann, 3 days.")
    }
}
