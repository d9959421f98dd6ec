/// The index file's body checksum: a 64-bit multiply-rotate hash over four independent lanes.
///
/// It detects truncation, bit rot and partial writes, not tampering: the index is as trusted as the
/// directory it lives in, and the CRL's signature was verified when the index was built. It is used
/// instead of SHA-256 because a door controller checks the whole body at every load, and four lanes of
/// multiplies run several times faster than SHA-256 on a 150 MB index.
enum RevocationIndexChecksum {
    private static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let p3: UInt64 = 0x1656_67B1_9E37_79F9

    @inline(__always)
    private static func round(_ acc: UInt64, _ word: UInt64) -> UInt64 {
        var a = acc &+ word &* p2
        a = (a << 31) | (a >> 33)
        return a &* p1
    }

    static func compute(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let n = bytes.count
        var l0: UInt64 = p1 &+ p2, l1: UInt64 = p2, l2: UInt64 = 0, l3: UInt64 = 0 &- p1
        var i = 0
        if let base = bytes.baseAddress {
            while i + 32 <= n {
                l0 = round(l0, base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                l1 = round(l1, base.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self))
                l2 = round(l2, base.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self))
                l3 = round(l3, base.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self))
                i += 32
            }
        }
        var h = ((l0 << 1) | (l0 >> 63)) &+ ((l1 << 7) | (l1 >> 57)) &+ ((l2 << 12) | (l2 >> 52)) &+ ((l3 << 18) | (l3 >> 46))
        h = (h ^ round(0, l0)) &* p1 &+ p3
        h = (h ^ round(0, l1)) &* p1 &+ p3
        h = (h ^ round(0, l2)) &* p1 &+ p3
        h = (h ^ round(0, l3)) &* p1 &+ p3
        h &+= UInt64(n)
        while i < n {
            h ^= UInt64(bytes[i]) &* p3
            h = ((h << 11) | (h >> 53)) &* p1
            i += 1
        }
        h ^= h >> 33; h &*= p2
        h ^= h >> 29; h &*= p3
        h ^= h >> 32
        return h
    }
}
