import Foundation
import SwiftASN1
import X509

/// What a person needs to see about an issued certificate, for tools that print what they made
/// (`mynagate vcard new`) without depending on swift-certificates themselves.
public struct CertificateSummary: Sendable, Hashable, Codable {
    /// The serial number's DER INTEGER content bytes in upper-case hex, leading `00` included: the form
    /// a door reader takes from the first 40 bytes of EF `000A`.
    public let serialHex: String
    /// The subject, RFC 4514 form (`CN=…,C=JP`).
    public let subject: String
    /// The issuer, RFC 4514 form.
    public let issuer: String
    /// Start of validity.
    public let notBefore: Date
    /// End of validity.
    public let notAfter: Date

    /// Summarises a DER certificate.
    ///
    /// - Throws: when `der` is not an X.509 certificate.
    public init(der: [UInt8]) throws {
        let certificate = try Certificate(derEncoded: der)
        // swift-certificates keeps the serial's magnitude; the content bytes as encoded (a `00` before a
        // first byte with its top bit set) are what a reader of the raw EF sees, so take them from the DER.
        serialHex = (Self.serialContentBytes(der) ?? Array(certificate.serialNumber.bytes)).map { b in
            let s = String(b, radix: 16, uppercase: true)
            return b < 16 ? "0" + s : s
        }.joined()
        subject = certificate.subject.description
        issuer = certificate.issuer.description
        notBefore = certificate.notValidBefore
        notAfter = certificate.notValidAfter
    }

    /// The content bytes of TBSCertificate.serialNumber: Certificate → TBSCertificate → [0] version,
    /// then the INTEGER.
    static func serialContentBytes(_ der: [UInt8]) -> [UInt8]? {
        guard let root = try? DER.parse(der), case .constructed(let certificate) = root.content,
              let tbs = certificate.first(where: { _ in true }), case .constructed(let fields) = tbs.content else {
            return nil
        }
        for node in fields where node.identifier == .integer {
            if case .primitive(let bytes) = node.content { return Array(bytes) }
        }
        return nil
    }
}
