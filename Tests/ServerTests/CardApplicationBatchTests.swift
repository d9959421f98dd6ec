import Access
import CardApplication
import Foundation
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Store
import Testing
import Vapor

/// Case 1 of the 2016 leaflet end to end over HTTP: employees opt in, enter their data (the 23-digit
/// 申請書ID included) and upload a photo; the clerk reviews, sets the contractor's CSV layout, builds
/// one batch, downloads and opens the package, records the sending; the notice and the card arrive; a
/// reminder is due for whoever has not picked the card up; enrolling the card through the real
/// enrollment path closes the application.
@Suite("Card applications, case 1: the company sends a batch to the contractor", .serialized)
struct CardApplicationBatchTests {
    @Test("opt in, data, photo, review, layout, batch, package contents, sent, notice, reminder, card, enrollment closes")
    func batchEndToEnd() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let (aliceID, alice) = try await CardFixture.person(s, hr: hr, number: "K0001", name: "山田 太郎")
        let (_, bob) = try await CardFixture.person(s, hr: hr, number: "K0002", name: "佐藤 花子", department: "開発部", site: "大阪")

        #expect(try await s.send(.GET, "/api/v1/me/card-status", as: alice).object()["status"] as? String == "none")
        #expect(try await s.send(.GET, "/api/v1/me/card-application", as: alice).status == .notFound)

        // A garbled body is refused, not read as "no route chosen" (which would open an application).
        let garbled = try await s.send(.POST, "/api/v1/me/card-application", as: alice, raw: Data([0]), contentType: "application/json")
        #expect(garbled.status == .badRequest, "\(garbled.text)")
        #expect(try await s.send(.GET, "/api/v1/me/card-application", as: alice).status == .notFound)

        // Opting in; a second open application is refused.
        let opt = try await s.send(.POST, "/api/v1/me/card-application", as: alice, json: ["route": "contractorBatch"])
        #expect(opt.status == .created, "\(opt.text)")
        #expect(opt.object()["stage"] as? String == "optedIn")
        let aliceApp = opt.object()["id"] as! String
        let again = try await s.send(.POST, "/api/v1/me/card-application", as: alice, json: ["route": "contractorBatch"])
        #expect(again.status == .conflict)
        #expect(again.object()["code"] as? String == "application_open")
        #expect(try await s.send(.GET, "/api/v1/me/card-status", as: alice).object()["status"] as? String == "applying")

        // Bad data: every problem at once, per field, in both languages; nothing is stored.
        var bad = CardFixture.data(formID: "1234567890123456789012")  // 22 digits
        bad["familyNameKana"] = ""
        bad["birthDate"] = "2999-01-01"
        let refused = try await s.send(.PUT, "/api/v1/me/card-application/data", as: alice, json: bad)
        #expect(refused.status == .unprocessableEntity, "\(refused.text)")
        let issues = refused.object()["issues"] as? [[String: Any]] ?? []
        #expect(Set(issues.compactMap { $0["field"] as? String }) == ["applicationFormID", "familyNameKana", "birthDate"], "\(refused.text)")
        #expect(issues.allSatisfy { !($0["messageJa"] as? String ?? "").isEmpty && !($0["messageEn"] as? String ?? "").isEmpty })
        let untouched = try await s.send(.GET, "/api/v1/me/card-application", as: alice).object()
        #expect(untouched["data"] == nil || untouched["data"] is NSNull)
        #expect(untouched["stage"] as? String == "optedIn")

        // Good data: the 申請書ID typed in full-width digits with spaces, kana in hiragana.
        let formID = "１２３４５ ６７８９０ １２３４５ ６７８９０ １２３"
        let entered = try await s.send(.PUT, "/api/v1/me/card-application/data", as: alice, json: CardFixture.data(formID: formID))
        #expect(entered.status == .ok, "\(entered.text)")
        let data = entered.object()["data"] as? [String: Any] ?? [:]
        #expect(data["applicationFormID"] as? String == "12345678901234567890123")
        #expect(data["familyNameKana"] as? String == "ヤマダ")
        #expect(data["city"] as? String == "千代田区")
        #expect(data["birthDate"] as? String == "1990-04-01")
        #expect(entered.object()["stage"] as? String == "dataEntered")

