import Access
import Attendance
import Fluent
import Foundation
import Store
import Vapor
import ServerCore

/// The company's attendance settings: calendar, working-time rules, the 36協定 numbers, retention and
/// the self-report margin. Stored as one JSON row in `settings` (key `attendance`), edited by an
/// administrator with `PUT /api/v1/attendance/settings`. Every field has the law's default, and a PUT
/// may give only the fields it changes.
public struct AttendanceSettings: Content, Sendable, Equatable {
    public static let settingKey = "attendance"

    // Calendar. Weekdays are 0 (Sunday) … 6 (Saturday); dates YYYY-MM-DD.
    public var weeklyDaysOff: [Int] = [0, 6]
    public var legalHoliday: Int = 0
    public var weekStart: Int = 0
    public var closedOnPublicHolidays = true
    public var companyHolidays: [String] = []
    public var extraWorkDays: [String] = []
    // Working time (minutes).
    public var dailyLimitMinutes = 480
    public var weeklyLimitMinutes = 2400
    public var scheduledDailyMinutes = 480
    public var scheduledStartMinute: Int?
    /// `statutory_minimum` or `inferred_only`.
    public var breakPolicy = BreakPolicy.statutoryMinimum.rawValue
    public var shiftContinuationMinutes = 180
    public var maximumIntervalMinutes = 1440
    /// 勤務間インターバル: the shortest rest between work days that is not flagged (0: none flagged).
    public var minimumRestMinutes = 660
    // 36協定 (minutes, except months).
    public var monthlyLimitMinutes = 45 * 60
    public var yearlyLimitMinutes = 360 * 60
    public var specialClause = false
    public var specialYearlyLimitMinutes = 720 * 60
    public var maxMonthsOverMonthlyLimit = 6
    public var monthlyCapMinutes = 100 * 60
    public var averageLimitMinutes = 80 * 60
    public var agreementYearStartMonth = 4
    public var warningRatio = 0.8
    public var workerNoticeMinutes = 80 * 60
    // Records and self-reports.
    public var retentionYears = 3
    public var selfReportMarginMinutes = 30
    /// 年次有給休暇: days before a grant year's end from which a person short of 5 days is warned.
    public var leaveWarningDays = AnnualLeaveDuty.defaultWarningDays
    /// PC logs: a PC start or end outside the door presence or the self-report by more than this is a gap.
    public var pcLogMarginMinutes = 30

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case weeklyDaysOff, legalHoliday, weekStart, closedOnPublicHolidays, companyHolidays, extraWorkDays
        case dailyLimitMinutes, weeklyLimitMinutes, scheduledDailyMinutes, scheduledStartMinute, breakPolicy
        case shiftContinuationMinutes, maximumIntervalMinutes, minimumRestMinutes
        case monthlyLimitMinutes, yearlyLimitMinutes, specialClause, specialYearlyLimitMinutes, maxMonthsOverMonthlyLimit
        case monthlyCapMinutes, averageLimitMinutes, agreementYearStartMonth, warningRatio, workerNoticeMinutes
        case retentionYears, selfReportMarginMinutes, leaveWarningDays, pcLogMarginMinutes
    }

    /// Missing fields keep their defaults (or, for a PUT, the stored values: see ``merged(with:)``).
    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // A key that is present must carry a value of its type: `null` is refused (422 from merged(with:)), never
        // read as "missing", which quietly reset a PUT's setting to the built-in default.
        func take<T: Decodable>(_ key: CodingKeys, _ into: inout T) throws { if c.contains(key) { into = try c.decode(T.self, forKey: key) } }
        try take(.weeklyDaysOff, &weeklyDaysOff); try take(.legalHoliday, &legalHoliday); try take(.weekStart, &weekStart)
        try take(.closedOnPublicHolidays, &closedOnPublicHolidays); try take(.companyHolidays, &companyHolidays)
        try take(.extraWorkDays, &extraWorkDays); try take(.dailyLimitMinutes, &dailyLimitMinutes)
        try take(.weeklyLimitMinutes, &weeklyLimitMinutes); try take(.scheduledDailyMinutes, &scheduledDailyMinutes)
        if c.contains(.scheduledStartMinute) { scheduledStartMinute = try c.decodeIfPresent(Int.self, forKey: .scheduledStartMinute) }
        try take(.breakPolicy, &breakPolicy); try take(.shiftContinuationMinutes, &shiftContinuationMinutes)
        try take(.maximumIntervalMinutes, &maximumIntervalMinutes); try take(.minimumRestMinutes, &minimumRestMinutes)
        try take(.monthlyLimitMinutes, &monthlyLimitMinutes)
        try take(.yearlyLimitMinutes, &yearlyLimitMinutes); try take(.specialClause, &specialClause)
        try take(.specialYearlyLimitMinutes, &specialYearlyLimitMinutes); try take(.maxMonthsOverMonthlyLimit, &maxMonthsOverMonthlyLimit)
        try take(.monthlyCapMinutes, &monthlyCapMinutes); try take(.averageLimitMinutes, &averageLimitMinutes)
        try take(.agreementYearStartMonth, &agreementYearStartMonth); try take(.warningRatio, &warningRatio)
        try take(.workerNoticeMinutes, &workerNoticeMinutes); try take(.retentionYears, &retentionYears)
        try take(.selfReportMarginMinutes, &selfReportMarginMinutes); try take(.leaveWarningDays, &leaveWarningDays)
        try take(.pcLogMarginMinutes, &pcLogMarginMinutes)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(weeklyDaysOff, forKey: .weeklyDaysOff); try c.encode(legalHoliday, forKey: .legalHoliday)
        try c.encode(weekStart, forKey: .weekStart); try c.encode(closedOnPublicHolidays, forKey: .closedOnPublicHolidays)
        try c.encode(companyHolidays, forKey: .companyHolidays); try c.encode(extraWorkDays, forKey: .extraWorkDays)
        try c.encode(dailyLimitMinutes, forKey: .dailyLimitMinutes); try c.encode(weeklyLimitMinutes, forKey: .weeklyLimitMinutes)
        try c.encode(scheduledDailyMinutes, forKey: .scheduledDailyMinutes); try c.encode(scheduledStartMinute, forKey: .scheduledStartMinute)
        try c.encode(breakPolicy, forKey: .breakPolicy); try c.encode(shiftContinuationMinutes, forKey: .shiftContinuationMinutes)
        try c.encode(maximumIntervalMinutes, forKey: .maximumIntervalMinutes); try c.encode(minimumRestMinutes, forKey: .minimumRestMinutes)
        try c.encode(monthlyLimitMinutes, forKey: .monthlyLimitMinutes)
        try c.encode(yearlyLimitMinutes, forKey: .yearlyLimitMinutes); try c.encode(specialClause, forKey: .specialClause)
        try c.encode(specialYearlyLimitMinutes, forKey: .specialYearlyLimitMinutes)
        try c.encode(maxMonthsOverMonthlyLimit, forKey: .maxMonthsOverMonthlyLimit); try c.encode(monthlyCapMinutes, forKey: .monthlyCapMinutes)
        try c.encode(averageLimitMinutes, forKey: .averageLimitMinutes); try c.encode(agreementYearStartMonth, forKey: .agreementYearStartMonth)
        try c.encode(warningRatio, forKey: .warningRatio); try c.encode(workerNoticeMinutes, forKey: .workerNoticeMinutes)
        try c.encode(retentionYears, forKey: .retentionYears); try c.encode(selfReportMarginMinutes, forKey: .selfReportMarginMinutes)
        try c.encode(leaveWarningDays, forKey: .leaveWarningDays); try c.encode(pcLogMarginMinutes, forKey: .pcLogMarginMinutes)
    }

    /// The problems that make these settings unusable (empty when valid), in English for the API.
    public var problems: [String] {
        var p: [String] = []
        let weekday = 0...6
        if !weeklyDaysOff.allSatisfy(weekday.contains) || !weekday.contains(legalHoliday) || !weekday.contains(weekStart) {
            p.append("weekdays are 0 (Sunday) to 6 (Saturday)")
        }
        if (companyHolidays + extraWorkDays).contains(where: { StrictDate.day($0) == nil }) { p.append("dates: \(StrictDate.dayRule)") }
        if !(60...1440).contains(dailyLimitMinutes) || !(60...10080).contains(weeklyLimitMinutes) || !(0...dailyLimitMinutes).contains(scheduledDailyMinutes) {
            p.append("daily limit 60–1440, weekly limit 60–10080, scheduled hours 0–daily limit (minutes)")
        }
        if let s = scheduledStartMinute, !(0..<1440).contains(s) { p.append("scheduledStartMinute is 0–1439 or null") }
        if BreakPolicy(rawValue: breakPolicy) == nil { p.append("breakPolicy is statutory_minimum or inferred_only") }
        if !(0...1440).contains(shiftContinuationMinutes) || !(60...2880).contains(maximumIntervalMinutes) { p.append("shiftContinuationMinutes 0–1440, maximumIntervalMinutes 60–2880") }
        if !(0...1440).contains(minimumRestMinutes) { p.append("minimumRestMinutes is 0–1440 (0: no rest is flagged)") }
        let minutes = [monthlyLimitMinutes, yearlyLimitMinutes, specialYearlyLimitMinutes, monthlyCapMinutes, averageLimitMinutes, workerNoticeMinutes]
        if minutes.contains(where: { $0 < 0 || $0 > 8760 * 60 }) { p.append("36協定 limits are minutes between 0 and a year") }
        if !(0...12).contains(maxMonthsOverMonthlyLimit) || !(1...12).contains(agreementYearStartMonth) { p.append("maxMonthsOverMonthlyLimit 0–12, agreementYearStartMonth 1–12") }
        if !(warningRatio > 0 && warningRatio <= 1) { p.append("warningRatio is above 0 and at most 1") }
        if !(1...50).contains(retentionYears) { p.append("retentionYears is 1–50 (the law asks for at least 3: 労基法109条, 143条)") }
        if !(0...1440).contains(selfReportMarginMinutes) { p.append("selfReportMarginMinutes is 0–1440") }
        if !(0...365).contains(leaveWarningDays) { p.append("leaveWarningDays is 0–365") }
        if !(0...240).contains(pcLogMarginMinutes) { p.append("pcLogMarginMinutes is 0–240") }
        return p
    }

    func calendar(holidays: HolidayCalendar) -> CompanyCalendar {
        CompanyCalendar(publicHolidays: holidays, weeklyDaysOff: Set(weeklyDaysOff.compactMap(Weekday.init(rawValue:))),
                        legalHoliday: Weekday(rawValue: legalHoliday) ?? .sunday, weekStart: Weekday(rawValue: weekStart) ?? .sunday,
                        closedOnPublicHolidays: closedOnPublicHolidays, companyHolidays: Set(companyHolidays.compactMap { CivilDate($0) }),
                        extraWorkDays: Set(extraWorkDays.compactMap { CivilDate($0) }))
    }

    var rules: WorkRules {
        WorkRules(dailyLimitMinutes: dailyLimitMinutes, weeklyLimitMinutes: weeklyLimitMinutes, scheduledDailyMinutes: scheduledDailyMinutes,
                  scheduledStartMinute: scheduledStartMinute, breakPolicy: BreakPolicy(rawValue: breakPolicy) ?? .statutoryMinimum)
    }

    var presenceRules: PresenceRules {
        PresenceRules(shiftContinuationMinutes: shiftContinuationMinutes, maximumIntervalMinutes: maximumIntervalMinutes, minimumRestMinutes: minimumRestMinutes)
    }

    var agreement: Agreement36 {
        Agreement36(monthlyLimitMinutes: monthlyLimitMinutes, yearlyLimitMinutes: yearlyLimitMinutes, specialClause: specialClause,
                    specialYearlyLimitMinutes: specialYearlyLimitMinutes, maxMonthsOverMonthlyLimit: maxMonthsOverMonthlyLimit,
                    monthlyCapMinutes: monthlyCapMinutes, averageLimitMinutes: averageLimitMinutes, yearStartMonth: agreementYearStartMonth,
                    warningRatio: warningRatio, workerNoticeMinutes: workerNoticeMinutes)
    }

    var retention: RetentionPolicy { RetentionPolicy(years: retentionYears) }

    /// The stored settings, or the defaults when none were ever saved. Stored settings that cannot be
    /// read are an error: the defaults in their place would silently change every overtime figure and
    /// 36協定 alert.
    public static func load(on db: any Database) async throws -> AttendanceSettings {
        guard let row = try await SettingModel.find(settingKey, on: db) else { return AttendanceSettings() }
        do {
            return try JSONDecoder().decode(AttendanceSettings.self, from: Data(row.value.utf8))
        } catch {
            // A 500 (logged) that says what to do; the decoder's words, which may quote the stored text,
            // are not sent to the client.
            throw APIError(.internalServerError, code: "stored_settings_unreadable",
                           ja: "保存されている勤怠設定を読み取れません。設定を保存し直してください。",
                           en: "the stored attendance settings cannot be read; save them again")
        }
    }

    public func save(on db: any Database) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try await SettingModel.put(Self.settingKey, String(decoding: try encoder.encode(self), as: UTF8.self), on: db)
    }

    /// These settings with the fields present in `json` replaced (a partial PUT).
    func merged(with json: Data) throws -> AttendanceSettings {
        let encoder = JSONEncoder()
        var current = try JSONSerialization.jsonObject(with: encoder.encode(self)) as? [String: Any] ?? [:]
        // Not JSON, or not an object: the client's mistake (400), never a server error.
        guard let changes = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else { throw Abort(.badRequest, reason: "the body is a JSON object") }
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        // The reason names no key: an error text never repeats what the client sent (ContractRegressionTests).
        if changes.keys.contains(where: { !known.contains($0) }) { throw Abort(.unprocessableEntity, reason: "a field in the body is not a known setting") }
        for (k, v) in changes { current[k] = v }
        do {
            return try JSONDecoder().decode(AttendanceSettings.self, from: JSONSerialization.data(withJSONObject: current))
        } catch {
            throw Abort(.unprocessableEntity, reason: "a setting has the wrong type")
        }
    }
}

