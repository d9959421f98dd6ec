import Access
import Fluent
import SQLKit
import Foundation

/// Builds the in-memory ``AccessPolicy`` from the database, and bumps its version on every change.
///
/// Servers that share one PostgreSQL notice a change by reading the `policy_version` setting (a cheap
/// primary-key read), so each keeps its in-memory policy current within its polling interval.
public enum PolicyLoader {
    public static let versionKey = "policy_version"

    /// - Parameter migrating: set by a migration that runs before ``AddGenuineCardColumns``: the
    ///   credentials and doors are read without the columns it adds (a query naming them would fail).
    public static func load(on db: any Database, migrating: Bool = false) async throws -> AccessPolicy {
        let version = try await currentVersion(on: db)
        let employees = try await EmployeeModel.query(on: db).all().compactMap { m -> Employee? in
            guard let id = m.id else { return nil }
            return Employee(
                id: EmployeeID(rawValue: id.uuidString), employeeNumber: m.employeeNumber, name: m.name, department: m.department,
                status: Employee.Status(rawValue: m.status) ?? .retired, validFrom: m.validFrom, validUntil: m.validUntil,
                groups: Set(JSONList.decode(m.groups).map(GroupID.init(rawValue:))))
        }
        var credentialQuery = CredentialModel.query(on: db)
        var doorQuery = DoorModel.query(on: db)
        if migrating {
            credentialQuery = credentialQuery.field(\.$id).field(\.$employeeID).field(\.$kind).field(\.$issuer).field(\.$serial)
                .field(\.$notBefore).field(\.$notAfter).field(\.$state).field(\.$suspensionReason).field(\.$stateChangedAt)
            doorQuery = doorQuery.field(\.$id).field(\.$name).field(\.$fromZone).field(\.$toZone).field(\.$securityLevel)
        }
        let credentials = try await credentialQuery.all().map(credential(from:))
        let zones = try await ZoneModel.query(on: db).all().compactMap { m -> Zone? in
            guard let id = m.id else { return nil }
            return Zone(id: ZoneID(rawValue: id), name: m.name, isWorkplaceBoundary: m.workplaceBoundary, isMyNumberHandlingArea: m.myNumberArea,
                        antiPassback: Zone.AntiPassback(rawValue: m.antiPassback) ?? .off)
        }
        let doors = try await doorQuery.all().compactMap { m -> Door? in
            guard let id = m.id else { return nil }
            return Door(id: DoorID(rawValue: id), name: m.name, from: m.fromZone.map(ZoneID.init(rawValue:)), to: m.toZone.map(ZoneID.init(rawValue:)),
                        securityLevel: m.securityLevel.map { SecurityLevel(rawValue: $0) ?? .pin }, keylessAdmitUntil: m.keylessAdmitUntil,
                        schedule: m.scheduleID.map(ScheduleID.init(rawValue:)))
        }
        let groups = try await AccessGroupModel.query(on: db).all().compactMap { m -> AccessGroup? in
            guard let id = m.id else { return nil }
            let grants = try GrantJSON.decodeList(m.grants, group: id)
            return AccessGroup(id: GroupID(rawValue: id), name: m.name, grants: grants.map { .init(zone: ZoneID(rawValue: $0.zone), schedule: ScheduleID(rawValue: $0.schedule)) })
        }
        let schedules = try await ScheduleModel.query(on: db).all().compactMap { m -> WeeklySchedule? in
            guard let id = m.id else { return nil }
            return WeeklySchedule(id: ScheduleID(rawValue: id), name: m.name, windows: try ScheduleJSON.decode(m.windows, schedule: id),
                                  holidays: WeeklySchedule.HolidayRule(rawValue: m.holidayRule) ?? .closed)
        }
        var holidays = HolidayCalendar()
        for h in try await HolidayModel.query(on: db).all() {
            if let id = h.id, let date = CivilDate(id) { holidays.add(date, name: h.name) }
        }
        let settings = try await SettingModel.query(on: db).all()
        let lockdown = settings.first { $0.id == "lockdown" }?.value == "true"
        let unlocked = Set(try JSONList.decodeStored(settings.first { $0.id == "emergency_unlocked" }?.value ?? "[]", setting: "emergency_unlocked")
            .map(DoorID.init(rawValue:)))
        return AccessPolicy(version: version, employees: employees, credentials: credentials, doors: doors, zones: zones, groups: groups,
                            schedules: schedules, holidays: holidays, lockdown: lockdown, emergencyUnlocked: unlocked)
    }

    public static func credential(from m: CredentialModel) -> Credential {
        let state: Credential.State
        switch m.state {
        case "active": state = .active
        case "suspended":
            state = .suspended(reason: Credential.SuspensionReason(rawValue: m.suspensionReason ?? "") ?? .securityOfficer, at: m.stateChangedAt ?? Date(timeIntervalSince1970: 0))
        default: state = .retired(at: m.stateChangedAt ?? Date(timeIntervalSince1970: 0))
        }
        return Credential(
            key: CredentialKey(kind: CredentialKey.Kind(rawValue: m.kind) ?? .jpkiAuth, issuer: m.issuer, serial: m.serial),
            employee: EmployeeID(rawValue: m.employeeID.uuidString), publicKey: [], cardKey: m.cardKey.map { Array($0) }, notBefore: m.notBefore, notAfter: m.notAfter, state: state)
    }

    /// The current policy version (0 before any change).
    public static func currentVersion(on db: any Database) async throws -> Int {
        Int(try await SettingModel.find(versionKey, on: db)?.value ?? "0") ?? 0
    }

