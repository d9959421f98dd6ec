import Access

/// How long a document that carries a number must be kept, and from when.
public enum RetentionRule: Sendable, Hashable, Codable {
    /// Kept through the document's filing deadline; no retention after it.
    case throughFilingDeadline
    /// Kept `years` years from 11 January of the year after the filing deadline's year
    /// (所得税法施行規則76条の3).
    case yearsFromJanuary11AfterDeadlineYear(Int)
    /// Kept `years` years from the day after the document's completion (完結の日; 民法140条).
    case yearsAfterCompletion(Int)

    /// The last day a document must be kept, or `nil` when it cannot be known yet (an insurance form
    /// not complete while the person is still insured).
    public func retainedThrough(_ document: RetainedDocument) -> CivilDate? {
        switch self {
        case .throughFilingDeadline:
            return document.filingDeadline
        case .yearsFromJanuary11AfterDeadlineYear(let n):
            guard let d = document.filingDeadline else { return nil }
            return CivilDate(year: d.year + 1, month: 1, day: 11).lastDayOfPeriod(years: n)
        case .yearsAfterCompletion(let n):
            guard let c = document.completedOn else { return nil }
            return c.adding(days: 1).lastDayOfPeriod(years: n)
        }
    }
}

/// A document made with a number, as the retention planner needs it: its purpose and dates — not its
/// contents.
public struct RetainedDocument: Sendable, Hashable, Codable {
    public var purpose: Purpose
    /// 提出期限: for 扶養控除等申告書 the day before the year's first pay day; for 源泉徴収票・給与支払報告書
    /// 31 January of the year after the payment year.
    public var filingDeadline: CivilDate?
    /// 完結の日 for the insurance forms: the day the insured status the form concerns ended. `nil` while
    /// it continues; the planner then uses the day after the end of employment.
    public var completedOn: CivilDate?

    public init(purpose: Purpose, filingDeadline: CivilDate? = nil, completedOn: CivilDate? = nil) {
        self.purpose = purpose
        self.filingDeadline = filingDeadline
        self.completedOn = completedOn
    }
}

/// The retention rules per purpose and the grace allowed for disposal.
public struct RetentionPolicy: Sendable, Hashable, Codable {
    public var rules: [Purpose: RetentionRule]
    /// Days allowed between "may be disposed of" and "must be disposed of".
    public var disposalGraceDays: Int

    public init(rules: [Purpose: RetentionRule], disposalGraceDays: Int) {
        self.rules = rules
        self.disposalGraceDays = disposalGraceDays
    }

    /// The rules MynaGate applies by default, with their sources:
    ///
    /// - **扶養控除等申告書**: 7 years from 11 January of the year after the year of the filing deadline
    ///   (所得税法施行規則76条の3; 国税庁 FAQ Q1-19). The vault's copy of the number stands for the
    ///   帳簿 that lets later declarations omit it, which must be kept as long as the last declaration
    ///   (国税庁 FAQ Q1-3-7).
    /// - **源泉徴収票・給与支払報告書**: no law obliges the employer to keep its copy; the number is needed
    ///   until the last filing: 31 January of the year after the payment year (所得税法226条1項,
    ///   地方税法317条の6). Stricter reading: nothing is kept after that deadline.
    /// - **健康保険・厚生年金保険**: 2 years from completion (健康保険法施行規則34条,
    ///   厚生年金保険法施行規則28条).
    /// - **雇用保険**: 4 years from completion. 雇用保険法施行規則143条 gives 2 years for 雇用保険に関する書類
    ///   but 4 for 被保険者に関する書類; the 資格取得届/喪失届 that carry the number concern the insured
    ///   person, so the stricter 4 years applies.
    /// - **国民年金第3号被保険者関係届**: no retention rule for the employer's copy was found; it is made and
    ///   sent together with the health insurance 被扶養者(異動)届 (国民年金法12条6項), so it is kept like
    ///   it: 2 years from completion (by analogy to 健康保険法施行規則34条 / 厚生年金保険法施行規則28条).
    /// - **Grace**: the PPC guideline 事業者編 第4-3-(3)B requires deletion "できるだけ速やかに" and its Q&A
    ///   lets a business choose the timing (e.g. a yearly batch at the end of the fiscal year). MynaGate
    ///   takes the stricter reading: 30 days after a number may be disposed of, it must be.
    public static let statutory = RetentionPolicy(
        rules: [
            .withholdingSlip: .throughFilingDeadline,
            .dependentDeductionDeclaration: .yearsFromJanuary11AfterDeadlineYear(7),
            .healthAndPensionInsurance: .yearsAfterCompletion(2),
            .employmentInsurance: .yearsAfterCompletion(4),
            .nationalPensionCategory3: .yearsAfterCompletion(2),
        ],
        disposalGraceDays: 30
    )

    /// The document deemed to exist for `purpose` when the need for a number ended on `end`: the last
    /// one that would have been made. Stricter reading: the planner assumes it was made even if it is
    /// not listed, so a number is never disposed of while a document that carries it must be kept.
    ///
    /// - 源泉徴収票・給与支払報告書 for the year of leaving: deadline 31 January of the next year.
    /// - 扶養控除等申告書 for the year of leaving: a deadline in that year.
    /// - Insurance forms: complete on the day after the last day of employment, the day the insured status
    ///   is lost (健康保険法36条, 厚生年金保険法14条; 雇用保険 likewise 離職日の翌日).
    public static func deemedFinalDocument(for purpose: Purpose, endOfNeed end: CivilDate) -> RetainedDocument {
        switch purpose {
        case .withholdingSlip:
            return RetainedDocument(purpose: purpose, filingDeadline: CivilDate(year: end.year + 1, month: 1, day: 31))
        case .dependentDeductionDeclaration:
            return RetainedDocument(purpose: purpose, filingDeadline: end)
        case .healthAndPensionInsurance, .employmentInsurance, .nationalPensionCategory3:
            return RetainedDocument(purpose: purpose, completedOn: end.adding(days: 1))
        }
    }
}
