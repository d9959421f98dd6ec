import Foundation
import MynaCardSim
import Trust
import X509

/// The demo's certificate revocation: its TEST authentication CA publishes CRLs into a revocation index
/// the server sweeps, as a deployment imports J-LIS's CRLs with `mynagate trust crl import`.
///
/// One demo person's card is revoked after it was enrolled (as when a holder reports a card lost to their
/// municipality), so the demo shows what the server does about it: the sweep finds the card in the CRL,
/// suspends it with reason `certificateRevoked` (`credential.suspended` in the event log) and the doors
/// refuse it with that reason. A fresh CRL is published at every start and every few hours, so the
/// index never goes stale under a long-running demo (a stale CRL fails enrollment closed).
public struct DemoRevocation: Sendable {
    let organisation: DemoOrganisation

    public init(organisation: DemoOrganisation) { self.organisation = organisation }

    /// The revocation index directory the server is configured with (`crl-index` in the data directory).
    public var indexDirectory: URL { organisation.directory.appendingPathComponent("crl-index") }

    /// Whose card is revoked: the last person, unless that is the demo's employee login (then the one before).
    public var revokedPerson: Int {
        let loginEmployee = min(10, organisation.people - 1)
        let last = organisation.people - 1
        return last == loginEmployee ? last - 1 : last
    }

    /// The employee number of the person whose card is revoked.
    public var revokedEmployeeNumber: String { organisation.employeeNumber(revokedPerson) }

    /// How long each published CRL is current (its nextUpdate); the demo republishes well before.
    static let validity: TimeInterval = 24 * 3600
    /// How often a running demo publishes a fresh CRL.
    public static let republishInterval: Duration = .seconds(6 * 3600)

    /// Writes a CRL signed by the TEST authentication CA, listing the revoked card when `revokeCard`,
    /// and imports it — signature verified with the CA's certificate — into ``indexDirectory``.
    /// CRL numbers count up in `ca/crlnumber` (shared with `mynagate pki crl`), so each is newer.
    public func publish(revokeCard: Bool, now: Date = Date()) throws {
        let ca = organisation.caDirectory
        let issuer = try Certificate(pemEncoded: String(contentsOf: ca.appendingPathComponent(TestJPKIHierarchy.FileName.authCA), encoding: .utf8))
        let signer = try CRLSigner(pemRepresentation: String(contentsOf: ca.appendingPathComponent(TestJPKIHierarchy.FileName.authCAKey), encoding: .utf8))
        let numberFile = ca.appendingPathComponent("crlnumber")
        var last: UInt64 = 0
        if FileManager.default.fileExists(atPath: numberFile.path) {
            let text = try String(contentsOf: numberFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let n = UInt64(text) else { throw DemoRevocationError("\(numberFile.path) does not hold a CRL number") }
            last = n
        }
        let number = last + 1
        try Data("\(number)\n".utf8).write(to: numberFile, options: .atomic)
        var entries: [CRLEntry] = []
        if revokeCard {
            let card = try VirtualMynaCard.load(contentsOf: organisation.cardFile(revokedPerson))
            let certificate = try Certificate(derEncoded: card.state.authCertificate)
            // keyCompromise: what a municipality records for a card reported lost (its key may be in other hands).
            entries.append(CRLEntry(certificateSerial: certificate.serialNumber, revocationDate: now, reason: .keyCompromise))
        }
        let builder = CRLBuilder(issuer: issuer, signer: signer, thisUpdate: now, nextUpdate: now.addingTimeInterval(Self.validity),
                                 crlNumber: CRLNumber(number))
        let path = ca.appendingPathComponent("demo-crl.der").path
        _ = try builder.write(entries: entries, to: path)
        _ = try RevocationIndexStore(directory: indexDirectory).importCRL(at: path, issuer: issuer)
    }
}

/// The demo's revocation files cannot be used.
public struct DemoRevocationError: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}