    /// Records that the policy changed, so every server reloads it, and returns the new version.
    ///
    /// One atomic `UPDATE … RETURNING` on the counter row, never read-then-write: two servers bumping at
    /// once get two different versions. Inside a transaction the row stays locked until commit (SQLite
    /// has one writer; PostgreSQL holds the row lock), so versions are handed out in commit order and a
    /// reader who sees version V also sees every change stamped V or lower — which is what door
    /// snapshot deltas (``CredentialVersionStamp``) rely on.
    @discardableResult
    public static func bumpVersion(on db: any Database) async throws -> Int {
        try await increment(versionKey, on: db)
    }

    /// Atomically adds one to the integer setting `key` (created at 1) and returns the new value.
    public static func increment(_ key: String, on db: any Database) async throws -> Int {
        guard let sql = db as? any SQLDatabase else {
            // Not an SQL database (never in MynaGate's configurations): read-then-write is all there is.
            let next = (Int(try await SettingModel.find(key, on: db)?.value ?? "0") ?? 0) + 1
            if let s = try await SettingModel.find(key, on: db) { s.value = String(next); try await s.save(on: db) }
            else { try await SettingModel(key: key, value: String(next)).create(on: db) }
            return next
        }
        struct Row: Decodable { var value: String }
        let updated = try await sql.raw("""
            UPDATE \(ident: SettingModel.schema) SET \(ident: "value") = CAST(CAST(\(ident: "value") AS INTEGER) + 1 AS TEXT) \
            WHERE \(ident: "key") = \(bind: key) RETURNING \(ident: "value")
            """).first(decoding: Row.self)
        if let updated, let v = Int(updated.value) { return v }
        // First use: create the row, racing other servers safely; then increment as above.
        try await sql.raw("""
            INSERT INTO \(ident: SettingModel.schema) (\(ident: "key"), \(ident: "value")) VALUES (\(bind: key), '0') \
            ON CONFLICT (\(ident: "key")) DO NOTHING
            """).run()
        let row = try await sql.raw("""
            UPDATE \(ident: SettingModel.schema) SET \(ident: "value") = CAST(CAST(\(ident: "value") AS INTEGER) + 1 AS TEXT) \
            WHERE \(ident: "key") = \(bind: key) RETURNING \(ident: "value")
            """).first(decoding: Row.self)
        guard let row, let v = Int(row.value) else { throw SettingCounterError(key: key) }
        return v
    }
}

/// A counter setting could not be incremented (its row holds something other than an integer).
public struct SettingCounterError: Error, CustomStringConvertible {
    public var key: String
    public var description: String { "the setting \(key) is not an integer counter" }
}

/// A grant as stored: `{"zone": "office", "schedule": "business"}`.
public struct GrantJSON: Codable, Sendable, Hashable {
    public var zone: String
    public var schedule: String
    public init(zone: String, schedule: String) {
        self.zone = zone
        self.schedule = schedule
    }

    /// A group's stored grants — the one reader of them (policy, API, pages). Text that is not such a
    /// list throws: read as "no grants" it would silently lock a group out, and on the way back through
    /// the API be saved as empty.
    public static func decodeList(_ text: String, group: String) throws -> [GrantJSON] {
        do { return try JSONDecoder().decode([GrantJSON].self, from: Data(text.utf8)) } catch {
            throw StoredConfigurationError(what: "group", id: group, field: "grants")
        }
    }
}

/// A stored access-configuration value (a group's grants, a schedule's windows) that cannot be read: the
/// database was edited by hand or written by another version. The policy is then not loaded (the server
/// keeps its last good one and says so on `/health`), and the API and pages answer 500 naming the record
/// — never a default in its place. Names only ids the administrator chose, never the stored text.
public struct StoredConfigurationError: Error, CustomStringConvertible, Sendable {
    public var what: String
    public var id: String
    public var field: String
    public var description: String { "the stored \(field) of \(what) \(id) cannot be read" }

    public init(what: String, id: String, field: String) {
        (self.what, self.id, self.field) = (what, id, field)
    }
}

/// Weekly windows as stored: `{"monday": ["08:00-20:00"], …}`.
public enum ScheduleJSON {
    static let names: [Weekday: String] = [.sunday: "sunday", .monday: "monday", .tuesday: "tuesday", .wednesday: "wednesday",
                                           .thursday: "thursday", .friday: "friday", .saturday: "saturday"]

    /// A schedule's stored windows as written (`{"monday": ["08:00-20:00"], …}`) — the one reader of
    /// them. Text that is not such a map, an unknown day or a window that is not `HH:MM-HH:MM` throws
    /// (``StoredConfigurationError``): read as "no windows" the schedule would silently close.
    public static func decodeRaw(_ text: String, schedule: String) throws -> [String: [String]] {
        guard let raw = try? JSONDecoder().decode([String: [String]].self, from: Data(text.utf8)), isValid(raw) else {
            throw StoredConfigurationError(what: "schedule", id: schedule, field: "windows")
        }
        return raw
    }

    /// The stored windows by weekday (``decodeRaw(_:schedule:)``, then parsed).
    public static func decode(_ text: String, schedule: String) throws -> [Weekday: [TimeWindow]] {
        let raw = try decodeRaw(text, schedule: schedule)
        var out: [Weekday: [TimeWindow]] = [:]
        for (day, name) in names { out[day] = (raw[name] ?? []).compactMap(TimeWindow.init) }
        return out
    }

    public static func encode(_ windows: [String: [String]]) -> String {
        let e = JSONEncoder()
        e.outputFormatting = .sortedKeys
        return (try? String(decoding: e.encode(windows), as: UTF8.self)) ?? "{}"
    }

    /// Whether `windows` names only weekdays and valid `HH:MM-HH:MM` windows.
    public static func isValid(_ windows: [String: [String]]) -> Bool {
        windows.allSatisfy { day, list in names.values.contains(day) && list.allSatisfy { TimeWindow($0) != nil } }
    }
}
