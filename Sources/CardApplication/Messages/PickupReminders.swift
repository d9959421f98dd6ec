import Access

/// When to remind people to pick up their card.
public struct PickupReminderPolicy: Sendable, Hashable, Codable {
    /// Remind when the notice arrived this many days ago or more. The seed asks companies to remind
    /// employees to pick up the card once the notice arrives; how soon is the company's choice.
    public var afterDays: Int
    /// Remind again every this many days while the card is not picked up; `nil` reminds once.
    public var repeatEveryDays: Int?

    public init(afterDays: Int = 14, repeatEveryDays: Int? = 14) {
        self.afterDays = max(0, afterDays)
        self.repeatEveryDays = repeatEveryDays.map { max(1, $0) }
    }
}

/// Someone to remind.
public struct PickupReminderDue: Sendable, Hashable, Codable {
    public var application: ApplicationID
    public var employee: EmployeeID
    public var noticeDate: CivilDate
    public var daysWaiting: Int
    /// Reminders already sent.
    public var remindersSent: Int
}

/// Finds the employees whose notice arrived and who have not received the card.
public enum PickupReminders {
    /// The reminders due on `today` (a day in Japan), longest waiting first. After sending one, apply
    /// ``ApplicationEvent/reminderSent`` so it is not sent again before ``PickupReminderPolicy/repeatEveryDays``.
    public static func due(_ applications: [ApplicationRecord], today: CivilDate, policy: PickupReminderPolicy = .init()) -> [PickupReminderDue] {
        var out: [PickupReminderDue] = []
        for a in applications where a.stage == .noticeReceived {
            guard let noticeAt = a.date(of: .noticeReceived) else { continue }
            let notice = CivilDate.japan(noticeAt)
            let waiting = notice.days(until: today)
            guard waiting >= policy.afterDays else { continue }
            // Only reminders sent after this notice count (the notice may have been recorded again).
            let sent = a.reminders.filter { $0 >= noticeAt }
            if let last = sent.last {
                guard let every = policy.repeatEveryDays, CivilDate.japan(last).days(until: today) >= every else { continue }
            }
            out.append(PickupReminderDue(application: a.id, employee: a.employee, noticeDate: notice, daysWaiting: waiting, remindersSent: sent.count))
        }
        return out.sorted { ($0.daysWaiting, $1.application.rawValue) > ($1.daysWaiting, $0.application.rawValue) }
    }
}
