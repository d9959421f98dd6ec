import Foundation

/// The bytes of a revocation index file (all integers little-endian). See ``RevocationIndex`` for why.
///
/// ```
/// header (128 bytes fixed + variable, padded to 8):
///   0  magic "MGREVIX1"        8  version UInt32        12 headerLength UInt32
///   16 entryCount UInt64       24 bodyLength UInt64     32 bodyChecksum UInt64
///   40 headerChecksum UInt64 (computed with this field zero)
///   48 thisUpdate Int64        56 nextUpdate Int64 (Int64.min: none)
///   64 flags UInt32 (bit 0: signature verified)         68 groupCount UInt32
///   72 invalidityCount UInt64  80..127 zero
///   128 five byte strings (four in version 1), each UInt16 length + bytes: issuer Name DER, CRL number,
///       delta CRL number (0 bytes: none), authority key identifier, SHA-256 of the SubjectPublicKeyInfo
///       of the key that verified the CRL (0 bytes: not verified; absent in version 1)
/// body:
///   group table, groupCount × 40 bytes:
///     serialLength UInt16, prefixLength UInt8, directoryBytes UInt8, recordWidth UInt16, 0 UInt16,
///     count UInt32, firstOrdinal UInt32, prefixOffset UInt64, directoryOffset UInt64, recordsOffset UInt64
///   per group: common prefix bytes; directory (256^directoryBytes + 1) × UInt32 when directoryBytes > 0;
///     records, count × recordWidth: serial bytes after prefix and directory bytes, UInt32 revocation
///     seconds, UInt8 flags (low nibble reason, 0xF none; 0x10 has an invalidity date)
///   invalidity table, invalidityCount × (UInt32 ordinal, UInt32 seconds), sorted by ordinal
/// ```
enum RevocationIndexLayout {
    static let magic: [UInt8] = Array("MGREVIX1".utf8)
    /// Written: 2 records the verifying key (issue 17 review). Version-1 files are still read; their
    /// index is keyed by name and authority key identifier only until the CRL is imported again.
    static let version: UInt32 = 2
    static let readableVersions: ClosedRange<UInt32> = 1...2
    static let fixedHeader = 128
    static let groupEntrySize = 40
    static let maxSerialLength = 64
    static let noReason = 0x0F
    static let hasInvalidity: UInt8 = 0x10

    static func align8(_ n: Int) -> Int { (n + 7) & ~7 }