        // The photo: a real JPEG of 480×616 taken 10 days ago passes with no notice.
        let photo = CardFixture.jpeg()
        let up = try await CardFixture.upload(s, alice, photo)
        #expect(up.status == .ok, "\(up.text)")
        #expect(up.object()["width"] as? Int == 480 && up.object()["height"] as? Int == 616)
        #expect((up.object()["notices"] as? [Any])?.isEmpty == true, "\(up.text)")
        let mine = try await s.send(.GET, "/api/v1/me/card-application/photo", as: alice)
        #expect(mine.status == .ok && mine.body == photo)
        #expect(mine.headers.first(name: .cacheControl) == "no-store")

        // Bob: no 申請書ID (he has no form), photo without a date in the file (a notice, not a refusal).
        #expect(try await s.send(.POST, "/api/v1/me/card-application", as: bob, json: [String: String]()).status == .created)
        let bobData = CardFixture.data(family: "佐藤", given: "花子", kanaFamily: "サトウ", kanaGiven: "ハナコ", address: "大阪府大阪市北区中之島1-3-20", route: "contractorBatch")
        #expect(try await s.send(.PUT, "/api/v1/me/card-application/data", as: bob, json: bobData).status == .ok)
        let bobPhoto = CardFixture.jpeg(width: 600, height: 770, daysAgo: nil)
        let bobUp = try await CardFixture.upload(s, bob, bobPhoto)
        #expect(bobUp.status == .ok, "\(bobUp.text)")
        #expect((bobUp.object()["notices"] as? [[String: Any]])?.first?["code"] as? String == "photo_date_unknown", "\(bobUp.text)")
        let bobApp = try await s.send(.GET, "/api/v1/me/card-application", as: bob).object()["id"] as! String

        // The clerk: a return needs a note; the employee sees it; accepted after that.
        let list = try await s.send(.GET, "/api/v1/card-applications?stage=dataEntered", as: hr).array()
        #expect(Set(list.compactMap { $0["id"] as? String }) == [aliceApp, bobApp])
        #expect(list.first { $0["id"] as? String == aliceApp }?["employeeNumber"] as? String == "K0001")
        #expect(try await s.send(.POST, "/api/v1/card-applications/\(aliceApp)/review", as: hr, json: ["decision": "return"]).status == .unprocessableEntity)
        let returned = try await s.send(.POST, "/api/v1/card-applications/\(aliceApp)/review", as: hr, json: ["decision": "return", "note": "住所の番地を確認してください"])
        #expect(returned.status == .ok && returned.object()["clerkNote"] as? String == "住所の番地を確認してください")
        #expect(try await s.send(.GET, "/api/v1/me/card-application", as: alice).object()["clerkNote"] as? String == "住所の番地を確認してください")
        for app in [aliceApp, bobApp] {
            let r = try await s.send(.POST, "/api/v1/card-applications/\(app)/review", as: hr, json: ["decision": "accept"])
            #expect(r.status == .ok && r.object()["stage"] as? String == "reviewed", "\(r.text)")
        }
        let clerkPhoto = try await s.send(.GET, "/api/v1/card-applications/\(aliceApp)/photo", as: hr)
        #expect(clerkPhoto.body == photo && clerkPhoto.headers.contentType?.description == "image/jpeg")

        // The contractor's layout: an invalid one is refused and the standard one stays.
        let badLayout = try await s.send(.PUT, "/api/v1/card-batch-layout", as: hr, json: ["name": "x", "columns": [[String: String]](), "encoding": "utf8WithBOM", "dateStyle": "iso", "includeHeader": true])
        #expect(badLayout.status == .unprocessableEntity)
        #expect(try await s.send(.GET, "/api/v1/card-batch-layout", as: hr).object()["name"] as? String == "standard")
        let notAField = try await s.send(.PUT, "/api/v1/card-batch-layout", as: hr, json: ["name": "x", "columns": [["field": "myNumber", "header": "個人番号"]], "encoding": "utf8WithBOM", "dateStyle": "iso", "includeHeader": true])
        #expect(notAField.status == .unprocessableEntity, "there is no My Number field to put in a layout")
        let layout: [String: Any] = [
            "name": "contractor-A", "encoding": "utf8WithBOM", "dateStyle": "compact", "includeHeader": true,
            "columns": [["field": "rowNumber", "header": "番号"], ["field": "applicationFormID", "header": "申請書ID"], ["field": "fullName", "header": "氏名"],
                        ["field": "fullNameKana", "header": "フリガナ"], ["field": "birthDate", "header": "生年月日"], ["field": "address", "header": "住所"],
                        ["field": "photoFileName", "header": "写真"]],
        ]
        #expect(try await s.send(.PUT, "/api/v1/card-batch-layout", as: hr, json: layout).status == .ok)

