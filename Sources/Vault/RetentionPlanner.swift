import Access

/// What the planner knows about one stored number: never the number itself.
public struct StoredNumberMetadata: Sendable, Hashable, Codable {
    public var record: NumberRecordID
    /// The employee whose record this is (for a dependent, the employee who gave it).
    public var employee: EmployeeID
    public var role: SubjectRole
    public var purposes: Set<Purpose>
    /// Documents made with the number.
    public var documents: [RetainedDocument]
    /// The employee's last day of employment, once known.
    public var employmentEnd: CivilDate?
    /// For a dependent: the last day they were a dependent, once known.
    public var dependencyEnd: CivilDate?
    public var legalHold: LegalHold?

    public init(
        record: NumberRecordID, employee: EmployeeID, role: SubjectRole, purposes: Set<Purpose>,
        documents: [RetainedDocument] = [], employmentEnd: CivilDate? = nil, dependencyEnd: CivilDate? = nil,
        legalHold: LegalHold? = nil
    ) {
        self.record = record
        self.employee = employee
        self.role = role
        self.purposes = purposes
        self.documents = documents
        self.employmentEnd = employmentEnd
        self.dependencyEnd = dependencyEnd
        self.legalHold = legalHold
    }

    /// The last day the number is needed for new work: the end of employment, or for a dependent the
    /// earlier of that and the end of dependency. `nil` while still needed.
    public var endOfNeed: CivilDate? {
        switch role {
        case .employee: return employmentEnd
        case .dependent: return [employmentEnd, dependencyEnd].compactMap { $0 }.min()
        }
    }
}

/// Where a number stands on a given day.
public enum DisposalStatus: Sendable, Hashable, Bilingual {
    /// Still needed (the person is employed / still a dependent).
    case inUse
    /// Must be kept through `through`.
    case retained(through: CivilDate)
    /// May and should be disposed of, at the latest by `mustBy`.
    case due(mustBy: CivilDate)
    /// The deadline `mustBy` has passed.
    case overdue(mustBy: CivilDate)
    /// A legal hold pauses disposal.
    case onHold

    public var japanese: String {
        switch self {
        case .inUse: return "利用中"
        case .retained(let d): return "保存期間中（\(d)まで）"
        case .due(let d): return "廃棄対象（\(d)までに廃棄）"
        case .overdue(let d): return "廃棄期限超過（期限\(d)）"
        case .onHold: return "法的保全により廃棄停止中"
        }
    }

    public var english: String {
        switch self {
        case .inUse: return "In use"
        case .retained(let d): return "Retained through \(d)"
        case .due(let d): return "Due for disposal by \(d)"
        case .overdue(let d): return "Overdue for disposal (deadline \(d))"
        case .onHold: return "Disposal paused by a legal hold"
        }
    }
}

/// The computed disposal dates of one number.
public struct DisposalPlan: Sendable, Hashable {
    public var record: NumberRecordID
    public var endOfNeed: CivilDate?
    /// The last day any rule keeps the number; `nil` while in use.
    public var retainedThrough: CivilDate?
    /// The purpose whose rule sets ``retainedThrough`` (for the disposal record's reason).
    public var governingPurpose: Purpose?
    /// The first day the number may be disposed of.
    public var mayDisposeFrom: CivilDate?
    /// The last day by which it must be disposed of.
    public var mustDisposeBy: CivilDate?
    public var onHold: Bool

    public func status(on date: CivilDate) -> DisposalStatus {
        if onHold { return .onHold }
        guard let from = mayDisposeFrom, let by = mustDisposeBy, let through = retainedThrough else { return .inUse }
        if date < from { return .retained(through: through) }
        if date <= by { return .due(mustBy: by) }
        return .overdue(mustBy: by)
    }

    /// Whether a disposal job run on `date` should dispose of the number.
    public func isDue(on date: CivilDate) -> Bool {
        switch status(on: date) {
        case .due, .overdue: return true
        case .inUse, .retained, .onHold: return false
        }
    }
}

/// Computes when each number may and must be disposed of (番号法20条; PPC guideline 事業者編 第4-3-(3)B:
/// delete once no longer needed *and* every statutory retention has passed).
public struct RetentionPlanner: Sendable {
    public var policy: RetentionPolicy

    public init(policy: RetentionPolicy = .statutory) {
        self.policy = policy
    }

    /// The plan for one number.
    ///
    /// The number is kept through the latest of: the end of need, every listed document's retention,
    /// and the retention of the final document deemed made for each purpose
    /// (``RetentionPolicy/deemedFinalDocument(for:endOfNeed:)``). An insurance document listed without
    /// a completion date is taken to complete the day after the end of need. A document whose date
    /// cannot be known keeps the number in use.
    public func plan(for m: StoredNumberMetadata) -> DisposalPlan {
        var plan = DisposalPlan(record: m.record, endOfNeed: m.endOfNeed, onHold: m.legalHold != nil)
        guard let end = m.endOfNeed else { return plan }
        var through = end
        var governing: Purpose?
        var documents = m.documents.map { d -> RetainedDocument in
            var d = d
            if d.completedOn == nil, case .yearsAfterCompletion = rule(for: d.purpose) { d.completedOn = end.adding(days: 1) }
            return d
        }
        documents += m.purposes.sorted().map { RetentionPolicy.deemedFinalDocument(for: $0, endOfNeed: end) }
        for d in documents {
            guard let t = rule(for: d.purpose).retainedThrough(d) else { return plan }
            if t > through { through = t; governing = d.purpose }
        }
        plan.retainedThrough = through
        plan.governingPurpose = governing
        plan.mayDisposeFrom = through.adding(days: 1)
        plan.mustDisposeBy = through.adding(days: 1 + policy.disposalGraceDays)
        return plan
    }

    /// The numbers a disposal job run on `date` must dispose of (due or overdue, not on hold), in the
    /// order given.
    public func due(_ numbers: [StoredNumberMetadata], on date: CivilDate) -> [DisposalPlan] {
        numbers.map(plan(for:)).filter { $0.isDue(on: date) }
    }

    func rule(for purpose: Purpose) -> RetentionRule {
        // A policy missing a purpose falls back to the statutory rule rather than to "no retention".
        policy.rules[purpose] ?? RetentionPolicy.statutory.rules[purpose]!
    }
}
