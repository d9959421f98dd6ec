import Access
import Audit
import Fluent
import MynaCard
import Crypto
import Foundation
import Store
import Trust
import Vapor
import X509

/// Enrollment at a desk reader: the person's card signs a server challenge after the PIN — proof of
/// possession, which the かざし rules require once before tapping alone is allowed — the certificate's
/// chain and revocation are checked, and the credential is bound to the employee. A renewal (a new card,
/// or a new certificate after 5 years) goes the same way and retires the previous credential; history
/// is kept.
///
/// The desk operator is not trusted to say whose card it is (security review C1): the card is bound to
/// the person by their signing certificate (name and birth date against the HR record) or by the
/// holder's own acceptance, and a card for someone with a privileged account waits for a second
/// administrator's approval and the owner's confirmation (``CredentialBinding``).
struct EnrollmentController {
    package struct Start: Content { var employeeId: UUID }
    struct Started: Content {
        package var challengeId: UUID
        package var nonce: String
        package var context: String
        package var digest: String
        package var expiresAt: Date
        /// The birth-date key (Japanese-era `YYMMDD`) from the HR record, for the visual application's age
        /// record — the `genuine` level's card key (absent without a birth date on record).
        package var birthDateKey: String?
    }
    struct Finish: Content {
        package var employeeId: UUID
        package var challengeId: UUID
        /// The auth certificate, base64 DER, as read from the card.
        package var certificate: String
        /// The card's auth-key signature over the challenge, base64.
        package var signature: String
        /// The signing certificate (base64 DER), read after the holder typed the signing password.
        var signingCertificate: String?
        /// The signing key's signature over the same challenge (base64).
        var signingSignature: String?
        /// The card key evidence (base64 each), read in the same card session: the age record, the visual
        /// application's certificate and its signature over the same challenge.
        var cardAgeRecord: String?
        var cardCertificate: String?
        package var cardSignature: String?
        /// Why the desk did not collect it (e.g. `birth_date_tries_low`), when it did not.
        var cardKeySkipped: String?
    }
    package struct Enrolled: Content {
        package var credential: CredentialsController.CredentialDTO
        var renewed: Int
        /// What the card still waits for: `approval` (an administrator other than the operator),
        /// `holder` (the owner accepts it in their own session). Empty when it is active.
        var waitingFor: [String]
        /// `stored`, `refused` or `absent`: whether the card's own key was enrolled for `genuine` doors.
        package var cardKey: String
        /// Why not (or `chain_unchecked` when stored without a configured CVC issuer).
        var cardKeyReason: String?
    }

    package func register(_ routes: any RoutesBuilder) {
        let desk = routes.grouped(RoleMiddleware([.admin, .hr, .security]))
        desk.post("api", "v1", "enrollment", "challenges", use: start)
        desk.on(.POST, "api", "v1", "enrollment", body: .collect(maxSize: "64kb"), use: finish)
    }

    @Sendable package func start(_ req: Request) async throws -> Started {
        let s = try req.decodeBody(Start.self)
        let user = try req.user
        let c = try await Enrollment.challenge(employeeID: s.employeeId, by: try Enrollment.Desk(user), on: req.db, state: req.state)
        // The birth-date key is the person's birth date: given only to the hr desk, which keeps the HR record
        // and the vault (the roles that read the vault: `VaultController.handlerRoles`), never to admin or
        // security, and each time recorded — without the value — in the event log.
        var key: String?
        if user.role == .hr, let k = CardKeyCheck.birthDateKey(try await VaultProfileModel.find(s.employeeId, on: req.db)?.birthDate) {
            try await req.state.events.appendNow(AuditDraft(kind: "credential.birth_date_key_issued", actor: "user:\(user.username)",
                                                            subject: "employee:\(s.employeeId.uuidString)", details: ["challenge": c.id.uuidString]))
            key = k
        }
        return Started(challengeId: c.id, nonce: Data(c.nonce).base64EncodedString(), context: c.context, digest: Data(c.digest).base64EncodedString(),
                       expiresAt: c.expiresAt, birthDateKey: key)
    }

