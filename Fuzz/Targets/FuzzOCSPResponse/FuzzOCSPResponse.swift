// libFuzzer target: OCSP response decoding and judging (Sources/Trust/OCSPMessages.swift,
// OCSPRevocationChecker.swift) on arbitrary bytes, as a hostile or broken responder would answer; the
// same bytes are also read as an OCSP request (the responder side). The judge asks about the fuzz test
// card (Fuzz/PKI/card-auth.der) under the test CA (Fuzz/PKI/auth-ca.pem) with the nonce the seeds were
// made with. Invariants, beyond "no crash, no unbounded allocation":
// - a response judged good or revoked carries the very tbsResponseData of a response the test CA
//   signed (one of the committed seeds): the fuzzer cannot forge a signature, so anything else accepted
//   is a hole in the checks;
// - judging is deterministic: the same bytes give the same verdict twice.
import FuzzSupport
import Foundation
@testable import Trust
import X509

private let pki = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("PKI")

private struct Fixture: @unchecked Sendable {
    let issuer: Certificate
    let id: OCSPCertificateID
    let time: Date
    let signedTBS: Set<[UInt8]>
    let checker: OCSPRevocationChecker
}

/// What the seeds were made with (Tests/TrustTests/FuzzSeedTests.swift).
let fuzzOCSPNonce: [UInt8] = Array(0..<32)

private struct NoTransport: OCSPTransport {
    func send(request: [UInt8], to url: URL) async throws -> [UInt8] { [] }
}

private let fixture: Fixture = {
    guard let pem = try? String(contentsOf: pki.appendingPathComponent("auth-ca.pem"), encoding: .utf8),
          let issuer = try? Certificate(pemEncoded: pem),
          let cardDER = try? Data(contentsOf: pki.appendingPathComponent("card-auth.der")),
          let card = try? Certificate(derEncoded: Array(cardDER)),
          let id = try? OCSPCertificateID(serial: card.serialNumber, issuer: issuer, hashAlgorithm: .sha1) else {
        fatalError("cannot read the fuzz test PKI at \(pki.path)")
    }
    let seeds = pki.deletingLastPathComponent().appendingPathComponent("Corpus/FuzzOCSPResponse")
    var signed = Set<[UInt8]>()
    for name in (try? FileManager.default.contentsOfDirectory(atPath: seeds.path)) ?? [] where name.hasPrefix("seed-") {
        if let data = try? Data(contentsOf: seeds.appendingPathComponent(name)),
           let response = try? OCSPResponseMessage(derEncoded: Array(data)), response.responseStatus == 0 {
            signed.insert(response.tbsResponseData)
        }
    }
    guard !signed.isEmpty else { fatalError("no signed seed responses in \(seeds.path)") }
    let checker = OCSPRevocationChecker(transport: NoTransport(), responderURL: URL(string: "http://ocsp.invalid")!)
    return Fixture(issuer: issuer, id: id, time: issuer.notValidBefore.addingTimeInterval(2 * 86_400), signedTBS: signed, checker: checker)
}()

/// The process entry (Fuzz/Support/FuzzSupport.c says why each target names its own).
@_cdecl("FuzzOCSPResponse_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    // The fixture is built by one empty input first, LeakSanitizer looking away (FuzzSupport.c says why).
    mynagate_fuzz_main_warm(argc, argv)
}


@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    _ = try? OCSPRequestMessage(derEncoded: bytes)

    let f = fixture
    let verdict = f.checker.judge(bytes, id: f.id, nonce: fuzzOCSPNonce, issuer: f.issuer, at: f.time)
    switch verdict {
    case .good, .revoked:
        guard let response = try? OCSPResponseMessage(derEncoded: bytes), f.signedTBS.contains(response.tbsResponseData) else {
            fatalError("an OCSP response the test CA never signed was accepted: \(verdict)")
        }
    case .unknown:
        break
    }
    guard f.checker.judge(bytes, id: f.id, nonce: fuzzOCSPNonce, issuer: f.issuer, at: f.time) == verdict else {
        fatalError("the same response was judged twice differently")
    }
    return 0
}
