/// How a dependent is related to the employee who gives their number.
///
/// The relation is recorded with every dependent's number: it decides which purposes apply
/// (``Purpose/applies(to:)``) and is shown on the employee's own view. Raw values are stable codes.
public enum DependentRelation: String, Sendable, Hashable, Codable, CaseIterable, Bilingual {
    case spouse
    case child
    case parent
    case grandparent
    case grandchild
    case sibling
    /// Another relative within the sixth degree (その他の親族, 所得税法2条1項34号).
    case otherRelative = "other_relative"

    public var japanese: String {
        switch self {
        case .spouse: return "配偶者"
        case .child: return "子"
        case .parent: return "父母"
        case .grandparent: return "祖父母"
        case .grandchild: return "孫"
        case .sibling: return "兄弟姉妹"
        case .otherRelative: return "その他の親族"
        }
    }

    public var english: String {
        switch self {
        case .spouse: return "Spouse"
        case .child: return "Child"
        case .parent: return "Parent"
        case .grandparent: return "Grandparent"
        case .grandchild: return "Grandchild"
        case .sibling: return "Sibling"
        case .otherRelative: return "Other relative"
        }
    }
}

/// Whose number it is, seen from the employee who gives it: the employee's own, or a dependent's.
public enum SubjectRole: Sendable, Hashable, Codable, Bilingual {
    case employee
    case dependent(DependentRelation)

    /// The relation, for a dependent.
    public var relation: DependentRelation? {
        if case .dependent(let r) = self { return r }
        return nil
    }

    public var japanese: String {
        switch self {
        case .employee: return "本人"
        case .dependent(let r): return "扶養親族（\(r.japanese)）"
        }
    }

    public var english: String {
        switch self {
        case .employee: return "The employee"
        case .dependent(let r): return "Dependent (\(r.english.lowercased()))"
        }
    }
}
