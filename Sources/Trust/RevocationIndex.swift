import Foundation
import SwiftASN1
import X509

/// The set of serials one CRL issuer has revoked, in a form a door controller loads in milliseconds and
/// asks in well under a microsecond.
///
/// ## Layout, and why
/// Targets for 10 million entries (issue 4): at most 24 bytes per entry in memory, a lookup in at most
/// 1 µs, and import no slower than `openssl crl -noout`. Serials are DER INTEGER content bytes of 1–20
/// bytes (21 with a sign byte, RFC 5280 section 4.1.2.2), so fixed-width 21-byte keys would waste half
/// the space on a realistic mix, and 64-bit fingerprints would either need the full serial next to them
/// (more than 24 bytes) or accept false "revoked" answers (a locked-out employee).
///
/// So entries are grouped **by serial length**; inside a group every record has the same width and the
/// records are sorted by serial. Per group:
/// - the **common prefix** all its serials share is stored once (sequential serials share most bytes);
/// - the next one or two bytes select a **directory bucket** (256 or 65 536 start offsets) and are not
///   stored in the records either; a lookup reads one bucket bound pair, then binary-searches a handful
///   of records (about eight for random serials);
/// - a record keeps only the remaining serial bytes, the revocation date as 32-bit seconds (to 2106), and
///   one byte of reason code plus a flag for an invalidity date; invalidity dates are rare and sit in a
///   side table of (ordinal, seconds) pairs.
///
/// A record is therefore `serial length − prefix − directory bytes + 5` bytes: about 14 bytes per entry for
/// uniformly mixed 1–20-byte serials, and 23 bytes for the worst case of all-random 20-byte serials. The
/// lookup is exact: no false positives, whatever the serials.
///
/// The whole index is one file (see `RevocationIndexLayout`) read in one `read(2)`; a header
/// checksum and a body checksum are verified before anything is trusted, and the group table is
/// bounds-checked so that even a checksum collision cannot make a lookup read outside the buffer.
public struct RevocationIndex: Sendable {
    /// What the index was built from.
    public struct Header: Sendable, Hashable {
        /// The CRL issuer's Name, DER, as in the CRL.
        public var issuerDER: [UInt8]
        /// The complete CRL's number.
        public var crlNumber: CRLNumber?
        /// The number of the delta CRL merged on top, if any.
        public var deltaCRLNumber: CRLNumber?
        /// The newest CRL's thisUpdate and nextUpdate (a merged delta's, when there is one).
        public var thisUpdateSeconds: Int64
        public var nextUpdateSeconds: Int64?
        public var authorityKeyIdentifier: [UInt8]?
        /// Whether every CRL merged into the index had its signature verified.
        public var signatureVerified: Bool
        /// SHA-256 of the SubjectPublicKeyInfo of the key that verified the CRL's signature
        /// (``CRLIssuerKey/keyDigest``); the index answers only for certificates issued by that key.
        /// `nil` when unverified, or in a version-1 file (written before the key was recorded): such an
        /// index is matched by name and authority key identifier only, until its CRL is imported again.
        public var issuerKeyDigest: [UInt8]?

        public var thisUpdate: Date { Date(timeIntervalSince1970: Double(thisUpdateSeconds)) }
        public var nextUpdate: Date? { nextUpdateSeconds.map { Date(timeIntervalSince1970: Double($0)) } }

        public init(issuerDER: [UInt8], crlNumber: CRLNumber?, deltaCRLNumber: CRLNumber? = nil, thisUpdate: Date,
                    nextUpdate: Date?, authorityKeyIdentifier: [UInt8]?, signatureVerified: Bool, issuerKeyDigest: [UInt8]? = nil) {
            self.issuerDER = issuerDER
            self.crlNumber = crlNumber
            self.deltaCRLNumber = deltaCRLNumber
            self.thisUpdateSeconds = Int64(thisUpdate.timeIntervalSince1970.rounded(.down))
            self.nextUpdateSeconds = nextUpdate.map { Int64($0.timeIntervalSince1970.rounded(.down)) }
            self.authorityKeyIdentifier = authorityKeyIdentifier
            self.signatureVerified = signatureVerified
            self.issuerKeyDigest = issuerKeyDigest
        }

