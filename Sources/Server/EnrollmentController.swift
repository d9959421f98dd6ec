import Access
import Audit
import Fluent
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
struct EnrollmentController {
    struct Start: Content { var employeeId: UUID }
    struct Started: Content {
        var challengeId: UUID
        var nonce: String
        var context: String
        var digest: String
        var expiresAt: Date
    }
    struct Finish: Content {
        var employeeId: UUID
        var challengeId: UUID
        /// The auth certificate, base64 DER, as read from the card.
        var certificate: String
        /// The card's signature over the challenge, base64.
        var signature: String
    }
    struct Enrolled: Content {
        var credential: CredentialsController.CredentialDTO
        var renewed: Int
        /// Shown once: the code that suspends this person's cards without signing in.
        var emergencyCode: String?
    }

    func register(_ routes: any RoutesBuilder) {
        let desk = routes.grouped(RoleMiddleware([.admin, .hr, .security]))
        desk.post("api", "v1", "enrollment", "challenges", use: start)
        desk.on(.POST, "api", "v1", "enrollment", body: .collect(maxSize: "64kb"), use: finish)
    }

    @Sendable func start(_ req: Request) async throws -> Started {
        let s = try req.content.decode(Start.self)
        let c = try await Enrollment.challenge(employeeID: s.employeeId, on: req.db, state: req.state)
        return Started(challengeId: c.id, nonce: Data(c.nonce).base64EncodedString(), context: c.context, digest: Data(c.digest).base64EncodedString(), expiresAt: c.expiresAt)
    }

    @Sendable func finish(_ req: Request) async throws -> Response {
        let f = try req.content.decode(Finish.self)
        guard let der = Data(base64Encoded: f.certificate), let signature = Data(base64Encoded: f.signature) else {
            throw Abort(.badRequest, reason: "certificate and signature must be base64")
        }
        let actor = "user:\(try req.user.username)"
        let r = try await Enrollment.complete(employeeID: f.employeeId, challengeID: f.challengeId, certificateDER: der, signature: Array(signature),
                                              on: req.db, state: req.state, actor: actor)
        return try await Enrolled(credential: CredentialsController.dto(r.credential), renewed: r.renewed, emergencyCode: r.emergencyCode)
            .encodeResponse(status: .created, for: req)
    }
}

/// The enrollment steps, callable from the HTTP API and from the demo's own desk.
public enum Enrollment {
    public struct Outcome: Sendable {
        public var credential: CredentialModel
        public var renewed: Int
        public var emergencyCode: String?
    }

    /// A challenge bound to this employee's enrollment (2 minutes: the person types a PIN).
    public static func challenge(employeeID: UUID, on db: any Database, state: AppState) async throws -> Challenge {
        guard try await EmployeeModel.find(employeeID, on: db) != nil else { throw Abort(.notFound, reason: "no such employee") }
        return try await ChallengeStore.issue(context: "enroll:\(employeeID.uuidString)", seconds: max(state.config.challengeSeconds, 120), on: db)
    }

    /// Checks the proof of possession, the certificate (chain, policy, revocation) and binds it.
    public static func complete(employeeID: UUID, challengeID: UUID, certificateDER der: Data, signature: [UInt8], on db: any Database,
                                state: AppState, actor: String) async throws -> Outcome {
        guard let employee = try await EmployeeModel.find(employeeID, on: db) else { throw Abort(.notFound, reason: "no such employee") }
        let certificate: Certificate
        do { certificate = try Certificate(derEncoded: Array(der)) } catch { throw Abort(.unprocessableEntity, reason: "the certificate does not parse") }
        let subject = "employee:\(employeeID.uuidString)"
        switch try await ChallengeStore.consume(id: challengeID, context: "enroll:\(employeeID.uuidString)", on: db) {
        case .failure(let why): throw Abort(.unprocessableEntity, reason: why.description)
        case .success(let challenge):
            guard certificate.publicKey.isValidSignature(signature, for: challenge.signedMessage, signatureAlgorithm: .sha256WithRSAEncryption) else {
                try await state.events.appendNow(AuditDraft(kind: "credential.enrollment_refused", actor: actor, subject: subject, details: ["why": "signature"]))
                throw Abort(.unprocessableEntity, reason: "the card's signature does not match its certificate")
            }
        }
        let result = await state.validator.validate(certificate, at: Date())
        if let failure = result.failure {
            try await state.events.appendNow(AuditDraft(kind: "credential.enrollment_refused", actor: actor, subject: subject, details: ["why": "\(failure)"]))
            throw Abort(.unprocessableEntity, reason: "certificate not accepted: \(failure)")
        }
        let issuer = certificate.issuer.description
        let serial = certificate.serialNumber.bytes.map { String(format: "%02X", $0) }.joined()
        if let existing = try await CredentialModel.query(on: db).filter(\.$issuer == issuer).filter(\.$serial == serial).first() {
            guard existing.employeeID == employeeID else { throw Abort(.conflict, reason: "this card is enrolled to another person") }
            throw Abort(.conflict, reason: "this card is already enrolled")
        }
        let m = CredentialModel()
        let renewed = try await db.transaction { tx -> Int in
            // Renewal: earlier credentials of this person are retired, not deleted (history).
            var retired = 0
            for old in try await CredentialModel.query(on: tx).filter(\.$employeeID == employeeID).filter(\.$state != "retired").all() {
                old.state = "retired"
                old.stateChangedAt = Date()
                try await old.save(on: tx)
                retired += 1
            }
            m.employeeID = employeeID
            m.kind = CredentialKey.Kind.jpkiAuth.rawValue
            m.issuer = issuer
            m.serial = serial
            m.certificate = der
            m.notBefore = certificate.notValidBefore
            m.notAfter = certificate.notValidAfter
            m.state = "active"
            m.stateChangedAt = Date()
            try await m.create(on: tx)
            return retired
        }
        var code: String?
        if employee.emergencyCodeHash == nil {
            var rng = SystemRandomNumberGenerator()
            let c = (0..<10).map { _ in String(Int.random(in: 0...9, using: &rng)) }.joined()
            employee.emergencyCodeHash = try Bcrypt.hash(c, cost: state.config.bcryptCost)
            try await employee.save(on: db)
            code = c
        }
        try await state.policy.changed()
        try await state.events.appendNow(AuditDraft(kind: renewed > 0 ? "credential.renewed" : "credential.enrolled", actor: actor, subject: subject,
                                                    details: ["serial": serial, "retired": String(renewed)]))
        // A card application open for this person closes itself: the card is in MynaGate (issue 9).
        for closed in try await CardApplications.closeOnEnrollment(employee: employeeID, actor: actor, on: db) {
            try await state.events.appendNow(AuditDraft(kind: "card_application.card_enrolled", actor: actor, subject: subject,
                                                        details: ["application": closed.rawValue, "stage": "enrolled"]))
        }
        return Outcome(credential: m, renewed: renewed, emergencyCode: code)
    }
}
