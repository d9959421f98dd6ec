import Access
import CardApplication
import Fluent
import Foundation
import Store

/// `mynagate demo`'s card applications: a few people without a card and applications at every stage,
/// so the pages show something. Goes through the same domain rules as the API (the records are
/// built with `ApplicationRecord.apply`), with dates in the past where the story needs them.
public enum CardApplicationDemo {
    public struct Seeded: Sendable {
        /// The person without a card who gets the demo's "applicant" login (no application yet).
        public var applicant: UUID
    }

    /// Adds the people and applications. `firstNumber` is the number of the first new employee
    /// (E0051 in a 50-person demo); `photo` is the sample portrait used as everyone's photo.
    public static func seed(on db: any Database, firstNumber: Int, photo: [UInt8]) async throws -> Seeded {
        let people: [(String, String, String, String?)] = [
            // name, department, site, address (nil: no application)
            ("青木 直子", "営業部", "東京", nil),
            ("石田 浩二", "総務部", "東京", nil),
            ("上田 美紀", "開発部", "大阪", nil),
            ("岡本 真一", "営業部", "東京", "東京都千代田区丸の内1-1-1"),
            ("金子 由美", "人事部", "東京", "東京都新宿区西新宿2-8-1"),
            ("川口 聡", "開発部", "大阪", "大阪府大阪市北区中之島1-3-20"),
            ("木村 亜紀", "総務部", "東京", "東京都世田谷区世田谷4-21-27"),
            ("久保 大介", "開発部", "東京", "神奈川県横浜市中区港町1-1"),
            ("小島 恵", "営業部", "東京", "神奈川県横浜市西区みなとみらい2-2-1"),
            ("斉藤 健", "情報システム部", "東京", "神奈川県横浜市港北区新横浜2-5-5"),
            ("清水 優子", "人事部", "東京", "神奈川県横浜市青葉区市ケ尾町31-4"),
            ("杉山 誠", "総務部", "東京", "神奈川県横浜市戸塚区戸塚町16-17"),
            ("高木 彩香", "開発部", "東京", "神奈川県川崎市川崎区宮本町1"),
            ("田村 翼", "営業部", "東京", "神奈川県川崎市中原区小杉町3-245"),
        ]
        let kana = ["アオキ ナオコ", "イシダ コウジ", "ウエダ ミキ", "オカモト シンイチ", "カネコ ユミ", "カワグチ サトシ", "キムラ アキ",
                    "クボ ダイスケ", "コジマ メグミ", "サイトウ ケン", "シミズ ユウコ", "スギヤマ マコト", "タカギ アヤカ", "タムラ ツバサ"]
        let now = Date()
        let day: TimeInterval = 86_400
        var ids: [UUID] = []
        for (i, p) in people.enumerated() {
            let e = EmployeeModel(employeeNumber: String(format: "E%04d", firstNumber + i), name: p.0, department: p.1, site: p.2, groups: ["staff"])
            try await e.create(on: db)
            ids.append(try e.requireID())
        }
        try await CardApplications.setStatement("declined", of: ids[1], on: db)
        try await CardApplications.setStatement("hasCard", of: ids[2], on: db)

        let validator = ApplicationDataValidator()
        let report = PhotoValidator().validate(photo, today: CardApplications.today)
        for (i, p) in people.enumerated() {
            guard let address = p.3 else { continue }
            let names = p.0.split(separator: " ").map(String.init), kanas = kana[i].split(separator: " ").map(String.init)
            let draft = ApplicationDraft(familyName: names[0], givenName: names[1], familyNameKana: kanas[0], givenNameKana: kanas[1],
                                         birthDate: "\(1970 + i * 2)-0\(1 + i % 9)-1\(i % 10)", address: address, phone: "03-1234-56\(10 + i)")
            guard case .success(let data) = validator.validate(draft, today: CardApplications.today) else { continue }
            // Cases: 3–5 batch (data entered, data entered, reviewed), 6 batch already sent and the notice
            // arrived 20 days ago (a reminder is due), 7–11 Yokohama and 12–13 Kawasaki on-site (reviewed / entered).
            let route: ApplicationRoute = i >= 7 ? .onSiteSession : .contractorBatch
            let start = now - 40 * day
            var r = ApplicationRecord(id: ApplicationID(rawValue: UUID().uuidString), employee: EmployeeID(rawValue: ids[i].uuidString), route: route,
                                      optedInAt: start, by: "user:demo")
            try r.apply(.enterData(data), at: start + day, by: "user:demo")
            let appID = UUID(uuidString: r.id.rawValue)!
            if route == .contractorBatch {
                try r.apply(.attachPhoto(PhotoAttachment(storageKey: "db:\(appID.uuidString)", report: report)), at: start + day, by: "user:demo")
                let ph = CardApplicationPhotoModel()
                ph.applicationID = appID
                ph.employeeID = ids[i]
                ph.bytes = Data(photo)
                ph.uploadedAt = start + day
                try await ph.create(on: db)
            }
            if i == 5 || i == 6 || (7...11).contains(i) { try r.apply(.review, at: start + 2 * day, by: "user:hr") }
            if i == 6 {
                // A batch built and sent 35 days ago; the notice came 20 days ago and the card is not picked up.
                let batchID = BatchID(rawValue: "B-DEMO-1")
                var package = try ContractorBatchBuilder().build(id: batchID, entries: [BatchEntry(application: r, photo: Data(photo))], createdAt: now - 36 * day)
                try r.apply(.addToBatch(batchID), at: now - 36 * day, by: "user:hr")
                try r.apply(.sentToContractor(batchID), at: now - 35 * day, by: "user:hr")
                try r.apply(.noticeReceived, at: now - 20 * day, by: "user:demo")
                try package.batch.markSent(at: now - 35 * day)
                let b = CardBatchModel()
                b.id = batchID.rawValue
                b.record = try CardApplications.json(package.batch)
                b.package = package.zip
                b.createdAt = package.batch.createdAt
                b.sentAt = package.batch.sentAt
                try await b.create(on: db)
            }
            try await CardApplications.save(r, on: db)
        }
        return Seeded(applicant: ids[0])
    }
}
