import Access
import DoorProtocol
import Fluent
import Foundation
import ServerCore
import Store

/// What the server makes of one uploaded door event before it reaches the log.
///
/// A door agent's word is not proof: its token can be stolen and its clock can be wrong. So the server
/// works out itself who a serial belongs to (the credential table, never the agent's `employee`), and
/// whether the event could have happened — not in the future, not before the door was registered or
/// older than a door keeps events, and for a grant, a card that was active and valid at that time. An
/// event that fails is not refused (the agent would retry it forever) but quarantined: kept with the
/// reason for a security officer, never turned into attendance.
enum DoorEventVetting {
    /// The verdict on one event.
    enum Verdict: Equatable {
        /// Recorded as a door decision about `subject` (`employee:<id>` or `credential:<serial>`).
        case accept(subject: String)
        /// Kept apart with `reason` (a code, see ``Reason``); `holder` is the card's holder if known.
        case quarantine(reason: Reason, holder: EmployeeID?)
    }

    /// Why an event was quarantined, as a code and in words for the officer reviewing it.
    package enum Reason: String, CaseIterable {
        case timeInFuture = "time_in_future"
        case timeTooOld = "time_too_old"
        case beforeRegistration = "before_registration"
        case unknownSerial = "unknown_serial"
        case ambiguousSerial = "ambiguous_serial"
        case employeeMismatch = "employee_mismatch"
        case credentialNotActive = "credential_not_active"
        case credentialNotYetValid = "credential_not_yet_valid"
        case credentialExpired = "credential_expired"

        package var english: String {
            switch self {
            case .timeInFuture: return "the event's time is in the future by the server's clock"
            case .timeTooOld: return "the event is older than a door keeps events"
            case .beforeRegistration: return "the event is older than the door's registration"
            case .unknownSerial: return "a grant for a card no one has enrolled"
            case .ambiguousSerial: return "a grant for a serial enrolled under several issuers, without the issuer"
            case .employeeMismatch: return "the door named another person than the card's holder"
            case .credentialNotActive: return "a grant for a card that was suspended, retired or not approved at that time"
            case .credentialNotYetValid: return "a grant for a card before it was enrolled or before its certificate was valid"
            case .credentialExpired: return "a grant for a card whose certificate had expired"
            }
        }
    }

    /// The limits an event's time must keep.
    struct Window {
        /// The server's clock at receipt.
        package var now: Date
        /// Clock skew allowed between door and server.
        var skew: TimeInterval
        /// The oldest an event may be.
        var maxAge: TimeInterval
        /// The door's first registration, if recorded.
        var registeredAt: Date?
    }

    /// A credential row as the vetting reads it.
    package struct Row {
        package var issuer: String
        package var serial: String
        package var employee: EmployeeID
        package var state: String
        package var stateChangedAt: Date?
        package var createdAt: Date?
        package var notBefore: Date
        package var notAfter: Date
    }

    /// The verdicts for `events`, in order, reading the credentials their serials name.
    static func vet(_ events: [DoorEvent], window: Window, on db: any Database) async throws -> [Verdict] {
        let serials = Array(Set(events.map { $0.serial.uppercased() }.filter { !$0.isEmpty }))
        var rows: [String: [Row]] = [:]
        for start in stride(from: 0, to: serials.count, by: 500) {
            let chunk = Array(serials[start..<min(start + 500, serials.count)])
            for m in try await CredentialModel.query(on: db).filter(\.$serial ~~ chunk).all() {
                rows[m.serial.uppercased(), default: []].append(Row(
                    issuer: m.issuer, serial: m.serial.uppercased(), employee: EmployeeID(rawValue: m.employeeID.uuidString),
                    state: m.state, stateChangedAt: m.stateChangedAt, createdAt: m.createdAt, notBefore: m.notBefore, notAfter: m.notAfter))
            }
        }
        return events.map { verdict(for: $0, window: window, candidates: rows[$0.serial.uppercased()] ?? []) }
    }

    /// The verdict for one event, given the credential rows enrolled under its serial.
    package static func verdict(for e: DoorEvent, window: Window, candidates: [Row]) -> Verdict {
        let matching = e.issuer.map { issuer in candidates.filter { $0.issuer == issuer } } ?? candidates
        let row = matching.count == 1 ? matching[0] : nil
        let holder = row?.employee
        func quarantine(_ r: Reason) -> Verdict { .quarantine(reason: r, holder: holder) }

        if e.time > window.now.addingTimeInterval(window.skew) { return quarantine(.timeInFuture) }
        if e.time < window.now.addingTimeInterval(-window.maxAge) { return quarantine(.timeTooOld) }
        if let registered = window.registeredAt, e.time < registered.addingTimeInterval(-window.skew) { return quarantine(.beforeRegistration) }
        // The person is the card's holder; a door that names someone else is not believed.
        if let claimed = e.employee, claimed.rawValue.lowercased() != holder?.rawValue.lowercased() {
            return quarantine(row == nil && matching.isEmpty ? .unknownSerial : .employeeMismatch)
        }
        let subject = holder.map { "employee:\($0.rawValue)" } ?? "credential:\(e.serial.uppercased())"
        // A grant that names nobody (an emergency exit opening for anyone, a fail-safe door) is what the
        // door did, but it is about no one: it is recorded against the card, never as anyone's attendance.
        guard e.outcome == .grant else { return .accept(subject: subject) }
        guard e.employee != nil else { return .accept(subject: "credential:\(e.serial.uppercased())") }
        guard let row else { return quarantine(matching.isEmpty ? .unknownSerial : .ambiguousSerial) }
        if row.state == "active", let changed = row.stateChangedAt, changed > e.time.addingTimeInterval(window.skew) {
            // Active now, but it became so after the event (reinstated, or approved after pending): at the
            // event's time it was not. One change time is kept, not a history, so a genuine event from
            // before an earlier suspension is held for review too.
            return quarantine(.credentialNotActive)
        }
        if row.state != "active" {
            // Suspended or retired after the event: the card was still good when the door decided.
            // Anything else (pending approval, no recorded time, changed before the event) was not.
            guard (row.state == "suspended" || row.state == "retired"), let changed = row.stateChangedAt, changed > e.time else {
                return quarantine(.credentialNotActive)
            }
        }
        if let created = row.createdAt, e.time < created.addingTimeInterval(-window.skew) { return quarantine(.credentialNotYetValid) }
        if e.time < row.notBefore { return quarantine(.credentialNotYetValid) }
        if e.time >= row.notAfter { return quarantine(.credentialExpired) }
        return .accept(subject: subject)
    }
}
