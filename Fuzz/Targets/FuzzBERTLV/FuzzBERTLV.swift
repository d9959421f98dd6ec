// libFuzzer target: the BER-TLV reader (Sources/SmartCard/BERTLV.swift) on arbitrary bytes, as a
// hostile card would return them from an EF. Invariants, beyond "no crash, no unbounded allocation":
// - every parsed object re-encodes to bytes that parse back to the same object;
// - the header reader agrees with the full reader about the first object's tag and length;
// - when the first object's length is in shortest form, its encoding is exactly the input's prefix
//   (the reader does not invent, drop or reorder bytes);
// - constructed objects' children obey the same, down to a bounded depth.
import FuzzSupport
import SmartCard

/// The process entry (Fuzz/Support/FuzzSupport.c says why each target names its own).
@_cdecl("FuzzBERTLV_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    mynagate_fuzz_main(argc, argv)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))

    if let first = try? BERTLV.parseFirst(bytes) {
        guard let header = try? BERTLV.parseHeader(bytes) else {
            fatalError("parseFirst accepted what parseHeader refused")
        }
        guard header.tag == first.tag, header.valueLength == first.value.count else {
            fatalError("parseHeader and parseFirst disagree")
        }
        let tagLength = BERTLV.tagBytes(first.tag).count
        let shortestLength = BERTLV.lengthBytes(first.value.count).count
        if header.headerLength == tagLength + shortestLength {
            guard first.encoded == Array(bytes.prefix(first.encoded.count)) else {
                fatalError("a canonical object does not re-encode to its own bytes")
            }
        }
        guard header.headerLength >= tagLength + shortestLength else {
            fatalError("a header shorter than the shortest encoding of its tag and length")
        }
    }

    if let all = try? BERTLV.parseAll(bytes) {
        var total = 0
        for object in all {
            check(object, depth: 0)
            total += object.encoded.count
        }
        // Re-encoding never grows the input: lengths only ever get shorter.
        guard total <= bytes.count else { fatalError("re-encoding grew the input") }
    }
    return 0
}

private func check(_ object: BERTLV, depth: Int) {
    let encoded = object.encoded
    guard let again = try? BERTLV.parseFirst(encoded) else {
        fatalError("an object's own encoding does not parse")
    }
    guard again == object else { fatalError("an object's encoding parses to a different object") }
    guard depth < 8, object.isConstructed, let children = try? object.children() else { return }
    for child in children { check(child, depth: depth + 1) }
    if let tag = children.first?.tag {
        guard (try? object.child(tag)) == children.first else { fatalError("child(tag) misses the first child") }
    }
}
