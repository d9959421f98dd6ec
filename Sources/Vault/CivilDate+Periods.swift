import Access

extension CivilDate {
    /// The last day of a period of `years` years whose first day is `self`, counted as the Civil Code
    /// counts (民法143条): the period ends on the day before the day corresponding to its first day; when
    /// that year's month has no corresponding day (a period starting on 29 February), it ends on the
    /// last day of that month.
    ///
    /// The caller applies 民法140条 (the first day is not counted) by passing the day after the event:
    /// "完結の日から2年間" starts the day after completion.
    public func lastDayOfPeriod(years: Int) -> CivilDate {
        let y = year + years
        let days = CivilDate.daysIn(month: month, year: y)
        if day <= days { return CivilDate(year: y, month: month, day: day).adding(days: -1) }
        return CivilDate(year: y, month: month, day: days)
    }
}