    /// Lays out an index from sorted groups into one buffer and wraps it.
    /// `layoutVersion` 1 writes the old four-field header (tests of reading old stores only).
    static func write(header: RevocationIndex.Header, groups: [SortedGroup], layoutVersion: UInt32 = version) -> RevocationIndex {
        // Variable header part.
        var variable: [UInt8] = []
        var fields = [header.issuerDER, header.crlNumber?.magnitude ?? [], header.deltaCRLNumber?.magnitude ?? [], header.authorityKeyIdentifier ?? []]
        if layoutVersion >= 2 { fields.append(header.issuerKeyDigest ?? []) }
        for field in fields {
            let n = min(field.count, Int(UInt16.max))
            variable.append(UInt8(n & 0xFF)); variable.append(UInt8(n >> 8))
            variable.append(contentsOf: field.prefix(n))
        }
        let headerLength = align8(fixedHeader + variable.count)

        // Body sizes.
        var offset = align8(groups.count * groupEntrySize)
        var placements: [(prefix: Int, directory: Int, records: Int, width: Int)] = []
        var invalidityCount = 0
        var entryCount = 0
        for g in groups {
            let prefixAt = offset
            offset = align8(offset + g.commonPrefix.count)
            let directoryAt = offset
            if g.directoryBytes > 0 { offset += g.directory.count * 4 }
            let recordsAt = offset
            let width = g.length - g.commonPrefix.count - g.directoryBytes + 5
            offset = align8(offset + g.count * width)
            placements.append((prefixAt, directoryAt, recordsAt, width))
            entryCount += g.count
            g.records.withUnsafeBytes { raw in
                for i in 0..<g.count where raw[i * g.buildWidth + g.length + 4] & hasInvalidity != 0 { invalidityCount += 1 }
            }
        }
        let invalidityAt = offset
        let bodyLength = invalidityAt + invalidityCount * 8
        let total = headerLength + bodyLength

        let storage = IndexStorage(byteCount: total)
        let base = storage.base
        memset(base, 0, total)
        let body = base + headerLength
        var ordinal = 0
        var invalidityIndex = 0
        for (gi, g) in groups.enumerated() {
            let place = placements[gi]
            let entry = body + gi * groupEntrySize
            entry.storeBytes(of: UInt16(g.length).littleEndian, toByteOffset: 0, as: UInt16.self)
            entry.storeBytes(of: UInt8(g.commonPrefix.count), toByteOffset: 2, as: UInt8.self)
            entry.storeBytes(of: UInt8(g.directoryBytes), toByteOffset: 3, as: UInt8.self)
            entry.storeBytes(of: UInt16(place.width).littleEndian, toByteOffset: 4, as: UInt16.self)
            entry.storeBytes(of: UInt32(g.count).littleEndian, toByteOffset: 8, as: UInt32.self)
            entry.storeBytes(of: UInt32(ordinal).littleEndian, toByteOffset: 12, as: UInt32.self)
            entry.storeBytes(of: UInt64(place.prefix).littleEndian, toByteOffset: 16, as: UInt64.self)
            entry.storeBytes(of: UInt64(place.directory).littleEndian, toByteOffset: 24, as: UInt64.self)
            entry.storeBytes(of: UInt64(place.records).littleEndian, toByteOffset: 32, as: UInt64.self)
            g.commonPrefix.withUnsafeBytes { if !$0.isEmpty { (body + place.prefix).copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
            if g.directoryBytes > 0 {
                for (i, v) in g.directory.enumerated() { (body + place.directory).storeBytes(of: v.littleEndian, toByteOffset: i * 4, as: UInt32.self) }
            }
            let skip = g.commonPrefix.count + g.directoryBytes
            let keep = g.length - skip
            g.records.withUnsafeBytes { raw in
                let src = raw.baseAddress!
                for i in 0..<g.count {
                    let r = src + i * g.buildWidth
                    let d = body + place.records + i * place.width
                    d.copyMemory(from: r + skip, byteCount: keep + 5)
                    if r.load(fromByteOffset: g.length + 4, as: UInt8.self) & hasInvalidity != 0 {
                        let at = body + invalidityAt + invalidityIndex * 8
                        let seconds = r.loadUnaligned(fromByteOffset: g.length + 5, as: UInt32.self)
                        at.storeBytes(of: UInt32(ordinal + i).littleEndian, toByteOffset: 0, as: UInt32.self)
                        at.storeBytes(of: seconds, toByteOffset: 4, as: UInt32.self)
                        invalidityIndex += 1
                    }
                }
            }
            ordinal += g.count
        }

        // Header.
        magic.withUnsafeBytes { base.copyMemory(from: $0.baseAddress!, byteCount: 8) }
        base.storeBytes(of: layoutVersion.littleEndian, toByteOffset: 8, as: UInt32.self)
        base.storeBytes(of: UInt32(headerLength).littleEndian, toByteOffset: 12, as: UInt32.self)
        base.storeBytes(of: UInt64(entryCount).littleEndian, toByteOffset: 16, as: UInt64.self)
        base.storeBytes(of: UInt64(bodyLength).littleEndian, toByteOffset: 24, as: UInt64.self)
        base.storeBytes(of: header.thisUpdateSeconds.littleEndian, toByteOffset: 48, as: Int64.self)
        base.storeBytes(of: (header.nextUpdateSeconds ?? Int64.min).littleEndian, toByteOffset: 56, as: Int64.self)
        base.storeBytes(of: UInt32(header.signatureVerified ? 1 : 0).littleEndian, toByteOffset: 64, as: UInt32.self)
        base.storeBytes(of: UInt32(groups.count).littleEndian, toByteOffset: 68, as: UInt32.self)
        base.storeBytes(of: UInt64(invalidityCount).littleEndian, toByteOffset: 72, as: UInt64.self)
        variable.withUnsafeBytes { (base + fixedHeader).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        let bodyChecksum = RevocationIndexChecksum.compute(UnsafeRawBufferPointer(start: body, count: bodyLength))
        base.storeBytes(of: bodyChecksum.littleEndian, toByteOffset: 32, as: UInt64.self)
        let headerChecksum = RevocationIndexChecksum.compute(UnsafeRawBufferPointer(start: base, count: headerLength))
        base.storeBytes(of: headerChecksum.littleEndian, toByteOffset: 40, as: UInt64.self)
        // Cannot fail: the buffer was just written to this layout.
        return try! RevocationIndex(storage: storage, verifyBody: false)
    }
}

/// The index file's bytes in one heap allocation. Read in one `read(2)` rather than mapped so that a
/// file truncated or replaced underneath a running door controller cannot fault it (SIGBUS).
final class IndexStorage: @unchecked Sendable {
    // Written once before the storage is shared, read-only afterwards.
    let base: UnsafeMutableRawPointer
    let count: Int

    init(byteCount: Int) {
        base = UnsafeMutableRawPointer.allocate(byteCount: max(8, byteCount), alignment: 16)
        count = byteCount
    }

    deinit { base.deallocate() }
}
