import Foundation

/// One attempt to pass a door.
public struct AccessRequest: Sendable, Hashable {
    /// What the holder proved at the door.
    public enum Proof: Sendable, Hashable {
        /// The certificate was read (かざし).
        case tap
        /// The PIN was entered and the card signed the door's challenge; Trust's verdict on it.
        case pinSignature(SignatureCheck)
        /// No PIN: the card's visual application signed the door's challenge with the card's own key;
        /// the verdict against the key enrolled with the credential (`genuine` doors).
        case cardSignature(CardCheck)
    }

    /// The result of checking the card's own signature at a `genuine` door.
    public enum CardCheck: Sendable, Hashable {
        case valid
        case invalid(String)
    }

    /// The result of checking the PIN and the signature at a `pin` door.
    public enum SignatureCheck: Sendable, Hashable {
        case valid
        case wrongPIN(triesLeft: Int)
        case pinBlocked
        case invalid(String)
    }

    /// What the door knows of the certificate's revocation (from its CRL index or OCSP).
    public enum RevocationCheck: Sendable, Hashable {
        case good
        case revoked
        /// No current answer and the deployment fails closed.
        case unknownFailClosed
    }

    public var door: DoorID
    public var credential: CredentialKey
    public var time: Date
    public var proof: Proof
    public var revocation: RevocationCheck

    public init(door: DoorID, credential: CredentialKey, time: Date, proof: Proof = .tap, revocation: RevocationCheck = .good) {
        self.door = door
        self.credential = credential
        self.time = time
        self.proof = proof
        self.revocation = revocation
    }
}

/// The one decision function: grant or deny, with the first reason that applies.
///
/// The checks run in a fixed order that answers a security officer's questions in turn: is the door
/// ours and the site open; is the card ours, active, valid and not revoked; is the person employed;
/// are they allowed in this zone now; are they already inside; and last, did they prove enough for this
/// door (the PIN), so a PIN is only asked for where it would open the door.
public enum AccessDecider {
    public static func decide(_ request: AccessRequest, policy: AccessPolicy, presence: PresenceState = PresenceState()) -> Decision {
        guard let door = policy.doors[request.door] else { return Decision(.deny, .unknownDoor) }
        if policy.lockdown { return Decision(.deny, .lockdown) }
        guard let credential = policy.resolve(request.credential) else {
            if policy.emergencyUnlocked.contains(door.id) { return Decision(.grant, .emergencyUnlock) }
            return Decision(.deny, .unknownCredential)
        }
        let who = credential.employee
        if policy.emergencyUnlocked.contains(door.id) { return Decision(.grant, .emergencyUnlock, employee: who) }
        switch credential.state {
        case .active: break
        case .suspended(let reason, _): return Decision(.deny, .credentialSuspended(reason), employee: who)
        case .retired: return Decision(.deny, .credentialRetired, employee: who)
        }
        if request.time >= credential.notAfter { return Decision(.deny, .certificateExpired(credential.notAfter), employee: who) }
        if request.time < credential.notBefore { return Decision(.deny, .certificateNotYetValid(credential.notBefore), employee: who) }
        switch request.revocation {
        case .good: break
        case .revoked: return Decision(.deny, .certificateRevoked, employee: who)
        case .unknownFailClosed: return Decision(.deny, .revocationUnknown, employee: who)
        }
        guard let employee = policy.employees[who] else { return Decision(.deny, .unknownCredential, employee: who) }
        guard employee.status == .active else { return Decision(.deny, .employeeInactive(employee.status), employee: who) }
        if let from = employee.validFrom, request.time < from { return Decision(.deny, .employeeOutsideValidity, employee: who) }
        if let until = employee.validUntil, request.time >= until { return Decision(.deny, .employeeOutsideValidity, employee: who) }

        // The PIN (or the card's own signature) is asked for last, once everything else would let the
        // person through: a PIN try is never spent, nor a challenge signed, at a door that would refuse
        // them anyway.
        var warnings: [DecisionWarning] = []
        let level = policy.securityLevel(of: door)
        let pinDenial: Decision? = {
            switch (level, request.proof) {
            case (.tap, _): return nil
            case (.genuine, _) where credential.cardKey == nil:
                // Enrolled before the card's key was: refused, or admitted with a warning until the door's date.
                if let until = door.keylessAdmitUntil, request.time < until {
                    warnings.append(.cardKeyMissing)
                    return nil
                }
                return Decision(.deny, .cardKeyMissing, employee: who)
            case (.genuine, .tap): return Decision(.deny, .genuineRequired, employee: who)
            case (.genuine, .cardSignature(.valid)): return nil
            case (.genuine, .cardSignature(.invalid(let why))): return Decision(.deny, .cardNotGenuine(why), employee: who)
            case (.pin, .tap), (.pin, .cardSignature): return Decision(.deny, .pinRequired, employee: who)
            // A PIN signature proves more than the card's own: it satisfies a `genuine` door too.
            case (_, .pinSignature(.valid)): return nil
            case (_, .pinSignature(.wrongPIN(let n))): return Decision(.deny, .pinWrong(triesLeft: n), employee: who)
            case (_, .pinSignature(.pinBlocked)): return Decision(.deny, .pinBlocked, employee: who)
            case (_, .pinSignature(.invalid(let why))): return Decision(.deny, .signatureInvalid(why), employee: who)
            }
        }()

        // Leaving the premises is never refused for lack of permission: people must be able to get out.
        guard let zone = door.to else { return pinDenial ?? Decision(.grant, .exitToOutside, employee: who, warnings: warnings) }

        let time = JapanTime(request.time)
        // The door's own hours come before anyone's permission: when the door is closed, nobody passes.
        // A schedule the policy lacks closes the door (fail secure), as a grant's missing schedule grants nothing.
        if let own = door.schedule {
            switch policy.schedules[own]?.allows(time, holidays: policy.holidays) {
            case .open: break
            case .closedForHoliday(let name): return Decision(.deny, .doorOutsideSchedule(holiday: name), employee: who)
            case .outsideWindows, nil: return Decision(.deny, .doorOutsideSchedule(holiday: nil), employee: who)
            }
        }
        var holidayName: String?
        var grantingGroup: GroupID?
        var anyGrant = false
        for groupID in employee.groups.sorted(by: { $0.rawValue < $1.rawValue }) {
            guard let group = policy.groups[groupID] else { continue }
            for grant in group.grants where grant.zone == zone {
                anyGrant = true
                guard let schedule = policy.schedules[grant.schedule] else { continue }
                switch schedule.allows(time, holidays: policy.holidays) {
                case .open: grantingGroup = groupID
                case .closedForHoliday(let name): holidayName = name
                case .outsideWindows: break
                }
                if grantingGroup != nil { break }
            }
            if grantingGroup != nil { break }
        }
        guard anyGrant else { return Decision(.deny, .noPermission(zone: zone), employee: who) }
        guard let group = grantingGroup else {
            return Decision(.deny, holidayName.map { .holidayClosed($0) } ?? .outsideSchedule, employee: who)
        }

        if presence.zoneOf[who] == zone, let z = policy.zones[zone] {
            switch z.antiPassback {
            case .hard: return Decision(.deny, .antiPassback, employee: who)
            case .soft: warnings.append(.passbackSuspected)
            case .off: break
            }
        }
        if let pinDenial { return pinDenial }
        return Decision(.grant, .granted(group: group), employee: who, warnings: warnings)
    }
}