        // One batch with both; a second build has nothing to take.
        let built = try await s.send(.POST, "/api/v1/card-batches", as: hr, json: [String: String]())
        #expect(built.status == .created, "\(built.text)")
        let batch = built.object()["batch"] as? [String: Any] ?? [:]
        let batchID = batch["id"] as! String
        #expect(batch["count"] as? Int == 2 && batch["layoutName"] as? String == "contractor-A")
        #expect(built.object()["fileNames"] as? [String] == ["applications.csv", "photos/0001.jpg", "photos/0002.jpg"])
        let empty = try await s.send(.POST, "/api/v1/card-batches", as: hr, json: [String: String]())
        #expect(empty.status == .unprocessableEntity, "\(empty.text)")
        #expect(try await s.send(.GET, "/api/v1/card-batches", as: hr).array().count == 1)
        #expect(try await CardFixture.stage(s, hr, aliceApp) == "batched")

        // The package: opened here, checked row by row against what was entered.
        let pkg = try await s.send(.GET, "/api/v1/card-batches/\(batchID)/package", as: hr)
        #expect(pkg.status == .ok && pkg.headers.contentType?.description == "application/zip")
        #expect(pkg.headers.first(name: .contentDisposition)?.contains(".zip") == true)
        let files = try CardFixture.unzip(pkg.body)
        #expect(Set(files.keys) == ["applications.csv", "photos/0001.jpg", "photos/0002.jpg"])
        if let ok = try CardFixture.unzipTool(pkg.body) { #expect(ok, "unzip -t refused the package") }
        let csvBytes = [UInt8](files["applications.csv"] ?? Data())
        #expect(csvBytes.starts(with: [0xEF, 0xBB, 0xBF]), "UTF-8 with BOM")
        let rows = CardFixture.csv(String(decoding: csvBytes.dropFirst(3), as: UTF8.self))
        #expect(rows.count == 3, "\(rows)")
        #expect(rows.first == ["番号", "申請書ID", "氏名", "フリガナ", "生年月日", "住所", "写真"])
        let byName = Dictionary(rows.dropFirst().map { ($0[2], $0) }, uniquingKeysWith: { a, _ in a })
        let aliceRow = byName.first { $0.key.hasPrefix("山田") }?.value ?? []
        let bobRow = byName.first { $0.key.hasPrefix("佐藤") }?.value ?? []
        #expect(aliceRow.count == 7 && bobRow.count == 7, "\(rows)")
        if aliceRow.count == 7, bobRow.count == 7 {
            #expect(aliceRow[1] == "12345678901234567890123")
            #expect(aliceRow[2].contains("太郎") && aliceRow[3].hasPrefix("ヤマダ") && aliceRow[4] == "19900401")
            #expect(aliceRow[5] == "東京都千代田区千代田1-1")
            #expect(bobRow[1] == "" && bobRow[5] == "大阪府大阪市北区中之島1-3-20")
            #expect(files[aliceRow[6]] == photo, "the CSV's photo column names the employee's own photo")
            #expect(files[bobRow[6]] == bobPhoto)
            #expect(Set([aliceRow[0], bobRow[0]]) == ["1", "2"])
        }
        let csvText = String(decoding: csvBytes, as: UTF8.self)
        #expect(!csvText.contains("K0001") && !csvText.contains("営業部"), "no employee number or department in this layout")

        // Sent: once.
        let sent = try await s.send(.POST, "/api/v1/card-batches/\(batchID)/sent", as: hr)
        #expect(sent.status == .ok && sent.object()["sentAt"] != nil, "\(sent.text)")
        #expect(try await s.send(.POST, "/api/v1/card-batches/\(batchID)/sent", as: hr).status == .conflict)
        #expect(try await CardFixture.stage(s, hr, aliceApp) == "sentToContractor")
        // Withdrawing is no longer ours to do once the forms have left the company.
        #expect(try await s.send(.POST, "/api/v1/me/card-application/events", as: alice, json: ["event": "withdraw"]).status == .conflict)
        // The card cannot be picked up before the notice.
        #expect(try await s.send(.POST, "/api/v1/me/card-application/events", as: alice, json: ["event": "cardReceived"]).status == .conflict)

        // The notices arrive (one recorded by the employee, one by the clerk).
        #expect(try await s.send(.POST, "/api/v1/me/card-application/events", as: alice, json: ["event": "noticeReceived"]).object()["stage"] as? String == "noticeReceived")
        #expect(try await s.send(.POST, "/api/v1/card-applications/\(bobApp)/events", as: hr, json: ["event": "noticeReceived"]).object()["stage"] as? String == "noticeReceived")
        // Reminders: none due on the notice's day under the default 14 days; both with a 0-day policy.
        #expect(try await s.send(.GET, "/api/v1/card-reminders", as: hr).array().isEmpty)
        let due = try await s.send(.GET, "/api/v1/card-reminders?afterDays=0", as: hr).array()
        #expect(Set(due.compactMap { $0["application"] as? String }) == [aliceApp, bobApp], "\(due)")
        let bobReminder = due.first { $0["application"] as? String == bobApp } ?? [:]
        #expect((bobReminder["body"] as? String)?.contains("佐藤 花子") == true, "\(bobReminder)")
        #expect((bobReminder["body"] as? String)?.contains("大阪市") == true, "the reminder names the city office: \(bobReminder)")
        let en = try await s.send(.GET, "/api/v1/card-reminders?afterDays=0&lang=en", as: hr).array()
        #expect((en.first?["body"] as? String)?.contains("office") == true, "\(en)")
        let reminded = try await s.send(.POST, "/api/v1/card-applications/\(bobApp)/events", as: hr, json: ["event": "reminderSent"])
        #expect((reminded.object()["reminders"] as? [Any])?.count == 1)
        #expect(try await s.send(.GET, "/api/v1/card-reminders?afterDays=0", as: hr).array().contains { $0["application"] as? String == bobApp } == false,
                "just reminded: not due again until the repeat interval")

