import Access
import Foundation

/// Where a month's figures are heading, from the month so far.
public enum Forecast {
    /// Linear by scheduled work days: figures so far × (work days in the month ÷ work days elapsed).
    ///
    /// Why work days and not calendar days: overtime accrues on work days, so a month with its holidays
    /// at the end (Golden Week, New Year) would be underestimated by calendar days. Holiday work is not
    /// projected (it is scheduled, not a rate); it stays as recorded. With no work day elapsed the
    /// figures are returned as they are.
    public static func linear(_ soFar: MonthFigures, month: YearMonth, through date: CivilDate, calendar: CompanyCalendar) -> MonthFigures {
        linear(soFar, elapsedWorkDays: calendar.workDays(in: month, through: date), totalWorkDays: calendar.workDays(in: month))
    }

    public static func linear(_ soFar: MonthFigures, elapsedWorkDays: Int, totalWorkDays: Int) -> MonthFigures {
        guard elapsedWorkDays > 0, totalWorkDays > elapsedWorkDays else { return soFar }
        func scale(_ v: Int) -> Int { (v * totalWorkDays + elapsedWorkDays - 1) / elapsedWorkDays }
        return MonthFigures(overtimeMinutes: scale(soFar.overtimeMinutes), holidayMinutes: soFar.holidayMinutes,
                            workedMinutes: scale(soFar.workedMinutes - soFar.holidayMinutes) + soFar.holidayMinutes)
    }
}