    @Sendable package func finish(_ req: Request) async throws -> Response {
        let f = try req.decodeBody(Finish.self)
        guard let der = Data(base64Encoded: f.certificate), let signature = Data(base64Encoded: f.signature) else {
            throw Abort(.badRequest, reason: "certificate and signature must be base64")
        }
        var holder: Enrollment.HolderEvidence?
        switch (f.signingCertificate, f.signingSignature) {
        case (nil, nil): holder = nil
        case (let c?, let s?):
            guard let cd = Data(base64Encoded: c), let sd = Data(base64Encoded: s), cd.count <= 16_384, sd.count <= 1024 else {
                throw Abort(.badRequest, reason: "signingCertificate and signingSignature must be base64")
            }
            holder = Enrollment.HolderEvidence(signingCertificateDER: cd, signature: Array(sd))
        default: throw Abort(.badRequest, reason: "signingCertificate and signingSignature go together")
        }
        var card: Enrollment.CardKeyInput = .skipped(f.cardKeySkipped ?? "not_sent")
        switch (f.cardAgeRecord, f.cardCertificate, f.cardSignature) {
        case (nil, nil, nil): break
        case (let a?, let c?, let s?):
            guard let ad = Data(base64Encoded: a), let cd = Data(base64Encoded: c), let sd = Data(base64Encoded: s),
                  ad.count <= 2048, cd.count <= 2048, sd.count <= 1024 else {
                throw Abort(.badRequest, reason: "cardAgeRecord, cardCertificate and cardSignature must be base64 (at most 2048, 2048 and 1024 bytes)")
            }
            card = .evidence(CardKeyEvidence(ageRecord: Array(ad), certificate: Array(cd), signature: Array(sd)))
        default: throw Abort(.badRequest, reason: "cardAgeRecord, cardCertificate and cardSignature go together")
        }
        if let skipped = f.cardKeySkipped, !((1...64).contains(skipped.schemaLength) && skipped.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || $0 == "_" })) {
            throw Abort(.badRequest, reason: "cardKeySkipped must be a code of at most 64 lower-case letters and underscores")
        }
        let r = try await Enrollment.complete(employeeID: f.employeeId, challengeID: f.challengeId, certificateDER: der, signature: Array(signature),
                                              holder: holder, card: card, cvcIssuers: req.application.cvcIssuers,
                                              by: try Enrollment.Desk(req.user), on: req.db, state: req.state)
        return try await Enrolled(credential: CredentialsController.dto(r.credential), renewed: r.renewed, waitingFor: r.waitingFor,
                                  cardKey: r.cardKey.status, cardKeyReason: r.cardKey.reason)
            .encodeResponse(status: r.waitingFor.isEmpty ? .created : .accepted, for: req)
    }
}

/// The enrollment steps, callable from the HTTP API and from the demo's own desk.
public enum Enrollment {
    public struct Outcome: Sendable {
        public var credential: CredentialModel
        public var renewed: Int
        /// Empty when the credential is active; else `approval` and/or `holder`.
        public var waitingFor: [String]
        /// Whether the card's own key was stored for `genuine` doors, and why not.
        public var cardKey: CardKeyOutcome
    }

    /// The `genuine` level's part of an enrollment: the card's evidence, or why the desk has none.
    public enum CardKeyInput: Sendable {
        case evidence(CardKeyEvidence)
        /// A stable code from the desk: `birth_date_tries_low`, `no_birth_date`, `card_refused`, …
        case skipped(String)
    }

    /// Who is at the desk. A signed-in operator is held to the rules below; ``system(_:)`` is the
    /// server enrolling for itself (the demo's seeding, before any account exists).
    public struct Desk: Sendable {
        package var actor: String
        package var role: Role?
        package var userID: UUID?
        package var employeeID: UUID?

        package init(_ user: SessionUser) {
            actor = "user:\(user.username)"
            role = user.role
            userID = user.id
            employeeID = user.employeeID
        }
        private init(actor: String) { self.actor = actor }

