/// The purposes for which MynaGate collects and uses a My Number: the company's 個人番号関係事務 for its
/// employees and their dependents (番号法9条3項, PPC guideline 事業者編 第4-1-(1)).
///
/// The list is fixed on purpose. A purpose must be stated and notified when a number is collected and can
/// never be widened later, even with consent (番号法15条・19条, 個人情報保護法21条; PPC guideline
/// 事業者編 第4-1-(1)-①), so there is no "other" case and no way to add one at run time.
///
/// The raw values are stable codes for storage and APIs: never rename them.
public enum Purpose: String, Sendable, Hashable, Codable, CaseIterable, Comparable, Bilingual {
    /// 源泉徴収票・給与支払報告書 (所得税法226条, 地方税法317条の6).
    case withholdingSlip = "withholding_slip"
    /// 給与所得者の扶養控除等(異動)申告書 (所得税法194条).
    case dependentDeductionDeclaration = "dependent_deduction_declaration"
    /// 健康保険・厚生年金保険の届出 (資格取得・喪失届, 被扶養者(異動)届).
    case healthAndPensionInsurance = "health_pension_insurance"
    /// 雇用保険の届出 (資格取得・喪失届).
    case employmentInsurance = "employment_insurance"
    /// 国民年金第3号被保険者関係届 (国民年金法12条5項・6項: the spouse's notification, made through the employer).
    case nationalPensionCategory3 = "national_pension_category3"

    public var japanese: String {
        switch self {
        case .withholdingSlip: return "源泉徴収票・給与支払報告書"
        case .dependentDeductionDeclaration: return "扶養控除等申告書"
        case .healthAndPensionInsurance: return "健康保険・厚生年金保険"
        case .employmentInsurance: return "雇用保険"
        case .nationalPensionCategory3: return "国民年金第3号被保険者"
        }
    }

    public var english: String {
        switch self {
        case .withholdingSlip: return "Withholding tax slip and salary payment report"
        case .dependentDeductionDeclaration: return "Declaration for exemption of dependents"
        case .healthAndPensionInsurance: return "Health insurance and employees' pension insurance"
        case .employmentInsurance: return "Employment insurance"
        case .nationalPensionCategory3: return "National Pension category 3 insured person"
        }
    }

    /// Whether a number may be collected for this purpose from a person in `role`.
    ///
    /// - 雇用保険: only the employee is insured; dependents never appear on its forms.
    /// - 国民年金第3号被保険者: only a spouse can be a category 3 insured person (国民年金法7条1項3号);
    ///   the employee's own number appears on the same notification as the category 2 insured spouse.
    /// - The tax forms and the health insurance dependant notification (被扶養者(異動)届) carry the
    ///   dependents' numbers.
    public func applies(to role: SubjectRole) -> Bool {
        switch (self, role) {
        case (_, .employee): return true
        case (.employmentInsurance, .dependent): return false
        case (.nationalPensionCategory3, .dependent(let relation)): return relation == .spouse
        case (.withholdingSlip, .dependent), (.dependentDeductionDeclaration, .dependent),
             (.healthAndPensionInsurance, .dependent):
            return true
        }
    }

    public static func < (a: Purpose, b: Purpose) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
