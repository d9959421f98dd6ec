import Foundation

/// Answers "who can pass this door, and why" and "which doors may this person pass, and when" by asking
/// ``AccessDecider`` itself, never by re-reading its rules: an explanation is the decision the door
/// would get, with the decider's own reason.
///
/// The door's proof is taken as given: at a `pin` door the person is assumed to enter their PIN and the
/// card to sign, at a `genuine` door the card to prove itself. A grant there means "passes with the card
/// and its PIN" (``Explanation/needs``), and a refusal is one the PIN could not change — a person the
/// door would refuse anyway is never told to type a PIN. The certificate's revocation is taken as the
/// policy knows it (a revoked certificate suspends the credential), and nobody is taken to be inside a
/// zone already, so hard anti-passback, which depends on where the person is at the moment, is not part
/// of an explanation. The policy is the one given, also for a time in the future: a suspension lifted
/// tomorrow or a schedule changed next week is not foreseen.
public enum AccessExplainer {
    /// One decision, and the card it was made for.
    public struct Explanation: Sendable, Hashable {
        public var decision: Decision
        /// What the person shows at the door for this decision: the door's level.
        public var needs: SecurityLevel
        /// The card the decision is for: the one that opens the door if any does, else the person's best
        /// (active before suspended, then the one valid longest).
        public var credential: CredentialKey
    }

    /// One person at one door.
    public struct PersonAtDoor: Sendable, Hashable {
        public var employee: EmployeeID
        public var explanation: Explanation
    }

    /// Everyone holding a card, at one door and instant, in employee-number order.
    public struct DoorAnswer: Sendable, Hashable {
        public var door: Door
        public var level: SecurityLevel
        public var at: Date
        public var people: [PersonAtDoor]
    }

    /// A stretch of a day with one answer: from `start` (inclusive) to `end` (exclusive).
    public struct Window: Sendable, Hashable {
        public var start: Date
        public var end: Date
        public var explanation: Explanation
    }

    /// One door for one person: the answer at the instant asked, and the day's windows.
    public struct DoorForPerson: Sendable, Hashable {
        public var door: Door
        public var level: SecurityLevel
        public var now: Explanation
        /// The whole Japan day of the instant asked, cut where any answer changes, each stretch decided
        /// by the decider at its first instant.
        public var day: [Window]
    }

    /// One person at every door, in door-id order; `nil` doors when the person holds no card that is
    /// not retired (nothing to decide on).
    public struct PersonAnswer: Sendable, Hashable {
        public var employee: Employee
        public var at: Date
        public var date: CivilDate
        public var doors: [DoorForPerson]?
    }

    /// Who can pass `door` at `at`: every person with a card that is not retired. `nil` for a door the
    /// policy does not hold (the decider would refuse everyone with ``DecisionReason/unknownDoor``).
    public static func door(_ id: DoorID, at: Date, policy: AccessPolicy) -> DoorAnswer? {
        guard let door = policy.doors[id] else { return nil }
        let cards = cardsByPerson(policy)
        let level = policy.securityLevel(of: door)
        var people: [PersonAtDoor] = []
        people.reserveCapacity(cards.count)
        for (employee, list) in cards {
            people.append(PersonAtDoor(employee: employee, explanation: explain(list, door: id, level: level, at: at, policy: policy)))
        }
        people.sort { a, b in
            let na = policy.employees[a.employee]?.employeeNumber ?? "", nb = policy.employees[b.employee]?.employeeNumber ?? ""
            return na != nb ? na < nb : a.employee.rawValue < b.employee.rawValue
        }
        return DoorAnswer(door: door, level: level, at: at, people: people)
    }

    /// Which doors `employee` may pass at `at`, and when during that Japan day. `nil` for a person the
    /// policy does not hold.
    public static func person(_ employee: EmployeeID, at: Date, policy: AccessPolicy) -> PersonAnswer? {
        guard let person = policy.employees[employee] else { return nil }
        let date = JapanTime(at).date
        guard let list = usableCards(policy.credentials.values.filter { $0.employee == employee }) else {
            return PersonAnswer(employee: person, at: at, date: date, doors: nil)
        }
        let cuts = dayCuts(date, cards: list.all, employee: person, policy: policy)
        let doors = policy.doors.values.sorted { $0.id.rawValue < $1.id.rawValue }.map { door -> DoorForPerson in
            let level = policy.securityLevel(of: door)
            var windows: [Window] = []
            for (start, end) in zip(cuts, cuts.dropFirst()) {
                let e = explain(list, door: door.id, level: level, at: start, policy: policy)
                if let last = windows.last, last.explanation.decision == e.decision {
                    windows[windows.count - 1].end = end
                } else {
                    windows.append(Window(start: start, end: end, explanation: e))
                }
            }
            return DoorForPerson(door: door, level: level, now: explain(list, door: door.id, level: level, at: at, policy: policy), day: windows)
        }
        return PersonAnswer(employee: person, at: at, date: date, doors: doors)
    }