/// Settings turned into the domain's values, with the public holidays from the `holidays` table.
public struct AttendanceContext: Sendable {
    public var settings: AttendanceSettings
    public var calendar: CompanyCalendar
    public var rules: WorkRules
    public var presenceRules: PresenceRules
    public var agreement: Agreement36
    /// Names the settings and holidays this context was loaded from, so figures computed with it can be
    /// kept and known again (``MonthFiguresCache``); `nil` for a context made in code, whose figures are
    /// never kept.
    public var key: String?

    public init(settings: AttendanceSettings, calendar: CompanyCalendar, rules: WorkRules, presenceRules: PresenceRules, agreement: Agreement36, key: String? = nil) {
        self.settings = settings
        self.calendar = calendar
        self.rules = rules
        self.presenceRules = presenceRules
        self.agreement = agreement
        self.key = key
    }

    public static func load(on db: any Database) async throws -> AttendanceContext {
        let settings = try await AttendanceSettings.load(on: db)
        var holidays = HolidayCalendar()
        var rows: [(String, String)] = []
        for h in try await HolidayModel.query(on: db).all() {
            // A stored holiday whose day cannot be read is an error, not a working day.
            guard let key = h.id, let d = CivilDate(key) else {
                throw StoredConfigurationError(what: "holiday", id: h.id ?? "", field: "date")
            }
            holidays.add(d, name: h.name)
            rows.append((key, h.name))
        }
        return AttendanceContext(settings: settings, calendar: settings.calendar(holidays: holidays), rules: settings.rules,
                                 presenceRules: settings.presenceRules, agreement: settings.agreement,
                                 key: MonthFiguresCache.key(settings: settings, holidays: rows))
    }
}
