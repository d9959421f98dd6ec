import Access
import CardApplication
import Fluent
import Foundation
import Server
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Store

/// `mynagate demo`'s card applications: a few people without a card and applications at every stage,
/// so the pages show something. Goes through the same domain rules as the API (records, batches and
/// sessions are built with their own `apply`/`build`/`agree` methods), with dates in the past where the
/// story needs them.
public enum CardApplicationDemo {
    public struct Seeded: Sendable {
        /// The person without a card who gets the demo's "applicant" login (no application yet).
        public var applicant: UUID
    }

    /// Adds the people and applications.
    /// - Parameters:
    ///   - firstNumber: the number of the first new employee (E0051 in a 50-person demo).
    ///   - photo: the sample portrait used as everyone's photo.
    ///   - enrolled: people whose card is already enrolled; the first gets an application that
    ///     enrollment closed (the end of the story).
    public static func seed(on db: any Database, firstNumber: Int, photo: [UInt8], enrolled: [UUID] = []) async throws -> Seeded {
        // name, kana, department, site, address (nil: no application), route, what happens.
        enum Story { case none, optedIn, dataEntered, reviewed, batched, sent, noticeWaiting, cardReceived, withdrawn,
                          sessionReviewed, sessionApplied, sessionMailed, sessionChecked }
        let people: [(String, String, String, String, String?, Story)] = [
            ("青木 直子", "アオキ ナオコ", "営業部", "東京", nil, .none),  // the applicant login
            ("石田 浩二", "イシダ コウジ", "総務部", "東京", nil, .none),  // declined
            ("上田 美紀", "ウエダ ミキ", "開発部", "大阪", nil, .none),  // has a card, not enrolled
            ("岡本 真一", "オカモト シンイチ", "営業部", "東京", "東京都千代田区丸の内1-1-1", .dataEntered),
            ("金子 由美", "カネコ ユミ", "人事部", "東京", "東京都新宿区西新宿2-8-1", .batched),
            ("川口 聡", "カワグチ サトシ", "開発部", "大阪", "大阪府大阪市北区中之島1-3-20", .reviewed),
            ("木村 亜紀", "キムラ アキ", "総務部", "東京", "東京都世田谷区世田谷4-21-27", .noticeWaiting),
            ("久保 大介", "クボ ダイスケ", "開発部", "東京", "神奈川県横浜市中区港町1-1", .sessionReviewed),
            ("小島 恵", "コジマ メグミ", "営業部", "東京", "神奈川県横浜市西区みなとみらい2-2-1", .sessionReviewed),
            ("斉藤 健", "サイトウ ケン", "情報システム部", "東京", "神奈川県横浜市港北区新横浜2-5-5", .sessionReviewed),
            ("清水 優子", "シミズ ユウコ", "人事部", "東京", "神奈川県横浜市青葉区市ケ尾町31-4", .sessionReviewed),
            ("杉山 誠", "スギヤマ マコト", "総務部", "東京", "神奈川県横浜市戸塚区戸塚町16-17", .sessionReviewed),
            ("高木 彩香", "タカギ アヤカ", "開発部", "東京", "神奈川県川崎市川崎区宮本町1", .dataEntered),
            ("田村 翼", "タムラ ツバサ", "営業部", "東京", "神奈川県川崎市中原区小杉町3-245", .dataEntered),
            ("千葉 光", "チバ ヒカル", "営業部", "大阪", "大阪府堺市堺区南瓦町3-1", .optedIn),
            ("土屋 玲奈", "ツチヤ レイナ", "開発部", "東京", "東京都港区芝公園4-2-8", .withdrawn),
            ("中川 大地", "ナカガワ ダイチ", "総務部", "東京", "東京都江東区東陽4-11-28", .cardReceived),
            ("西田 舞", "ニシダ マイ", "人事部", "大阪", "大阪府大阪市中央区大手前2-1-22", .sent),
            ("野口 拓", "ノグチ タク", "営業部", "東京", "千葉県千葉市中央区千葉港1-1", .sessionApplied),
            ("橋本 夏美", "ハシモト ナツミ", "開発部", "東京", "千葉県千葉市美浜区中瀬1-3", .sessionMailed),
            ("原田 陸", "ハラダ リク", "情報システム部", "東京", "千葉県千葉市花見川区瑞穂1-1", .sessionChecked),
        ]
        let now = Date()
        let day: TimeInterval = 86_400
        let start = now - 60 * day
        var ids: [UUID] = []
        for (i, p) in people.enumerated() {
            let e = EmployeeModel(employeeNumber: String(format: "E%04d", firstNumber + i), name: p.0, department: p.2, site: p.3, groups: ["staff"])
            try await e.create(on: db)
            ids.append(try e.requireID())
        }
        try await CardApplications.setStatement("declined", of: ids[1], on: db)
        try await CardApplications.setStatement("hasCard", of: ids[2], on: db)

        let report = PhotoValidator().validate(photo, today: CardApplications.today)
        func savePhoto(_ r: ApplicationRecord, employee: UUID) async throws {
            let ph = CardApplicationPhotoModel()
            ph.applicationID = UUID(uuidString: r.id.rawValue)!
            ph.employeeID = employee
            ph.bytes = Data(photo)
            ph.uploadedAt = start + day
            try await ph.create(on: db)
        }
        /// An application taken to `reviewed` (or `dataEntered`), with a photo for case 1.
        func record(_ i: Int, employee: UUID, name: String, kana: String, address: String, route: ApplicationRoute, review: Bool) async throws -> ApplicationRecord? {
            let names = name.split(separator: " ").map(String.init), kanas = kana.split(separator: " ").map(String.init)
            let draft = ApplicationDraft(applicationFormID: i % 2 == 0 ? String(format: "%023d", 10_000_000 + i) : "", familyName: names[0], givenName: names[1],
                                         familyNameKana: kanas[0], givenNameKana: kanas[1], birthDate: "\(1970 + i % 30)-0\(1 + i % 9)-1\(i % 10)",
                                         address: address, phone: "03-1234-\(5600 + i)")
            guard case .success(let data) = ApplicationDataValidator().validate(draft, today: CardApplications.today) else { return nil }
            var r = ApplicationRecord(id: ApplicationID(rawValue: UUID().uuidString), employee: EmployeeID(rawValue: employee.uuidString), route: route,
                                      optedInAt: start, by: "user:demo")
            try r.apply(.enterData(data), at: start + day, by: "user:demo")
            if route == .contractorBatch {
                try r.apply(.attachPhoto(PhotoAttachment(storageKey: "db:\(r.id.rawValue)", report: report)), at: start + day, by: "user:demo")
                try await savePhoto(r, employee: employee)
            }
            if review { try r.apply(.review, at: start + 2 * day, by: "user:hr") }
            return r
        }

        var records: [Int: ApplicationRecord] = [:]
        for (i, p) in people.enumerated() {
            guard let address = p.4 else { continue }
            switch p.5 {
            case .none: continue
            case .optedIn:
                records[i] = ApplicationRecord(id: ApplicationID(rawValue: UUID().uuidString), employee: EmployeeID(rawValue: ids[i].uuidString),
                                               route: .contractorBatch, optedInAt: now - 2 * day, by: "user:demo")
            case .dataEntered:
                records[i] = try await record(i, employee: ids[i], name: p.0, kana: p.1, address: address, route: i >= 12 ? .onSiteSession : .contractorBatch, review: false)
            case .withdrawn:
                if var r = try await record(i, employee: ids[i], name: p.0, kana: p.1, address: address, route: .contractorBatch, review: false) {
                    try r.apply(.withdraw, at: start + 5 * day, by: "user:demo")
                    records[i] = r
                }
            case .sessionReviewed, .sessionApplied, .sessionMailed, .sessionChecked:
                records[i] = try await record(i, employee: ids[i], name: p.0, kana: p.1, address: address, route: .onSiteSession, review: true)
            default:
                records[i] = try await record(i, employee: ids[i], name: p.0, kana: p.1, address: address, route: .contractorBatch, review: true)
            }
        }
        // The end of the story: an enrolled person whose application enrollment closed.
        var closed: ApplicationRecord?
        if let e = enrolled.first {
            closed = try await record(99, employee: e, name: "佐藤 花子", kana: "サトウ ハナコ", address: "東京都品川区広町2-1-36", route: .contractorBatch, review: true)
        }

        // Batch 1, sent 45 days ago: notices came, cards picked up or not, one card enrolled.
        let sentIdx = people.indices.filter { [.noticeWaiting, .cardReceived, .sent].contains(people[$0].5) && records[$0] != nil }
        var batch1Entries = sentIdx.map { BatchEntry(application: records[$0]!, photo: Data(photo)) }
        if let c = closed { batch1Entries.append(BatchEntry(application: c, photo: Data(photo))) }
        let b1 = BatchID(rawValue: "B-DEMO-1")
        var package1 = try ContractorBatchBuilder().build(id: b1, entries: batch1Entries, createdAt: now - 46 * day)
        try package1.batch.markSent(at: now - 45 * day)
        func send(_ r: inout ApplicationRecord) throws {
            try r.apply(.addToBatch(b1), at: now - 46 * day, by: "user:hr")
            try r.apply(.sentToContractor(b1), at: now - 45 * day, by: "user:hr")
        }
        for i in sentIdx {
            var r = records[i]!
            try send(&r)
            if people[i].5 != .sent { try r.apply(.noticeReceived, at: now - 20 * day, by: "user:demo") }
            if people[i].5 == .cardReceived { try r.apply(.cardReceived, at: now - 10 * day, by: "user:demo") }
            records[i] = r
        }
        if var c = closed {
            try send(&c)
            try c.apply(.noticeReceived, at: now - 25 * day, by: "user:demo")
            try c.apply(.cardReceived, at: now - 18 * day, by: "user:demo")
            try c.apply(.cardEnrolled, at: now - 17 * day, by: "user:demo-desk")
            closed = c
        }
        try await saveBatch(package1, on: db)

        // Batch 2, built yesterday, not sent yet.
        if let i = people.indices.first(where: { people[$0].5 == .batched }), var r = records[i] {
            let b2 = BatchID(rawValue: "B-DEMO-2")
            let package2 = try ContractorBatchBuilder().build(id: b2, entries: [BatchEntry(application: r, photo: Data(photo))], createdAt: now - day)
            try r.apply(.addToBatch(b2), at: now - day, by: "user:hr")
            records[i] = r
            try await saveBatch(package2, on: db)
        }

        // A session with Chiba city held 30 days ago: one applied, one got the card by post, one was
        // checked but did not apply (forgot the form). Yokohama's five are left for the clerk to plan.
        let chiba = people.indices.filter { [.sessionApplied, .sessionMailed, .sessionChecked].contains(people[$0].5) && records[$0] != nil }
        if !chiba.isEmpty {
            let sid = SessionID(rawValue: "S-DEMO-1")
            var session = OnSiteSession(id: sid, municipality: Municipality(prefecture: "千葉県", city: "千葉市"), roster: chiba.map { records[$0]!.id })
            let held = now - 30 * day
            try session.agree(date: JapanTime(held).date, startMinute: 10 * 60, place: "本社 3F 大会議室",
                              contact: CityContact(name: "千葉市 市民自治推進課 担当者", section: "マイナンバーカード出張申請受付", phone: "043-000-0000"))
            let passport = IdentityDocumentKind.standardCatalogue.first { $0.hasPhoto }!
            for i in chiba {
                var r = records[i]!
                try r.apply(.assignSession(sid), at: now - 40 * day, by: "user:hr")
                _ = try session.recordIdentityCheck(r.id, documents: [passport], at: held)
                if people[i].5 != .sessionChecked {
                    try session.recordApplied(r.id, at: held)
                    try r.apply(.appliedAtSession(sid), at: held, by: "user:hr")
                }
                if people[i].5 == .sessionMailed { try r.apply(.cardMailed, at: now - 5 * day, by: "user:demo") }
                records[i] = r
            }
            let m = CardSessionModel()
            m.id = sid.rawValue
            m.createdAt = now - 40 * day
            m.municipality = session.municipality.key
            m.status = session.status.rawValue
            m.record = try CardApplications.json(session)
            try await m.create(on: db)
        }

        for i in records.keys.sorted() { try await CardApplications.save(records[i]!, on: db) }
        if let c = closed { try await CardApplications.save(c, on: db) }
        return Seeded(applicant: ids[0])
    }

    static func saveBatch(_ p: BatchPackage, on db: any Database) async throws {
        let b = CardBatchModel()
        b.id = p.batch.id.rawValue
        b.record = try CardApplications.json(p.batch)
        b.package = p.zip
        b.createdAt = p.batch.createdAt
        b.sentAt = p.batch.sentAt
        try await b.create(on: db)
    }
}
