import Foundation

/// Collects revoked serials and turns them into a ``RevocationIndex``.
///
/// Entries are kept grouped by serial length in flat byte arrays (serial, 4-byte date, flags, 4-byte
/// invalidity date) so ten million of them cost about 20 bytes each while building and no allocation
/// each. ``finish(header:)`` sorts each group (a counting sort on the bytes after the group's common
/// prefix, then small sorts inside each bucket) and lays out the index file in one buffer.
public struct RevocationIndexBuilder: Sendable {
    /// Build records per serial length: serial bytes, UInt32 revocation seconds, flags, UInt32 invalidity.
    var groups: [[UInt8]] = Array(repeating: [], count: RevocationIndexLayout.maxSerialLength + 1)
    /// Entries added (duplicates included; they are removed when the index is laid out).
    public private(set) var count = 0

    public init() {}

    /// Adds one revoked serial.
    /// - Throws: ``CRLError/outOfRange(_:)`` for a serial over 64 bytes or a date outside 1970–2106.
    public mutating func add(serial: UnsafeRawBufferPointer, revocationSeconds: Int64, reason: CRLReason?, invaliditySeconds: Int64?) throws(CRLError) {
        let length = serial.count
        guard length >= 1, length <= RevocationIndexLayout.maxSerialLength else { throw .outOfRange("serial length \(length)") }
        guard revocationSeconds >= 0, revocationSeconds <= Int64(UInt32.max) else { throw .outOfRange("revocation date outside 1970–2106") }
        var invalidity: UInt32 = 0
        var flags = UInt8(reason?.rawValue ?? RevocationIndexLayout.noReason)
        if let inv = invaliditySeconds {
            guard inv >= 0, inv <= Int64(UInt32.max) else { throw .outOfRange("invalidity date outside 1970–2106") }
            invalidity = UInt32(inv)
            flags |= RevocationIndexLayout.hasInvalidity
        }
        let time = UInt32(revocationSeconds)
        let width = length + 9
        let start = groups[length].count
        groups[length].append(contentsOf: repeatElement(0, count: width))
        groups[length].withUnsafeMutableBytes { raw in
            let p = raw.baseAddress! + start
            p.copyMemory(from: serial.baseAddress!, byteCount: length)
            p.storeBytes(of: time.littleEndian, toByteOffset: length, as: UInt32.self)
            p.storeBytes(of: flags, toByteOffset: length + 4, as: UInt8.self)
            p.storeBytes(of: invalidity.littleEndian, toByteOffset: length + 5, as: UInt32.self)
        }
        count += 1
    }

    /// Adds an entry from a CRL walk.
    public mutating func add(_ view: CRLEntryView) throws(CRLError) {
        try add(serial: view.serial, revocationSeconds: view.revocationSeconds, reason: view.reason, invaliditySeconds: view.invaliditySeconds)
    }

    /// Adds an entry value.
    public mutating func add(_ entry: CRLEntry) throws(CRLError) {
        let seconds = Int64(entry.revocationDate.timeIntervalSince1970.rounded(.down))
        let inv = entry.invalidityDate.map { Int64($0.timeIntervalSince1970.rounded(.down)) }
        let failure: CRLError? = entry.serial.withUnsafeBytes { (raw) -> CRLError? in
            do throws(CRLError) { try add(serial: raw, revocationSeconds: seconds, reason: entry.reason, invaliditySeconds: inv); return nil } catch { return error }
        }
        if let failure { throw failure }
    }

    /// Sorts, removes duplicate serials (the first one added wins) and lays out the index.
    public consuming func finish(header: RevocationIndex.Header) -> RevocationIndex {
        finish(header: header, layoutVersion: RevocationIndexLayout.version)
    }

    consuming func finish(header: RevocationIndex.Header, layoutVersion: UInt32) -> RevocationIndex {
        var sorted: [SortedGroup] = []
        for length in 1...RevocationIndexLayout.maxSerialLength where !groups[length].isEmpty {
            sorted.append(SortedGroup(length: length, records: groups[length]))
            groups[length] = []
        }
        return RevocationIndexLayout.write(header: header, groups: sorted, layoutVersion: layoutVersion)
    }
}

/// One serial length's records, sorted and without duplicates, plus what the layout needs.
struct SortedGroup {
    let length: Int
    /// Bytes every serial of this length shares at its start (stored once, not per record).
    let commonPrefix: [UInt8]
    /// Bytes after the common prefix that select a directory bucket (0, 1 or 2).
    let directoryBytes: Int
    /// Start of each bucket, 256^directoryBytes + 1 values (empty when directoryBytes is 0).
    let directory: [UInt32]
    /// Build records (serial, time, flags, invalidity), sorted by serial, unique.
    let records: [UInt8]
    let count: Int
    var buildWidth: Int { length + 9 }

