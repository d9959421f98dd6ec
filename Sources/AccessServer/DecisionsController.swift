import Access
import Audit
import Fluent
import Foundation
import MynaCard
import SQLKit
import ServerCore
import Store
import Trust
import Vapor
import X509

/// The door controllers' API: challenges for `pin` doors and decisions.
///
/// Door controllers authenticate with their own token (`Authorization: Bearer …`), issued by an
/// administrator per door; security staff signed in may also call it (the enrollment desk's test tap),
/// and their decisions are recorded with the officer as actor, not as the door.
struct DecisionsController {
    struct DecisionRequest: Content {
        /// The auth certificate's serial, hex (what a `tap` door reads in 3 APDUs).
        package var serial: String
        /// The issuing CA's name as the server records it; omit when the door read only the serial.
        package var issuer: String?
        /// At `pin` doors: the challenge the card signed, and the signature (base64).
        package var challengeId: UUID?
        package var signature: String?
        /// At `genuine` doors: the visual application's signature over the challenge (base64), made with
        /// the card's own key and no PIN.
        package var cardSignature: String?
        /// At `pin` doors, when the card refused the PIN: what it said.
        var pinResult: String?
        package var triesLeft: Int?
    }

    /// What a door may report when the card refused the PIN (``pinProof(_:door:key:policy:on:)``).
    static let pinResults: Set<String> = ["wrongPIN", "pinBlocked"]

    struct DecisionResponse: Content {
        var outcome: String
        var reason: String
        var messageJa: String
        var messageEn: String
        var employeeId: String?
        var employeeName: String?
        var securityLevel: String
        var policyVersion: Int
        var warnings: [String]
    }

    struct ChallengeResponse: Content {
        package var challengeId: UUID
        package var nonce: String
        package var context: String
        package var expiresAt: Date
        /// Base64 of the SHA-256 the card signs (its DigestInfo is built by the door).
        package var digest: String
    }

    package func register(_ routes: any RoutesBuilder) {
        let door = routes.grouped("api", "v1", "doors", ":id").grouped(DoorAuthMiddleware(allowStaff: true))
        door.post("decisions", use: decide)
        door.post("challenges", use: challenge)
    }

    @Sendable
    package func challenge(_ req: Request) async throws -> ChallengeResponse {
        let doorID = try req.parameters.require("id")
        guard await req.state.policy.current.doors[DoorID(rawValue: doorID)] != nil else { throw Abort(.notFound, reason: "no such door") }
        let c = try await ChallengeStore.issue(context: "door:\(doorID)", seconds: req.state.config.challengeSeconds, on: req.db)
        return ChallengeResponse(challengeId: c.id, nonce: Data(c.nonce).base64EncodedString(), context: c.context, expiresAt: c.expiresAt,
                                 digest: Data(c.digest).base64EncodedString())
    }