    /// The proof a door of `level` asks for, taken as given (see the type's note).
    public static func proof(for level: SecurityLevel) -> AccessRequest.Proof {
        switch level {
        case .tap: return .tap
        case .genuine: return .cardSignature(.valid)
        case .pin: return .pinSignature(.valid)
        }
    }

    // MARK: - The decider, asked once per card

    /// A person's cards that are not retired, best first (``usableCards(_:)``): never empty.
    private struct Cards {
        var best: Credential
        var others: ArraySlice<Credential>
        var all: [Credential] { [best] + others }
    }

    /// The decider's answer for the person's best card: the first that opens the door, else the best.
    private static func explain(_ cards: Cards, door: DoorID, level: SecurityLevel, at: Date, policy: AccessPolicy) -> Explanation {
        func ask(_ card: Credential) -> Explanation {
            let d = AccessDecider.decide(AccessRequest(door: door, credential: card.key, time: at, proof: proof(for: level)), policy: policy)
            return Explanation(decision: d, needs: level, credential: card.key)
        }
        let first = ask(cards.best)
        if first.decision.isGranted { return first }
        for card in cards.others {
            let e = ask(card)
            if e.decision.isGranted { return e }
        }
        return first
    }

    /// Each person's cards that are not retired, best first.
    private static func cardsByPerson(_ policy: AccessPolicy) -> [EmployeeID: Cards] {
        var byPerson: [EmployeeID: [Credential]] = [:]
        for c in policy.credentials.values {
            if case .retired = c.state { continue }
            byPerson[c.employee, default: []].append(c)
        }
        return byPerson.compactMapValues(usableCards)
    }

    /// Cards that are not retired (a retired card was replaced or ended with employment: history, not a
    /// card anyone holds), active before suspended, then the one valid longest, then by serial so the
    /// order never depends on a dictionary's; `nil` when none is left.
    private static func usableCards(_ cards: [Credential]) -> Cards? {
        func rank(_ c: Credential) -> Int {
            switch c.state {
            case .active: return 0
            case .suspended: return 1
            case .retired: return 2
            }
        }
        let sorted = cards.filter { rank($0) < 2 }.sorted {
            (rank($0), -$0.notAfter.timeIntervalSince1970, $0.key.description) < (rank($1), -$1.notAfter.timeIntervalSince1970, $1.key.description)
        }
        guard let best = sorted.first else { return nil }
        return Cards(best: best, others: sorted.dropFirst())
    }

    /// The instants in `date` where an answer may change: midnight, every schedule window's start and end
    /// (all schedules, all weekdays: a holiday may follow Sunday's), the cards' and the person's validity,
    /// and doors' keyless-admission ends — and the next midnight last. Between two cuts nothing the
    /// decider reads changes, so one decision at the first instant speaks for the whole stretch.
    private static func dayCuts(_ date: CivilDate, cards: [Credential], employee: Employee, policy: AccessPolicy) -> [Date] {
        var minutes: Set<Int> = [0]
        for schedule in policy.schedules.values {
            for list in schedule.windows.values {
                for w in list { minutes.insert(w.start); minutes.insert(w.end) }
            }
        }
        let start = JapanTime.instant(date), end = JapanTime.instant(date.adding(days: 1))
        var cuts = Set(minutes.filter { $0 < 1440 }.map { JapanTime.instant(date, minute: $0) })
        let instants = cards.flatMap { [$0.notBefore, $0.notAfter] } + [employee.validFrom, employee.validUntil].compactMap { $0 }
            + policy.doors.values.compactMap(\.keylessAdmitUntil)
        for t in instants where t > start && t < end { cuts.insert(t) }
        return cuts.sorted() + [end]
    }
}