        // Alice picks the card up; enrolling it through the real path closes her application.
        #expect(try await s.send(.POST, "/api/v1/me/card-application/events", as: alice, json: ["event": "cardReceived"]).object()["stage"] as? String == "cardReceived")
        #expect(try await s.send(.GET, "/api/v1/me/card-status", as: alice).object()["status"] as? String == "cardNotEnrolled")
        try await CardFixture.enroll(s, desk: hr, employee: aliceID)
        let closed = try await s.send(.GET, "/api/v1/me/card-application", as: alice).object()
        #expect(closed["stage"] as? String == "enrolled" && closed["open"] as? Bool == false, "\(closed)")
        #expect((closed["history"] as? [[String: Any]])?.last?["event"] as? String == "card_enrolled")
        #expect(try await s.send(.GET, "/api/v1/me/card-status", as: alice).object()["status"] as? String == "enrolled")
        // A closed application takes no more events, and an enrolled person cannot open another.
        #expect(try await s.send(.POST, "/api/v1/me/card-application/events", as: alice, json: ["event": "noticeReceived"]).status == .conflict)
        let reopen = try await s.send(.POST, "/api/v1/me/card-application", as: alice, json: [String: String]())
        #expect(reopen.status == .conflict && reopen.object()["code"] as? String == "already_enrolled")
        // Closed: Alice's photo is deleted; the package stays while Bob's application is open.
        #expect(try await s.send(.GET, "/api/v1/card-applications/\(aliceApp)/photo", as: hr).status == .notFound)
        #expect(try await s.send(.GET, "/api/v1/card-batches/\(batchID)/package", as: hr).status == .ok)
        // Bob's card comes too and is enrolled: every application of the batch is closed, so the
        // package (the photos) is deleted; the batch's record stays.
        #expect(try await s.send(.POST, "/api/v1/me/card-application/events", as: bob, json: ["event": "cardReceived"]).status == .ok)
        try await CardFixture.enroll(s, desk: hr, employee: try await s.send(.GET, "/api/v1/me/card-application", as: bob).object()["employeeId"] as! String)
        let gone = try await s.send(.GET, "/api/v1/card-batches/\(batchID)/package", as: hr)
        #expect(gone.status == .gone && gone.object()["code"] as? String == "package_deleted", "\(gone.status) \(gone.text.prefix(200))")
        #expect(try await s.send(.GET, "/api/v1/card-batches", as: hr).array().first?["sentAt"] != nil)
        #expect(try await CardApplicationPhotoModel.query(on: s.app.db).count() == 0)
        // The event log recorded the closing.
        let admin = try await s.user(.admin)
        let events = try await s.send(.GET, "/api/v1/events?limit=1000", as: admin).text
        #expect(events.contains("card_application.card_enrolled"))
        #expect(events.contains("card_application.batch_sent"))
    }

    @Test("two clerks building at the same moment: one batch, each application in it once")
    func concurrentBuilds() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr1 = try await s.user(.hr), hr2 = try await s.user(.hr)
        var ids: [String] = []
        for i in 0..<4 {
            let (_, who) = try await CardFixture.person(s, hr: hr1, number: "C\(200 + i)")
            ids.append(try await s.send(.POST, "/api/v1/me/card-application", as: who, json: ["route": "contractorBatch"]).object()["id"] as! String)
            #expect(try await s.send(.PUT, "/api/v1/me/card-application/data", as: who, json: CardFixture.data()).status == .ok)
            #expect(try await CardFixture.upload(s, who, CardFixture.jpeg()).status == .ok)
            #expect(try await s.send(.POST, "/api/v1/card-applications/\(ids[i])/review", as: hr1, json: ["decision": "accept"]).status == .ok)
        }
        async let a = s.send(.POST, "/api/v1/card-batches", as: hr1, json: [String: String]())
        async let b = s.send(.POST, "/api/v1/card-batches", as: hr2, json: [String: String]())
        let results = try await [a, b]
        #expect(results.filter { $0.status == .created }.count == 1, "\(results.map(\.status))")
        #expect(results.allSatisfy { $0.status == .created || $0.status == .conflict || $0.status == .unprocessableEntity }, "\(results.map(\.status))")
        let batches = try await s.send(.GET, "/api/v1/card-batches", as: hr1).array()
        #expect(batches.count == 1 && Set(batches.first?["applications"] as? [String] ?? []) == Set(ids))
        for app in ids {
            #expect(try await s.send(.GET, "/api/v1/card-applications/\(app)", as: hr1).object()["batch"] as? String == batches.first?["id"] as? String)
        }
    }

    @Test("a batch of applications that are not ready is refused whole and stores nothing")
    func batchRefusedWhole() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        let (_, a) = try await CardFixture.person(s, hr: hr, number: "K0101")
        let (_, b) = try await CardFixture.person(s, hr: hr, number: "K0102")
        var ids: [String] = []
        for who in [a, b] {
            ids.append(try await s.send(.POST, "/api/v1/me/card-application", as: who, json: ["route": "contractorBatch"]).object()["id"] as! String)
            #expect(try await s.send(.PUT, "/api/v1/me/card-application/data", as: who, json: CardFixture.data()).status == .ok)
        }
        // Review without a photo: refused for case 1 (the contractor needs the file).
        let noPhoto = try await s.send(.POST, "/api/v1/card-applications/\(ids[0])/review", as: hr, json: ["decision": "accept"])
        #expect(noPhoto.status == .conflict && noPhoto.object()["code"] as? String == "photo_missing", "\(noPhoto.text)")
        #expect(try await CardFixture.upload(s, a, CardFixture.jpeg()).status == .ok)
        #expect(try await s.send(.POST, "/api/v1/card-applications/\(ids[0])/review", as: hr, json: ["decision": "accept"]).status == .ok)
        // b is not reviewed: naming both refuses the batch, and a stays reviewed.
        let r = try await s.send(.POST, "/api/v1/card-batches", as: hr, json: ["applications": ids])
        #expect(r.status == .conflict, "\(r.text)")
        #expect(!(r.object()["messageJa"] as? String ?? "").isEmpty && !(r.object()["messageEn"] as? String ?? "").isEmpty)
        #expect(try await s.send(.GET, "/api/v1/card-batches", as: hr).array().isEmpty)
        #expect(try await CardFixture.stage(s, hr, ids[0]) == "reviewed")
        // Unknown ids and packages.
        #expect(try await s.send(.POST, "/api/v1/card-batches", as: hr, json: ["applications": [UUID().uuidString]]).status == .notFound)
        #expect(try await s.send(.POST, "/api/v1/card-batches", as: hr, json: ["applications": ["not-a-uuid"]]).status == .badRequest)
        #expect(try await s.send(.GET, "/api/v1/card-batches/B-nothing/package", as: hr).status == .notFound)
        #expect(try await s.send(.POST, "/api/v1/card-batches/B-nothing/sent", as: hr).status == .notFound)
        // Naming only a works, in the standard layout (Japanese headers, no employee number).
        let ok = try await s.send(.POST, "/api/v1/card-batches", as: hr, json: ["applications": [ids[0]]])
        #expect(ok.status == .created, "\(ok.text)")
        let id = (ok.object()["batch"] as? [String: Any])?["id"] as? String ?? ""
        let files = try CardFixture.unzip(try await s.send(.GET, "/api/v1/card-batches/\(id)/package", as: hr).body)
        let rows = CardFixture.csv(String(decoding: [UInt8](files["applications.csv"] ?? Data()).dropFirst(3), as: UTF8.self))
        #expect(rows.first == BatchLayout.standard.columns.map(\.header))
        #expect(rows.count == 2 && rows[1].last == "photos/0001.jpg", "\(rows)")
    }
}
