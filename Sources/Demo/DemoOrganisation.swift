import Fluent
import Foundation
import MynaCard
import MynaCardSim
import Server
import ServerCore
import AccessServer
import AttendanceServer
import CardApplicationServer
import VaultServer
import SmartCard
import Store
import Vapor

/// The demo company: its files (test CA, virtual cards) and its records (people, doors, accounts).
public struct DemoOrganisation: Sendable {
    /// The data directory: database, test CA, card files, logins and door tokens.
    public let directory: URL
    /// How many people the organisation has (5–500).
    public let people: Int

    public init(directory: URL, people: Int) {
        self.directory = directory
        self.people = people
    }

    static let pin = DemoDesk.pin
    /// Cards made but not enrolled, for trying the enrollment page (`SPARE-1.vcard` …).
    static let spareCards = 3
    static let signingPassword = DemoDesk.signingPassword

    public var caDirectory: URL { directory.appendingPathComponent("ca") }
    public var anchorsDirectory: URL { directory.appendingPathComponent("anchors") }
    public var cardsDirectory: URL { directory.appendingPathComponent("cards") }
    public var loginsFile: URL { directory.appendingPathComponent("demo-logins.json") }
    var tokensFile: URL { directory.appendingPathComponent("door-tokens.json") }

    /// Whether an earlier start seeded the organisation (its logins and database are there).
    public var isSeeded: Bool {
        FileManager.default.fileExists(atPath: loginsFile.path)
            && FileManager.default.fileExists(atPath: directory.appendingPathComponent("mynagate.sqlite").path)
    }

    /// A demo login, printed at every start.
    public struct Login: Codable, Sendable {
        public var role: String
        public var username: String
        public var password: String
    }

    static let departments = ["人事部", "総務部", "営業部", "開発部", "情報システム部"]
    static let families = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田", "佐々木", "松本", "井上"]
    static let givens = ["花子", "太郎", "美咲", "翔太", "陽菜", "大輝", "結衣", "蓮", "さくら", "健太", "彩", "悠真", "愛", "拓海", "真央"]

