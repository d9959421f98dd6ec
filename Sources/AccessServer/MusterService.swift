import Access
import Audit
import Fluent
import Foundation
import ServerCore
import SQLKit
import Store
import Vapor

/// The evacuation roll call (点呼) as a value over the database, the event log and the policy: who is
/// inside which zone now, starting and ending an evacuation (which releases the doors configured for it
/// and takes the roll), and wardens ticking people off.
///
/// Knowing where people are is itself sensitive, so every look at a list is recorded (`muster.viewed`,
/// with how many it showed) before it is answered. Administrators and security officers may look; a
/// named warden only at the roll of an evacuation under way (``mayView(_:evacuation:)``): a warden's
/// account is not a standing view of where everyone is. A request gets one as `req.muster`; nothing
/// here reads a `Request`.
package struct MusterService: Sendable {
    let db: any Database
    let events: EventWriter
    let policy: PolicyCache
    /// Who the records name (`user:<name>`).
    let actor: String

    package init(db: any Database, events: EventWriter, policy: PolicyCache, actor: String) {
        (self.db, self.events, self.policy, self.actor) = (db, events, policy, actor)
    }

    // MARK: configuration

    /// The muster's configuration, one JSON setting: the assembly points, the doors an evacuation
    /// releases, and the accounts (besides administrators and security officers) that act as wardens.
    package struct Config: Content, Equatable {
        package var assemblyPoints: [Point]
        package var releaseDoors: [String]
        package var wardens: [String]
        /// Whether a drill releases the doors too. Absent or false: a drill practises the roll call and
        /// opens nothing — a released door admits any card, and a drill is no reason to open the building.
        package var drillReleasesDoors: Bool?

        package struct Point: Content, Equatable {
            package var id: String
            package var name: String
            package var zones: [String]

            package init(id: String, name: String, zones: [String]) { (self.id, self.name, self.zones) = (id, name, zones) }
        }

        package init(assemblyPoints: [Point], releaseDoors: [String], wardens: [String], drillReleasesDoors: Bool = false) {
            (self.assemblyPoints, self.releaseDoors, self.wardens, self.drillReleasesDoors) = (assemblyPoints, releaseDoors, wardens, drillReleasesDoors)
        }

        static let empty = Config(assemblyPoints: [], releaseDoors: [], wardens: [])
        var points: [AssemblyPoint] { assemblyPoints.map { AssemblyPoint(id: $0.id, name: $0.name, zones: $0.zones.map(ZoneID.init(rawValue:))) } }
    }

    static let settingKey = "muster"

    /// The stored configuration; text that does not read throws rather than reading as "no points".
    static func config(on db: any Database) async throws -> Config {
        guard let stored = try await SettingModel.find(settingKey, on: db)?.value else { return .empty }
        do { return try JSONDecoder().decode(Config.self, from: Data(stored.utf8)) } catch {
            throw StoredConfigurationError(what: "setting", id: settingKey, field: "value")
        }
    }

    package func config() async throws -> Config { try await Self.config(on: db) }

    /// Stores `c` as it is: the one way the setting is written (``putConfig(_:)`` checks it first; the
    /// demo and the bench write their own, known to be good).
    package static func store(_ c: Config, on db: any Database) async throws {
        try await SettingModel.put(settingKey, String(decoding: try JSONEncoder().encode(c), as: UTF8.self), on: db)
    }

    /// Replaces the configuration after checking it against the building: every zone and door named must
    /// exist, a zone belongs to one point, and ids and names are bounded.
    package func putConfig(_ c: Config) async throws -> Config {
        var issues: [APIError.Issue] = []
        func refuse(_ field: String, _ ja: String, _ en: String) { issues.append(.init(field: field, code: "invalid", messageJa: ja, messageEn: en)) }
        if c.assemblyPoints.count > 100 { refuse("assemblyPoints", "集合場所は100か所までです", "at most 100 assembly points") }
        if c.releaseDoors.count > 1000 { refuse("releaseDoors", "開放する扉は1000までです", "at most 1000 doors") }
        if c.wardens.count > 1000 { refuse("wardens", "誘導員は1000人までです", "at most 1000 wardens") }
        var ids = Set<String>(), zones = Set<String>()
        var c = c
        for (i, p) in c.assemblyPoints.enumerated() {
            if !BuildingService.isValidID(p.id) || !ids.insert(p.id).inserted {
                refuse("assemblyPoints[\(i)].id", "集合場所のIDが不正か重複しています", "the id is not 1–64 ASCII letters, digits, - or _, or is used twice")
            }
            // A name is shown to every warden: free text, never a number.
            do { c.assemblyPoints[i].name = try FreeText.check(p.name, field: "name", max: 100) } catch {
                refuse("assemblyPoints[\(i)].name", "名前は1〜100文字で、12桁の数字を含められません", "the name is 1–100 characters with no 12-digit number")
            }
            if p.zones.count > 1000 { refuse("assemblyPoints[\(i)].zones", "区域が多すぎます", "too many zones") }
            for z in p.zones where !zones.insert(z).inserted {
                refuse("assemblyPoints[\(i)].zones", "同じ区域が2つの集合場所に割り当てられています", "a zone is given to two assembly points")
            }
        }
        for (i, w) in c.wardens.enumerated() where !(1...64).contains(w.schemaLength) {
            refuse("wardens[\(i)]", "ユーザー名は1〜64文字です", "a user name is 1–64 characters")
        }
        guard issues.isEmpty else { throw Self.unprocessable(issues) }
        let actor = actor, checked = c
        try await events.writeAudited { tx in
            // Checked inside the write: a zone or door deleted meanwhile cannot slip in.
            var missing: [APIError.Issue] = []
            let knownZones = Set(try await ZoneModel.query(on: tx).all().compactMap(\.id))
            let knownDoors = Set(try await DoorModel.query(on: tx).all().compactMap(\.id))
            // The field names where; the text never repeats what was sent.
            for (i, p) in checked.assemblyPoints.enumerated() {
                for (j, z) in p.zones.enumerated() where !knownZones.contains(z) {
                    missing.append(.init(field: "assemblyPoints[\(i)].zones[\(j)]", code: "unknown_zone", messageJa: "存在しない区域です", messageEn: "no such zone"))
                }
            }
            for (i, d) in checked.releaseDoors.enumerated() where !knownDoors.contains(d) {
                missing.append(.init(field: "releaseDoors[\(i)]", code: "unknown_door", messageJa: "存在しない扉です", messageEn: "no such door"))
            }
            // A warden is an account that exists now: a name on the list must not wait for whoever is
            // given that user name later.
            let accounts = Set(try await UserModel.query(on: tx).filter(\.$username ~~ checked.wardens).all().map(\.username))
            for (i, w) in checked.wardens.enumerated() where !accounts.contains(w) {
                missing.append(.init(field: "wardens[\(i)]", code: "unknown_account", messageJa: "存在しないユーザーです", messageEn: "no such account"))
            }
            guard missing.isEmpty else { throw Self.unprocessable(missing) }
            try await Self.store(checked, on: tx)
            return ((), [AuditDraft(kind: "config.muster.updated", actor: actor, subject: "muster",
                                    details: ["assemblyPoints": String(checked.assemblyPoints.count), "releaseDoors": String(checked.releaseDoors.count),
                                              "wardens": String(checked.wardens.count)])])
        }
        return checked
    }

    static func unprocessable(_ issues: [APIError.Issue]) -> APIError {
        var e = APIError(.unprocessableEntity, code: "invalid_muster_config", ja: "集合場所の設定を保存できません。", en: "the muster configuration was not saved")
        e.issues = issues
        return e
    }

    /// Whether `user` may see who is where: administrators and security officers always; the accounts
    /// the configuration names as wardens only the roll of `evacuation` while it is under way (`nil`:
    /// the list of who is inside now, which is not theirs to see).
    package func mayView(_ user: SessionUser, evacuation: Evacuation?) async throws -> Bool {
        if user.role == .admin || user.role == .security { return true }
        guard let evacuation, evacuation.endedAt == nil else { return false }
        return try await config().wardens.contains(user.username)
    }

    /// Refuses with 403 anyone ``mayView(_:evacuation:)`` does not admit.
    package func requireViewer(_ user: SessionUser, evacuation: Evacuation?) async throws {
        guard try await mayView(user, evacuation: evacuation) else {
            throw APIError(.forbidden, code: "not_a_warden", ja: "避難点呼を見られるのは管理者・警備担当・誘導員だけです。",
                           en: "only administrators, security officers and wardens may see the roll call")
        }
    }

    /// Refuses (403) anyone who may not see the roll of evacuation `id`. An officer passes before
    /// anything is read; for anyone else a missing, an ended and a forbidden evacuation look the same.
    package func requireRollViewer(_ user: SessionUser, evacuation id: UUID) async throws {
        if user.role == .admin || user.role == .security { return }
        let evacuation = try await EvacuationModel.find(id, on: db).map(Evacuation.init)
        try await requireViewer(user, evacuation: evacuation)
    }

    // MARK: who is inside now

    /// The people inside now whom the organisation knows: a row left by someone whose record was deleted
    /// is not a person to look for (their cards ended with it).
    static func inside(_ whereabouts: [Whereabouts], policy: AccessPolicy) -> [Whereabouts] {
        whereabouts.filter { $0.zone != nil && policy.employees[$0.employee] != nil }
    }

    /// Who is inside which zone now, by assembly point, recorded as looked at.
    package func now() async throws -> [MusterRoll.Group] {
        let config = try await config()
        let current = await policy.current
        let entries = MusterRoll.inside(Self.inside(try await WhereaboutsStore.all(on: db), policy: current))
        try await events.appendNow(AuditDraft(kind: "muster.viewed", actor: actor, subject: "muster:now", details: ["people": String(entries.count)]))
        return MusterRoll.group(entries, points: config.points, order: { current.employees[$0]?.name ?? $0.rawValue })
    }

    // MARK: evacuations

    package struct Evacuation: Content {
        package var id: UUID
        package var drill: Bool
        package var note: String
        package var startedAt: Date
        package var startedBy: String
        package var endedAt: Date?
        package var endedBy: String?
        package var releasedDoors: [String]

        init(_ m: EvacuationModel) throws {
            guard let id = m.id else { throw StoredConfigurationError(what: "evacuation", id: "?", field: "id") }
            self.id = id
            drill = m.drill
            note = m.note
            startedAt = m.startedAt
            startedBy = m.startedBy
            endedAt = m.endedAt
            endedBy = m.endedBy
            releasedDoors = try JSONList.decodeStored(m.releasedDoors, setting: "evacuation \(id.uuidString.lowercased()) released_doors")
        }
    }

    /// The evacuation under way, if any.
    package func active() async throws -> Evacuation? {
        try await EvacuationModel.query(on: db).filter(\.$endedAt == nil).sort(\.$startedAt, .descending).first().map(Evacuation.init)
    }

    /// The latest evacuations, newest first.
    package func recent(limit: Int = 20) async throws -> [Evacuation] {
        try await EvacuationModel.query(on: db).sort(\.$startedAt, .descending).limit(limit).all().map(Evacuation.init)
    }

    /// Starts an evacuation (or a drill): in one transaction, releases the configured doors (emergency
    /// unlock, which every door agent gets with the next snapshot push; a drill only when configured),
    /// takes the roll of everyone inside now, and records the alarm (`site.evacuation.started`); then
    /// reloads the policy. Refused (409) while another is under way: two rolls at once would split the
    /// wardens' ticks.
    ///
    /// A lockdown refuses every door before an unlock is looked at, so a real evacuation lifts it (and
    /// says so in its record): people must be able to get out. A drill during a lockdown is refused (409).
    package func start(drill: Bool, note: String) async throws -> Evacuation {
        guard note.schemaLength <= 200 else {
            throw Self.unprocessable([.init(field: "note", code: "too_long", messageJa: "メモは200文字までです", messageEn: "the note is at most 200 characters")])
        }
        // Shown to every warden: never a number.
        let note = note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? "" : try FreeText.check(note, field: "note", max: 200)
        let actor = actor
        let current = await policy.current
        let started: Evacuation = try await events.writeAudited { tx in
            if try await EvacuationModel.query(on: tx).filter(\.$endedAt == nil).first() != nil {
                throw APIError(.conflict, code: "evacuation_under_way", ja: "避難はすでに開始されています。", en: "an evacuation is already under way")
            }
            let config = try await Self.config(on: tx)
            let lockedDown = try await SettingModel.find("lockdown", on: tx)?.value == "true"
            if lockedDown && drill {
                throw APIError(.conflict, code: "locked_down", ja: "ロックダウン中は避難訓練を開始できません。", en: "a drill cannot start while the site is locked down")
            }
            if lockedDown { try await SettingModel.put("lockdown", "false", on: tx) }
            var unlocked = Set(try JSONList.decodeStored(try await SettingModel.find("emergency_unlocked", on: tx)?.value ?? "[]", setting: "emergency_unlocked"))
            let knownDoors = Set(try await DoorModel.query(on: tx).all().compactMap(\.id))
            // Only doors that exist and were not already unlocked: those are the ones to lock again at the end.
            let releasing = !drill || config.drillReleasesDoors == true
            let released = releasing ? config.releaseDoors.filter { knownDoors.contains($0) && !unlocked.contains($0) }.sorted() : []
            unlocked.formUnion(released)
            try await SettingModel.put("emergency_unlocked", JSONList.encode(unlocked.sorted()), on: tx)
            _ = try await PolicyLoader.bumpVersion(on: tx)
            let m = EvacuationModel()
            m.id = UUID()
            m.drill = drill
            m.note = note
            m.startedAt = Date()
            m.startedBy = actor
            m.releasedDoors = JSONList.encode(released)
            try await m.create(on: tx)
            let inside = Self.inside(try await WhereaboutsStore.all(on: tx), policy: current)
            guard let sql = tx as? any SQLDatabase else { throw Abort(.internalServerError, reason: "the roll needs an SQL database") }
            try await MusterEntryModel.add(inside, to: try m.requireID(), onlyNew: false, on: sql)
            let evacuation = try Evacuation(m)
            var details = ["drill": drill ? "true" : "false", "inside": String(inside.count), "releasedDoors": released.joined(separator: ",")]
            if lockedDown { details["lockdownLifted"] = "true" }
            return (evacuation, [AuditDraft(kind: "site.evacuation.started", actor: actor, subject: "evacuation:\(evacuation.id.uuidString.lowercased())",
                                            details: details)])
        }
        try await policy.reload()
        return started
    }

    /// Ends the evacuation `id`: locks again the doors it released (not those unlocked before it), and
    /// records the end with how many were never accounted for.
    package func end(_ id: UUID) async throws -> Evacuation {
        let actor = actor
        let ended: Evacuation = try await events.writeAudited { tx in
            guard let m = try await EvacuationModel.find(id, on: tx) else { throw Self.noEvacuation }
            guard m.endedAt == nil else {
                throw APIError(.conflict, code: "evacuation_ended", ja: "この避難はすでに終了しています。", en: "this evacuation has already ended")
            }
            let released = Set(try JSONList.decodeStored(m.releasedDoors, setting: "evacuation released_doors"))
            var unlocked = Set(try JSONList.decodeStored(try await SettingModel.find("emergency_unlocked", on: tx)?.value ?? "[]", setting: "emergency_unlocked"))
            unlocked.subtract(released)
            try await SettingModel.put("emergency_unlocked", JSONList.encode(unlocked.sorted()), on: tx)
            _ = try await PolicyLoader.bumpVersion(on: tx)
            m.endedAt = Date()
            m.endedBy = actor
            try await m.save(on: tx)
            let missing = try await MusterEntryModel.query(on: tx).filter(\.$evacuationID == id).filter(\.$accountedAt == nil).count()
            return (try Evacuation(m), [AuditDraft(kind: "site.evacuation.ended", actor: actor, subject: "evacuation:\(id.uuidString.lowercased())",
                                                   details: ["unaccounted": String(missing)])])
        }
        try await policy.reload()
        return ended
    }

    static let noEvacuation = APIError(.notFound, code: "no_such_evacuation", ja: "その避難の記録はありません。", en: "no such evacuation")

    /// The roll of evacuation `id`, by assembly point with the unaccounted first, each person's passage
    /// out of the premises since the start shown; recorded as looked at.
    package func roll(_ id: UUID) async throws -> (Evacuation, [MusterRoll.Group]) {
        guard let m = try await EvacuationModel.find(id, on: db) else { throw Self.noEvacuation }
        let evacuation = try Evacuation(m)
        let config = try await config()
        let current = await policy.current
        let rows = try await MusterEntryModel.query(on: db).filter(\.$evacuationID == id).all()
        let now = try await WhereaboutsStore.of(rows.map(\.employeeID), on: db)
        let entries = rows.map { r in
            let who = EmployeeID(rawValue: r.employeeID)
            // Any passage out of the premises after the one they were put on the roll by, even one
            // uploaded late from before the alarm.
            let left = now[who].flatMap { w in w.zone == nil && w.since > r.since ? w.since : nil }
            return MusterRoll.Entry(employee: who, zone: ZoneID(rawValue: r.zone), since: r.since, door: DoorID(rawValue: r.door),
                                    accountedAt: r.accountedAt, accountedBy: r.accountedBy, leftAt: left)
        }
        try await events.appendNow(AuditDraft(kind: "muster.viewed", actor: actor, subject: "evacuation:\(id.uuidString.lowercased())",
                                              details: ["people": String(entries.count)]))
        return (evacuation, MusterRoll.group(entries, points: config.points, order: { current.employees[$0]?.name ?? $0.rawValue }))
    }

    /// Ticks `employee` off as safe (or takes the tick back) on the roll of evacuation `id`, recorded.
    /// Refused once the evacuation has ended (409), and for someone not on the roll (404).
    package func account(_ id: UUID, employee: UUID, _ accounted: Bool) async throws {
        let actor = actor
        let who = employee.uuidString  // as EmployeeID writes it (PolicyLoader)
        try await events.writeAudited { tx in
            guard let m = try await EvacuationModel.find(id, on: tx) else { throw Self.noEvacuation }
            guard m.endedAt == nil else {
                throw APIError(.conflict, code: "evacuation_ended", ja: "この避難はすでに終了しています。", en: "this evacuation has already ended")
            }
            guard let e = try await MusterEntryModel.query(on: tx).filter(\.$evacuationID == id).filter(\.$employeeID == who).first() else {
                throw APIError(.notFound, code: "not_on_roll", ja: "この人は点呼名簿にいません。", en: "this person is not on the roll")
            }
            e.accountedAt = accounted ? Date() : nil
            e.accountedBy = accounted ? actor : nil
            try await e.save(on: tx)
            return ((), [AuditDraft(kind: accounted ? "muster.accounted" : "muster.unaccounted", actor: actor, subject: "employee:\(who)",
                                    details: ["evacuation": id.uuidString.lowercased()])])
        }
    }
}

extension Request {
    /// The roll call, acting as the signed-in user.
    package var muster: MusterService {
        MusterService(db: db, events: state.events, policy: state.policy, actor: auditActor)
    }
}