        /// Whether this index holds a newer CRL than `other` (of the same issuer key): a higher CRL
        /// number, then a higher merged delta number, then a later thisUpdate. What a file is called
        /// or when it was written says nothing about which CRL is newer.
        public func isNewer(than other: Header) -> Bool {
            if crlNumber != other.crlNumber { return (crlNumber.map { n in other.crlNumber.map { n > $0 } ?? true }) ?? false }
            if deltaCRLNumber != other.deltaCRLNumber {
                return (deltaCRLNumber.map { n in other.deltaCRLNumber.map { n > $0 } ?? true }) ?? false
            }
            return thisUpdateSeconds > other.thisUpdateSeconds
        }

        /// The issuer as a distinguished name (nil if the stored bytes are not a Name).
        public var issuer: DistinguishedName? { try? DistinguishedName(derEncoded: DER.parse(issuerDER)) }

        /// Freshness of the newest CRL merged in.
        public func freshness(at time: Date) -> CRLFreshness {
            CRLFreshness(thisUpdate: thisUpdate, nextUpdate: nextUpdate, at: time)
        }
    }

    /// One revoked serial's facts, as stored.
    public struct Revocation: Sendable, Hashable {
        public var revocationSeconds: Int64
        public var reason: CRLReason?
        public var invaliditySeconds: Int64?

        public var revocationDate: Date { Date(timeIntervalSince1970: Double(revocationSeconds)) }
        public var invalidityDate: Date? { invaliditySeconds.map { Date(timeIntervalSince1970: Double($0)) } }
        /// As a ``RevocationStatus``.
        public var status: RevocationStatus { .revoked(reason: reason, date: revocationDate, invalidity: invalidityDate) }
    }

    /// One serial-length group, decoded from the group table at load.
    struct Group: Sendable {
        var serialLength: Int
        var prefixLength: Int
        var directoryBytes: Int
        var recordWidth: Int
        var count: Int
        var firstOrdinal: Int
        var prefix: Int  // offsets from the start of the file
        var directory: Int
        var records: Int
        var keyLength: Int { serialLength - prefixLength - directoryBytes }
    }

    let storage: IndexStorage
    public let header: Header
    /// Revoked serials in the index.
    public let count: Int
    let groups: [Group]
    /// groupBySerialLength[n] is the index in `groups` of the group of n-byte serials, or -1.
    let groupBySerialLength: [Int8]
    let invalidityOffset: Int
    let invalidityCount: Int

    /// The size of the index in memory and on disk, in bytes.
    public var byteCount: Int { storage.count }

