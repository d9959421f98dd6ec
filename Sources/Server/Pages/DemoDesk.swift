import Fluent
import Foundation
import MynaCard
import MynaCardSim
import SmartCard
import Store
import Vapor
import X509

/// The demo's enrollment desk: the server plays the desk reader for virtual card files, typing the
/// demo PIN and having the card sign the challenge, so a browser (and a browser test) can enroll a
/// card without a reader. Used only when ``ServerConfig/demoCardsDirectory`` is set, which only
/// `mynagate demo` does.
public enum DemoDesk {
    /// The auth PIN of every demo virtual card.
    public static let pin = "1234"
    /// The signing password of every demo virtual card: the demo desk plays the holder typing it, so the
    /// card's signing certificate binds it to the person (name and birth date against the HR record).
    public static let signingPassword = "DEMO2026"

    /// A demo card file offered at the desk, with the holder's name and birth date as printed on the
    /// card's face, so a demo user can create the matching HR record.
    struct CardOption: Encodable, Sendable {
        var file: String
        var label: String
    }

    /// Card files in `directory` whose certificate is not enrolled yet, by file name.
    static func unenrolledCards(in directory: String, on db: any Database) async throws -> [CardOption] {
        let enrolled = Set(try await CredentialModel.query(on: db).field(\.$serial).all().map(\.serial))
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".vcard") }.sorted()
        return names.compactMap { name in
            let url = URL(fileURLWithPath: directory).appendingPathComponent(name)
            guard let data = try? Data(contentsOf: url), let state = try? JSONDecoder().decode(VirtualCardState.self, from: data),
                  let cert = try? Certificate(derEncoded: state.authCertificate),
                  !enrolled.contains(cert.serialNumber.bytes.map { String(format: "%02X", $0) }.joined()) else { return nil }
            let b = state.holder.birthDate
            return CardOption(file: name, label: "\(name) — \(state.holder.name) (\(b.prefix(4))-\(b.dropFirst(4).prefix(2))-\(b.suffix(2)))")
        }
    }

    /// Reads the card file's certificate, has the card sign `digest` after the PIN — and with the signing
    /// key after the signing password, giving the signing certificate — and completes the enrollment
    /// through ``Enrollment/complete(employeeID:challengeID:certificateDER:signature:holder:by:on:state:)``,
    /// which checks everything as it does for a real desk.
    static func enroll(file name: String, employeeID: UUID, challengeID: UUID, digest: [UInt8], on req: Request) async throws -> Enrollment.Outcome {
        guard let directory = req.state.config.demoCardsDirectory else { throw Abort(.notFound, reason: "not a demo server") }
        // A bare file name from the list: no path may reach outside the cards directory.
        guard name.hasSuffix(".vcard"), !name.contains("/"), !name.hasPrefix("."), name.count <= 64 else {
            throw Abort(.badRequest, reason: "unknown card file")
        }
        let url = URL(fileURLWithPath: directory).appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else { throw Abort(.badRequest, reason: "unknown card file") }
        let card = MynaCard(transport: EmulatedCardTransport(card: try VirtualMynaCard.load(contentsOf: url)))
        let (der, signature, holder) = try await sign(card, digest: digest)
        let birth = try await VaultProfileModel.find(employeeID, on: req.db)?.birthDate
        let cardKey = await Self.cardKey(card, birthDateKey: CardKeyCheck.birthDateKey(birth), digest: digest)
        return try await Enrollment.complete(employeeID: employeeID, challengeID: challengeID, certificateDER: Data(der), signature: signature,
                                             holder: holder, card: cardKey, cvcIssuers: req.application.cvcIssuers,
                                             by: Enrollment.Desk(try req.user), on: req.db, state: req.state)
    }

    /// The desk's reading for the `genuine` level, in the same card session: the birth-date key from the
    /// HR record opens the age record, and the visual application signs `digest` (no PIN).
    public static func cardKey(_ card: MynaCard, birthDateKey: String?, digest: [UInt8]) async -> Enrollment.CardKeyInput {
        guard let birthDateKey else { return .skipped("no_birth_date") }
        let key: PIN
        do { key = try PIN(birthDateKey, kind: .visualBirthDate) } catch { return .skipped("no_birth_date") }
        switch await card.visual.cardKeyReading(birthDateKey: key, sha256Digest: digest) {
        case .read(let ageRecord, let certificate, let signature):
            return .evidence(CardKeyEvidence(ageRecord: ageRecord, certificate: certificate, signature: signature))
        case .skipped(let why): return .skipped(why)
        }
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