        /// The server itself: no operator rules apply, but the card is still bound by evidence.
        public static func system(_ name: String) -> Desk { Desk(actor: "system:\(name)") }
    }

    /// The signing certificate the holder's card gave after its signing password, and the signing key's
    /// signature over the enrollment challenge.
    public struct HolderEvidence: Sendable {
        public var signingCertificateDER: Data
        public var signature: [UInt8]
        public init(signingCertificateDER: Data, signature: [UInt8]) {
            self.signingCertificateDER = signingCertificateDER
            self.signature = signature
        }
    }

    /// A challenge bound to this employee's enrollment (2 minutes: the person types a PIN), for an
    /// operator allowed to enroll for them (checked again when the enrollment completes).
    public static func challenge(employeeID: UUID, by desk: Desk, on db: any Database, state: AppState) async throws -> Challenge {
        guard try await EmployeeModel.find(employeeID, on: db) != nil else { throw Abort(.notFound, reason: "no such employee") }
        try await checkOperator(desk, mayEnroll: employeeID, on: db)
        return try await ChallengeStore.issue(context: "enroll:\(employeeID.uuidString)", seconds: max(state.config.challengeSeconds, 120), on: db)
    }

    /// The highest role among the accounts linked to `employeeID` (`nil`: no account).
    static func highestRole(of employeeID: UUID, on db: any Database) async throws -> Role? {
        let roles = try await UserModel.query(on: db).filter(\.$employeeID == employeeID).all().map { user -> Role in
            guard let role = Role(rawValue: user.role) else {
                // An account with a role this server does not know is treated as the most privileged.
                return .admin
            }
            return role
        }
        return roles.max { $0.rank < $1.rank }
    }

    /// An operator never enrolls a card for their own record, nor for someone whose account outranks theirs.
    static func checkOperator(_ desk: Desk, mayEnroll employeeID: UUID, on db: any Database) async throws {
        guard let role = desk.role else { return }
        if desk.employeeID == employeeID {
            throw Abort(.forbidden, reason: "an operator cannot enroll a card for their own record; another operator must")
        }
        if let target = try await highestRole(of: employeeID, on: db), target.rank > role.rank {
            throw Abort(.forbidden, reason: "this person's account has a higher role than yours; an administrator must enroll their card")
        }
    }

