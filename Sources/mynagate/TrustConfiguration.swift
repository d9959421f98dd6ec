import Foundation
import Trust
import X509
#if canImport(Glibc)
import Glibc
#endif

/// Reading trust configuration for the `trust` commands: anchors and CRLs, with errors that name the file.
enum TrustConfiguration {
    static func fail(_ message: String) -> Never {
        FileHandleOutput.standardError.write("mynagate: \(message)\n")
        exit(2)
    }

    /// The anchors of `--anchors DIR`, else of $MYNAGATE_ANCHORS; exits 2 when neither is set or they
    /// cannot be read (nothing is trusted by default).
    static func anchors(_ option: String?) throws -> TrustAnchors {
        guard let path = option ?? ProcessInfo.processInfo.environment["MYNAGATE_ANCHORS"] else {
            fail("no trust anchors configured: pass --anchors DIR or set MYNAGATE_ANCHORS")
        }
        do {
            return try TrustAnchors.load(from: URL(fileURLWithPath: path))
        } catch {
            fail("trust anchors: \(error)")
        }
    }

    /// A CRL revocation checker from CRL files: each CRL's signature is checked with the anchor that
    /// issued it; deltas are applied on the complete CRL of the same issuer given before them.
    static func crlChecker(files: [String], anchors: [Certificate], staleHours: Int?) throws -> CRLRevocationChecker {
        var indexes: [[UInt8]: RevocationIndex] = [:]
        for file in files {
            do {
                let reader = try CRLReader(path: file)
                guard let issuer = anchors.first(where: { $0.subject == reader.info.issuer }) else {
                    fail("\(file): issued by \(reader.info.issuer), which is not a configured anchor")
                }
                let key = try CRLIssuerKey(certificate: issuer)
                if reader.info.isDelta {
                    guard let base = indexes[reader.info.issuerDER] else { fail("\(file): a delta CRL needs its complete CRL first") }
                    indexes[reader.info.issuerDER] = try base.applying(delta: reader, issuer: key)
                } else {
                    indexes[reader.info.issuerDER] = try RevocationIndex.build(from: reader, issuer: key)
                }
            } catch {
                fail("\(file): \(error)")
            }
        }
        return CRLRevocationChecker(indexes: Array(indexes.values), policy: staleHours.map { .acceptFor(hours: $0) } ?? .failClosed)
    }
}