    /// Validates `storage` as an index file (sizes, checksums, every offset) and decodes its tables.
    init(storage: IndexStorage, verifyBody: Bool) throws(CRLError) {
        let b = storage.base
        let total = storage.count
        func fail(_ why: String) -> CRLError { .corruptIndex(why) }
        guard total >= RevocationIndexLayout.fixedHeader else { throw fail("file shorter than the header") }
        guard memcmp(b, RevocationIndexLayout.magic, 8) == 0 else { throw fail("not a MynaGate revocation index") }
        let version = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        guard RevocationIndexLayout.readableVersions.contains(version) else { throw fail("unsupported index version") }
        let headerLength = Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
        let bodyLength = UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        guard headerLength >= RevocationIndexLayout.fixedHeader, headerLength <= total,
              bodyLength == UInt64(total - headerLength) else {
            throw fail("size does not match the header (truncated or extended file)")
        }
        let storedHeaderSum = UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 40, as: UInt64.self))
        b.storeBytes(of: UInt64(0), toByteOffset: 40, as: UInt64.self)
        let headerSum = RevocationIndexChecksum.compute(UnsafeRawBufferPointer(start: b, count: headerLength))
        b.storeBytes(of: storedHeaderSum, toByteOffset: 40, as: UInt64.self)
        guard headerSum == storedHeaderSum else { throw fail("header checksum mismatch") }
        if verifyBody {
            let bodySum = RevocationIndexChecksum.compute(UnsafeRawBufferPointer(start: b + headerLength, count: Int(bodyLength)))
            guard bodySum == UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 32, as: UInt64.self)) else {
                throw fail("body checksum mismatch")
            }
        }
        // The checksums stop bit rot, not a writer who recomputes them: every count is range-checked
        // before it is used in arithmetic (a count above Int.max trapped here; FuzzRevocationIndex).
        let storedEntryCount = UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        guard storedEntryCount <= UInt64(total) else { throw fail("entry count larger than the file") }
        let entryCount = Int(storedEntryCount)
        let thisUpdate = Int64(littleEndian: b.loadUnaligned(fromByteOffset: 48, as: Int64.self))
        let nextUpdate = Int64(littleEndian: b.loadUnaligned(fromByteOffset: 56, as: Int64.self))
        let flags = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 64, as: UInt32.self))
        let groupCount = Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 68, as: UInt32.self)))
        let invalidities = UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 72, as: UInt64.self))

        var fields: [[UInt8]] = []
        var at = RevocationIndexLayout.fixedHeader
        // Version 2 added the verifying key's digest as a fifth field.
        for _ in 0..<(version == 1 ? 4 : 5) {
            guard at + 2 <= headerLength else { throw fail("header fields truncated") }
            let n = Int(UInt16(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
            guard at + 2 + n <= headerLength else { throw fail("header fields truncated") }
            fields.append(Array(UnsafeRawBufferPointer(start: b + at + 2, count: n)))
            at += 2 + n
        }
        var header = Header(issuerDER: fields[0], crlNumber: fields[1].isEmpty ? nil : CRLNumber(integerBytes: fields[1]),
                            deltaCRLNumber: fields[2].isEmpty ? nil : CRLNumber(integerBytes: fields[2]),
                            thisUpdate: Date(timeIntervalSince1970: 0), nextUpdate: nil,
                            authorityKeyIdentifier: fields[3].isEmpty ? nil : fields[3], signatureVerified: flags & 1 != 0,
                            issuerKeyDigest: fields.count > 4 && !fields[4].isEmpty ? fields[4] : nil)
        // The seconds as stored, not through Date: Double(Int64.max) rounds past Int64.max, and
        // converting it back trapped (FuzzRevocationIndex).
        header.thisUpdateSeconds = thisUpdate
        header.nextUpdateSeconds = nextUpdate == Int64.min ? nil : nextUpdate
        self.header = header

        // The group table: every offset and size is checked against the body so lookups need no checks.
        let body = headerLength
        let bodyEnd = total
        guard groupCount <= RevocationIndexLayout.maxSerialLength,
              body + groupCount * RevocationIndexLayout.groupEntrySize <= bodyEnd else { throw fail("group table out of bounds") }
        var groups: [Group] = []
        var bySerialLength = [Int8](repeating: -1, count: RevocationIndexLayout.maxSerialLength + 1)
        var ordinal = 0
        for gi in 0..<groupCount {
            let e = b + body + gi * RevocationIndexLayout.groupEntrySize
            let g = Group(
                serialLength: Int(UInt16(littleEndian: e.loadUnaligned(fromByteOffset: 0, as: UInt16.self))),
                prefixLength: Int(e.load(fromByteOffset: 2, as: UInt8.self)),
                directoryBytes: Int(e.load(fromByteOffset: 3, as: UInt8.self)),
                recordWidth: Int(UInt16(littleEndian: e.loadUnaligned(fromByteOffset: 4, as: UInt16.self))),
                count: Int(UInt32(littleEndian: e.loadUnaligned(fromByteOffset: 8, as: UInt32.self))),
                firstOrdinal: Int(UInt32(littleEndian: e.loadUnaligned(fromByteOffset: 12, as: UInt32.self))),
                prefix: body + Int(truncatingIfNeeded: UInt64(littleEndian: e.loadUnaligned(fromByteOffset: 16, as: UInt64.self)) & 0xFFFF_FFFF_FFFF),
                directory: body + Int(truncatingIfNeeded: UInt64(littleEndian: e.loadUnaligned(fromByteOffset: 24, as: UInt64.self)) & 0xFFFF_FFFF_FFFF),
                records: body + Int(truncatingIfNeeded: UInt64(littleEndian: e.loadUnaligned(fromByteOffset: 32, as: UInt64.self)) & 0xFFFF_FFFF_FFFF))
            guard (1...RevocationIndexLayout.maxSerialLength).contains(g.serialLength), bySerialLength[g.serialLength] < 0,
                  g.directoryBytes <= 2, g.prefixLength + g.directoryBytes <= g.serialLength,
                  g.recordWidth == g.keyLength + 5, g.firstOrdinal == ordinal,
                  g.prefix + g.prefixLength <= bodyEnd,
                  g.records + g.count * g.recordWidth <= bodyEnd else { throw fail("group \(gi) out of bounds") }
            if g.directoryBytes > 0 {
                let buckets = 1 << (8 * g.directoryBytes)
                guard g.directory + (buckets + 1) * 4 <= bodyEnd else { throw fail("group \(gi) directory out of bounds") }
                var previous: UInt32 = 0
                for i in 0...buckets {
                    let v = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: g.directory + i * 4, as: UInt32.self))
                    guard v >= previous, v <= g.count else { throw fail("group \(gi) directory not monotonic") }
                    previous = v
                }
                guard previous == g.count else { throw fail("group \(gi) directory does not cover its records") }
            }
            bySerialLength[g.serialLength] = Int8(gi)
            groups.append(g)
            ordinal += g.count
        }
        guard ordinal == entryCount else { throw fail("entry count does not match the groups") }
        // Bounded by the entry count (itself at most the file size) before the multiplication.
        guard invalidities <= UInt64(entryCount), total - Int(invalidities) * 8 >= body else { throw fail("invalidity table out of bounds") }
        let invalidityAt = total - Int(invalidities) * 8
        self.storage = storage
        self.count = entryCount
        self.groups = groups
        self.groupBySerialLength = bySerialLength
        self.invalidityOffset = invalidityAt
        self.invalidityCount = Int(invalidities)
    }

    // MARK: - Lookup

    /// The revocation of the serial given as DER INTEGER content bytes, or nil when it is not revoked.
    public func lookup(serial: [UInt8]) -> Revocation? {
        serial.withUnsafeBytes { lookup(serialBytes: $0) }
    }

    /// The revocation of a certificate serial, or nil.
    public func lookup(_ serial: Certificate.SerialNumber) -> Revocation? {
        lookup(serial: CRLEntry.derSerial(serial))
    }

    /// The allocation-free lookup: `serialBytes` are DER INTEGER content bytes.
    public func lookup(serialBytes s: UnsafeRawBufferPointer) -> Revocation? {
        let length = s.count
        guard length >= 1, length <= RevocationIndexLayout.maxSerialLength else { return nil }
        let gi = Int(groupBySerialLength[length])
        guard gi >= 0 else { return nil }
        let g = groups[gi]
        let b = UnsafeRawPointer(storage.base)
        let sp = s.baseAddress!
        if g.prefixLength > 0 && memcmp(b + g.prefix, sp, g.prefixLength) != 0 { return nil }
        var lo = 0, hi = g.count
        if g.directoryBytes > 0 {
            var bucket = Int(sp.load(fromByteOffset: g.prefixLength, as: UInt8.self))
            if g.directoryBytes == 2 { bucket = bucket << 8 | Int(sp.load(fromByteOffset: g.prefixLength + 1, as: UInt8.self)) }
            lo = Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: g.directory + bucket * 4, as: UInt32.self)))
            hi = Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: g.directory + bucket * 4 + 4, as: UInt32.self)))
        }
        let key = sp + g.prefixLength + g.directoryBytes
        let keyLength = g.keyLength
        let records = b + g.records
        let width = g.recordWidth
        while lo < hi {
            let mid = (lo + hi) >> 1
            let r = records + mid * width
            let c = keyLength == 0 ? 0 : memcmp(r, key, keyLength)
            if c < 0 { lo = mid + 1 } else if c > 0 { hi = mid } else {
                return revocation(record: r + keyLength, ordinal: g.firstOrdinal + mid)
            }
        }
        return nil
    }

    @inline(__always)
    func revocation(record tail: UnsafeRawPointer, ordinal: Int) -> Revocation {
        let seconds = UInt32(littleEndian: tail.loadUnaligned(as: UInt32.self))
        let flags = tail.load(fromByteOffset: 4, as: UInt8.self)
        let reasonCode = Int(flags & 0x0F)
        var invalidity: Int64?
        if flags & RevocationIndexLayout.hasInvalidity != 0 { invalidity = invaliditySeconds(ordinal: ordinal) }
        return Revocation(revocationSeconds: Int64(seconds),
                          reason: reasonCode == RevocationIndexLayout.noReason ? nil : CRLReason(rawValue: reasonCode),
                          invaliditySeconds: invalidity)
    }

    func invaliditySeconds(ordinal: Int) -> Int64? {
        let t = UnsafeRawPointer(storage.base) + invalidityOffset
        var lo = 0, hi = invalidityCount
        while lo < hi {
            let mid = (lo + hi) >> 1
            let o = Int(UInt32(littleEndian: t.loadUnaligned(fromByteOffset: mid * 8, as: UInt32.self)))
            if o < ordinal { lo = mid + 1 } else if o > ordinal { hi = mid } else {
                return Int64(UInt32(littleEndian: t.loadUnaligned(fromByteOffset: mid * 8 + 4, as: UInt32.self)))
            }
        }
        return nil
    }

    /// Calls `body` with every entry, in index order (by serial length, then serial).
    public func forEach(_ body: (CRLEntryView) throws -> Void) rethrows {
        let b = UnsafeRawPointer(storage.base)
        var serial = [UInt8](repeating: 0, count: RevocationIndexLayout.maxSerialLength)
        for g in groups {
            try serial.withUnsafeMutableBytes { (s) throws -> Void in
                let sp = s.baseAddress!
                if g.prefixLength > 0 { sp.copyMemory(from: b + g.prefix, byteCount: g.prefixLength) }
                var bucket = 0
                for i in 0..<g.count {
                    if g.directoryBytes > 0 {
                        while Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: g.directory + (bucket + 1) * 4, as: UInt32.self))) <= i { bucket += 1 }
                        if g.directoryBytes == 1 { sp.storeBytes(of: UInt8(bucket), toByteOffset: g.prefixLength, as: UInt8.self) } else {
                            sp.storeBytes(of: UInt8(bucket >> 8), toByteOffset: g.prefixLength, as: UInt8.self)
                            sp.storeBytes(of: UInt8(bucket & 0xFF), toByteOffset: g.prefixLength + 1, as: UInt8.self)
                        }
                    }
                    let r = b + g.records + i * g.recordWidth
                    if g.keyLength > 0 { (sp + g.prefixLength + g.directoryBytes).copyMemory(from: r, byteCount: g.keyLength) }
                    let rev = revocation(record: r + g.keyLength, ordinal: g.firstOrdinal + i)
                    try body(CRLEntryView(serial: UnsafeRawBufferPointer(start: sp, count: g.serialLength),
                                          revocationSeconds: rev.revocationSeconds, reason: rev.reason,
                                          invaliditySeconds: rev.invaliditySeconds))
                }
            }
        }
    }

    /// Every entry as a value (for tests and small indexes).
    public var entries: [CRLEntry] {
        var out: [CRLEntry] = []
        forEach { out.append($0.entry) }
        return out
    }
}
