// libFuzzer target: certificate parsing and path building (Sources/Trust/CertificateValidator.swift,
// JPKIPolicy.swift, swift-certificates' Verifier) on arbitrary bytes, as a card or a client would present
// them. The input is a run of DER TLVs: the first is the card certificate, the others are offered as
// intermediates; the anchors are the fuzz test PKI's (Fuzz/PKI/auth-ca.pem) for the auth purpose, at a
// fixed time two days after the CA's notBefore. Invariants, beyond "no crash, no unbounded allocation":
// - a valid result is a chain from the presented certificate to a configured anchor;
// - a valid chain's card certificate is one the test CA signed (Fuzz/PKI/card-*.der, compared on the
//   exact tbsCertificate bytes): the fuzzer cannot forge a signature, so anything else accepted is a hole;
// - a refusal is one of the named failures (never a crash), and the same input gets the same verdict.
import FuzzSupport
import Dispatch
import Foundation
import Trust
import X509

private let pki = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("PKI")

private struct Fixture: @unchecked Sendable {
    let validator: CardCertificateValidator
    let anchor: Certificate
    let signedTBS: Set<[UInt8]>
    let time: Date
}

private let fixture: Fixture = {
    guard let pem = try? String(contentsOf: pki.appendingPathComponent("auth-ca.pem"), encoding: .utf8),
          let anchor = try? Certificate(pemEncoded: pem) else { fatalError("cannot read the fuzz test CA at \(pki.path)") }
    var signed = Set<[UInt8]>()
    for name in (try? FileManager.default.contentsOfDirectory(atPath: pki.path)) ?? [] where name.hasPrefix("card-") && name.hasSuffix(".der") {
        if let data = try? Data(contentsOf: pki.appendingPathComponent(name)), let card = try? Certificate(derEncoded: Array(data)) {
            signed.insert(Array(card.tbsCertificateBytes))
        }
    }
    guard !signed.isEmpty else { fatalError("no card certificates in \(pki.path)") }
    return Fixture(validator: CardCertificateValidator(anchors: TrustAnchors([anchor], purpose: .auth), purpose: .auth),
                   anchor: anchor, signedTBS: signed, time: anchor.notValidBefore.addingTimeInterval(2 * 86_400))
}()

/// Splits `bytes` into consecutive DER TLVs (definite lengths of up to 3 bytes); stops at the first
/// that does not fit.
private func split(_ bytes: [UInt8]) -> [[UInt8]] {
    var out: [[UInt8]] = []
    var i = 0
    while i + 2 <= bytes.count, out.count < 8 {
        var length = Int(bytes[i + 1])
        var header = 2
        if length & 0x80 != 0 {
            let n = length & 0x7F
            guard n >= 1, n <= 3, i + 2 + n <= bytes.count else { break }
            length = 0
            for k in 0..<n { length = length << 8 | Int(bytes[i + 2 + k]) }
            header += n
        }
        guard i + header + length <= bytes.count else { break }
        out.append(Array(bytes[i..<(i + header + length)]))
        i += header + length
    }
    return out
}

/// Runs async work to completion from libFuzzer's synchronous callback.
private final class Outcome: @unchecked Sendable { var result: ValidationResult? }

private func validate(_ leaf: [UInt8], intermediates: [Certificate]) -> ValidationResult {
    var validator = fixture.validator
    validator.intermediates = intermediates
    let outcome = Outcome()
    let done = DispatchSemaphore(value: 0)
    let time = fixture.time
    Task.detached {
        outcome.result = await validator.validate(encoded: leaf, at: time)
        done.signal()
    }
    done.wait()
    return outcome.result!
}

/// The process entry (Fuzz/Support/FuzzSupport.c says why each target names its own).
@_cdecl("FuzzCertificatePath_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    // The fixture is built by one empty input first, LeakSanitizer looking away (FuzzSupport.c says why).
    mynagate_fuzz_main_warm(argc, argv)
}


@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    let parts = split(bytes)
    // PEM text is presented whole; DER is split into the card certificate and the offered intermediates.
    let leaf = bytes.first == 0x30 ? (parts.first ?? bytes) : bytes
    let intermediates = parts.dropFirst().compactMap { try? Certificate(derEncoded: $0) }
    let result = validate(leaf, intermediates: intermediates)
    if case .valid(let chain, _, _) = result {
        guard let presented = try? CardCertificateValidator.parseCertificate(leaf), chain.first == presented,
              chain.last == fixture.anchor else {
            fatalError("a valid chain does not run from the presented certificate to the anchor")
        }
        guard fixture.signedTBS.contains(Array(presented.tbsCertificateBytes)) else {
            fatalError("a certificate the test CA never signed was validated")
        }
    }
    // The same kind of verdict (valid, or the same ValidationFailure case): the free text of a refusal
    // differed between two runs in one process (found by this target; swift-certificates does not try
    // candidate issuers in a fixed order), which the verdict a security officer reads does not depend on.
    let again = validate(leaf, intermediates: intermediates)
    guard kind(again) == kind(result) else { fatalError("the same chain was judged twice differently: \(result) then \(again)") }
    return 0
}

/// "valid", or the ValidationFailure case name without its associated text.
private func kind(_ result: ValidationResult) -> String {
    guard case .invalid(let failure) = result else { return "valid" }
    // The case's label (its description is English text that carries the associated values).
    return Mirror(reflecting: failure).children.first?.label ?? String(describing: failure)
}
