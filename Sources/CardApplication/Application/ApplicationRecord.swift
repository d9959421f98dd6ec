import Access
import Foundation

/// One employee's card application and its history, from opting in to the card being enrolled.
///
/// A value type with no storage: the server loads it, calls ``apply(_:at:by:)`` and saves the result
/// (the ``history`` is append-only, so it can also be stored as rows). Holds ordinary personal data
/// (name, address, contact) — never the My Number, which the card application does not need.
public struct ApplicationRecord: Sendable, Hashable, Codable, Identifiable {
    /// One step in the history.
    public struct Entry: Sendable, Hashable, Codable {
        public var event: String
        public var stage: ApplicationStage
        public var at: Date
        /// Who did it (an account name), when known.
        public var actor: String?
        /// A note (the clerk's reason for returning an application).
        public var note: String?
    }

    public let id: ApplicationID
    public let employee: EmployeeID
    public private(set) var route: ApplicationRoute?
    public private(set) var stage: ApplicationStage
    public private(set) var data: ApplicationData?
    public private(set) var photo: PhotoAttachment?
    /// Case 1: the batch the application is in (kept after sending, for tracing).
    public private(set) var batch: BatchID?
    /// Case 2: the session the application is planned for or was accepted at.
    public private(set) var session: SessionID?
    /// The clerk's last note to the employee.
    public private(set) var clerkNote: String?
    /// When pick-up reminders were sent.
    public private(set) var reminders: [Date] = []
    public private(set) var history: [Entry]

    /// Opens an application when an employee opts in.
    public init(id: ApplicationID, employee: EmployeeID, route: ApplicationRoute? = nil, optedInAt: Date, by actor: String? = nil) {
        self.id = id
        self.employee = employee
        self.route = route
        stage = .optedIn
        history = [Entry(event: "opt_in", stage: .optedIn, at: optedInAt, actor: actor, note: nil)]
    }

    /// Neither enrolled nor withdrawn.
    public var isOpen: Bool { !stage.isClosed }

    /// When the application last reached `stage`, if it did.
    public func date(of stage: ApplicationStage) -> Date? { history.last { $0.stage == stage && $0.event != "reminder_sent" }?.at }

    /// Applies `event`, or throws without changing anything.
    public mutating func apply(_ event: ApplicationEvent, at time: Date, by actor: String? = nil) throws(ApplicationTransitionError) {
        var next = self
        try next.transition(event)
        next.history.append(Entry(event: event.name, stage: next.stage, at: time, actor: actor, note: {
            if case .returnToEmployee(let note) = event { return note }
            return nil
        }()))
        if case .reminderSent = event { next.reminders.append(time) }
        self = next
    }

    /// Returns a copy with `event` applied.
    public func applying(_ event: ApplicationEvent, at time: Date, by actor: String? = nil) throws(ApplicationTransitionError) -> ApplicationRecord {
        var copy = self
        try copy.apply(event, at: time, by: actor)
        return copy
    }

    private mutating func transition(_ event: ApplicationEvent) throws(ApplicationTransitionError) {
        // Enrollment closes the application from any open stage: the card being in MynaGate is the goal,
        // however it was obtained (even a card the person got alone while the application waited).
        if case .cardEnrolled = event {
            guard isOpen else { throw .closed(stage) }
            stage = .enrolled
            return
        }
        guard isOpen else { throw .closed(stage) }
        let refuse = ApplicationTransitionError.notAllowed(event: event.name, stage: stage)

        switch event {
        case .chooseRoute(let r):
            guard [.optedIn, .dataEntered, .reviewed].contains(stage) else { throw stage.hasApplied ? .alreadyApplied(stage) : refuse }
            if r != route { session = nil }
            route = r

        case .enterData(let d):
            guard [.optedIn, .dataEntered, .reviewed].contains(stage) else { throw refuse }
            data = d
            stage = .dataEntered

        case .attachPhoto(let p):
            guard [.optedIn, .dataEntered, .reviewed].contains(stage) else { throw refuse }
            photo = p
            if stage == .reviewed { stage = .dataEntered }  // a new photo must be looked at again

        case .returnToEmployee(let note):
            guard [.dataEntered, .reviewed].contains(stage) else { throw refuse }
            clerkNote = note
            stage = .dataEntered

        case .review:
            guard stage == .dataEntered else { throw refuse }
            guard let route else { throw .routeNotChosen }
            guard data != nil else { throw .dataMissing }
            if route == .contractorBatch {
                // The contractor needs the photo file; at a session the city's staff handle the photo.
                guard let photo else { throw .photoMissing }
                guard photo.isAcceptable else { throw .photoNotAcceptable(codes: photo.issueCodes) }
            }
            clerkNote = nil
            stage = .reviewed

        case .addToBatch(let b):
            try require(.contractorBatch, event)
            guard stage == .reviewed else { throw refuse }
            batch = b
            stage = .batched

        case .removeFromBatch:
            guard stage == .batched else { throw refuse }
            batch = nil
            stage = .reviewed

        case .sentToContractor(let b):
            try require(.contractorBatch, event)
            guard stage == .batched else { throw refuse }
            guard batch == b else { throw .mismatch(expected: batch?.rawValue ?? "-", got: b.rawValue) }
            stage = .sentToContractor

        case .assignSession(let s):
            try require(.onSiteSession, event)
            guard [.dataEntered, .reviewed].contains(stage) else { throw refuse }
            session = s

        case .unassignSession:
            guard [.dataEntered, .reviewed].contains(stage), session != nil else { throw refuse }
            session = nil

        case .appliedAtSession(let s):
            try require(.onSiteSession, event)
            guard stage == .reviewed else { throw refuse }
            if let session, session != s { throw .mismatch(expected: session.rawValue, got: s.rawValue) }
            session = s
            stage = .appliedAtSession

        case .noticeReceived:
            guard stage == .sentToContractor || stage == .appliedAtSession else { throw refuse }
            stage = .noticeReceived

        case .cardReceived:
            try require(.contractorBatch, event)
            // Case 1 cards are handed over at the city office only against the 交付通知書.
            guard stage == .noticeReceived else { throw refuse }
            stage = .cardReceived

        case .cardMailed:
            try require(.onSiteSession, event)
            // 本人限定受取郵便 may arrive with or without an arrival notice being recorded first.
            guard stage == .appliedAtSession || stage == .noticeReceived else { throw refuse }
            stage = .cardMailed

        case .reminderSent:
            guard stage == .noticeReceived else { throw refuse }

        case .withdraw:
            guard !stage.hasApplied else { throw .alreadyApplied(stage) }
            stage = .withdrawn

        case .cardEnrolled:
            break  // handled above
        }
    }

    private func require(_ r: ApplicationRoute, _ event: ApplicationEvent) throws(ApplicationTransitionError) {
        guard let route else { throw .routeNotChosen }
        guard route == r else { throw .wrongRoute(event: event.name, route: route) }
    }
}

extension Array where Element == ApplicationRecord {
    /// Closes every open application of `employee` because a card was enrolled for them; returns the
    /// ids of the applications it closed. Call it from enrollment: "the application closes itself".
    @discardableResult
    public mutating func closeOnEnrollment(of employee: EmployeeID, at time: Date, by actor: String? = nil) -> [ApplicationID] {
        var closed: [ApplicationID] = []
        for i in indices where self[i].employee == employee && self[i].isOpen {
            // Cannot fail for an open record; `try?` keeps the loop total.
            if (try? self[i].apply(.cardEnrolled, at: time, by: actor)) != nil { closed.append(self[i].id) }
        }
        return closed
    }
}
