import Foundation
import Testing
@testable import Trust

/// Index files written by someone hostile: the checksums detect bit rot, not a writer who recomputes
/// them, so every header field must be range-checked before it is used in arithmetic. Found by the
/// FuzzRevocationIndex fuzz target (Fuzz/Targets/FuzzRevocationIndex), which recomputes the sums.
@Suite struct RevocationIndexHostileFileTests {
    /// A valid small index file.
    static func file() -> [UInt8] {
        var builder = RevocationIndexBuilder()
        for serial: [UInt8] in [[0x01], [0x12, 0x34], [0x12, 0x35]] {
            serial.withUnsafeBytes { try! builder.add(serial: $0, revocationSeconds: 1_700_000_000, reason: nil, invaliditySeconds: nil) }
        }
        return builder.finish(header: .init(issuerDER: [0x30, 0x00], crlNumber: CRLNumber(1), thisUpdate: Date(timeIntervalSince1970: 1_700_000_000),
                                            nextUpdate: nil, authorityKeyIdentifier: nil, signatureVerified: false)).fileBytes
    }

    /// `file` with the UInt64 at `offset` set to `value` and both checksums recomputed, as a hostile
    /// writer would.
    static func with(_ value: UInt64, at offset: Int, in file: [UInt8]) -> [UInt8] {
        var b = file
        b.withUnsafeMutableBytes { raw in
            let p = raw.baseAddress!
            p.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt64.self)
            let headerLength = Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
            let body = RevocationIndexChecksum.compute(UnsafeRawBufferPointer(start: p + headerLength, count: raw.count - headerLength))
            p.storeBytes(of: body.littleEndian, toByteOffset: 32, as: UInt64.self)
            p.storeBytes(of: UInt64(0), toByteOffset: 40, as: UInt64.self)
            let header = RevocationIndexChecksum.compute(UnsafeRawBufferPointer(start: p, count: headerLength))
            p.storeBytes(of: header.littleEndian, toByteOffset: 40, as: UInt64.self)
        }
        return b
    }

    @Test func theUntouchedFileLoads() throws {
        #expect(try RevocationIndex(fileBytes: Self.file()).count == 3)
    }

    /// entryCount (offset 16) and invalidityCount (offset 72) above Int.max, or large enough that
    /// eight times it overflows: each trapped (a crash of the door agent at load) before the fix.
    @Test(arguments: [(16, UInt64.max), (16, UInt64(1) << 63), (72, UInt64.max), (72, UInt64(1) << 61), (72, UInt64(1) << 63)])
    func hugeCountsAreRefusedNotTrapped(offset: Int, value: UInt64) {
        #expect(throws: CRLError.self) { try RevocationIndex(fileBytes: Self.with(value, at: offset, in: Self.file())) }
    }

    /// thisUpdate (offset 48) or nextUpdate (offset 56) at the top of Int64's range: the loader went
    /// through Date and back, and Double(Int64.max) rounds up past Int64.max, so the conversion back
    /// trapped. The seconds are kept as stored.
    @Test(arguments: [48, 56])
    func extremeDatesAreKeptNotTrapped(offset: Int) throws {
        let index = try RevocationIndex(fileBytes: Self.with(UInt64(Int64.max), at: offset, in: Self.file()))
        #expect(offset == 48 ? index.header.thisUpdateSeconds == Int64.max : index.header.nextUpdateSeconds == Int64.max)
    }
}
