// libFuzzer target: the revocation index file loader and its lookups (Sources/Trust/RevocationIndex*.swift).
// The first input byte picks one of two modes:
// - even: the rest is an index file. Its two checksums are recomputed before loading, so the fuzzer
//   reaches the structure checks behind them (a checksum detects bit rot, not a hostile writer: anyone
//   who can write the file can write matching sums). A file that loads must not make a lookup or a walk
//   read outside it (address sanitizer), its bytes must be what was loaded, and it must load again the same;
// - odd: the rest is a list of entries (length byte, serial, 4-byte seconds, reason byte) built into an
//   index with RevocationIndexBuilder, written to bytes and loaded back. The loaded index must answer,
//   for every serial it was built with, what the first entry with that serial said; and nothing for a
//   serial it was not built with.
import FuzzSupport
import Foundation
@testable import Trust

/// The process entry (Fuzz/Support/FuzzSupport.c says why each target names its own).
@_cdecl("FuzzRevocationIndex_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    mynagate_fuzz_main(argc, argv)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: start, count: count)
    guard let mode = input.first else { return 0 }
    if mode & 1 == 0 { loadFile(Array(input.dropFirst())) } else { buildAndLoad(Array(input.dropFirst())) }
    return 0
}

private func loadFile(_ original: [UInt8]) {
    var file = original
    fixChecksums(&file)
    guard let index = try? RevocationIndex(fileBytes: file) else { return }
    guard index.fileBytes == file, index.byteCount == file.count else { fatalError("the index is not the bytes it loaded") }
    var walked = 0
    index.forEach { view in
        walked += 1
        _ = index.lookup(serialBytes: view.serial)
    }
    guard walked == index.count else { fatalError("the walk saw \(walked) entries, the header says \(index.count)") }
    // Serials the index was not necessarily built with: every length, from the file's own bytes.
    for length in 1...min(file.count, 70) {
        _ = index.lookup(serial: Array(file.suffix(length)))
    }
    guard let again = try? RevocationIndex(fileBytes: index.fileBytes), again.header == index.header, again.count == index.count else {
        fatalError("a loaded index does not load again the same")
    }
}

/// Recomputes the body and header checksums in place when the header length field is in range.
private func fixChecksums(_ file: inout [UInt8]) {
    guard file.count >= RevocationIndexLayout.fixedHeader else { return }
    file.withUnsafeMutableBytes { raw in
        let b = raw.baseAddress!
        let headerLength = Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
        guard headerLength >= RevocationIndexLayout.fixedHeader, headerLength <= raw.count else { return }
        let body = RevocationIndexChecksum.compute(UnsafeRawBufferPointer(start: b + headerLength, count: raw.count - headerLength))
        b.storeBytes(of: body.littleEndian, toByteOffset: 32, as: UInt64.self)
        b.storeBytes(of: UInt64(0), toByteOffset: 40, as: UInt64.self)
        let header = RevocationIndexChecksum.compute(UnsafeRawBufferPointer(start: b, count: headerLength))
        b.storeBytes(of: header.littleEndian, toByteOffset: 40, as: UInt64.self)
    }
}

private func buildAndLoad(_ input: [UInt8]) {
    var builder = RevocationIndexBuilder()
    var first: [[UInt8]: RevocationIndex.Revocation] = [:]
    var i = 0
    // At most 4096 entries: enough to fill 2-byte directories, bounded in time.
    while i < input.count, builder.count < 4096 {
        let length = Int(input[i] % 24) + 1
        guard i + 1 + length + 5 <= input.count else { break }
        let serial = Array(input[(i + 1)..<(i + 1 + length)])
        var seconds: Int64 = 0
        for k in 0..<4 { seconds = seconds << 8 | Int64(input[i + 1 + length + k]) }
        let code = Int(input[i + 1 + length + 4])
        let reason = CRLReason(rawValue: code & 0x0F)
        let invalidity: Int64? = code & 0x10 != 0 ? seconds / 2 : nil
        i += 1 + length + 5
        let added: Bool = serial.withUnsafeBytes { raw in
            (try? builder.add(serial: raw, revocationSeconds: seconds, reason: reason, invaliditySeconds: invalidity)) != nil
        }
        if added, first[serial] == nil {
            first[serial] = RevocationIndex.Revocation(revocationSeconds: seconds, reason: reason, invaliditySeconds: invalidity)
        }
    }
    let header = RevocationIndex.Header(issuerDER: [0x30, 0x00], crlNumber: CRLNumber(UInt64(input.count) + 1), thisUpdate: Date(timeIntervalSince1970: 1_700_000_000),
                                        nextUpdate: nil, authorityKeyIdentifier: nil, signatureVerified: true)
    let built = builder.finish(header: header)
    guard let index = try? RevocationIndex(fileBytes: built.fileBytes) else { fatalError("a built index does not load") }
    guard index.count == first.count, index.header == built.header else { fatalError("the loaded index holds another count or header") }
    for (serial, revocation) in first {
        guard index.lookup(serial: serial) == revocation else { fatalError("the index answers another revocation for a serial it was built with") }
        // The same serial with its last byte changed, unless that one was built in too.
        var other = serial
        other[other.count - 1] &+= 1
        if first[other] == nil, index.lookup(serial: other) != nil { fatalError("the index answers for a serial it was not built with") }
        let longer = serial + [0]
        if first[longer] == nil, index.lookup(serial: longer) != nil { fatalError("the index answers for a serial it was not built with") }
    }
    var walked = 0
    index.forEach { view in
        walked += 1
        guard first[Array(view.serial)] != nil else { fatalError("the walk shows a serial the index was not built with") }
    }
    guard walked == first.count else { fatalError("the walk misses serials") }
}
