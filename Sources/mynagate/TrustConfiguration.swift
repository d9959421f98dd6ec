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
        // Keyed by issuer name and key: the generations of a J-LIS root share one name.
        var indexes: [[UInt8]: RevocationIndex] = [:]
        for file in files {
            do {
                let reader = try CRLReader(path: file)
                let named = anchors.filter { $0.subject == reader.info.issuer }
                guard !named.isEmpty else { fail("\(file): issued by \(reader.info.issuer), which is not a configured anchor") }
                // The CRL's authority key identifier names its signer; without one, the anchor whose key
                // verifies the signature is the signer.
                let candidates = named.filter { anchor in
                    guard let aki = reader.info.authorityKeyIdentifier,
                          let ski = try? anchor.extensions.subjectKeyIdentifier?.keyIdentifier else { return true }
                    return Array(ski) == aki
                }
                var lastError: (any Error)?
                var built: RevocationIndex?
                for issuer in candidates {
                    do {
                        let key = try CRLIssuerKey(certificate: issuer)
                        // The key that verifies the CRL is the slot, not the authority key identifier: a
                        // CRL without one would otherwise share a slot with every same-named generation.
                        let slot = reader.info.issuerDER + key.keyDigest
                        if reader.info.isDelta {
                            guard let base = indexes[slot] else { fail("\(file): a delta CRL needs its complete CRL first") }
                            built = try base.applying(delta: reader, issuer: key)
                        } else {
                            built = try RevocationIndex.build(from: reader, issuer: key)
                        }
                        indexes[slot] = built
                        break
                    } catch {
                        lastError = error
                    }
                }
                guard built != nil else { fail("\(file): \(lastError.map { "\($0)" } ?? "no configured anchor has the key that signed it")") }
            } catch {
                fail("\(file): \(error)")
            }
        }
        return CRLRevocationChecker(indexes: Array(indexes.values), policy: staleHours.map { .acceptFor(hours: $0) } ?? .failClosed)
    }
}