    /// Checks the proof of possession, the certificate (chain, policy, revocation) and the binding to the
    /// person, then makes the credential active or leaves it pending (see ``CredentialBinding``).
    public static func complete(employeeID: UUID, challengeID: UUID, certificateDER der: Data, signature: [UInt8], holder: HolderEvidence?,
                                card: CardKeyInput = .skipped("not_sent"), cvcIssuers: CVCIssuers = .none,
                                by desk: Desk, on db: any Database, state: AppState) async throws -> Outcome {
        guard let employee = try await EmployeeModel.find(employeeID, on: db) else { throw Abort(.notFound, reason: "no such employee") }
        try await checkOperator(desk, mayEnroll: employeeID, on: db)
        let actor = desk.actor
        let subject = "employee:\(employeeID.uuidString)"
        func refuse(_ why: String, _ status: HTTPStatus = .unprocessableEntity, _ reason: String) async throws -> Never {
            try await state.events.appendNow(AuditDraft(kind: "credential.enrollment_refused", actor: actor, subject: subject, details: ["why": why]))
            throw Abort(status, reason: reason)
        }
        let certificate: Certificate
        do { certificate = try Certificate(derEncoded: Array(der)) } catch { throw Abort(.unprocessableEntity, reason: "the certificate does not parse") }
        let challenge: Challenge
        switch try await ChallengeStore.consume(id: challengeID, context: "enroll:\(employeeID.uuidString)", on: db) {
        case .failure(let why): throw why
        case .success(let c): challenge = c
        }
        guard certificate.publicKey.isValidSignature(signature, for: challenge.signedMessage, signatureAlgorithm: .sha256WithRSAEncryption) else {
            try await refuse("signature", .unprocessableEntity, "the card's signature does not match its certificate")
        }
        let result = await state.validator.validate(certificate, at: Date())
        if let failure = result.failure {
            try await refuse("\(failure)", .unprocessableEntity, "certificate not accepted: \(failure)")
        }
        // Accepted with a warning (a certificate policy rule in warn mode): the card is enrolled, and the
        // audit log says what the operator asked to hear of before requiring it.
        func warn(_ certificate: String, _ warnings: [ValidationWarning]) async throws {
            for warning in warnings {
                try await state.events.appendNow(AuditDraft(kind: "credential.enrollment_warning", actor: actor, subject: subject,
                                                            details: ["certificate": certificate, "warning": warning.category, "detail": warning.description]))
            }
        }
        try await warn("auth", result.warnings)

        // Whose card is it? Evidence the operator cannot make up alone.
        var evidence: CredentialBinding.Evidence?
        var fingerprint: String?
        if let holder {
            fingerprint = try await checkSigningCertificate(holder, challenge: challenge, employee: employee, state: state, db: db, refuse: refuse,
                                                            warn: { try await warn("sign", $0) })
            evidence = .signingCertificate
        }
        let highest = try await highestRole(of: employeeID, on: db)
        let privileged = desk.role != nil && highest.map { $0 != .employee } == true
        // Anyone with an account accepts every new card in their own session: a matching signing
        // certificate proves whose card it is only as far as the HR record is right, and the desk can
        // edit the HR record (security review of C1's fix, finding 1).
        let needsHolder = evidence == nil || privileged || highest != nil
        if evidence == nil, highest == nil {
            try await refuse("no_binding", .unprocessableEntity,
                             "the card cannot be bound to this person: they have no account to accept it in, so the holder must give the signing password at the desk (name and birth date are matched with the HR record)")
        }

        // The card's own key for `genuine` doors: stored only when the card proved it holds it and its
        // records vouch for it; anything short of that enrolls the card without it and says why.
        var cardKey: CardKeyOutcome
        switch card {
        case .skipped(let why): cardKey = .absent(why)
        case .evidence(let evidence):
            let birth = try await VaultProfileModel.find(employeeID, on: db)?.birthDate
            cardKey = CardKeyCheck.check(evidence, challenge: challenge, birthDate: birth, issuers: cvcIssuers, chain: state.config.cardKeyChain)
            if let key = cardKey.key,
               try await CredentialModel.query(on: db).filter(\.$cardKey == Data(key)).filter(\.$employeeID != employeeID).filter(\.$state != "retired").first() != nil {
                // The same card key on someone else's card: one physical card cannot be two people's.
                cardKey = .refused("card_key_in_use")
            }
        }
        if cardKey.status != "stored" || cardKey.reason != nil {
            try await state.events.appendNow(AuditDraft(kind: "credential.card_key_not_checked", actor: actor, subject: subject,
                                                        details: ["status": cardKey.status, "why": cardKey.reason ?? ""]))
        }

        let issuer = certificate.issuer.description
        let serial = certificate.serialNumber.bytes.map { String(format: "%02X", $0) }.joined()
        if let existing = try await CredentialModel.query(on: db).filter(\.$issuer == issuer).filter(\.$serial == serial).first() {
            guard existing.employeeID == employeeID else { throw Abort(.conflict, reason: "this card is enrolled to another person") }
            // A card enrolled before the `genuine` level comes back to the desk for its card key (the
            // `card_key_missing` refusal sends it here): the same checks as a first enrollment — the PIN
            // signature over this challenge, the certificate, the card's records — then the key is
            // attached to the credential it already has.
            // Only with the holder's signing certificate matched to the HR record in this same enrollment:
            // it ties the visual application's birth date to the JPKI card's, so a desk that changed the HR
            // birth date cannot attach another card's key (attacker review of the fix). Active credentials
            // only: a pending one gets its key when enrolled again after it is decided.
            if let key = cardKey.key, existing.cardKey == nil, existing.state == "active", evidence == .signingCertificate {
                existing.cardKey = Data(key)
                try await existing.save(on: db)
                try await state.policy.changed()
                let fingerprint = SHA256.hash(data: key).prefix(8).lowercaseHex
                try await state.events.appendNow(AuditDraft(kind: "credential.card_key_added", actor: actor, subject: subject,
                                                            details: ["serial": serial, "chain": cardKey.reason ?? "checked", "keyFingerprint": fingerprint]))
                return Outcome(credential: existing, renewed: 0, waitingFor: [], cardKey: cardKey)
            }
            if cardKey.key != nil, existing.cardKey == nil, existing.state == "active" {
                throw Abort(.conflict, reason: "this card is already enrolled; to add its card key, enroll it again with the holder's signing password")
            }
            throw Abort(.conflict, reason: existing.state == "pending" ? "this card is already waiting for approval" : "this card is already enrolled")
        }
        let m = CredentialModel()
        m.employeeID = employeeID
        m.kind = CredentialKey.Kind.jpkiAuth.rawValue
        m.issuer = issuer
        m.serial = serial
        m.certificate = der
        m.notBefore = certificate.notValidBefore
        m.notAfter = certificate.notValidAfter
        m.state = "pending"
        m.stateChangedAt = Date()
        m.binding = evidence?.rawValue
        m.bindingIdentity = fingerprint
        m.enrolledBy = actor
        m.needsApproval = privileged
        m.needsHolder = needsHolder
        m.cardKey = cardKey.key.map { Data($0) }
        guard privileged || needsHolder else {
            let renewed = try await activate(m, creating: true, actor: actor, on: db, state: state)
            return Outcome(credential: m, renewed: renewed, waitingFor: [], cardKey: cardKey)
        }
        try await m.create(on: db)
        var waiting: [String] = []
        if privileged { waiting.append("approval") }
        if needsHolder { waiting.append("holder") }
        try await state.events.appendNow(AuditDraft(kind: "credential.enrollment_pending", actor: actor, subject: subject,
                                                    details: ["serial": serial, "waiting": waiting.joined(separator: ","), "binding": evidence?.rawValue ?? "none"]))
        return Outcome(credential: m, renewed: 0, waitingFor: waiting, cardKey: cardKey)
    }