    func employeeNumber(_ i: Int) -> String { String(format: "E%04d", i + 1) }
    func cardFile(_ i: Int) -> URL { cardsDirectory.appendingPathComponent("\(employeeNumber(i)).vcard") }
    /// 16 random bytes: the simulator's default serial has a random length from 1 byte, and two of 50
    /// cards with 1- or 2-byte serials collide often enough to stop the demo ("enrolled to another person").
    static func uniqueSerial() -> [UInt8] {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255) }
        bytes[0] = UInt8.random(in: 1...0x7F)
        return bytes
    }

    func spareCardFile(_ i: Int) -> URL { cardsDirectory.appendingPathComponent("SPARE-\(i + 1).vcard") }
    func name(_ i: Int) -> String { "\(Self.families[i % Self.families.count]) \(Self.givens[(i / Self.families.count + i) % Self.givens.count])" }
    func department(_ i: Int) -> String { i < 4 ? "人事部" : Self.departments[i % Self.departments.count] }

    /// Makes the test hierarchy, the anchors directory and one card per person (once).
    public func prepareFiles(progress: (Int, Int) -> Void) throws {
        let fm = FileManager.default
        let hierarchy: TestJPKIHierarchy
        if fm.fileExists(atPath: caDirectory.appendingPathComponent(TestJPKIHierarchy.FileName.authCA).path) {
            hierarchy = try TestJPKIHierarchy.load(from: caDirectory)
        } else {
            hierarchy = try TestJPKIHierarchy.generate()
            try hierarchy.save(to: caDirectory)
        }
        // Auth anchors for doors and sign-in; sign anchors for binding a card to its holder at enrollment.
        for (purpose, file) in [("auth", TestJPKIHierarchy.FileName.authCA), ("sign", TestJPKIHierarchy.FileName.signCA)] {
            let dir = anchorsDirectory.appendingPathComponent(purpose)
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
            let anchor = dir.appendingPathComponent("demo-\(purpose)-ca.pem")
            if !fm.fileExists(atPath: anchor.path) {
                try fm.copyItem(at: caDirectory.appendingPathComponent(file), to: anchor)
            }
        }
        try fm.createDirectory(at: cardsDirectory, withIntermediateDirectories: true)
        for i in 0..<people {
            progress(i, people)
            if fm.fileExists(atPath: cardFile(i).path) {
                // A card made before issue 17 gets its card-verifiable certificate from this hierarchy,
                // so the demo desk's integrity check passes for it too.
                if let upgraded = try hierarchy.certifying(VirtualMynaCard.load(contentsOf: cardFile(i)).state) {
                    try VirtualMynaCard(state: upgraded).save(to: cardFile(i))
                }
                continue
            }
            var holder = CardHolder.random()
            // The HR record keeps an ASCII space; the card, like a real one, has U+3000 (enrollment and
            // the vault compare names with spaces folded).
            holder.name = name(i).replacingOccurrences(of: " ", with: "\u{3000}")
            let state = try hierarchy.issueCard(holder: holder, authPIN: Self.pin, signingPassword: Self.signingPassword, serial: Self.uniqueSerial())
            try VirtualMynaCard(state: state).save(to: cardFile(i))
        }
        for i in 0..<Self.spareCards where !fm.fileExists(atPath: spareCardFile(i).path) {
            let state = try hierarchy.issueCard(holder: CardHolder.random(), authPIN: Self.pin, signingPassword: Self.signingPassword, serial: Self.uniqueSerial())
            try VirtualMynaCard(state: state).save(to: spareCardFile(i))
        }
        progress(people, people)
    }

    /// Creates the organisation in the database on first start and enrolls every card; returns the logins.
    public func seed(_ app: Application) async throws -> [Login] {
        let db = app.db
        if let data = try? Data(contentsOf: loginsFile), let logins = try? JSONDecoder().decode([Login].self, from: data),
           try await UserModel.query(on: db).count() > 0 {
            return logins
        }
        func put<M: Model>(_ m: M) async throws { try await m.save(on: db) }
        for (id, name, boundary, mynumber, ap) in [
            ("lobby", "ロビー", true, false, "soft"), ("office-2f", "2F 執務室", false, false, "off"), ("office-3f", "3F 執務室", false, false, "off"),
            ("server-room", "サーバー室", false, false, "hard"), ("mynumber-room", "個人番号取扱室", false, true, "hard"),
        ] {
            let z = ZoneModel()
            z.id = id; z.name = name; z.workplaceBoundary = boundary; z.myNumberArea = mynumber; z.antiPassback = ap
            try await put(z)
        }
        for (id, name, from, to, level) in [
            ("entrance", "正面玄関", nil, "lobby", nil), ("exit", "退館ゲート", "lobby", nil, nil),
            ("office-2f", "2F 執務室入口", "lobby", "office-2f", nil), ("office-3f", "3F 執務室入口", "lobby", "office-3f", "genuine"),
            ("server-room", "サーバー室", "office-3f", "server-room", "pin"), ("mynumber-room", "個人番号取扱室", "office-2f", "mynumber-room", "pin"),
        ] as [(String, String, String?, String?, String?)] {
            let d = DoorModel()
            d.id = id; d.name = name; d.fromZone = from; d.toZone = to; d.securityLevel = level
            try await put(d)
        }
        let always = ScheduleModel()
        always.id = "always"; always.name = "24時間"; always.holidayRule = "ignore"
        always.windows = ScheduleJSON.encode(Dictionary(uniqueKeysWithValues: ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"].map { ($0, ["00:00-24:00"]) }))
        try await put(always)
        let business = ScheduleModel()
        business.id = "business"; business.name = "平日 7:00–22:00"; business.holidayRule = "closed"
        business.windows = ScheduleJSON.encode(Dictionary(uniqueKeysWithValues: ["monday", "tuesday", "wednesday", "thursday", "friday"].map { ($0, ["07:00-22:00"]) }))
        try await put(business)
        for (id, name, grants) in [
            ("staff", "社員", [GrantJSON(zone: "lobby", schedule: "always"), GrantJSON(zone: "office-2f", schedule: "business"), GrantJSON(zone: "office-3f", schedule: "business")]),
            ("it", "情報システム", [GrantJSON(zone: "server-room", schedule: "always")]),
            ("mynumber-handlers", "事務取扱担当者", [GrantJSON(zone: "mynumber-room", schedule: "business")]),
        ] {
            let g = AccessGroupModel()
            g.id = id; g.name = name; g.grants = String(decoding: try JSONEncoder().encode(grants), as: UTF8.self)
            try await put(g)
        }
        // Where each floor gathers when the building is evacuated, and the door an evacuation releases:
        // the way out (a released door admits any card, so not the ways in).
        try await MusterService.store(.init(assemblyPoints: [
            .init(id: "north", name: "正面駐車場", zones: ["lobby", "office-2f", "mynumber-room"]),
            .init(id: "south", name: "南側広場", zones: ["office-3f", "server-room"]),
        ], releaseDoors: ["exit"], wardens: []), on: db)
        // Every public holiday the Cabinet Office publishes (1955 to next year), so earlier months'
        // legal holidays are right too, not only this year's (DemoHolidays).
        for (date, name) in try DemoHolidays.table().all {
            try await put(HolidayModel(date: date.description, name: name))
        }
        var employeeIDs: [UUID] = []
        for i in 0..<people {
            var groups = ["staff"]
            if department(i) == "情報システム部" { groups.append("it") }
            if i < 4 { groups.append("mynumber-handlers") }
            let e = EmployeeModel(employeeNumber: employeeNumber(i), name: name(i), department: department(i), site: i % 3 == 0 ? "大阪" : "東京", groups: groups)
            try await e.create(on: db)
            employeeIDs.append(try e.requireID())
        }
        let state = app.mynagate
        try await state.policy.changed()
        // Enroll every card through the real path: a challenge, the card's PIN and signature, and its
        // signing certificate matched with the HR record's name and birth date.
        let events = state.events
        let append: VaultAppend = { build in _ = try await events.appendNow(building: build) }
        let importer = VaultActor(userID: nil, username: "demo-hr-import", employeeID: nil, isHandler: false)
        for i in 0..<people {
            let virtual = try VirtualMynaCard.load(contentsOf: cardFile(i))
            // The HR master's birth date, as an HR import would bring it.
            var profile = VaultService.ProfileInput()
            let b = virtual.state.holder.birthDate
            profile.birthDate = "\(b.prefix(4))-\(b.dropFirst(4).prefix(2))-\(b.suffix(2))"
            try await VaultService(db: db, append: append).setProfile(employeeID: employeeIDs[i], profile, actor: importer)
            let card = MynaCard(transport: EmulatedCardTransport(card: virtual))
            let challenge = try await Enrollment.challenge(employeeID: employeeIDs[i], by: .system("demo-desk"), on: db, state: state)
            let (der, signature, holder) = try await DemoDesk.sign(card, digest: challenge.digest)
            // The card's own key too, for the demo's `genuine` door.
            let cardKey = await CardKeyCheck.read(card, birthDateKey: CardKeyCheck.birthDateKey(profile.birthDate), digest: challenge.digest)
            _ = try await Enrollment.complete(employeeID: employeeIDs[i], challengeID: challenge.id, certificateDER: Data(der), signature: signature,
                                              holder: holder, card: cardKey, cvcIssuers: app.cvcIssuers, by: .system("demo-desk"), on: db, state: state)
        }
        // The employee login is the 11th person, or the last one in a smaller demo (--people 5–10).
        let loginEmployee = min(10, people - 1)
        var logins = [
            Login(role: "admin", username: "admin", password: Accounts.randomPassword()),
            Login(role: "security", username: "security", password: Accounts.randomPassword()),
            Login(role: "hr", username: "hr", password: Accounts.randomPassword()),
            Login(role: "employee", username: employeeNumber(loginEmployee).lowercased(), password: Accounts.randomPassword()),
        ]
        for l in logins {
            try await Accounts.create(username: l.username, password: l.password, role: Role(rawValue: l.role)!,
                                      employeeID: l.role == "employee" ? employeeIDs[loginEmployee] : (l.role == "hr" ? employeeIDs[0] : nil), on: db)
        }
        // The vault, attendance and card application modules' demo data (their own files).
        logins += try await seedVault(app, employees: employeeIDs)
        logins += try await seedAttendance(app, employees: employeeIDs)
        logins += try await seedCardApplications(app, employees: employeeIDs)
        var tokens: [String: String] = [:]
        for door in try await DoorModel.query(on: db).all() {
            let id = try door.requireID()
            tokens[id] = try await DoorTokens.issue(door: id, on: db)
        }
        try JSONEncoder().encode(tokens).write(to: tokensFile)
        try JSONEncoder().encode(logins).write(to: loginsFile)
        chmod(loginsFile.path, 0o600)
        chmod(tokensFile.path, 0o600)
        return logins
    }
}
