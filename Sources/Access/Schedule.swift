/// A time window within one day, in minutes since local midnight: `[start, end)`.
public struct TimeWindow: Sendable, Hashable, Codable {
    public var start: Int
    public var end: Int

    /// A window from `start` to `end` minutes; `end` may be 1440 (midnight at the end of the day).
    public init(start: Int, end: Int) {
        self.start = max(0, min(start, 1440))
        self.end = max(0, min(end, 1440))
    }

    /// `"08:00-18:30"`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 2, let a = TimeWindow.minutes(parts[0]), let b = TimeWindow.minutes(parts[1]), a < b else { return nil }
        self.init(start: a, end: b)
    }

    public func contains(minute: Int) -> Bool { minute >= start && minute < end }

    static func minutes(_ s: Substring) -> Int? {
        let hm = s.split(separator: ":")
        guard hm.count == 2, let h = Int(hm[0]), let m = Int(hm[1]), (0...24).contains(h), (0...59).contains(m), h * 60 + m <= 1440 else { return nil }
        return h * 60 + m
    }
}

/// When an access group may pass: windows per weekday, and what public holidays mean.
public struct WeeklySchedule: Sendable, Hashable, Codable, Identifiable {
    /// What a public holiday (国民の祝日) does to the schedule.
    public enum HolidayRule: String, Sendable, Hashable, Codable {
        /// No access on holidays.
        case closed
        /// Holidays follow Sunday's windows.
        case likeSunday
        /// Holidays are ignored: the weekday's windows apply.
        case ignore
    }

    public var id: ScheduleID
    public var name: String
    public var windows: [Weekday: [TimeWindow]]
    public var holidays: HolidayRule

    public init(id: ScheduleID, name: String, windows: [Weekday: [TimeWindow]], holidays: HolidayRule = .closed) {
        self.id = id
        self.name = name
        self.windows = windows
        self.holidays = holidays
    }

    private enum CodingKeys: String, CodingKey { case id, name, windows, holidays }

    /// Writes `windows` in day order, in the form the synthesized encoding gives a dictionary keyed by
    /// an enum (day, windows, day, windows …): a dictionary's order follows its history, so equal
    /// schedules encoded to different bytes — and the door snapshot is signed and compared as bytes
    /// (found by the FuzzDoorSnapshot target on a seed).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        var w = c.nestedUnkeyedContainer(forKey: .windows)
        for (day, list) in windows.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            try w.encode(day)
            try w.encode(list)
        }
        try c.encode(holidays, forKey: .holidays)
    }

    /// Round the clock, every day, holidays included.
    public static func always(id: ScheduleID = "always") -> WeeklySchedule {
        WeeklySchedule(id: id, name: "24/7", windows: Dictionary(uniqueKeysWithValues: Weekday.allCases.map { ($0, [TimeWindow(start: 0, end: 1440)]) }), holidays: .ignore)
    }

    /// Why the schedule does or does not allow `time`.
    public func allows(_ time: JapanTime, holidays calendar: HolidayCalendar) -> ScheduleVerdict {
        var day = time.date.weekday
        if let holiday = calendar.name(of: time.date) {
            switch holidays {
            case .closed: return .closedForHoliday(holiday)
            case .likeSunday: day = .sunday
            case .ignore: break
            }
        }
        return (windows[day] ?? []).contains { $0.contains(minute: time.minuteOfDay) } ? .open : .outsideWindows
    }
}

/// The schedule's answer for one instant.
public enum ScheduleVerdict: Sendable, Hashable {
    case open
    case outsideWindows
    case closedForHoliday(String)
}
