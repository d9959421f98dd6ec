import Access
import Testing
@testable import CardApplication

@Suite struct ApplicationDataTests {
    @Test func formIDAcceptsFullWidthAndSeparators() throws {
        #expect(try ApplicationFormID("１２３４５６７８９０１２３４５６７８９０１２３").digits == "12345678901234567890123")
        #expect(try ApplicationFormID("1234 5678-9012 3456 7890 123").digits == "12345678901234567890123")
        #expect(throws: ApplicationDataProblem.formIDWrongLength(22)) { try ApplicationFormID("1234567890123456789012") }
        #expect(throws: ApplicationDataProblem.formIDWrongLength(24)) { try ApplicationFormID("123456789012345678901234") }
        #expect(throws: ApplicationDataProblem.formIDNotDigits) { try ApplicationFormID("12345678901234567890I23") }
    }

    @Test func validDraftIsNormalised() throws {
        let d = try Fix.data()
        #expect(d.applicationFormID?.digits == "12345678901234567890123")
        #expect(d.familyNameKana == "ヤマダ")  // hiragana → katakana
        #expect(d.givenNameKana == "タロウ")  // half-width → full-width
        #expect(d.birthDate == CivilDate(year: 1990, month: 4, day: 1))
        #expect(d.postalCode == "1000001")
        #expect(d.municipality == Municipality(prefecture: "東京都", city: "千代田区"))
        #expect(d.fullName == "山田\u{3000}太郎")
    }

    @Test func formIDIsOptional() throws {
        var draft = Fix.draft()
        draft.applicationFormID = "  "
        #expect(try ApplicationDataValidator().validate(draft, today: Fix.today).get().applicationFormID == nil)
    }

    @Test func everyProblemIsReportedWithItsField() {
        let draft = ApplicationDraft(
            applicationFormID: "123", familyName: "山田2", givenName: "", familyNameKana: "Yamada", givenNameKana: "タロウ",
            birthDate: "2030-01-01", postalCode: "12-34", address: "どこか", phone: "12345", email: "not-an-email")
        guard case .failure(let failure) = ApplicationDataValidator().validate(draft, today: Fix.today) else {
            Issue.record("expected failure"); return
        }
        let got = Set(failure.issues.map { "\($0.field.rawValue):\($0.code)" })
        #expect(got == [
            "applicationFormID:form_id_wrong_length", "familyName:name_has_digits_or_symbols", "givenName:missing",
            "familyNameKana:not_katakana", "birthDate:date_in_future", "postalCode:postal_code_invalid",
            "city:city_not_found", "phone:phone_invalid", "email:email_invalid",
        ])
        #expect(failure.issues(for: .applicationFormID).first?.japaneseMessage.contains("23桁") == true)
        #expect(failure.issues(for: .applicationFormID).first?.englishMessage.contains("23 digits") == true)
    }

    @Test func contactNeedsPhoneOrEmail() {
        var draft = Fix.draft()
        draft.phone = ""; draft.email = ""
        guard case .failure(let f) = ApplicationDataValidator().validate(draft, today: Fix.today) else { Issue.record("expected failure"); return }
        #expect(f.issues.map(\.code) == ["contact_missing"])
        draft.email = "a@b.jp"
        #expect((try? ApplicationDataValidator().validate(draft, today: Fix.today).get()) != nil)
    }

    @Test(arguments: [
        ("東京都千代田区千代田1-1", "東京都", "千代田区"),
        ("神奈川県横浜市中区本町1-1", "神奈川県", "横浜市"),
        ("三重県四日市市諏訪町1-5", "三重県", "四日市市"),
        ("広島県廿日市市下平良1丁目", "広島県", "廿日市市"),
        ("千葉県市川市八幡1-1-1", "千葉県", "市川市"),
        ("東京都町田市森野2-2-22", "東京都", "町田市"),
        ("新潟県十日町市千歳町3-3", "新潟県", "十日町市"),
        ("福島県郡山市朝日1-23-7", "福島県", "郡山市"),
        ("奈良県大和郡山市北郡山町248", "奈良県", "大和郡山市"),
        ("東京都西多摩郡奥多摩町氷川215", "東京都", "奥多摩町"),
        ("京都府京都市中京区寺町通御池上る", "京都府", "京都市"),
        ("北海道札幌市中央区北1条西2丁目", "北海道", "札幌市"),
        ("長野県北安曇郡白馬村北城", "長野県", "白馬村"),
    ])
    func municipalityFromAddress(address: String, prefecture: String, city: String) {
        #expect(Municipality.parse(address: address) == Municipality(prefecture: prefecture, city: city))
    }

    @Test func explicitCityWins() throws {
        let d = try ApplicationDataValidator().validate(Fix.draft(address: "東京都府中市宮西町2-24", city: "府中市"), today: Fix.today).get()
        #expect(d.municipality == Municipality(prefecture: "東京都", city: "府中市"))
        #expect(Municipality.parse(address: "番地のみ") == nil)
    }
}
