import Fluent
import Foundation
import MynaCard
import SmartCard
import Store
import Vapor

/// The demo's enrollment desk: the server plays the desk reader for virtual card files, typing the
/// demo PIN and having the card sign the challenge, so a browser (and a browser test) can enroll a
/// card without a reader. Used only when the application has ``DeskCards``, which only `mynagate demo`
/// (and tests) give it.
public enum DemoDesk {
    /// The auth PIN of every demo virtual card.
    public static let pin = "1234"
    /// The signing password of every demo virtual card: the demo desk plays the holder typing it, so the
    /// card's signing certificate binds it to the person (name and birth date against the HR record).
    public static let signingPassword = "DEMO2026"

    /// Reads the card file's certificate, has the card sign `digest` after the PIN — and with the signing
    /// key after the signing password, giving the signing certificate — and completes the enrollment
    /// through ``Enrollment/complete(employeeID:challengeID:certificateDER:signature:holder:by:on:state:)``,
    /// which checks everything as it does for a real desk.
    package static func enroll(file name: String, employeeID: UUID, challengeID: UUID, digest: [UInt8], on req: Request) async throws -> Enrollment.Outcome {
        guard let cards = req.application.deskCards else { throw Abort(.notFound, reason: "not a demo server") }
        // A bare file name from the list: no path may reach outside the cards directory (the card source
        // refuses one too).
        guard name.hasSuffix(".vcard"), !name.contains("/"), !name.hasPrefix("."), name.count <= 64,
              let card = try cards.card(named: name) else {
            throw Abort(.badRequest, reason: "unknown card file")
        }
        let (der, signature, holder) = try await sign(card, digest: digest)
        let birth = try await VaultProfileModel.find(employeeID, on: req.db)?.birthDate
        let cardKey = await CardKeyCheck.read(card, birthDateKey: CardKeyCheck.birthDateKey(birth), digest: digest)
        return try await Enrollment.complete(employeeID: employeeID, challengeID: challengeID, certificateDER: Data(der), signature: signature,
                                             holder: holder, card: cardKey, cvcIssuers: req.application.cvcIssuers,
                                             by: Enrollment.Desk(try req.user), on: req.db, state: req.state)
    }

    /// What a desk reader gets from a demo card for `digest`: the auth certificate and signature (after
    /// the PIN), and the signing certificate and signature (after the signing password).
    public static func sign(_ card: MynaCard, digest: [UInt8]) async throws -> ([UInt8], [UInt8], Enrollment.HolderEvidence) {
        let der = try await card.jpki.certificateDER(.auth).value
        _ = try await card.jpki.verify(try PIN(pin, kind: .jpkiAuth))
        let signature = try await card.jpki.sign(sha256Digest: digest, with: .auth).value
        _ = try await card.jpki.verify(try PIN(signingPassword, kind: .jpkiSigning))
        let signingDER = try await card.jpki.certificateDER(.signing).value
        let signingSignature = try await card.jpki.sign(sha256Digest: digest, with: .signing).value
        return (der, signature, Enrollment.HolderEvidence(signingCertificateDER: Data(signingDER), signature: signingSignature))
    }
}
