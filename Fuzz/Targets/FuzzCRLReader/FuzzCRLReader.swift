// libFuzzer target: the streaming CRL reader (Sources/Trust/CRLReader.swift, CRLReaderWalk.swift) on
// arbitrary bytes (DER or PEM), as a CRL distribution point or a hostile mirror would serve them.
// Invariants, beyond "no crash, no unbounded allocation":
// - walking with the test CA's key (Fuzz/PKI/auth-ca.pem) sees exactly the entries the unverified walk
//   sees, up to where it stops; a walk that ends says how many entries it saw;
// - a complete CRL builds a revocation index that answers, for every serial of the CRL, what the first
//   entry with that serial says (the builder keeps the first of duplicates);
// - a delta CRL with distinct serials merged onto an empty base index answers each of its serials:
//   removeFromCRL takes the serial off, any other entry puts it on.
import FuzzSupport
import Foundation
import Trust
import X509

private let issuerKey: CRLIssuerKey = {
    let pki = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("PKI")
    guard let pem = try? String(contentsOf: pki.appendingPathComponent("auth-ca.pem"), encoding: .utf8),
          let certificate = try? Certificate(pemEncoded: pem), let key = try? CRLIssuerKey(certificate: certificate) else {
        fatalError("cannot read the fuzz test CA at \(pki.path)")
    }
    return key
}()

/// The process entry (Fuzz/Support/FuzzSupport.c says why each target names its own).
@_cdecl("FuzzCRLReader_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    // The fixture is built by one empty input first, LeakSanitizer looking away (FuzzSupport.c says why).
    mynagate_fuzz_main_warm(argc, argv)
}


@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    guard let crl = try? CRLReader(bytes: bytes) else { return 0 }
    _ = crl.info.freshness(at: Date(timeIntervalSince1970: 1_800_000_000))

    var plain: [CRLEntry] = []
    var plainError = false
    do {
        let summary = try crl.forEachEntry(verifyingWith: nil) { plain.append($0.entry) }
        guard summary.entryCount == plain.count, !summary.signatureVerified else { fatalError("the summary misstates the walk") }
    } catch {
        plainError = true
    }

    var verified: [CRLEntry] = []
    do {
        let summary = try crl.forEachEntry(verifyingWith: issuerKey) { verified.append($0.entry) }
        guard !plainError, summary.entryCount == verified.count, summary.signatureVerified else {
            fatalError("a verified walk ended where the plain walk failed, or misstates itself")
        }
    } catch {}
    guard verified.count <= plain.count || plainError, verified == Array(plain.prefix(verified.count)) || plainError else {
        fatalError("the verified walk saw other entries than the plain walk")
    }
    guard !plainError else { return 0 }

    var first: [[UInt8]: CRLEntry] = [:]
    for e in plain where first[e.serial] == nil { first[e.serial] = e }
    if !crl.info.isDelta {
        guard let index = try? RevocationIndex.build(from: crl, issuer: nil) else { return 0 }
        guard index.count == first.count else { fatalError("the index holds \(index.count) serials, the CRL \(first.count)") }
        for (serial, e) in first {
            guard let r = index.lookup(serial: serial) else { fatalError("a revoked serial is missing from the index") }
            guard r.revocationSeconds == Int64(e.revocationDate.timeIntervalSince1970), r.reason == e.reason,
                  r.invaliditySeconds == e.invalidityDate.map({ Int64($0.timeIntervalSince1970) }) else {
                fatalError("the index answers another revocation than the CRL's")
            }
        }
    } else if first.count == plain.count, let base = crl.info.baseCRLNumber {
        let header = RevocationIndex.Header(issuerDER: crl.info.issuerDER, crlNumber: base, thisUpdate: Date(timeIntervalSince1970: 0),
                                            nextUpdate: nil, authorityKeyIdentifier: nil, signatureVerified: false)
        let empty = RevocationIndexBuilder().finish(header: header)
        guard let merged = try? empty.applying(delta: crl, issuer: nil) else { return 0 }
        for e in plain {
            let found = merged.lookup(serial: e.serial)
            guard (found == nil) == (e.reason == .removeFromCRL) else { fatalError("a delta entry is not answered as the delta says") }
        }
    }
    return 0
}