    init(length: Int, records input: [UInt8]) {
        self.length = length
        let width = length + 9
        var n = input.count / width
        // The common prefix of all serials of this length.
        var prefixLength = length
        input.withUnsafeBytes { raw in
            let first = raw.baseAddress!
            for i in 1..<max(1, n) where prefixLength > 0 {
                let r = first + i * width
                var k = 0
                while k < prefixLength && r.load(fromByteOffset: k, as: UInt8.self) == first.load(fromByteOffset: k, as: UInt8.self) { k += 1 }
                prefixLength = k
            }
        }
        commonPrefix = Array(input.prefix(prefixLength))
        // A directory costs 4 bytes per bucket and saves one byte per record per level: worth it once
        // there are about eight records per bucket, and it makes a lookup one bucket read plus a
        // short binary search.
        let remaining = length - prefixLength
        let dirBytes = min(remaining, n >= (1 << 19) ? 2 : n >= (1 << 11) ? 1 : 0)
        directoryBytes = dirBytes
        let keyOffset = prefixLength + dirBytes
        var out: [UInt8]
        var dir: [UInt32] = []
        if dirBytes == 0 {
            out = input
            out.withUnsafeMutableBytes { Self.sortRange($0.baseAddress!, 0, n, width: width, keyOffset: keyOffset, keyLength: length - keyOffset) }
        } else {
            let buckets = 1 << (8 * dirBytes)
            var counts = [UInt32](repeating: 0, count: buckets + 1)
            func bucket(_ p: UnsafeRawPointer) -> Int {
                dirBytes == 1 ? Int(p.load(fromByteOffset: prefixLength, as: UInt8.self))
                    : Int(p.load(fromByteOffset: prefixLength, as: UInt8.self)) << 8 | Int(p.load(fromByteOffset: prefixLength + 1, as: UInt8.self))
            }
            input.withUnsafeBytes { raw in
                for i in 0..<n { counts[bucket(raw.baseAddress! + i * width) + 1] += 1 }
            }
            for b in 0..<buckets { counts[b + 1] += counts[b] }
            out = [UInt8](repeating: 0, count: input.count)
            var next = counts
            out.withUnsafeMutableBytes { dst in
                input.withUnsafeBytes { src in
                    for i in 0..<n {
                        let r = src.baseAddress! + i * width
                        let b = bucket(r)
                        (dst.baseAddress! + Int(next[b]) * width).copyMemory(from: r, byteCount: width)
                        next[b] += 1
                    }
                }
                for b in 0..<buckets {
                    Self.sortRange(dst.baseAddress!, Int(counts[b]), Int(counts[b + 1]), width: width, keyOffset: keyOffset, keyLength: length - keyOffset)
                }
            }
            dir = counts
        }
        // Remove duplicates in place: equal serials are adjacent within a bucket after sorting.
        let keyLength = length - keyOffset
        out.withUnsafeMutableBytes { raw in
            let base = raw.baseAddress!
            var write = 0
            var newDir = dir
            let bucketCount = dirBytes == 0 ? 1 : dir.count - 1
            for b in 0..<bucketCount {
                let lo = dirBytes == 0 ? 0 : Int(dir[b]), hi = dirBytes == 0 ? n : Int(dir[b + 1])
                if dirBytes > 0 { newDir[b] = UInt32(write) }
                let bucketStart = write
                for i in lo..<hi {
                    let r = base + i * width
                    if write > bucketStart && memcmp(base + (write - 1) * width + keyOffset, r + keyOffset, keyLength) == 0 { continue }
                    if write != i { (base + write * width).copyMemory(from: r, byteCount: width) }
                    write += 1
                }
            }
            if dirBytes > 0 { newDir[bucketCount] = UInt32(write) }
            dir = newDir
            n = write
        }
        out.removeLast(out.count - n * width)
        directory = dir
        records = out
        count = n
    }

    /// Sorts records `lo..<hi` by `keyLength` bytes at `keyOffset`, keeping equal keys in input order
    /// (so the first-added duplicate survives).
    static func sortRange(_ base: UnsafeMutableRawPointer, _ lo: Int, _ hi: Int, width: Int, keyOffset: Int, keyLength: Int) {
        let n = hi - lo
        guard n > 1, keyLength > 0 else { return }
        func key(_ i: Int) -> UnsafeMutableRawPointer { base + i * width + keyOffset }
        var sortedAlready = true
        for i in (lo + 1)..<hi where memcmp(key(i - 1), key(i), keyLength) > 0 { sortedAlready = false; break }
        if sortedAlready { return }
        let temp = UnsafeMutableRawPointer.allocate(byteCount: width * (n <= 16 ? 1 : n), alignment: 8)
        defer { temp.deallocate() }
        if n <= 16 {
            // Insertion sort: buckets are a handful of records when serials are random.
            for i in (lo + 1)..<hi {
                temp.copyMemory(from: base + i * width, byteCount: width)
                var j = i
                while j > lo && memcmp(key(j - 1), temp + keyOffset, keyLength) > 0 {
                    (base + j * width).copyMemory(from: base + (j - 1) * width, byteCount: width)
                    j -= 1
                }
                if j != i { (base + j * width).copyMemory(from: temp, byteCount: width) }
            }
            return
        }
        // Larger buckets (clustered or sequential serials): sort (first 8 key bytes, position) pairs,
        // breaking ties on the rest of the key, then permute.
        var order = [(UInt64, Int32)]()
        order.reserveCapacity(n)
        for i in lo..<hi {
            var k: UInt64 = 0
            let p = key(i)
            for b in 0..<8 { k = k << 8 | UInt64(b < keyLength ? p.load(fromByteOffset: b, as: UInt8.self) : 0) }
            order.append((k, Int32(i)))
        }
        order.sort { a, b in
            if a.0 != b.0 { return a.0 < b.0 }
            if keyLength > 8 {
                let c = memcmp(key(Int(a.1)) + 8, key(Int(b.1)) + 8, keyLength - 8)
                if c != 0 { return c < 0 }
            }
            return a.1 < b.1
        }
        for (j, o) in order.enumerated() { (temp + j * width).copyMemory(from: base + Int(o.1) * width, byteCount: width) }
        (base + lo * width).copyMemory(from: temp, byteCount: n * width)
    }
}