    /// The signing certificate: a valid JPKI signing certificate whose key signed this challenge, naming
    /// the person the HR record describes. Its address and sex are not looked at and nothing of it is stored.
    /// Returns the fingerprint of the HR identity it matched (``SigningCertificateIdentity/fingerprint(name:birthDate:)``).
    static func checkSigningCertificate(_ holder: HolderEvidence, challenge: Challenge, employee: EmployeeModel, state: AppState, db: any Database,
                                        refuse: (String, HTTPStatus, String) async throws -> Never,
                                        warn: ([ValidationWarning]) async throws -> Void) async throws -> String {
        let signing: Certificate
        do { signing = try Certificate(derEncoded: Array(holder.signingCertificateDER)) } catch {
            throw Abort(.unprocessableEntity, reason: "the signing certificate does not parse")
        }
        guard signing.publicKey.isValidSignature(holder.signature, for: challenge.signedMessage, signatureAlgorithm: .sha256WithRSAEncryption) else {
            try await refuse("signing_signature", .unprocessableEntity, "the signing key's signature does not match the signing certificate")
        }
        guard !state.signingValidator.anchors.isEmpty(for: .sign) else {
            try await refuse("no_signing_anchors", .unprocessableEntity, "no trust anchors for signing certificates are configured (trust anchors directory, sign/)")
        }
        let signingResult = await state.signingValidator.validate(signing, at: Date())
        if let failure = signingResult.failure {
            try await refuse("signing_\(failure)", .unprocessableEntity, "signing certificate not accepted: \(failure)")
        }
        try await warn(signingResult.warnings)
        guard let identity = SigningCertificateIdentity(certificate: signing) else {
            try await refuse("signing_no_identity", .unprocessableEntity, "the signing certificate carries no name and birth date")
        }
        let profile = try await VaultProfileModel.find(try employee.requireID(), on: db)
        guard let birth = profile?.birthDate, !birth.isEmpty else {
            try await refuse("no_birth_date", .unprocessableEntity, "the HR record has no birth date to match the signing certificate with")
        }
        guard identity.matches(name: employee.name, birthDate: birth) else {
            // The values stay out of the log and the answer: the mismatch alone is the finding.
            try await refuse("signing_mismatch", .unprocessableEntity, "the signing certificate's name or birth date does not match the HR record")
        }
        return SigningCertificateIdentity.fingerprint(name: employee.name, birthDate: birth)
    }

