import Foundation

/// `count` revoked serials generated deterministically from a seed, for tests and benchmarks: entry `i`
/// is a pure function of `(seed, i)`, so the collection can be walked twice (``CRLBuilder`` does) and a
/// benchmark can pick random present serials by index.
///
/// The mix is meant to look like a large CA's CRL:
/// - serials of 1–20 bytes: a few tiny ones (1–2 bytes), about 15 % of 3–7 bytes, the rest 8–20 bytes,
///   and about a fifth of the long ones in the `00`-prefixed form a DER INTEGER takes when the next byte
///   has its top bit set (21 bytes at most, RFC 5280 section 4.1.2.2);
/// - all serials distinct: each family embeds an injective function of `i`;
/// - reason codes on 40 % of entries (never `unspecified`, which RFC 5280 section 5.3.1 says to omit),
///   invalidity dates on 5 %; revocation dates spread over the five years before `latest`.
public struct SyntheticRevocations: RandomAccessCollection, Sendable {
    public let count: Int
    public let seed: UInt64
    /// Revocation dates are at most this instant.
    public let latestSeconds: Int64

    public init(count: Int, seed: UInt64, latest: Date) {
        self.count = count
        self.seed = seed
        self.latestSeconds = Int64(latest.timeIntervalSince1970.rounded(.down))
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    /// A bijection on 64-bit values (xor-shift and odd multiplies are each invertible), so distinct
    /// inputs give distinct outputs.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z ^= z >> 31; z &*= 0x7FB5_D329_728E_A185
        z ^= z >> 27; z &*= 0x81DA_DEF4_BC2D_D44D
        z ^= z >> 33
        return z
    }

    /// Bytes needed for the short family's index field.
    var shortWidth: Int {
        var w = 2
        while w < 8 && UInt64(count) >= (UInt64(1) << UInt64(8 * w - 1)) { w += 1 }
        return w
    }

    public subscript(i: Int) -> CRLEntry {
        let h = Self.mix(seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(i))
        return CRLEntry(serial: serial(i, h), revocationDate: Date(timeIntervalSince1970: Double(revocationSeconds(h))),
                        reason: reason(h), invalidityDate: invalidity(h).map { Date(timeIntervalSince1970: Double($0)) })
    }

    func serial(_ i: Int, _ h: UInt64) -> [UInt8] {
        // Family A, i < 64: one byte (i+1), or two bytes 00 8x (a leading zero on the shortest serial).
        if i < 64 && h % 4 == 0 {
            return i % 2 == 0 ? [UInt8(i + 1)] : [0x00, 0x80 | UInt8(i)]
        }
        let roll = (h >> 8) % 100
        if roll < 15 {
            // Family B, 3–7 bytes: a marker byte 0x10+e, i in shortWidth bytes, e random bytes. The
            // marker and the fixed-position index make it injective; lengths never reach 8.
            let w = shortWidth
            let e = Int((h >> 16) % UInt64(Swift.max(1, 7 - w)))
            var s: [UInt8] = [0x10 + UInt8(e)]
            for k in stride(from: w - 1, through: 0, by: -1) { s.append(UInt8(truncatingIfNeeded: UInt64(i) >> UInt64(8 * k))) }
            for k in 0..<e { s.append(UInt8(truncatingIfNeeded: h >> UInt64(24 + 8 * k))) }
            return s
        }
        // Family C, 8–21 bytes: k prefix bytes, then an 8-byte bijective image of i (injective: the
        // last 8 bytes alone determine i).
        let v = Self.mix(UInt64(i) ^ Self.mix(seed ^ 0x5151_5151))
        let k = Int((h >> 16) % 13)
        let r = Self.mix(h ^ 0xA5A5)
        var s: [UInt8] = []
        s.reserveCapacity(21)
        if k == 0 {
            // DER sign byte: 9 bytes with a leading zero. A zero top byte would make the 8 bytes a
            // non-minimal INTEGER, so those get a non-zero first byte (9 bytes) instead.
            if v >> 63 == 1 { s.append(0) } else if v >> 56 == 0 { s.append(UInt8(truncatingIfNeeded: r % 0x7F) + 1) }
        } else if k >= 2 && (h >> 24) % 5 == 0 {
            // The leading-zero form: 00, then a byte with its top bit set.
            s.append(0)
            s.append(0x80 | UInt8(truncatingIfNeeded: r))
            for b in 2..<k { s.append(UInt8(truncatingIfNeeded: r >> UInt64(8 * (b % 8)) &+ UInt64(b))) }
        } else {
            s.append(UInt8(truncatingIfNeeded: r % 0x7F) + 1)
            for b in 1..<k { s.append(UInt8(truncatingIfNeeded: r >> UInt64(8 * (b % 8)) &+ UInt64(b))) }
        }
        for b in stride(from: 7, through: 0, by: -1) { s.append(UInt8(truncatingIfNeeded: v >> UInt64(8 * b))) }
        return s
    }

    func revocationSeconds(_ h: UInt64) -> Int64 {
        latestSeconds - Int64((h >> 20) % (5 * 365 * 86_400))
    }

    func reason(_ h: UInt64) -> CRLReason? {
        switch (h >> 40) % 20 {
        case 0, 1, 2: return .keyCompromise
        case 3: return .affiliationChanged
        case 4, 5: return .superseded
        case 6: return .cessationOfOperation
        case 7: return .certificateHold
        default: return nil
        }
    }

    func invalidity(_ h: UInt64) -> Int64? {
        (h >> 48) % 20 == 0 ? revocationSeconds(h) - Int64((h >> 50) % (30 * 86_400)) : nil
    }
}