    @Sendable
    package func decide(_ req: Request) async throws -> DecisionResponse {
        let started = DispatchTime.now().uptimeNanoseconds
        let doorID = DoorID(rawValue: try req.parameters.require("id"))
        let body = try req.decodeBody(DecisionRequest.self)
        guard body.serial.schemaLength <= 42, body.serial.isASCIIHex else { throw Abort(.badRequest, reason: "serial must be hex, at most 21 bytes") }
        // The same bounds as an uploaded door event's issuer, and only the card answers a door can report.
        guard (body.issuer?.schemaLength ?? 0) <= 512 else { throw Abort(.badRequest, reason: "issuer must be at most 512 characters") }
        // Checked at every door, not only where pinProof reads it: 1024 bytes in base64.
        guard (body.signature?.schemaLength ?? 0) <= 1368 else { throw Abort(.badRequest, reason: "signature must be at most 1024 bytes (base64)") }
        guard (body.cardSignature?.schemaLength ?? 0) <= 1368 else { throw Abort(.badRequest, reason: "cardSignature must be at most 1024 bytes (base64)") }
        guard body.pinResult.map(Self.pinResults.contains) ?? true else { throw Abort(.badRequest, reason: "pinResult must be wrongPIN or pinBlocked") }
        guard body.triesLeft.map({ (0...15).contains($0) }) ?? true else { throw Abort(.badRequest, reason: "triesLeft must be 0–15") }
        let policy = req.state.policy.snapshot.policy
        let key = CredentialKey(issuer: body.issuer ?? "", serial: body.serial)
        let now = Date()
        let decision: Decision
        var undo: PresenceUndo?
        if req.state.policyIsStale(at: now), req.state.config.policyStaleMode == .failSecure {
            // The server could not confirm its policy within the limit: a suspension it failed to load
            // must not open a door. Decided before any PIN is asked, so no try is spent on a refusal.
            decision = Decision(.deny, .policyStaleFailSecure, employee: policy.resolve(key)?.employee)
        } else {
            (decision, undo) = try await decideOnPolicy(body, door: doorID, key: key, policy: policy, now: now, on: req)
        }
        let employee = decision.employee.flatMap { policy.employees[$0] }
        // A staff session asking (the desk's test tap) is recorded as that person, so it never looks like
        // the door itself decided; only a request with the door's token is the door.
        let actor = req.headers.bearerAuthorization == nil ? req.auth.get(SessionUser.self).map { "user:\($0.username)" } ?? "door:\(doorID)" : "door:\(doorID)"
        var details = ["outcome": decision.outcome.rawValue, "reason": decision.reason.code, "door": doorID.rawValue, "serial": key.serial,
                       "warnings": decision.warnings.map(\.rawValue).joined(separator: ",")]
        if case .policyStaleFailSafe(let basis) = decision.reason { details["basis"] = basis.code }
        do {
            try await req.state.events.enqueue(AuditDraft(
                kind: "door.decision", actor: actor, subject: decision.employee.map { "employee:\($0)" } ?? "credential:\(key.serial)",
                details: details))
        } catch {
            // The decision cannot be recorded: the door gets 503, not a grant it would act on unrecorded,
            // and the passage the grant recorded is taken back (the door stays shut; anti-passback must
            // not refuse the person's next entry).
            if let undo { await req.state.presence.undo(undo) }
            req.logger.error("door decision at \(doorID) refused: \(HealthRegistry.describe(error))")
            throw error
        }
        req.state.metrics.increment(Metrics.Name.decisions, labels: ["outcome": decision.outcome.rawValue, "reason": decision.reason.code])
        req.state.metrics.observeDecision(seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        return DecisionResponse(
            outcome: decision.outcome.rawValue, reason: decision.reason.code, messageJa: decision.reason.japaneseSentence,
            messageEn: decision.reason.englishSentence, employeeId: decision.employee?.rawValue,
            employeeName: Self.mayName(employee, decision: decision, door: policy.doors[doorID], policy: policy) ? employee?.name : nil,
            securityLevel: policy.doors[doorID].map { policy.securityLevel(of: $0).rawValue } ?? "tap", policyVersion: policy.version,
            warnings: decision.warnings.map(\.rawValue))
    }

    /// The decision on the policy as loaded: the PIN proof at a `pin` door, revocation, presence. On a
    /// stale policy in fail-safe mode the reason says so (``DecisionReason/policyStaleFailSafe(_:)``),
    /// except `pin_required`, which is not a decision yet but the door's cue to ask for the PIN.
    func decideOnPolicy(_ body: DecisionRequest, door doorID: DoorID, key: CredentialKey, policy: AccessPolicy, now: Date,
                        on req: Request) async throws -> (Decision, PresenceUndo?) {
        var proof = AccessRequest.Proof.tap
        if let door = policy.doors[doorID] {
            switch policy.securityLevel(of: door) {
            case .tap: break
            case .genuine: proof = try await genuineProof(body, door: doorID, key: key, policy: policy, on: req)
            case .pin: proof = try await pinProof(body, door: doorID, key: key, policy: policy, on: req)
            }
        }
        // Revocation at the door is what the sweep learned from the CRLs, not a CRL lookup per tap: the
        // sweep checks every enrolled credential whenever the indexes change and suspends the revoked
        // ones, so the policy already refuses them; this set covers the moment between the sweep finding
        // a revocation and the suspension being written, and a revoked card that someone reinstates.
        // A per-request lookup would add index access (and stale-CRL rules) to a path that must stay
        // within 2 ms, for an answer the sweep already has.
        let revoked = policy.resolve(key).map { req.state.revocation.isRevoked($0.key) } ?? false
        let request = AccessRequest(door: doorID, credential: key, time: now, proof: proof, revocation: revoked ? .revoked : .good)
        var (decision, undo) = await req.state.presence.decide(request, policy: policy)
        if req.state.policyIsStale(at: now), decision.reason != .pinRequired, decision.reason != .genuineRequired {
            decision.reason = .policyStaleFailSafe(decision.reason)
        }
        return (decision, undo)
    }

    /// Whether the answer may carry the person's name: on a grant, or when one of their groups grants the
    /// zone this door leads into (the door's own snapshot names exactly those people). A refusal of
    /// anyone else must not tell the door, or whoever holds its token, who the card belongs to.
    static func mayName(_ employee: Employee?, decision: Decision, door: Door?, policy: AccessPolicy) -> Bool {
        guard let employee else { return false }
        if decision.isGranted { return true }
        guard let zone = door?.to else { return false }
        return employee.groups.contains { policy.groups[$0]?.grants.contains { $0.zone == zone } == true }
    }

    /// What the holder proved at a `pin` door: the card's own PIN verdict, or the challenge signature
    /// checked against the enrolled certificate.
    package func pinProof(_ body: DecisionRequest, door: DoorID, key: CredentialKey, policy: AccessPolicy, on req: Request) async throws -> AccessRequest.Proof {
        switch body.pinResult {
        case "wrongPIN": return .pinSignature(.wrongPIN(triesLeft: max(0, body.triesLeft ?? 0)))
        case "pinBlocked": return .pinSignature(.pinBlocked)
        default: break
        }
        guard let challengeID = body.challengeId, let sigText = body.signature else { return .tap }
        guard let signature = Data(base64Encoded: sigText), signature.count <= 1024 else { throw Abort(.badRequest, reason: "signature must be base64") }
        guard let credential = policy.resolve(key),
              let model = try await CredentialModel.query(on: req.db).filter(\.$issuer == credential.key.issuer).filter(\.$serial == credential.key.serial).first(),
              let certificate = try? Certificate(derEncoded: Array(model.certificate)) else {
            return .pinSignature(.invalid("card not enrolled"))
        }
        switch try await ChallengeStore.consume(id: challengeID, context: "door:\(door)", on: req.db) {
        case .failure(let why): return .pinSignature(.invalid(why.english))
        case .success(let challenge):
            guard certificate.publicKey.isValidSignature(Array(signature), for: challenge.signedMessage, signatureAlgorithm: .sha256WithRSAEncryption) else {
                return .pinSignature(.invalid("signature does not match the enrolled certificate"))
            }
            return .pinSignature(.valid)
        }
    }
}

extension DecisionsController {
    /// What the card proved at a `genuine` door: its visual application's signature over a challenge this
    /// server issued for this door, checked with the card key enrolled with the credential. Without a
    /// signature it is a plain tap — the decision then says `genuine_required`, the door's cue; a
    /// credential without a card key is left to the decision (refused or admitted per the door).
    func genuineProof(_ body: DecisionRequest, door: DoorID, key: CredentialKey, policy: AccessPolicy, on req: Request) async throws -> AccessRequest.Proof {
        guard let challengeID = body.challengeId, let sigText = body.cardSignature else { return .tap }
        guard let signature = Data(base64Encoded: sigText), signature.count <= 1024 else { throw Abort(.badRequest, reason: "cardSignature must be base64") }
        guard let credential = policy.resolve(key), let cardKey = credential.cardKey else { return .tap }
        // Consumed before the check, so a signature that fails still uses the challenge up: one try per challenge.
        switch try await ChallengeStore.consume(id: challengeID, context: "door:\(door)", on: req.db) {
        case .failure(let why): return .cardSignature(.invalid(why.english))
        case .success(let challenge):
            let publicKey: CardRSAPublicKey
            do { publicKey = try CardRSAPublicKey(tlv: cardKey) } catch {
                return .cardSignature(.invalid("the enrolled card key does not parse"))
            }
            guard publicKey.verifiesPKCS1SHA256(Array(signature), over: challenge.signedMessage) else {
                return .cardSignature(.invalid("signature does not match the enrolled card key"))
            }
            return .cardSignature(.valid)
        }
    }
}
