import Foundation
import Testing
import X509
@testable import Trust

/// The revocation index: exact lookups, the file format's integrity checks and rebuild, memory.
@Suite struct RevocationIndexTests {
    @Test func lookupIsExactForEveryEntryAndNoOther() throws {
        let synthetic = SyntheticRevocations(count: 20_000, seed: 77, latest: CRLFixture.now)
        let der = try CRLFixture.builder().der(entries: synthetic)
        let index = try RevocationIndex.build(from: CRLReader(bytes: der), issuer: CRLFixture.issuerKey)
        #expect(index.count == synthetic.count)
        #expect(index.header.signatureVerified)
        for e in synthetic {
            let r = index.lookup(serial: e.serial)
            #expect(r?.reason == e.reason)
            #expect(r?.revocationDate == e.revocationDate)
            #expect(r?.invalidityDate == e.invalidityDate)
        }
        let other = SyntheticRevocations(count: 2_000, seed: 78, latest: CRLFixture.now)
        let present = Set(synthetic.map(\.serial))
        for e in other where !present.contains(e.serial) { #expect(index.lookup(serial: e.serial) == nil) }
        for near: [UInt8] in [[0x00], [0x02, 0x00], [0x00, 0x80, 0x00], Array(repeating: 0xFF, count: 65), []] {
            if !present.contains(near) { #expect(index.lookup(serial: near) == nil) }
        }
        // Iteration gives back the same set.
        #expect(Set(index.entries.map(\.serial)) == present)
    }

    @Test func serialLengthsCoverOneToTwentyWithLeadingZeros() {
        let synthetic = SyntheticRevocations(count: 5_000, seed: 1, latest: CRLFixture.now)
        let lengths = Set(synthetic.map(\.serial.count))
        #expect(lengths.isSuperset(of: Set([1, 2, 8, 9, 20])))
        #expect(lengths.max()! <= 20)
        #expect(synthetic.contains { $0.serial.count > 1 && $0.serial[0] == 0 })
        #expect(Set(synthetic.map(\.serial)).count == synthetic.count)
        // Every serial is a minimal positive DER INTEGER.
        for e in synthetic {
            #expect(e.serial[0] & 0x80 == 0)
            if e.serial.count > 1 && e.serial[0] == 0 { #expect(e.serial[1] & 0x80 != 0) }
        }
    }

    @Test func duplicatesAndSequentialSerialsAreHandled() throws {
        var b = RevocationIndexBuilder()
        // Sequential 4-byte serials share their first bytes: the common prefix and a large bucket.
        for i in 0..<5_000 {
            let s: [UInt8] = [0x01, 0x02, UInt8(i >> 8), UInt8(i & 0xFF)]
            try b.add(CRLEntry(serial: s, revocationDate: Date(timeIntervalSince1970: Double(1_700_000_000 + i))))
        }
        try b.add(CRLEntry(serial: [0x01, 0x02, 0x00, 0x05], revocationDate: Date(timeIntervalSince1970: 1)))  // duplicate
        let index = b.finish(header: .init(issuerDER: [0x30, 0x00], crlNumber: CRLNumber(1), thisUpdate: Date(), nextUpdate: nil,
                                           authorityKeyIdentifier: nil, signatureVerified: false))
        #expect(index.count == 5_000)
        #expect(index.lookup(serial: [0x01, 0x02, 0x00, 0x05])?.revocationSeconds == 1_700_000_005)
        #expect(index.lookup(serial: [0x01, 0x02, 0x13, 0x87])?.revocationSeconds == 1_700_004_999)
        #expect(index.lookup(serial: [0x01, 0x02, 0x13, 0x88]) == nil)
        #expect(index.lookup(serial: [0x01, 0x03, 0x00, 0x00]) == nil)
        // Shared prefixes are not stored per record.
        #expect(index.byteCount < 5_000 * 8)
    }

    @Test func fileRoundTripAndEveryCorruptionIsDetected() throws {
        let der = try CRLFixture.builder(number: 5).der(entries: SyntheticRevocations(count: 3_000, seed: 3, latest: CRLFixture.now))
        let index = try RevocationIndex.build(from: CRLReader(bytes: der), issuer: CRLFixture.issuerKey)
        let path = CRLFixture.path("idx.mgidx")
        try index.write(to: path)
        let loaded = try RevocationIndex.load(path: path)
        #expect(loaded.header == index.header)
        #expect(loaded.fileBytes == index.fileBytes)
        let bytes = index.fileBytes
        // Truncations.
        for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 300)) {
            #expect(throws: CRLError.self) { try RevocationIndex(fileBytes: Array(bytes.prefix(length))) }
        }
        #expect(throws: CRLError.self) { try RevocationIndex(fileBytes: bytes + [0]) }
        // A flipped bit anywhere.
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<400 {
            var b = bytes
            b[Int.random(in: 0..<b.count, using: &rng)] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
            #expect(throws: CRLError.self) { try RevocationIndex(fileBytes: b) }
        }
    }

    @Test func storeRebuildsACorruptIndexFromItsCRL() async throws {
        let dir = URL(fileURLWithPath: CRLFixture.path("store"))
        let store = RevocationIndexStore(directory: dir)
        let entries = SyntheticRevocations(count: 2_000, seed: 21, latest: CRLFixture.now)
        let crlPath = CRLFixture.path("base.crl")
        try CRLFixture.builder(number: 30).write(entries: entries, to: crlPath)
        let result = try store.importCRL(at: crlPath, issuer: CRLFixture.hierarchy.authCACertificate)
        #expect(result.index.count == 2_000)
        let stem = try #require(store.stems().first)

        // Corrupt the index: one flipped byte in the body.
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: result.indexPath)))
        bytes[bytes.count / 2] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: result.indexPath))
        #expect(throws: CRLError.self) { try RevocationIndex.load(path: result.indexPath) }
        let (rebuilt, wasRebuilt) = try store.load(stem: stem)
        #expect(wasRebuilt)
        #expect(rebuilt.fileBytes == result.index.fileBytes)
        // Truncate it: rebuilt again, and the file on disk is good afterwards.
        truncate(result.indexPath, 100)
        #expect(try store.load(stem: stem).rebuilt)
        #expect(try store.load(stem: stem).rebuilt == false)

        // A delta through the store, then corruption of both files: rebuilt from base + delta.
        let deltaPath = CRLFixture.path("delta.crl")
        try CRLFixture.builder(number: 31, base: 30).write(entries: [
            CRLEntry(serial: entries[5].serial, revocationDate: CRLFixture.now, reason: .removeFromCRL),
            CRLEntry(serial: [0x01, 0x02, 0x03], revocationDate: CRLFixture.now, reason: .keyCompromise),
        ], to: deltaPath)
        let merged = try store.importCRL(at: deltaPath, issuer: CRLFixture.hierarchy.authCACertificate)
        #expect(merged.index.count == 2_000)
        #expect(merged.index.lookup(serial: entries[5].serial) == nil)
        #expect(merged.index.lookup(serial: [0x01, 0x02, 0x03])?.reason == .keyCompromise)
        truncate(result.indexPath, 10)
        truncate(dir.appendingPathComponent(stem + ".base.mgidx").path, 10)
        let again = try store.load(stem: stem)
        #expect(again.rebuilt)
        #expect(again.index.fileBytes == merged.index.fileBytes)

        // The checker reads the store; an index that cannot be rebuilt is left out, not trusted.
        let checker = CRLRevocationChecker(store: store, policy: .failClosed)
        let status = await checker.status(of: Certificate.SerialNumber(bytes: [0x01, 0x02, 0x03]),
                                          issuer: CRLFixture.hierarchy.authCACertificate, at: Date())
        if case .revoked(let reason, _, _) = status { #expect(reason == .keyCompromise) } else { Issue.record("expected revoked, got \(status)") }
        let other = await checker.status(of: Certificate.SerialNumber(bytes: [0x7E]), issuer: CRLFixture.hierarchy.signCACertificate, at: Date())
        if case .unknown = other {} else { Issue.record("expected unknown for an issuer without CRL") }
    }

    @Test func largeStreamedImportKeepsMemoryBounded() throws {
        let n = 200_000
        let entries = SyntheticRevocations(count: n, seed: 2024, latest: CRLFixture.now)
        let crlPath = CRLFixture.path("large.crl")
        let size = try CRLFixture.builder(number: 2).write(entries: entries, to: crlPath)
        #expect(CRLFixture.opensslVerifies(crlPath))

        // Walking alone holds no entries: with a small release stride the resident set stays flat. RSS is
        // sampled during the walk (every 1,000 entries: 200 samples), not only after it, when the
        // released pages are gone again.
        let reader = try CRLReader(path: crlPath)
        let before = try CRLFixture.residentBytes()
        var peak = before, samples = 0, seen = 0
        let summary = try reader.forEachEntry(verifyingWith: CRLFixture.issuerKey, progress: nil, releaseStride: 1 << 20) { _ in
            seen += 1
            guard seen % 1_000 == 0 else { return }
            peak = max(peak, try CRLFixture.residentBytes())
            samples += 1
        }
        #expect(samples == n / 1_000, "RSS sampled \(samples) times during the walk")
        #expect(summary.entryCount == n)
        #expect(summary.signatureVerified)
        #expect(peak - before < size / 2, "walk grew RSS by \(peak - before) for a \(size)-byte CRL")

        let index = try RevocationIndex.build(from: reader, issuer: CRLFixture.issuerKey)
        #expect(index.count == n)
        let perEntry = Double(index.byteCount) / Double(n)
        #expect(perEntry <= 24, "\(perEntry) bytes per entry")
        for i in stride(from: 0, to: n, by: 997) { #expect(index.lookup(serial: entries[i].serial) != nil) }
    }
}
