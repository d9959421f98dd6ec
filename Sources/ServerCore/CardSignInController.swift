import Access
import Fluent
import Foundation
import Store
import Trust
import Vapor
import X509

/// Sign-in with the card at a desk reader: the card signs a server challenge after its PIN, the
/// signature is checked against the certificate enrolled for the person, and the account linked to that
/// person is signed in. The My Number is never read.
///
/// The card replaces the password only for accounts of role employee, or for an account whose owner
/// opted in with their password (``UserModel/cardSignIn``). For admin, security and hr the card is
/// otherwise a second factor: the same request carries the password (security review C1 and L4: a card
/// enrolled by someone else, or relayed through a compromised PIN reader, never opens such an account alone).
struct CardSignInController {
    package let auth: AuthController

    struct Started: Content {
        package var challengeId: UUID
        package var digest: String
        package var expiresAt: Date
    }
    struct Finish: Content {
        package var challengeId: UUID
        /// The card's auth certificate serial (hex), as the desk reader read it.
        package var serial: String
        /// The card's signature over the challenge (base64).
        package var signature: String
        /// The account's password, when the account is privileged and has not opted in to the card alone.
        package var password: String?
    }

    package func register(_ routes: any RoutesBuilder) {
        routes.post("api", "v1", "session", "card", "challenge", use: start)
        routes.post("api", "v1", "session", "card", use: finish)
    }

    @Sendable package func start(_ req: Request) async throws -> Started {
        let c = try await ChallengeStore.issue(context: "signin", seconds: max(req.state.config.challengeSeconds, 60), on: req.db)
        return Started(challengeId: c.id, digest: Data(c.digest).base64EncodedString(), expiresAt: c.expiresAt)
    }

    @Sendable package func finish(_ req: Request) async throws -> AuthController.SignedIn {
        let f = try req.decodeBody(Finish.self)
        guard f.serial.schemaLength <= 42, f.serial.isASCIIHex, let signature = Data(base64Encoded: f.signature), signature.count <= 1024 else {
            throw Abort(.badRequest, reason: "serial must be hex and signature base64")
        }
        let refused = Abort(.unauthorized, reason: "the card was not accepted for sign-in")
        // Counted here; a wrong password given with the card is counted by the password check.
        let cardRefused = { () -> Abort in
            req.state.metrics.increment(Metrics.Name.signInFailures, labels: ["method": "card"])
            return refused
        }
        guard case .success(let challenge) = try await ChallengeStore.consume(id: f.challengeId, context: "signin", on: req.db) else { throw cardRefused() }
        // The enrolled, active credential with this serial; its stored certificate holds the key.
        let matches = try await CredentialModel.query(on: req.db).filter(\.$serial == f.serial.uppercased()).filter(\.$state == "active").all()
        guard matches.count == 1, let credential = matches.first,
              let certificate = try? Certificate(derEncoded: Array(credential.certificate)),
              certificate.publicKey.isValidSignature(Array(signature), for: challenge.signedMessage, signatureAlgorithm: .sha256WithRSAEncryption),
              Date() < credential.notAfter,
              let user = try await UserModel.query(on: req.db).filter(\.$employeeID == credential.employeeID).first() else {
            throw cardRefused()
        }
        let secondFactor = user.role != Role.employee.rawValue && user.cardSignIn != true
        if secondFactor {
            // The card is a second factor here: the password, counted like any sign-in attempt.
            guard let password = f.password else {
                throw Abort(.unauthorized, reason: "this account signs in with its password as well as the card")
            }
            guard try await PasswordCheck.check(username: user.username, password: password, purpose: .cardSignIn, on: req) != nil else {
                throw refused
            }
        } else if let until = user.lockedUntil, until > Date() {
            // Locked: the same answer as a refused card (L3), nothing that says the account exists.
            throw cardRefused()
        }
        try await req.audit(kind: "account.signed_in", subject: "user:\(user.username)", details: ["method": secondFactor ? "card+password" : "card", "serial": credential.serial],
                            actorOverride: "user:\(user.username)")
        return AuthController.SignedIn(username: user.username, role: user.role, csrfToken: try auth.startSession(for: user, on: req))
    }
}