    /// After the HR record's name or birth date changed: every card of the person bound by a signing
    /// certificate that matched the old values goes back to pending, waiting for the holder (who accepts
    /// it in their own session) — so renaming a record to match a card, binding it and renaming it back
    /// leaves that card unusable. Returns the audit records, written by the caller in the same transaction.
    package static func recheckBindings(employeeID: UUID, actor: String, on db: any Database) async throws -> [AuditDraft] {
        let bound = try await CredentialModel.query(on: db).filter(\.$employeeID == employeeID)
            .filter(\.$binding == CredentialBinding.Evidence.signingCertificate.rawValue).all()
            .filter { $0.state == "active" || $0.state == "pending" }
        guard !bound.isEmpty else { return [] }
        guard let employee = try await EmployeeModel.find(employeeID, on: db) else { return [] }
        let birth = try await VaultProfileModel.find(employeeID, on: db)?.birthDate ?? ""
        let current = SigningCertificateIdentity.fingerprint(name: employee.name, birthDate: birth)
        var drafts: [AuditDraft] = []
        for m in bound where m.bindingIdentity != current {
            let was = m.state
            m.state = "pending"
            m.stateChangedAt = Date()
            m.binding = nil
            m.bindingIdentity = nil
            m.needsHolder = true
            m.holderConfirmedAt = nil
            try await m.save(on: db)
            drafts.append(AuditDraft(kind: "credential.binding_void", actor: actor, subject: "employee:\(employeeID.uuidString)",
                                     details: ["serial": m.serial, "was": was, "why": "hr_identity_changed"]))
        }
        return drafts
    }

    /// Makes `m` the person's active credential: earlier ones are retired (history kept, the owner sees
    /// who replaced them), the policy reloads, an open card application closes.
    @discardableResult
    static func activate(_ m: CredentialModel, creating: Bool, actor: String, on db: any Database, state: AppState) async throws -> Int {
        let employeeID = m.employeeID
        let renewed = try await db.transaction { tx -> Int in
            if !creating {
                // Read again inside the transaction: a refusal or another activation may have come first.
                guard let id = m.id, let row = try await CredentialModel.find(id, on: tx), row.state == "pending" else {
                    throw Abort(.conflict, reason: "this card is no longer waiting for approval")
                }
            }
            var retired = 0
            for old in try await CredentialModel.query(on: tx).filter(\.$employeeID == employeeID)
                .filter(\.$state != "retired").filter(\.$state != "pending").all() {
                old.state = "retired"
                old.stateChangedAt = Date()
                old.retiredBy = m.enrolledBy ?? actor
                try await old.save(on: tx)
                retired += 1
            }
            m.state = "active"
            m.stateChangedAt = Date()
            if creating { try await m.create(on: tx) } else { try await m.save(on: tx) }
            return retired
        }
        try await state.policy.changed()
        let subject = "employee:\(employeeID.uuidString)"
        try await state.events.appendNow(AuditDraft(kind: renewed > 0 ? "credential.renewed" : "credential.enrolled", actor: actor, subject: subject,
                                                    details: ["serial": m.serial, "retired": String(renewed), "binding": m.binding ?? "none",
                                                              "enrolledBy": m.enrolledBy ?? actor]))
        // What features do now that the card is in MynaGate: an open card application closes itself (issue 9).
        for draft in try await state.enrollmentHooks.enrolled(employee: employeeID, actor: actor, on: db) {
            try await state.events.appendNow(draft)
        }
        return renewed
    }
}

extension Role {
    /// For "an operator cannot enroll for anyone with a higher role": employee < hr = security < admin.
    package var rank: Int {
        switch self {
        case .employee: return 0
        case .hr, .security: return 1
        case .admin: return 2
        }
    }
}
