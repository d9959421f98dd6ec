// libFuzzer target: the DER scanner (Sources/Trust/DERScanner.swift) and the CRL time decoder
// (DERTime) on arbitrary bytes, walking every TLV down to a bounded depth. Invariants, beyond "no
// crash, no read outside the buffer" (address sanitizer):
// - every element lies inside its parent, header before content, and the walk only moves forward;
// - the header the scanner read is exactly the minimal header DERHeader writes for that tag and length
//   (the scanner accepts DER only, so there is one encoding per tag and length);
// - a time the decoder accepts encodes back to the same instant (DERTime.encode then seconds).
import FuzzSupport
@testable import Trust

/// The process entry (Fuzz/Support/FuzzSupport.c says why each target names its own).
@_cdecl("FuzzDERScanner_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    mynagate_fuzz_main(argc, argv)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    walk(DERScanner(base: start, start: 0, end: count), depth: 0, limit: count)
    return 0
}

private func walk(_ scanner: DERScanner, depth: Int, limit: Int) {
    var s = scanner
    while !s.isAtEnd {
        let before = s.position
        guard let e = try? s.read("fuzz") else { return }
        guard e.headerStart == before, e.contentStart > e.headerStart, e.contentEnd <= scanner.end,
              e.contentEnd <= limit, s.position == e.contentEnd, s.position > before else {
            fatalError("element outside its parent or the walk did not advance")
        }
        var header: [UInt8] = []
        DERHeader.append(tag: e.tag, length: e.contentLength, to: &header)
        guard header == Array(UnsafeRawBufferPointer(start: s.base + e.headerStart, count: e.contentStart - e.headerStart)),
              DERHeader.size(contentLength: e.contentLength) == header.count else {
            fatalError("the scanner accepted a non-minimal header")
        }
        guard s.encoded(e).count == e.contentEnd - e.headerStart, s.content(e).count == e.contentLength else {
            fatalError("encoded/content disagree with the element")
        }
        if e.tag == DERTime.utcTimeTag || e.tag == DERTime.generalizedTimeTag,
           let seconds = try? DERTime.seconds(tag: e.tag, s.content(e)) {
            let (tag, bytes) = DERTime.encode(seconds)
            let again = bytes.withUnsafeBytes { try? DERTime.seconds(tag: tag, $0) }
            guard again == seconds else { fatalError("a decoded time does not re-encode to the same instant") }
        }
        // Constructed (bit 6) elements are walked inside; so are OCTET and BIT STRINGs, which in X.509
        // often wrap DER (extnValue, subjectPublicKey).
        if depth < 16, e.tag & 0x20 != 0 || e.tag == 0x04 {
            walk(s.inside(e), depth: depth + 1, limit: limit)
        }
    }
}
